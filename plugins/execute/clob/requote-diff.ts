import type { BookView, LiveOrder, Market, OrderIntent, QuoteSide } from '../../../schemas/domain.ts'
import type { BookPair } from '../../../stages/io.ts'

/**
 * Desired orders against resting ones, per side of the YES-space quote (DESIGN §4). A side is left alone until
 * one of the requote rules fires: the mid moved ≥ `requoteMidTicks` ticks since the side was quoted, its best
 * order fell ≥ `requoteQueueLevels` price levels behind the touch, an order is older than `orderMaxAgeMs`, or
 * the side's shape changed (an order filled away, the side switched off, a layer added). When a side is
 * requoted, a resting order that still matches a desired one (token, side, price, size) keeps its queue place.
 */

export interface RequoteRules {
  readonly requoteMidTicks: number
  /** 0 disables the queue rule. */
  readonly requoteQueueLevels: number
  readonly orderMaxAgeMs: number
}

export interface DiffInput {
  readonly market: Market
  readonly books: BookPair
  readonly desired: readonly OrderIntent[]
  /** Orders that may be resting (live, partially filled, unknown), not already being cancelled. */
  readonly live: readonly LiveOrder[]
  readonly now: number
  readonly rules: RequoteRules
}

export interface OrderDiff {
  readonly keep: readonly LiveOrder[]
  readonly cancel: readonly LiveOrder[]
  readonly place: readonly OrderIntent[]
  /** Why each requoted side was requoted ('bid: mid moved 2 ticks'). */
  readonly reasons: readonly string[]
}

const SIDES: readonly QuoteSide[] = ['bid', 'ask']

/** YES mid from the YES book, or undefined when a side is empty. */
export function yesMid(books: BookPair): number | undefined {
  const b = books.yes.bestBid()
  const a = books.yes.bestAsk()
  return b && a ? (b.price + a.price) / 2 : undefined
}

function bookOf(market: Market, books: BookPair, tokenId: string): BookView | undefined {
  if (tokenId === market.yesTokenId) return books.yes
  if (tokenId === market.noTokenId) return books.no
  return undefined
}

const sameLevel = (o: LiveOrder, d: OrderIntent, tick: number) =>
  o.tokenId === d.tokenId &&
  o.side === d.side &&
  Math.abs(o.price - d.price) < tick / 2 &&
  Math.abs(o.size - d.size) < 1e-6

/** Shapes differ: another count, or another multiset of (token, side). */
function shapeChanged(live: readonly LiveOrder[], desired: readonly OrderIntent[]): boolean {
  if (live.length !== desired.length) return true
  const key = (x: { tokenId: string; side: string }) => `${x.tokenId}|${x.side}`
  const a = live.map(key).sort()
  const b = desired.map(key).sort()
  return a.some((k, i) => k !== b[i])
}

function trigger(input: DiffInput, side: QuoteSide, live: readonly LiveOrder[], desired: readonly OrderIntent[]) {
  const { market, books, now, rules } = input
  const tick = market.tickSize
  if (shapeChanged(live, desired)) return `${side}: ${live.length} resting, ${desired.length} wanted`
  const mid = yesMid(books)
  if (mid !== undefined) {
    for (const o of live) {
      // A negative quoted mid marks an adopted order whose quoting mid is unknown.
      const moved = o.quotedMid < 0 ? Number.POSITIVE_INFINITY : Math.abs(mid - o.quotedMid) / tick
      if (moved >= rules.requoteMidTicks - 1e-9) {
        return `${side}: mid moved ${Number.isFinite(moved) ? moved.toFixed(1) : '?'} ticks`
      }
    }
  }
  if (rules.requoteQueueLevels > 0) {
    let best = Number.POSITIVE_INFINITY
    for (const o of live) {
      const book = bookOf(market, books, o.tokenId)
      if (!book) continue
      best = Math.min(best, book.levelsAhead(o.side === 'BUY' ? 'bid' : 'ask', o.price))
    }
    if (Number.isFinite(best) && best >= rules.requoteQueueLevels) return `${side}: ${best} levels behind the touch`
  }
  for (const o of live) {
    if (now - o.createdAt >= rules.orderMaxAgeMs) return `${side}: order older than ${rules.orderMaxAgeMs} ms`
  }
  return undefined
}

export function diffOrders(input: DiffInput): OrderDiff {
  const keep: LiveOrder[] = []
  const cancel: LiveOrder[] = []
  const place: OrderIntent[] = []
  const reasons: string[] = []
  const tick = input.market.tickSize
  for (const side of SIDES) {
    const live = input.live.filter((o) => o.quoteSide === side)
    const desired = input.desired.filter((d) => d.quoteSide === side)
    if (live.length === 0 && desired.length === 0) continue
    const why = trigger(input, side, live, desired)
    if (why === undefined) {
      keep.push(...live)
      continue
    }
    reasons.push(why)
    const unmatched = [...live]
    for (const d of desired) {
      const i = unmatched.findIndex((o) => sameLevel(o, d, tick))
      if (i >= 0) keep.push(...unmatched.splice(i, 1))
      else place.push(d)
    }
    cancel.push(...unmatched)
  }
  return { keep, cancel, place, reasons }
}
