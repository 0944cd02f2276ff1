import { z } from 'zod'
import type { Clock } from '../../../pipeline/clock.ts'
import type { Fill, Market } from '../../../schemas/domain.ts'
import type { MarkoutPenaltyConfig } from './config.ts'

/** A market's latest YES fair value as the risk stage saw it. */
export interface Mark {
  readonly market: Market
  readonly fair: number
  readonly at: number
}

/**
 * Markout of one fill per share, in price units, positive when the fill was good for us: the token's fair
 * value now minus the fill price, sign-flipped for a sale. A NO fill is valued at 1 − the YES fair.
 */
export function markoutOf(
  fill: Pick<Fill, 'side' | 'price' | 'tokenId'>,
  market: Pick<Market, 'yesTokenId' | 'noTokenId'>,
  yesFair: number,
): number | undefined {
  let tokenFair: number
  if (fill.tokenId === market.yesTokenId) tokenFair = yesFair
  else if (fill.tokenId === market.noTokenId) tokenFair = 1 - yesFair
  else return undefined
  return (tokenFair - fill.price) * (fill.side === 'BUY' ? 1 : -1)
}

/** Weight left after `dtMs` with a half-life. */
export function halfLifeDecay(dtMs: number, halfLifeMs: number): number {
  return dtMs <= 0 ? 1 : 2 ** (-dtMs / halfLifeMs)
}

/** The penalty's excess over 1 that a recent mean markout calls for. */
export function penaltyExcess(mean: number, cfg: MarkoutPenaltyConfig): number {
  const adverseBeyond = -mean - cfg.threshold
  if (!(adverseBeyond > 0)) return 0
  return Math.min(cfg.max_multiplier - 1, (adverseBeyond / 0.01) * cfg.widen_per_cent)
}

const MemorySchema = z.object({
  sum: z.number(),
  weight: z.number().positive(),
  at: z.number(),
  excess: z.number().nonnegative(),
  count: z.number().int().nonnegative(),
})
type Memory = z.infer<typeof MemorySchema>
export const PenaltySnapshotSchema = z.array(z.tuple([z.string(), MemorySchema]))

export interface PenaltyBook {
  /** Adds one markout of a market; returns the recent mean and the multiplier just before and after. */
  record(
    conditionId: string,
    markout: number,
    at: number,
    cfg: MarkoutPenaltyConfig,
  ): { mean: number; before: number; after: number }
  /** Spread multiplier (≥ 1) of a market at `now`, for both sides. */
  multiplier(conditionId: string, now: number, cfg: MarkoutPenaltyConfig): number
  /** Half-life-weighted mean of a market's markouts, or undefined before the first. */
  mean(conditionId: string): number | undefined
  snapshot(): z.infer<typeof PenaltySnapshotSchema>
  restore(state: unknown): void
}

/**
 * Per-market markout memory. The recent mean weighs each markout by 2^(−age / half-life), so old fills fade
 * out of it; each new markout sets the penalty from that mean, and between markouts the penalty's excess over
 * 1 halves every half-life. One market's adverse fills never widen another market.
 */
export function createPenaltyBook(): PenaltyBook {
  const memories = new Map<string, Memory>()
  const current = (m: Memory | undefined, now: number, cfg: MarkoutPenaltyConfig) =>
    m ? 1 + m.excess * halfLifeDecay(now - m.at, cfg.half_life) : 1
  return {
    record(conditionId, markout, at, cfg) {
      const m = memories.get(conditionId)
      const before = current(m, at, cfg)
      const keep = m ? halfLifeDecay(at - m.at, cfg.half_life) : 0
      const next: Memory = {
        sum: (m?.sum ?? 0) * keep + markout,
        weight: (m?.weight ?? 0) * keep + 1,
        at: Math.max(at, m?.at ?? at),
        excess: 0,
        count: (m?.count ?? 0) + 1,
      }
      const mean = next.sum / next.weight
      next.excess = penaltyExcess(mean, cfg)
      memories.set(conditionId, next)
      return { mean, before, after: 1 + next.excess }
    },
    multiplier: (conditionId, now, cfg) => current(memories.get(conditionId), now, cfg),
    mean(conditionId) {
      const m = memories.get(conditionId)
      return m ? m.sum / m.weight : undefined
    },
    snapshot: () => [...memories].map(([id, m]) => [id, { ...m }] as [string, Memory]),
    restore(state) {
      const parsed = PenaltySnapshotSchema.safeParse(state)
      if (!parsed.success) return
      for (const [id, m] of parsed.data) memories.set(id, { ...m })
    },
  }
}

