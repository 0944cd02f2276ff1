import type { BookView, LiveOrder, OrderIntent, QuoteSide } from '../../../schemas/domain.ts'
import type { BookPair } from '../../../stages/io.ts'

/**
 * Desired orders (from the layer stage) against the orders we have: what to keep, cancel and place, and in
 * which order, for one market. Pure.
 *
 * Rules (DESIGN §4):
 * - A live order that matches a desired level (same token, side, price, remaining size within a tolerance)
 *   keeps its queue place.
 * - A quote side is requoted when the mid moved ≥ `requoteMidTicks` ticks since it was quoted, when its best
 *   order fell ≥ `requoteQueueLevels` price levels behind the touch, or when the side is pulled. An order older
 *   than `orderMaxAgeMs` is replaced. A side that is not requoted keeps orders that drifted at most
 *   `requoteMidTicks` ticks from their level: a mid move under the threshold can still shift a tick-rounded
 *   price by that much, and such moves must cause no churn. An adopted order (quoted mid unknown, negative)
 *   counts as quoted at a far mid, so its side is re-examined at once.
 * - Orders whose submit or cancel outcome is unresolved (pending, unknown, cancel in flight) are never
 *   cancelled again nor duplicated: they count as exposure, and no order is placed at their level.
 * - The swap runs cancels first, then places, in batches, so worst-case exposure (everything that may rest:
 *   live, pending, unknown, cancels not yet confirmed) never rises above `exposureCap`.
 */

export interface DiffConfig {
  readonly tickSize: number
  readonly requoteMidTicks: number
  /** 0 disables the queue rule. */
  readonly requoteQueueLevels: number
  readonly orderMaxAgeMs: number
  /** Relative size tolerance for keeping an order: |remaining − desired| ≤ this × desired. */
  readonly sizeTolerance: number
  /** Worst-case exposure never exceeds this (see `exposureOf`). Infinity for no cap. */
  readonly exposureCap: number
  /** Orders per POST /orders (the exchange takes up to 15). */
  readonly maxPlaceBatch: number
  /** Ids per DELETE /orders. */
  readonly maxCancelBatch: number
}

export const DEFAULT_DIFF_CONFIG: Omit<DiffConfig, 'tickSize'> = {
  requoteMidTicks: 2,
  requoteQueueLevels: 2,
  orderMaxAgeMs: 300_000,
  sizeTolerance: 0.2,
  exposureCap: Number.POSITIVE_INFINITY,
  maxPlaceBatch: 15,
  maxCancelBatch: 1000,
}

/** An order as tracked; `cancelRequestedAt` (from the order state) marks a cancel in flight. */
export interface DiffLiveOrder extends LiveOrder {
  readonly cancelRequestedAt?: number | undefined
}

export interface DiffInput {
  readonly desired: readonly OrderIntent[]
  /** Every tracked order of the market; finished ones are ignored. */
  readonly live: readonly DiffLiveOrder[]
  /** Books of the market's tokens, for the queue rule. */
  readonly books: readonly BookView[]
  /** Current YES-space mid. */
  readonly mid: number
  readonly now: number
  readonly config: DiffConfig
  /** Per-side caps for this pass (see `desiredExposureCaps`); a side without one uses `config.exposureCap`. */
  readonly exposureCaps?: Readonly<Partial<Record<QuoteSide, number>>>
  /**
   * Worst-case exposure an order adds while it may rest. Default: USD notional, remaining size × price. The cap
   * applies to each quote side separately (a bid and an ask cannot both fill against one move).
   */
  readonly exposureOf?: (order: OrderIntent, remainingSize: number) => number
}

export type SwapStep =
  | { readonly kind: 'cancel'; readonly orders: readonly DiffLiveOrder[] }
  | { readonly kind: 'place'; readonly orders: readonly OrderIntent[] }

export type RequoteReason = 'mid-moved' | 'queue' | 'pulled'

export interface DiffResult {
  /** Live orders left alone. */
  readonly keep: readonly DiffLiveOrder[]
  readonly cancel: readonly DiffLiveOrder[]
  /** Orders to place now (all of them appear in `steps`). */
  readonly place: readonly OrderIntent[]
  /** Desired orders held back because placing them now would break the exposure cap; placed on a later pass. */
  readonly deferred: readonly OrderIntent[]
  /** Desired orders not placed because an unresolved order sits at their level. */
  readonly blockedByUnresolved: readonly OrderIntent[]
  /** Unresolved orders that are not desired any more: to cancel once their outcome is known. */
  readonly awaitingResolution: readonly DiffLiveOrder[]
  /** Cancels first, then places; run each step after the previous one completed. */
  readonly steps: readonly SwapStep[]
  /** Which sides were requoted and why. */
  readonly requoted: Readonly<Partial<Record<QuoteSide, RequoteReason>>>
}

