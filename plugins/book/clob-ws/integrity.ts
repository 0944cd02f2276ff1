import type { BookSideIndex, OrderBook } from './order-book.ts'

/**
 * Integrity checks that stand in for the sequence numbers the feed does not have (protocol doc §1.5): a level
 * must be priced inside (0, 1) on the tick grid, the book must not cross, and after each price_change entry the
 * local top of book must equal the entry's best_bid / best_ask. Each returns '' when fine, else the reason.
 * Reason strings are built only on failure; the passing path allocates nothing.
 */

export const APPLIED = 0
/** The entry was refused (bad price); the book did not change but may now be behind the feed. */
export const REFUSED = 1
/** The entry was applied and the book disagrees with the feed: it has missed something. */
export const INCONSISTENT = 2
export type ApplyOutcome = typeof APPLIED | typeof REFUSED | typeof INCONSISTENT

/** Ticks of `price` on the book's grid, or a negative number when it is outside (0, 1) or off the grid. */
export function levelTicks(book: OrderBook, price: number): number {
  if (!(price > 0 && price < 1)) return -1
  const t = book.toTicks(price)
  return Number.isNaN(t) ? -2 : t
}

export function levelProblem(book: OrderBook, price: number): string {
  return price > 0 && price < 1 ? `price ${price} off the ${book.tickSize} tick grid` : `price ${price} outside (0, 1)`
}

export function crossedProblem(book: OrderBook): string {
  const b = book.bestBidTicks()
  const a = book.bestAskTicks()
  if (b < 0 || a < 0 || b < a) return ''
  return `crossed book: best bid ${b / book.ticksPerUnit} >= best ask ${a / book.ticksPerUnit}`
}

/**
 * Compare the local top with the feed's. An empty bid side reads as 0 and an empty ask side as 1, as the feed
 * reports them; a feed value of NaN (absent or empty on the wire) is not checked.
 */
export function topProblem(book: OrderBook, feedBid: number, feedAsk: number): string {
  const tpu = book.ticksPerUnit
  if (!Number.isNaN(feedBid)) {
    const b = book.bestBidTicks()
    const local = Math.max(b, 0)
    if (Math.abs(feedBid * tpu - local) > 0.5) return `best bid mismatch: local ${local / tpu}, feed ${feedBid}`
  }
  if (!Number.isNaN(feedAsk)) {
    const a = book.bestAskTicks()
    const local = a < 0 ? tpu : a
    if (Math.abs(feedAsk * tpu - local) > 0.5) return `best ask mismatch: local ${local / tpu}, feed ${feedAsk}`
  }
  return ''
}

/** Apply one change and check the result; `problem` receives the reason when the outcome is not APPLIED. */
export function applyChecked(
  book: OrderBook,
  side: BookSideIndex,
  price: number,
  size: number,
  feedBid: number,
  feedAsk: number,
  check: boolean,
  problem: { reason: string },
): ApplyOutcome {
  const t = levelTicks(book, price)
  if (t < 0) {
    problem.reason = levelProblem(book, price)
    return REFUSED
  }
  book.set(side, t, size)
  const b = book.bestBidTicks()
  const a = book.bestAskTicks()
  if (b >= 0 && a >= 0 && b >= a) {
    problem.reason = crossedProblem(book)
    return INCONSISTENT
  }
  if (!check) return APPLIED
  const reason = topProblem(book, feedBid, feedAsk)
  if (reason === '') return APPLIED
  problem.reason = reason
  return INCONSISTENT
}
