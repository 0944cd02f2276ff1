// WebSocket channels (/ws/market, /ws/user): subscriptions, translation of engine events into wire frames, and
// fault injection on the way out (silent, drop, delay, duplicate, malformed frames).
import type { ServerWebSocket } from 'bun'
import { z } from 'zod'
import type { KeyStore } from './auth.ts'
import type { SimClock } from './clock.ts'
import type { Engine, EngineEvent, MarketState } from './engine.ts'
import type { Faults } from './faults.ts'
import type { Production } from './production.ts'
import {
  wsBestBidAsk,
  wsBook,
  wsLastTradePrice,
  wsMarketResolved,
  wsOrder,
  wsPriceChange,
  wsTickSizeChange,
  wsTrade,
} from './wire.ts'

export type SocketData = {
  channel: 'market' | 'user'
  id: number
  assets: Set<string>
  custom: boolean
  /** User channel: authenticated API key and its condition-id filter (empty = every market). */
  apiKey: string | undefined
  markets: Set<string>
  closed: boolean
  /** Market channel: the first book snapshot went out (a frozen feed freezes after it). */
  dumped: boolean
}

export type SimSocket = ServerWebSocket<SocketData>

const StrArray = z.array(z.string()).default([])

const MarketSubSchema = z.object({
  assets_ids: StrArray,
  type: z.string().optional(),
  custom_feature_enabled: z.boolean().optional(),
  initial_dump: z.boolean().optional(),
  operation: z.enum(['subscribe', 'unsubscribe']).optional(),
})

const UserSubSchema = z.object({
  auth: z.object({ apiKey: z.string(), secret: z.string(), passphrase: z.string() }).optional(),
  markets: StrArray,
  type: z.string().optional(),
  operation: z.enum(['subscribe', 'unsubscribe']).optional(),
})

export type WsHub = ReturnType<typeof createWsHub>