const EPS = 1e-9

function remainingOf(o: LiveOrder): number {
  return Math.max(0, o.size - o.filled)
}

function isOpenStatus(o: LiveOrder): boolean {
  return o.status === 'pending' || o.status === 'unknown' || o.status === 'live' || o.status === 'partially_filled'
}

/** Pending, unknown, or with a cancel in flight: we do not know whether it rests. */
function isUnresolved(o: DiffLiveOrder): boolean {
  return o.status === 'pending' || o.status === 'unknown' || o.cancelRequestedAt !== undefined
}

function levelKey(o: OrderIntent, tick: number): string {
  return `${o.tokenId}|${o.side}|${Math.round(o.price / tick)}`
}

/**
 * A live order may stand in for a desired one when its remaining size is within the tolerance. A SELL may never
 * offer more than desired: the layer stage sizes SELLs to the shares held, so a larger kept SELL would leave
 * too few shares for the other SELLs it places and the exchange would reject them.
 */
function sizeMatches(o: DiffLiveOrder, desired: number, tolerance: number): boolean {
  const remaining = remainingOf(o)
  if (o.side === 'SELL' && remaining > desired + EPS) return false
  return Math.abs(remaining - desired) <= tolerance * desired + EPS
}

/**
 * Pairs each desired order with the first candidate not yet in `kept` of the same token and side, priced less
 * than `within` away, with a remaining size within the tolerance; adds it to `kept`. Returns the desired orders
 * left without one.
 */
function matchLevels(
  desired: readonly OrderIntent[],
  candidates: readonly DiffLiveOrder[],
  kept: Set<DiffLiveOrder>,
  within: number,
  sizeTolerance: number,
): OrderIntent[] {
  const left: OrderIntent[] = []
  for (const d of desired) {
    const m = candidates.find(
      (o) =>
        !kept.has(o) &&
        o.tokenId === d.tokenId &&
        o.side === d.side &&
        Math.abs(o.price - d.price) < within &&
        sizeMatches(o, d.size, sizeTolerance),
    )
    if (m) kept.add(m)
    else left.push(d)
  }
  return left
}

/** Nearest the touch first: highest price for a BUY, lowest for a SELL. */
function aggressiveness(o: OrderIntent): number {
  return o.side === 'BUY' ? o.price : -o.price
}

/**
 * How far the side's best order is behind the touch, in price levels of its own token's book (a bid side may
 * hold YES buys and NO sells, whose prices do not compare). 0 when there is nothing to measure.
 */
function levelsBehind(orders: readonly LiveOrder[], books: ReadonlyMap<string, BookView>): number {
  let best = Number.POSITIVE_INFINITY
  for (const o of orders) {
    const book = books.get(o.tokenId)
    if (book) best = Math.min(best, book.levelsAhead(o.side === 'BUY' ? 'bid' : 'ask', o.price))
  }
  return Number.isFinite(best) ? best : 0
}

const defaultExposure = (o: OrderIntent, remaining: number): number => remaining * o.price

/** YES-space mid from the YES book; undefined when a side of it is empty. */
export function yesMid(books: BookPair): number | undefined {
  const b = books.yes.bestBid()
  const a = books.yes.bestAsk()
  return b && a ? (b.price + a.price) / 2 : undefined
}

/**
 * Caps that hold each side to what the layer stage asked for (the risk stage already capped that), plus
 * `headroom` (a fraction) for kept orders, which may differ from their level by the size tolerance.
 */
export function desiredExposureCaps(
  desired: readonly OrderIntent[],
  headroom: number,
  exposureOf: (order: OrderIntent, remainingSize: number) => number = defaultExposure,
): Record<QuoteSide, number> {
  const caps: Record<QuoteSide, number> = { bid: 0, ask: 0 }
  for (const d of desired) caps[d.quoteSide] += exposureOf(d, d.size) * (1 + headroom)
  return caps
}

