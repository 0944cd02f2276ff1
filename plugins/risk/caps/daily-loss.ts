import { z } from 'zod'
import type { Account } from '../../../pipeline/account.ts'
import type { Clock } from '../../../pipeline/clock.ts'
import type { Market } from '../../../schemas/domain.ts'

export const DAY_MS = 86_400_000

/** 00:00 UTC of the day containing `ms`. */
export function utcDayStart(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS
}

export interface DailyHalt {
  readonly reason: string
  readonly since: number
}

export interface DailyLossStatus {
  /** 00:00 UTC of the day being counted. */
  readonly dayStart: number
  /** Where the count starts: the day start, or the time of an explicit reset that day. */
  readonly countingSince: number
  /**
   * The day's PnL in USD that the limit is compared with: this instance's (realized since the baseline + change of
   * unrealized since the baseline) plus, when instances share the account's limits, the others'.
   */
  readonly pnlUsd: number
  /** The other instances' part of pnlUsd (0 when nothing is shared). */
  readonly peersPnlUsd: number
  readonly realizedUsd: number
  readonly unrealizedUsd: number
  /** The loss that halts, in USD (positive). */
  readonly limitUsd: number
  readonly halted: DailyHalt | undefined
}

export type DailyLossChange =
  | { readonly kind: 'halted'; readonly at: number; readonly reason: string }
  | { readonly kind: 'cleared'; readonly at: number; readonly reason: string }

export const DailyLossSnapshotSchema = z.object({
  dayStart: z.number(),
  countingSince: z.number(),
  realizedOffset: z.number(),
  bases: z.array(z.tuple([z.string(), z.number()])),
  halted: z.object({ reason: z.string(), since: z.number() }).optional(),
})
export type DailyLossSnapshot = z.infer<typeof DailyLossSnapshotSchema>

export interface DailyLoss {
  /** Remember a market's latest fair value: its unrealized PnL counts toward the day's. */
  mark(market: Market, fair: number): void
  /** Roll the day if it is due, then compare the day's PnL with the limit. A halt latches until cleared. */
  check(now: number, capitalUsd: number, limitPct: number): DailyLossStatus
  /** Start counting a new UTC day when `now` is in one; lifts a halt. The boundary timer calls this. */
  roll(now: number): void
  /** Operator reset: lifts a halt and counts the day's PnL from now on. */
  reset(now: number, why: string): { readonly wasHalted: boolean; readonly pnlUsdBefore: number }
  halted(): DailyHalt | undefined
  /** Arms the 00:00 UTC timer. */
  start(): void
  stop(): void
  snapshot(): DailyLossSnapshot
  restore(state: unknown): void
}

