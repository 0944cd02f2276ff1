import type { BookView, Level } from '../../schemas/domain.ts'
import type { BookPair } from '../../stages/io.ts'

/**
 * The top of the YES book with the NO book mirrored in. Polymarket matches across the two books (mint/merge),
 * so a NO bid at p is YES ask liquidity at 1 − p, and a NO ask at p is YES bid liquidity at 1 − p. The best of
 * the YES-native and the mirrored level wins on each side; when both sit at the same price their sizes add.
 * A missing side is NaN price and 0 size.
 */
export interface YesTop {
  bid: number
  bidSize: number
  ask: number
  askSize: number
}

/** Prices closer than this are the same level (both sides are on one grid; this only absorbs 1 − p noise). */
const SAME_PRICE = 1e-9

/** Best level with size ≥ minSize, best first; the O(1) best read when no filter applies. */
function firstAtLeast(book: BookView, side: 'bid' | 'ask', minSize: number): Level | undefined {
  if (minSize <= 0) return side === 'bid' ? book.bestBid() : book.bestAsk()
  const levels = side === 'bid' ? book.bids() : book.asks()
  for (const l of levels) if (l.size >= minSize) return l
  return undefined
}

function combine(out: YesTop, side: 'bid' | 'ask', native: Level | undefined, mirrored: Level | undefined): void {
  let price = Number.NaN
  let size = 0
  if (native) {
    price = native.price
    size = native.size
  }
  if (mirrored) {
    const p = 1 - mirrored.price
    const better = Number.isNaN(price) || (side === 'bid' ? p > price + SAME_PRICE : p < price - SAME_PRICE)
    if (better) {
      price = p
      size = mirrored.size
    } else if (Math.abs(p - price) <= SAME_PRICE) size += mirrored.size
  }
  if (side === 'bid') {
    out.bid = price
    out.bidSize = size
  } else {
    out.ask = price
    out.askSize = size
  }
}

/**
 * Combined YES top of book. `minSize` (shares) skips top levels smaller than it, on both books, so a small
 * spoof order at the touch does not move what reads it.
 */
export function yesTop(books: BookPair, minSize = 0): YesTop {
  const out: YesTop = { bid: Number.NaN, bidSize: 0, ask: Number.NaN, askSize: 0 }
  combine(out, 'bid', firstAtLeast(books.yes, 'bid', minSize), firstAtLeast(books.no, 'ask', minSize))
  combine(out, 'ask', firstAtLeast(books.yes, 'ask', minSize), firstAtLeast(books.no, 'bid', minSize))
  return out
}

/** Microprice of a two-sided top: (bid·askSize + ask·bidSize)/(bidSize + askSize); NaN when a side is missing. */
export function microprice(top: YesTop): number {
  const total = top.bidSize + top.askSize
  if (!(total > 0) || Number.isNaN(top.bid) || Number.isNaN(top.ask)) return Number.NaN
  return (top.bid * top.askSize + top.ask * top.bidSize) / total
}