export function diffOrders(input: DiffInput): DiffResult {
  const { config: cfg, now, mid } = input
  const tick = cfg.tickSize
  const exposureOf = input.exposureOf ?? defaultExposure
  const books = new Map(input.books.map((b) => [b.tokenId, b]))
  const open = input.live.filter(isOpenStatus)

  const keep: DiffLiveOrder[] = []
  const cancel: DiffLiveOrder[] = []
  const place: OrderIntent[] = []
  const blockedByUnresolved: OrderIntent[] = []
  const awaitingResolution: DiffLiveOrder[] = []
  const requoted: Partial<Record<QuoteSide, RequoteReason>> = {}

  for (const side of ['bid', 'ask'] as const) {
    const desired = input.desired.filter((d) => d.quoteSide === side).sort((a, b) => a.layer - b.layer)
    const mine = open.filter((o) => o.quoteSide === side)
    const unresolved = mine.filter(isUnresolved)
    const resolved = mine.filter((o) => !isUnresolved(o))

    // Levels held by unresolved orders: never place a second order there until they resolve.
    const unresolvedLevels = new Map<string, DiffLiveOrder[]>()
    for (const o of unresolved) {
      const k = levelKey(o, tick)
      unresolvedLevels.set(k, [...(unresolvedLevels.get(k) ?? []), o])
    }
    const stillNeeded: OrderIntent[] = []
    const usedUnresolved = new Set<DiffLiveOrder>()
    for (const d of desired) {
      const holders = unresolvedLevels.get(levelKey(d, tick))
      if (!holders) {
        stillNeeded.push(d)
        continue
      }
      const free = holders.find((o) => !usedUnresolved.has(o))
      if (free) usedUnresolved.add(free)
      else blockedByUnresolved.push(d)
    }
    for (const o of unresolved) {
      // A pending/unknown order nobody wants any more is cancelled once resolved; one being cancelled already is.
      if (!usedUnresolved.has(o) && o.cancelRequestedAt === undefined) awaitingResolution.push(o)
    }

    const aged = new Set(resolved.filter((o) => now - o.createdAt >= cfg.orderMaxAgeMs))
    const fresh = resolved.filter((o) => !aged.has(o))

    let reason: RequoteReason | undefined
    if (desired.length === 0 && resolved.length > 0) reason = 'pulled'
    else if (fresh.some((o) => Math.abs(mid - o.quotedMid) >= cfg.requoteMidTicks * tick - EPS)) reason = 'mid-moved'
    else if (cfg.requoteQueueLevels > 0 && levelsBehind(fresh, books) >= cfg.requoteQueueLevels) reason = 'queue'
    if (reason) requoted[side] = reason

    // Exact matches keep their queue place, requote or not.
    const kept = new Set<DiffLiveOrder>()
    const unmatched = matchLevels(stillNeeded, fresh, kept, tick / 2, cfg.sizeTolerance)

    // Without a requote, an order that drifted at most the mid threshold stands in for its level (prices are on
    // the tick grid, so "within N + ½ ticks" is "at most N ticks").
    const toPlace = reason
      ? unmatched
      : matchLevels(
          unmatched,
          fresh.filter((o) => !kept.has(o)).sort((a, b) => aggressiveness(b) - aggressiveness(a)),
          kept,
          (cfg.requoteMidTicks + 0.5) * tick,
          cfg.sizeTolerance,
        )

    for (const o of resolved) {
      if (kept.has(o)) keep.push(o)
      else cancel.push(o)
    }
    place.push(...toPlace)
  }

  // ---- order the swap under the exposure cap ------------------------------------------------------------------
  const exposure: Record<QuoteSide, number> = { bid: 0, ask: 0 }
  for (const o of open) exposure[o.quoteSide] += exposureOf(o, remainingOf(o))

  const steps: SwapStep[] = []
  for (let i = 0; i < cancel.length; i += cfg.maxCancelBatch) {
    steps.push({ kind: 'cancel', orders: cancel.slice(i, i + cfg.maxCancelBatch) })
  }
  // Exposure once the cancels are confirmed; until then the cancelled orders still count.
  for (const o of cancel) exposure[o.quoteSide] -= exposureOf(o, remainingOf(o))

  // Nearest the touch first, both sides interleaved: the most useful quotes go out first.
  const ordered = [...place].sort(
    (a, b) => a.layer - b.layer || (a.quoteSide === b.quoteSide ? 0 : a.quoteSide === 'bid' ? -1 : 1),
  )
  const placed: OrderIntent[] = []
  const deferred: OrderIntent[] = []
  for (const d of ordered) {
    const add = exposureOf(d, d.size)
    if (exposure[d.quoteSide] + add <= (input.exposureCaps?.[d.quoteSide] ?? cfg.exposureCap) + EPS) {
      exposure[d.quoteSide] += add
      placed.push(d)
    } else {
      deferred.push(d)
    }
  }
  for (let i = 0; i < placed.length; i += cfg.maxPlaceBatch) {
    steps.push({ kind: 'place', orders: placed.slice(i, i + cfg.maxPlaceBatch) })
  }

  return { keep, cancel, place: placed, deferred, blockedByUnresolved, awaitingResolution, steps, requoted }
}
