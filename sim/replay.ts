// Replay: drive the books from a recorded market-channel JSONL stream (one received frame per line) and match the
// daemon's orders against it with a conservative queue model.
//
// The recorded YES book is mirrored into the engine as liquidity of an internal account, so REST /book and the WS
// channels show recorded depth plus the daemon's own orders. Recorded trades are re-enacted as FAK orders of an
// internal taker: they consume the liquidity queued ahead first (time priority), so the queue ahead of a resting
// order advances only on trades at its price (or through it). When a recorded level shrinks without a trade, the
// newest internal liquidity is removed first, so cancellations never move the daemon's order forward unless nothing
// was queued behind it.
import { readFileSync } from 'node:fs'
import { z } from 'zod'
import type { SimClock } from './clock.ts'
import type { Engine, MarketState, SimOrder } from './engine.ts'
import { type Scenario, ScenarioSchema } from './scenario.ts'
import { PRICE_SCALE, priceToUnits, sharesToMicro } from './units.ts'

const Num = z.union([z.string(), z.number()]).transform((v) => Number(v))
const LevelSchema = z.object({ price: Num, size: Num })

const BookEvent = z.object({
  event_type: z.literal('book'),
  asset_id: z.string(),
  market: z.string(),
  bids: z.array(LevelSchema),
  asks: z.array(LevelSchema),
  timestamp: Num,
  tick_size: z.string().optional(),
})
const PriceChangeEvent = z.object({
  event_type: z.literal('price_change'),
  market: z.string(),
  timestamp: Num,
  price_changes: z.array(z.object({ asset_id: z.string(), price: Num, size: Num, side: z.enum(['BUY', 'SELL']) })),
})
const TradeEvent = z.object({
  event_type: z.literal('last_trade_price'),
  asset_id: z.string(),
  market: z.string(),
  price: Num,
  size: Num,
  side: z.enum(['BUY', 'SELL']),
  timestamp: Num,
})
const ReplayEventSchema = z.discriminatedUnion('event_type', [BookEvent, PriceChangeEvent, TradeEvent])
export type ReplayEvent = z.infer<typeof ReplayEventSchema>

/** Parse a JSONL recording; frames may be single events or arrays; unknown or malformed events are skipped. */
export function parseRecording(text: string): ReplayEvent[] {
  const out: ReplayEvent[] = []
  for (const line of text.split('\n')) {
    if (!line.trim()) continue
    let raw: unknown
    try {
      raw = JSON.parse(line)
    } catch {
      continue
    }
    for (const item of Array.isArray(raw) ? raw : [raw]) {
      const ev = ReplayEventSchema.safeParse(item)
      if (ev.success) out.push(ev.data)
    }
  }
  return out
}

export function loadRecording(path: string): ReplayEvent[] {
  return parseRecording(readFileSync(path, 'utf8'))
}

/** Markets of a recording: assets grouped by condition id (first-seen asset is treated as YES). */
export function scenarioFromRecording(events: ReplayEvent[], base: Partial<Scenario> = {}): Scenario {
  const byMarket = new Map<string, { assets: string[]; tick: number }>()
  const note = (market: string, asset: string, tick?: string) => {
    let m = byMarket.get(market)
    if (!m) {
      m = { assets: [], tick: 0.01 }
      byMarket.set(market, m)
    }
    if (!m.assets.includes(asset)) m.assets.push(asset)
    if (tick) m.tick = Number(tick)
  }
  for (const e of events) {
    if (e.event_type === 'book') note(e.market, e.asset_id, e.tick_size)
    else if (e.event_type === 'last_trade_price') note(e.market, e.asset_id)
    else for (const c of e.price_changes) note(e.market, c.asset_id)
  }
  let i = 0
  const markets = [...byMarket].flatMap(([cid, m]) => {
    const [a, b] = m.assets
    if (!a || !b || !/^0x[0-9a-f]{64}$/.test(cid)) return []
    i++
    return [
      {
        slug: `replay-${i}`,
        question: `Replayed market ${i}`,
        condition_id: cid,
        token_ids: [a, b],
        tick_size: m.tick,
      },
    ]
  })
  if (markets.length === 0) throw new Error('recording holds no market with both tokens and a valid condition id')
  return ScenarioSchema.parse({ name: 'replay', ...base, flow: false, markets })
}

export type Replay = {
  start(): void
  stop(): void
  /** Resolves once every recorded event has been applied. */
  done: Promise<void>
  applied(): number
}

const LIQ = { address: '0x7e91a7e91a7e91a7e91a7e91a7e91a7e91a7e91a', owner: '00000000-0000-4000-8000-7e91a7e91a7e' }
const TAKER = { address: '0x7e9a7e9a7e9a7e9a7e9a7e9a7e9a7e9a7e9a7e9a', owner: '00000000-0000-4000-8000-7e9a7e9a7e9a' }