interface Entry {
  market: Market
  fair: number
  unrealized: number
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')

/**
 * The UTC day's PnL, marked to market: realized PnL of today's fills plus the change of unrealized PnL (at
 * fair) of every market seen since the day's baseline. At 00:00 UTC the baseline moves to the current marks,
 * so a loss carried over from yesterday is not counted twice and a halt from yesterday is lifted. A market
 * first seen during the day starts from the unrealized PnL, at its first mark, of the holdings carried into the
 * run (seeded from the exchange): what they gained before is not today's, while fills of this run (even ones
 * before the first mark) count in full.
 *
 * The limit is compared as limitPct / 100 × capital: the setting is a PERCENT (the caps are fractions).
 */
export function createDailyLoss(deps: {
  readonly account: Account
  readonly clock: Clock
  readonly onChange: (change: DailyLossChange) => void
  /** The day's PnL of the account's other instances, when they share it (USD; undefined: nothing shared). */
  readonly peers?: () => { readonly pnlUsd: number; readonly instances: number } | undefined
}): DailyLoss {
  const { account, clock } = deps
  let dayStart = utcDayStart(clock.now())
  let countingSince = dayStart
  let realizedOffset = 0
  let halted: DailyHalt | undefined
  const entries = new Map<string, Entry>()
  const bases = new Map<string, number>()
  let realizedCache: number | undefined
  let unrealizedStale = false
  let unrealizedTotal = 0 // Σ (unrealized − base), kept incrementally between account changes
  let cancelTimer: (() => void) | undefined
  let offAccount: (() => void) | undefined

  const base = (id: string) => bases.get(id) ?? 0

  function recomputeUnrealized() {
    unrealizedTotal = 0
    for (const [id, e] of entries) {
      e.unrealized = account.unrealized(e.market, e.fair)
      unrealizedTotal += e.unrealized - base(id)
    }
    unrealizedStale = false
  }

  function realized(): number {
    realizedCache ??= account.realizedSince(dayStart)
    return realizedCache - realizedOffset
  }

  /** Moves the baseline to now: realized counted from here, unrealized relative to the current marks. */
  function rebase() {
    recomputeUnrealized()
    bases.clear()
    for (const [id, e] of entries) bases.set(id, e.unrealized)
    unrealizedTotal = 0
  }

  function pnl(): number {
    if (unrealizedStale) recomputeUnrealized()
    return realized() + unrealizedTotal
  }

  function roll(now: number) {
    const day = utcDayStart(now)
    if (day <= dayStart) return
    dayStart = day
    countingSince = day
    realizedOffset = 0
    realizedCache = undefined
    rebase()
    if (halted) {
      halted = undefined
      deps.onChange({ kind: 'cleared', at: now, reason: `new UTC day ${iso(day).slice(0, 10)}` })
    }
  }

  function arm() {
    cancelTimer?.()
    // A timer that fires a little early finds the same day and simply re-arms for the remainder.
    const wait = Math.max(1, dayStart + DAY_MS - clock.now())
    cancelTimer = clock.setTimeout(() => {
      roll(clock.now())
      arm()
    }, wait)
  }

  return {
    mark(market, fair) {
      const id = market.conditionId
      let e = entries.get(id)
      if (!e) {
        entries.set(id, (e = { market, fair, unrealized: 0 }))
        // Holdings carried into the run gained or lost before it: only their change from this mark is the day's.
        if (!bases.has(id)) {
          const carried = account.carriedUnrealized(market, fair)
          bases.set(id, carried)
          if (!unrealizedStale) unrealizedTotal -= carried
        }
      }
      const before = e.unrealized
      e.market = market
      e.fair = fair
      e.unrealized = account.unrealized(market, fair)
      if (!unrealizedStale) unrealizedTotal += e.unrealized - before
    },
    check(now, capitalUsd, limitPct) {
      roll(now)
      const own = pnl()
      const peers = deps.peers?.()
      const peersPnlUsd = peers && peers.instances > 0 ? peers.pnlUsd : 0
      const pnlUsd = own + peersPnlUsd
      const limitUsd = (limitPct / 100) * capitalUsd
      if (!halted && limitUsd > 0 && -pnlUsd >= limitUsd) {
        const whose =
          peers && peers.instances > 0
            ? `account-wide PnL ${pnlUsd.toFixed(2)} USD (this instance ${own.toFixed(2)}, ${peers.instances} other instance(s) ${peersPnlUsd.toFixed(2)})`
            : `PnL ${pnlUsd.toFixed(2)} USD`
        const reason =
          `daily loss limit: ${whose} since ${iso(countingSince)} ≤ -${limitUsd.toFixed(2)} USD ` +
          `(${limitPct}% of ${capitalUsd} USD capital)`
        halted = { reason, since: now }
        deps.onChange({ kind: 'halted', at: now, reason })
      }
      return {
        dayStart,
        countingSince,
        pnlUsd,
        peersPnlUsd,
        realizedUsd: realized(),
        unrealizedUsd: unrealizedTotal,
        limitUsd,
        halted,
      }
    },
    roll,
    reset(now, why) {
      roll(now)
      const pnlUsdBefore = pnl()
      const wasHalted = halted !== undefined
      realizedCache = undefined
      realizedOffset = account.realizedSince(dayStart)
      countingSince = now
      rebase()
      halted = undefined
      if (wasHalted) deps.onChange({ kind: 'cleared', at: now, reason: `reset: ${why}` })
      return { wasHalted, pnlUsdBefore }
    },
    halted: () => halted,
    start() {
      offAccount ??= account.onChange(() => {
        realizedCache = undefined
        unrealizedStale = true
      })
      roll(clock.now())
      arm()
    },
    stop() {
      cancelTimer?.()
      cancelTimer = undefined
      offAccount?.()
      offAccount = undefined
    },
    snapshot: () => ({ dayStart, countingSince, realizedOffset, bases: [...bases], ...(halted ? { halted } : {}) }),
    restore(state) {
      const parsed = DailyLossSnapshotSchema.safeParse(state)
      // Yesterday's baseline and halt do not carry into a new day.
      if (!parsed.success || parsed.data.dayStart !== dayStart) return
      realizedOffset = parsed.data.realizedOffset
      countingSince = parsed.data.countingSince
      bases.clear()
      for (const [id, b] of parsed.data.bases) bases.set(id, b)
      halted = parsed.data.halted
      unrealizedStale = true
    },
  }
}
