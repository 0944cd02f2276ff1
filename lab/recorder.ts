import type { Daemon } from '../pipeline/daemon.ts'
import type { EventBus } from '../pipeline/event-bus.ts'
import type { Fill, Market } from '../schemas/domain.ts'
import type { MarketState } from '../sim/engine.ts'
import type { Simulator } from '../sim/index.ts'
import type { VirtualClock } from './clock.ts'
import { rewardScores } from './rewards.ts'

/**
 * What a run leaves for the report, measured from outside the strategy: fills as the daemon saw them, the
 * exchange's mid at each fill and 3/10/30 s later, and every `sampleMs` per market the mid, the fair value, our
 * quote, inventory, risk state, whether both sides rest, and our liquidity-rewards score. PnL is computed from
 * the fills (cash after fees plus holdings at the exchange mid), so it does not depend on the daemon's accounting.
 */

export const MARKOUT_HORIZONS_SEC = [3, 10, 30] as const

export interface FillRow {
  readonly at: number
  readonly market: string
  readonly conditionId: string
  readonly tokenId: string
  readonly outcome: 'YES' | 'NO'
  readonly side: 'BUY' | 'SELL'
  readonly role: 'MAKER' | 'TAKER'
  readonly price: number
  readonly size: number
  readonly feeUsd: number
  readonly midAtFill: number
  /** Per share, positive = good for us; null when the run ended first. */
  markouts: (number | null)[]
  status: string
}

export interface MarketSample {
  readonly mid: number | null
  readonly fair: number | null
  readonly bid: number | null
  readonly ask: number | null
  readonly invShares: number
  readonly invUsd: number
  readonly state: string
  readonly twoSided: boolean
  readonly rewardEligible: boolean
}

export interface Sample {
  readonly t: number
  readonly realized: number
  readonly unrealized: number
  readonly fees: number
  readonly rewards: number
  readonly markets: readonly MarketSample[]
}

export interface RunRecord {
  readonly markets: readonly { readonly slug: string; readonly conditionId: string; readonly tickSize: number }[]
  readonly fills: readonly FillRow[]
  readonly samples: readonly Sample[]
  readonly ordersSent: number
  readonly ordersCancelled: number
  readonly pnlNetUsd: number
  readonly feesUsd: number
  readonly rewardsEstUsd: number
  readonly maxAbsInventoryUsd: number
  /** Every order sent (when asked for: the parity test compares them), in the order they were sent. */
  readonly orders: readonly OrderRow[]
}

export interface OrderRow {
  readonly at: number
  readonly tokenId: string
  readonly side: 'BUY' | 'SELL'
  readonly price: number
  readonly size: number
}

export interface RecorderDeps {
  readonly events: EventBus
  /** The daemon, once it has started (sampling waits for it; orders and fills are recorded from the first). */
  daemon(): Daemon | undefined
  readonly sim: Simulator
  readonly clock: VirtualClock
  readonly sampleMs: number
  readonly rewardsPoolUsdPerDay: number
  /** Our account on the exchange (lowercase). */
  readonly address: string
  readonly keepOrders?: boolean
}

const SCALE = 10_000

/** Own-token mid of a simulator market, or undefined while a side is empty. */
export function tokenMid(m: MarketState, outcome: 0 | 1): number | undefined {
  const bid = m.book.bestBid
  const ask = m.book.bestAsk
  if (bid < 0 || ask > SCALE) return undefined
  const yes = (bid + ask) / 2 / SCALE
  return outcome === 0 ? yes : 1 - yes
}