export function createWsHub(deps: {
  engine: Engine
  keys: KeyStore
  faults: Faults
  clock: SimClock
  production: Production
}) {
  const { engine, keys, faults, clock, production } = deps
  const market = new Set<SimSocket>()
  const user = new Set<SimSocket>()
  const taps: Array<(frame: string) => void> = []
  let nextId = 1
  let delivered = 0
  const lastBba = new Map<string, string>()

  function rawSend(ws: SimSocket, text: string): void {
    if (ws.data.closed) return
    ws.send(text)
    delivered++
  }

  /**
   * Market data this socket silently stops getting (PONG still flows): a frozen feed after its first snapshot
   * (py-clob-client #292), or more assets than production serves on one socket (nautilus_trader #2915).
   */
  function starved(ws: SimSocket): boolean {
    if (ws.data.channel !== 'market') return false
    if (faults.state().wsFrozen && ws.data.dumped) return true
    const c = production.connections
    return c.enforce && ws.data.assets.size > c.max_assets_per_socket
  }

  function send(ws: SimSocket, text: string): void {
    const ch = ws.data.channel
    if (faults.silent(ch) || starved(ws)) return
    const act = faults.frameAction(ch)
    if (act.drop) return
    const out = act.malformed ? text.slice(0, Math.max(1, Math.floor(text.length / 2))) : text
    const deliver = () => {
      rawSend(ws, out)
      if (act.duplicate) rawSend(ws, out)
    }
    if (act.delayMs > 0) clock.setTimeout(deliver, act.delayMs)
    else deliver()
  }

  const subscribed = (ws: SimSocket, m: MarketState) =>
    ws.data.assets.has(m.spec.tokens[0]) || ws.data.assets.has(m.spec.tokens[1])

  function publishMarket(m: MarketState, frame: object, filter?: (ws: SimSocket) => boolean): void {
    const text = JSON.stringify(frame)
    for (const t of taps) t(text)
    for (const ws of market) if (subscribed(ws, m) && (!filter || filter(ws))) send(ws, text)
  }

  function publishPerAsset(m: MarketState, build: (outcome: 0 | 1) => object, customOnly = false): void {
    for (const outcome of [0, 1] as const) {
      const asset = m.spec.tokens[outcome]
      const text = JSON.stringify(build(outcome))
      for (const t of taps) t(text)
      for (const ws of market) if (ws.data.assets.has(asset) && (!customOnly || ws.data.custom)) send(ws, text)
    }
  }

  function maybeBestBidAsk(m: MarketState, ts: number): void {
    for (const outcome of [0, 1] as const) {
      const f = wsBestBidAsk(m, outcome, ts)
      const key = `${f.best_bid}|${f.best_ask}`
      if (lastBba.get(f.asset_id) === key) continue
      lastBba.set(f.asset_id, key)
      const text = JSON.stringify(f)
      for (const t of taps) t(text)
      for (const ws of market) if (ws.data.custom && ws.data.assets.has(f.asset_id)) send(ws, text)
    }
  }

  function userTargets(conditionId: string, apiKeys: Set<string>): SimSocket[] {
    const out: SimSocket[] = []
    for (const ws of user) {
      const k = ws.data.apiKey
      if (!k || !apiKeys.has(k)) continue
      if (ws.data.markets.size > 0 && !ws.data.markets.has(conditionId)) continue
      out.push(ws)
    }
    return out
  }

  function onEngineEvent(e: EngineEvent): void {
    const ts = clock.now()
    const marketSide =
      e.type === 'price_change' || e.type === 'trades' || e.type === 'tick_size_change' || e.type === 'market_closed'
    if (marketSide && market.size === 0 && taps.length === 0) return
    switch (e.type) {
      case 'price_change': {
        // One frame per market; each socket gets only the entries of the assets it follows.
        const frame = wsPriceChange(e.market, e.changes, ts)
        const text = JSON.stringify(frame)
        for (const t of taps) t(text)
        const [yes, no] = e.market.spec.tokens
        let yesOnly: string | undefined
        let noOnly: string | undefined
        for (const ws of market) {
          const a = ws.data.assets
          const hy = a.has(yes)
          const hn = a.has(no)
          if (hy && hn) send(ws, text)
          else if (hy) {
            yesOnly ??= JSON.stringify({
              ...frame,
              price_changes: frame.price_changes.filter((c) => c.asset_id === yes),
            })
            send(ws, yesOnly)
          } else if (hn) {
            noOnly ??= JSON.stringify({ ...frame, price_changes: frame.price_changes.filter((c) => c.asset_id === no) })
            send(ws, noOnly)
          }
        }
        maybeBestBidAsk(e.market, ts)
        break
      }
      case 'trades': {
        for (const tr of e.trades) publishMarket(e.market, wsLastTradePrice(tr, ts))
        publishPerAsset(e.market, (o) => wsBook(e.market, o, ts))
        break
      }
      case 'tick_size_change':
        publishPerAsset(e.market, (o) => wsTickSizeChange(e.market, o, e.oldTick, e.newTick, ts))
        break
      case 'market_closed':
        publishMarket(e.market, wsMarketResolved(e.market, ts), (ws) => ws.data.custom)
        break
      case 'trade_status': {
        if (user.size === 0) break
        const tr = e.trade
        const owners = new Set<string>([tr.taker.owner, ...tr.makers.map((f) => f.order.owner)])
        for (const ws of userTargets(tr.market.spec.conditionId, owners)) {
          const k = ws.data.apiKey
          if (k) send(ws, JSON.stringify(wsTrade(tr, k, ts)))
        }
        break
      }
      case 'order': {
        if (user.size === 0 || e.order.account.unlimited) break
        const text = JSON.stringify(wsOrder(e.order, e.kind, ts))
        for (const ws of userTargets(e.order.market.spec.conditionId, new Set([e.order.owner]))) send(ws, text)
        break
      }
    }
  }
  engine.subscribe(onEngineEvent)

  function dumpBooks(ws: SimSocket, assets: string[]): void {
    const ts = clock.now()
    const books: object[] = []
    for (const a of assets) {
      const loc = engine.token(a)
      if (loc) books.push(wsBook(loc.market, loc.outcome, ts))
    }
    if (books.length === 1) send(ws, JSON.stringify(books[0]))
    else if (books.length > 1) send(ws, JSON.stringify(books))
    if (books.length > 0) ws.data.dumped = true
  }

  function parseJson(text: string): unknown {
    try {
      return JSON.parse(text)
    } catch {
      return undefined
    }
  }

  function onMarketMessage(ws: SimSocket, text: string): void {
    const parsed = MarketSubSchema.safeParse(parseJson(text))
    if (!parsed.success) return
    const msg = parsed.data
    if (msg.custom_feature_enabled !== undefined) ws.data.custom = msg.custom_feature_enabled
    if (msg.operation === 'unsubscribe') {
      for (const a of msg.assets_ids) ws.data.assets.delete(a)
      return
    }
    const fresh = msg.assets_ids.filter((a) => !ws.data.assets.has(a))
    for (const a of msg.assets_ids) ws.data.assets.add(a)
    if (msg.initial_dump !== false) dumpBooks(ws, fresh)
  }

  function onUserMessage(ws: SimSocket, text: string): void {
    const parsed = UserSubSchema.safeParse(parseJson(text))
    if (!parsed.success) return
    const msg = parsed.data
    if (msg.auth) {
      const rec = keys.checkCreds(msg.auth)
      if (!rec) {
        ws.data.closed = true
        ws.close(4001, 'invalid auth')
        return
      }
      ws.data.apiKey = rec.apiKey
    }
    if (!ws.data.apiKey) return
    if (msg.operation === 'unsubscribe') for (const m of msg.markets) ws.data.markets.delete(m)
    else for (const m of msg.markets) ws.data.markets.add(m)
  }

  return {
    newData(channel: 'market' | 'user'): SocketData {
      return {
        channel,
        id: nextId++,
        assets: new Set(),
        custom: false,
        apiKey: undefined,
        markets: new Set(),
        closed: false,
        dumped: false,
      }
    },
    open(ws: SimSocket): void {
      ;(ws.data.channel === 'market' ? market : user).add(ws)
    },
    message(ws: SimSocket, message: string | Buffer): void {
      const text = typeof message === 'string' ? message : message.toString('utf8')
      if (text === 'PING') {
        if (!faults.silent(ws.data.channel)) rawSend(ws, 'PONG')
        return
      }
      if (ws.data.channel === 'market') onMarketMessage(ws, text)
      else onUserMessage(ws, text)
    },
    close(ws: SimSocket): void {
      ws.data.closed = true
      market.delete(ws)
      user.delete(ws)
    },
    /** Close every socket of a channel (fault: connection drop). */
    dropAll(channel: 'market' | 'user' | 'all'): number {
      let n = 0
      for (const set of [market, user]) {
        for (const ws of [...set]) {
          if (channel !== 'all' && ws.data.channel !== channel) continue
          ws.data.closed = true
          ws.close(1001, 'dropped by fault injection')
          set.delete(ws)
          n++
        }
      }
      return n
    },
    /** Observe every market-channel frame as built (before per-socket filtering and faults). */
    tap(fn: (frame: string) => void): () => void {
      taps.push(fn)
      return () => {
        const i = taps.indexOf(fn)
        if (i >= 0) taps.splice(i, 1)
      }
    },
    counts: () => ({ market: market.size, user: user.size, delivered }),
    closeAll(): void {
      for (const ws of [...market, ...user]) {
        ws.data.closed = true
        ws.close(1001, 'server stopping')
      }
      market.clear()
      user.clear()
    },
  }
}