export function createReplay(deps: {
  engine: Engine
  clock: SimClock
  events: ReplayEvent[]
  log?: (m: string) => void
}): Replay {
  const { engine, clock, events } = deps
  const log = deps.log ?? (() => {})
  let n = 0
  const nextId = () => `0x7e9${(++n).toString(16).padStart(61, '0')}`
  // Internal liquidity per market per YES-space level, in placement order.
  const liquidity = new Map<MarketState, Map<number, SimOrder[]>>()
  const key = (ySide: 0 | 1, price: number) => ySide * (PRICE_SCALE + 1) + price

  function levelOrders(m: MarketState, ySide: 0 | 1, price: number): SimOrder[] {
    let byLevel = liquidity.get(m)
    if (!byLevel) {
      byLevel = new Map()
      liquidity.set(m, byLevel)
    }
    const k = key(ySide, price)
    const list = (byLevel.get(k) ?? []).filter((o) => o.resting)
    byLevel.set(k, list)
    return list
  }

  function syncLevel(m: MarketState, ySide: 0 | 1, price: number, target: number): void {
    if (price <= 0 || price >= PRICE_SCALE) return
    const list = levelOrders(m, ySide, price)
    const current = list.reduce((s, o) => s + o.remaining, 0)
    if (target > current) {
      const r = engine.place(
        {
          id: nextId(),
          owner: LIQ.owner,
          address: LIQ.address,
          tokenId: m.spec.tokens[0],
          side: ySide === 0 ? 'BUY' : 'SELL',
          price,
          size: target - current,
          orderType: 'GTC',
        },
        { unlimited: true },
      )
      if (r.ok && r.order.resting) list.push(r.order)
    } else if (target < current) {
      // Remove newest liquidity first, and never liquidity queued ahead of someone else's order: the recording's
      // cancellation may have been behind it. What cannot be removed stays as (conservative) extra depth.
      const protectedAhead = aheadOfOthers(m, ySide, price)
      let excess = current - target
      for (let i = list.length - 1; i >= 0 && excess > 0; i--) {
        const o = list[i] as SimOrder
        if (protectedAhead.has(o)) continue
        const cut = Math.min(excess, o.remaining)
        engine.shrink(o.id, cut)
        excess -= cut
      }
    }
  }

  /** Internal liquidity orders that sit ahead of at least one non-internal order at the level. */
  function aheadOfOthers(m: MarketState, ySide: 0 | 1, price: number): Set<SimOrder> {
    const out = new Set<SimOrder>()
    const lvl = m.book.level(ySide, price)
    let node = lvl?.tail
    while (node && node.account.address === LIQ.address) node = node.prev as SimOrder | undefined
    for (; node; node = node.prev as SimOrder | undefined) if (node.account.address === LIQ.address) out.add(node)
    return out
  }

  function syncBook(m: MarketState, bids: Map<number, number>, asks: Map<number, number>): void {
    for (const [ySide, want] of [
      [0, bids],
      [1, asks],
    ] as const) {
      const byLevel = liquidity.get(m)
      const prices = new Set(want.keys())
      if (byLevel)
        for (const k of byLevel.keys())
          if (Math.floor(k / (PRICE_SCALE + 1)) === ySide) prices.add(k % (PRICE_SCALE + 1))
      for (const p of prices) syncLevel(m, ySide, p, want.get(p) ?? 0)
    }
  }

  function apply(e: ReplayEvent): void {
    if (e.event_type === 'book') {
      const loc = engine.token(e.asset_id)
      if (loc?.outcome !== 0) return
      const bids = new Map(e.bids.map((l) => [priceToUnits(l.price), sharesToMicro(l.size)]))
      const asks = new Map(e.asks.map((l) => [priceToUnits(l.price), sharesToMicro(l.size)]))
      syncBook(loc.market, bids, asks)
    } else if (e.event_type === 'price_change') {
      // Shrinking levels first, so a message that moves the touch never crosses the book transiently.
      const ordered = [...e.price_changes].sort((x, y) => x.size - y.size)
      for (const c of ordered) {
        const loc = engine.token(c.asset_id)
        if (loc?.outcome !== 0) continue
        syncLevel(loc.market, c.side === 'BUY' ? 0 : 1, priceToUnits(c.price), sharesToMicro(c.size))
      }
    } else {
      const loc = engine.token(e.asset_id)
      if (!loc) return
      const own = priceToUnits(e.price)
      const yesPrice = loc.outcome === 0 ? own : PRICE_SCALE - own
      const buysYes = (loc.outcome === 0) === (e.side === 'BUY')
      engine.place(
        {
          id: nextId(),
          owner: TAKER.owner,
          address: TAKER.address,
          tokenId: loc.market.spec.tokens[0],
          side: buysYes ? 'BUY' : 'SELL',
          price: yesPrice,
          size: sharesToMicro(e.size),
          orderType: 'FAK',
        },
        { unlimited: true },
      )
    }
  }

  let idx = 0
  let cancel: (() => void) | undefined
  let running = false
  let resolveDone = () => {}
  const done = new Promise<void>((r) => {
    resolveDone = r
  })
  const t0 = events[0]?.timestamp ?? 0
  let start = 0

  function pump(): void {
    if (!running) return
    const elapsed = clock.now() - start
    while (idx < events.length && (events[idx]?.timestamp ?? 0) - t0 <= elapsed) {
      try {
        apply(events[idx] as ReplayEvent)
      } catch (err) {
        log(`replay: event ${idx} failed: ${(err as Error).message}`)
      }
      idx++
    }
    if (idx >= events.length) {
      running = false
      log(`replay finished: ${idx} events`)
      resolveDone()
      return
    }
    const wait = (events[idx]?.timestamp ?? 0) - t0 - (clock.now() - start)
    cancel = clock.setTimeout(pump, Math.max(0, wait))
  }

  return {
    start() {
      if (running) return
      running = true
      start = clock.now()
      pump()
    },
    stop() {
      running = false
      cancel?.()
      resolveDone()
    },
    done,
    applied: () => idx,
  }
}