export function createRecorder(d: RecorderDeps) {
  const { sim, clock } = d
  const byToken = new Map<string, { state: MarketState; outcome: 0 | 1 }>()
  for (const state of sim.engine.markets) {
    byToken.set(state.spec.tokens[0], { state, outcome: 0 })
    byToken.set(state.spec.tokens[1], { state, outcome: 1 })
  }
  const markets = sim.engine.markets
  const lastMid = new Map<string, number>()
  const midOf = (tokenId: string): number => {
    const loc = byToken.get(tokenId)
    const m = loc ? tokenMid(loc.state, loc.outcome) : undefined
    if (m !== undefined) lastMid.set(tokenId, m)
    return m ?? lastMid.get(tokenId) ?? 0.5
  }
  const fills = new Map<string, FillRow>()
  const shares = new Map<string, number>()
  let cash = 0
  let fees = 0
  let rewards = 0
  let maxInv = 0
  const sent = new Set<string>()
  const cancelled = new Set<string>()
  const samples: Sample[] = []
  const orders: OrderRow[] = []
  const timers: (() => void)[] = []
  let windowOpen = true

  const invUsd = (m: MarketState): number => {
    const q = (shares.get(m.spec.tokens[0]) ?? 0) - (shares.get(m.spec.tokens[1]) ?? 0)
    const yes = midOf(m.spec.tokens[0])
    // Signed: + long YES exposure (YES held at the YES mid), − long NO (NO held at 1 − mid).
    return q >= 0 ? q * yes : q * (1 - yes)
  }
  const holdingsValue = () => {
    let v = 0
    for (const [t, s] of shares) v += s * midOf(t)
    return v
  }

  const apply = (f: Fill, sign: 1 | -1) => {
    const signed = f.side === 'BUY' ? f.size : -f.size
    shares.set(f.tokenId, (shares.get(f.tokenId) ?? 0) + sign * signed)
    cash += sign * (-signed * f.price - f.feeUsd)
    fees += sign * f.feeUsd
  }

  const offEvents = d.events.onAny((e) => {
    if (e.type === 'order') {
      if (!windowOpen) return
      if (e.order.status === 'pending' && !sent.has(e.order.id)) {
        sent.add(e.order.id)
        const o = e.order
        if (d.keepOrders) orders.push({ at: e.at, tokenId: o.tokenId, side: o.side, price: o.price, size: o.size })
      }
      if (e.order.status === 'cancelled') cancelled.add(e.order.id)
      return
    }
    if (e.type !== 'fill') return
    const f = e.fill
    const key = `${f.tradeId}:${f.orderId}`
    const known = fills.get(key)
    if (known) {
      if (f.status === 'FAILED' && known.status !== 'FAILED') apply(f, -1)
      known.status = f.status
      return
    }
    const loc = byToken.get(f.tokenId)
    if (!loc) return
    const row: FillRow = {
      at: clock.now(),
      market: loc.state.spec.slug,
      conditionId: f.conditionId,
      tokenId: f.tokenId,
      outcome: loc.outcome === 0 ? 'YES' : 'NO',
      side: f.side,
      role: f.role,
      price: f.price,
      size: f.size,
      feeUsd: f.feeUsd,
      midAtFill: midOf(f.tokenId),
      markouts: MARKOUT_HORIZONS_SEC.map(() => null),
      status: f.status,
    }
    fills.set(key, row)
    if (f.status !== 'FAILED') apply(f, 1)
    maxInv = Math.max(maxInv, Math.abs(invUsd(loc.state)))
    for (const [i, h] of MARKOUT_HORIZONS_SEC.entries()) {
      timers.push(
        clock.setTimeout(() => {
          const mid = midOf(f.tokenId)
          row.markouts[i] = f.side === 'BUY' ? mid - f.price : f.price - mid
        }, h * 1000),
      )
    }
  })

  const sample = () => {
    const daemon = d.daemon()
    if (!daemon) return
    const marketOf = (cid: string): Market | undefined => daemon.universe.markets().find((m) => m.conditionId === cid)
    const exec = daemon.current().execute.handler
    let dayShare = 0
    const ms: MarketSample[] = markets.map((m) => {
      const cid = m.spec.conditionId
      const st = daemon.quotes.state(cid)
      const live = exec.liveOrders(cid).filter((o) => o.status === 'live' || o.status === 'partially_filled')
      const mid = tokenMid(m, 0)
      const score = mid === undefined ? undefined : rewardScores(m, mid)
      const ours = score?.byOwner.get(d.address) ?? 0
      const share = score && score.total > 0 ? ours / score.total : 0
      dayShare += share
      const inv = invUsd(m)
      maxInv = Math.max(maxInv, Math.abs(inv))
      const mk = marketOf(cid)
      return {
        mid: mid ?? null,
        fair: st?.fair ?? null,
        bid: st?.pulledFor === undefined ? (st?.quote?.bid ?? null) : null,
        ask: st?.pulledFor === undefined ? (st?.quote?.ask ?? null) : null,
        invShares: (shares.get(m.spec.tokens[0]) ?? 0) - (shares.get(m.spec.tokens[1]) ?? 0),
        invUsd: inv,
        state: st?.verdict?.state ?? (mk ? 'ACTIVE' : 'CLOSED'),
        twoSided: live.some((o) => o.quoteSide === 'bid') && live.some((o) => o.quoteSide === 'ask'),
        rewardEligible: ours > 0,
      }
    })
    rewards += (dayShare * d.rewardsPoolUsdPerDay * d.sampleMs) / 86_400_000
    const total = cash + holdingsValue()
    const realized = daemon.account.realizedSince(0)
    samples.push({ t: clock.now(), realized, unrealized: total - realized, fees, rewards, markets: ms })
  }
  let sampling = false

  return {
    /** The measured window starts: the time series from here on. */
    startWindow() {
      if (sampling) return
      sampling = true
      timers.push(clock.setInterval(sample, d.sampleMs))
    },
    /** The measured window ends: sampling stops, fills of the shutdown are still counted. */
    finishWindow() {
      sample()
      windowOpen = false
      for (const t of timers.splice(0)) t()
    },
    finish(): RunRecord {
      offEvents()
      return {
        markets: markets.map((m) => ({ slug: m.spec.slug, conditionId: m.spec.conditionId, tickSize: m.tick / SCALE })),
        fills: [...fills.values()],
        samples,
        ordersSent: sent.size,
        ordersCancelled: cancelled.size,
        pnlNetUsd: cash + holdingsValue(),
        feesUsd: fees,
        rewardsEstUsd: rewards,
        maxAbsInventoryUsd: maxInv,
        orders,
      }
    },
  }
}