export interface MarkoutSample {
  readonly fill: Fill
  readonly horizonMs: number
  readonly at: number
  /** The YES fair value the fill was marked against. */
  readonly fair: number
  readonly markout: number
}

export interface MarkoutTracker {
  /** Schedules the fill's measurements (once per fill, whatever status updates follow). */
  onFill(fill: Fill): void
  /** Measurements scheduled and not yet taken. */
  pending(): number
  stop(): void
}

/** How long a fill's identity is remembered, so late status updates (MINED, CONFIRMED) are not re-scheduled. */
const SEEN_RETENTION_MS = 6 * 3_600_000

/**
 * Takes each fill's markouts at its horizons after the fill's own timestamp, never at fill time: the fair value
 * is read from the market's latest risk input when the timer fires. A horizon already past when the fill
 * arrives (a back-filled trade) is skipped rather than measured late under the wrong label, and so is one whose
 * market has not been marked since the fill (its fair would be older than the fill). A fill that turns
 * FAILED has its remaining measurements cancelled.
 */
export function createMarkoutTracker(deps: {
  readonly clock: Clock
  readonly horizonsMs: () => readonly number[]
  readonly markOf: (conditionId: string) => Mark | undefined
  readonly onMarkout: (sample: MarkoutSample) => void
  readonly onSkip: (fill: Fill, horizonMs: number, why: string) => void
}): MarkoutTracker {
  const { clock } = deps
  const seen = new Map<string, number>() // fill key → first seen (insertion order = time order)
  const timers = new Map<string, Set<() => void>>() // fill key → cancels of pending measurements
  let pendingCount = 0

  const keyOf = (f: Fill) => `${f.tradeId}|${f.orderId}|${f.tokenId}`

  function prune(now: number) {
    for (const [k, at] of seen) {
      if (at >= now - SEEN_RETENTION_MS) break
      seen.delete(k)
    }
  }

  function measure(key: string, fill: Fill, filledAt: number, horizonMs: number, cancel: () => void) {
    const set = timers.get(key)
    set?.delete(cancel)
    if (set?.size === 0) timers.delete(key)
    pendingCount--
    const mark = deps.markOf(fill.conditionId)
    if (!mark) return deps.onSkip(fill, horizonMs, 'no fair value known for its market')
    // The market was not evaluated since the fill (pulled before the risk stage: stale book, lost connection):
    // its fair predates the fill and would measure nothing but the fill price's distance from an old value.
    if (mark.at < filledAt) {
      return deps.onSkip(
        fill,
        horizonMs,
        `fair value last marked ${((filledAt - mark.at) / 1000).toFixed(1)} s before the fill`,
      )
    }
    const markout = markoutOf(fill, mark.market, mark.fair)
    if (markout === undefined) return deps.onSkip(fill, horizonMs, 'token is neither side of its market')
    deps.onMarkout({ fill, horizonMs, at: clock.now(), fair: mark.fair, markout })
  }

  return {
    onFill(fill) {
      const key = keyOf(fill)
      const now = clock.now()
      if (fill.status === 'FAILED') {
        for (const cancel of timers.get(key) ?? []) {
          cancel()
          pendingCount--
        }
        timers.delete(key)
        seen.set(key, seen.get(key) ?? now)
        return
      }
      if (seen.has(key)) return
      seen.set(key, now)
      prune(now)
      const filledAt = Number.isFinite(fill.timestamp) ? Math.min(fill.timestamp, now) : now
      for (const horizonMs of deps.horizonsMs()) {
        const wait = filledAt + horizonMs - now
        if (wait < 0) {
          deps.onSkip(fill, horizonMs, `horizon passed ${((now - filledAt) / 1000).toFixed(1)} s after the fill`)
          continue
        }
        let set = timers.get(key)
        if (!set) timers.set(key, (set = new Set()))
        const cancel = clock.setTimeout(() => measure(key, fill, filledAt, horizonMs, cancel), wait)
        set.add(cancel)
        pendingCount++
      }
    },
    pending: () => pendingCount,
    stop() {
      for (const set of timers.values()) for (const cancel of set) cancel()
      timers.clear()
      pendingCount = 0
    },
  }
}
