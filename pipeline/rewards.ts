import type { Level, Market, OrderIntent } from '../schemas/domain.ts'
import type { BookPair } from '../stages/io.ts'

/**
 * Polymarket's liquidity-rewards order score (protocol doc §5, §7.6), for quoting and for reporting what our
 * resting quotes are estimated to earn. Prices here are YES-space probabilities; distances are in cents.
 */

/** Single-sided liquidity inside [0.10, 0.90] scores a third (c = 3); outside it, nothing. */
const SINGLE_SIDED_DIVISOR = 3
const TWO_SIDED_BAND: readonly [number, number] = [0.1, 0.9]
const EPS = 1e-9

/**
 * One side's best price once the levels whose cumulative size is below `minSize` are passed over (the
 * size-cutoff-adjusted top; §5 marks the exact rule as believed, not documented). YES levels and the mirrored NO
 * levels of that side merge, best first.
 */
function cutoffTop(native: readonly Level[], mirrored: readonly Level[], side: 'bid' | 'ask', minSize: number) {
  const levels = [...native, ...mirrored.map((l) => ({ price: 1 - l.price, size: l.size }))].sort((a, b) =>
    side === 'bid' ? b.price - a.price : a.price - b.price,
  )
  let cumulative = 0
  for (const l of levels) {
    cumulative += l.size
    if (cumulative >= minSize - EPS) return l.price
  }
  return Number.NaN
}

/** The size-cutoff-adjusted midpoint of a market's combined YES/NO book; NaN when a side has no such depth. */
export function adjustedMid(books: BookPair, minSize: number): number {
  const bid = cutoffTop(books.yes.bids(), books.no.asks(), 'bid', minSize)
  const ask = cutoffTop(books.yes.asks(), books.no.bids(), 'ask', minSize)
  return Number.isNaN(bid) || Number.isNaN(ask) ? Number.NaN : (bid + ask) / 2
}

/** S(v, s) = ((v − s)/v)² · size for an order of at least the min size strictly within v cents of the mid. */
export function orderScore(distanceCents: number, maxSpreadCents: number, size: number, minSize: number): number {
  if (size < minSize - EPS || !(maxSpreadCents > 0) || distanceCents >= maxSpreadCents - EPS) return 0
  const x = (maxSpreadCents - distanceCents) / maxSpreadCents
  return x * x * size
}

/** Q_min of the two side scores, by where the (adjusted) mid is. */
export function combineSides(qBid: number, qAsk: number, mid: number): number {
  const [lo, hi] = TWO_SIDED_BAND
  if (mid >= lo - EPS && mid <= hi + EPS)
    return Math.max(Math.min(qBid, qAsk), Math.max(qBid, qAsk) / SINGLE_SIDED_DIVISOR)
  return Math.min(qBid, qAsk)
}

export interface RewardsScore {
  /** Q_min: the market's estimated score of these orders (0 when nothing scores). */
  readonly score: number
  readonly bid: number
  readonly ask: number
  readonly mid: number
}

/**
 * The estimated score of a market's orders (YES-space sides: a YES bid or a NO ask is a bid), against the
 * adjusted mid; undefined for a market without rewards or a book with a side empty.
 */
export function rewardsScoreOf(
  market: Market,
  books: BookPair,
  orders: readonly OrderIntent[],
): RewardsScore | undefined {
  const minSize = market.rewardsMinSize
  const v = market.rewardsMaxSpread
  if (minSize === undefined || v === undefined || !(v > 0)) return undefined
  // A book without min-size depth on a side has no adjusted mid: the plain one stands in (as the layer does).
  const cut = adjustedMid(books, minSize)
  const mid = Number.isNaN(cut) ? adjustedMid(books, 0) : cut
  if (Number.isNaN(mid)) return undefined
  let bid = 0
  let ask = 0
  for (const o of orders) {
    const yesPrice = o.tokenId === market.yesTokenId ? o.price : 1 - o.price
    const s = orderScore(Math.abs(yesPrice - mid) * 100, v, o.size, minSize)
    if (o.quoteSide === 'bid') bid += s
    else ask += s
  }
  return { score: combineSides(bid, ask, mid), bid, ask, mid }
}
