// Order admission rules and price arithmetic of the exchange core (protocol doc §2.4, §2.6): the tick grid, minimum
// size, GTD expiry, post-only and FOK order types, the YES-space mapping of the two outcome tokens, taker fees.
import type { BookSide } from './book.ts'
import { ERR, type MarketState, type PlaceInput, type Side } from './engine-types.ts'
import { PRICE_SCALE, sharesToMicro } from './units.ts'

export function yesSpace(outcome: 0 | 1, side: Side, price: number): { ySide: BookSide; yesPrice: number } {
  const bid = (outcome === 0) === (side === 'BUY')
  return { ySide: bid ? 0 : 1, yesPrice: outcome === 0 ? price : PRICE_SCALE - price }
}

export function feeMicro(market: MarketState, size: number, ownPrice: number): number {
  const bps = market.spec.feeRateBps
  if (bps === 0) return 0
  const p = ownPrice / PRICE_SCALE
  return Math.round(size * (bps / 10_000) * (p * (1 - p)) ** market.spec.feeExponent)
}

/** Returns the order's price on the tick grid, or the rejection message. `known`: an order id already placed. */
export function validate(
  input: PlaceInput,
  market: MarketState,
  internal: boolean,
  nowMs: number,
  known: (id: string) => boolean,
): number | string {
  if (!market.accepting) return ERR.notReady
  const taking = input.orderType === 'FOK' || input.orderType === 'FAK'
  if (input.postOnly && taking) return ERR.postOnlyType
  let p: number
  if (taking) {
    // Market orders carry an implied worst price that is rarely exact: snap it to the grid.
    p = Math.round(input.price / market.tick) * market.tick
  } else {
    if (Math.abs(input.price - Math.round(input.price)) > 1e-6) return ERR.tick
    p = Math.round(input.price)
    if (p % market.tick !== 0) return ERR.tick
  }
  if (p < market.tick || p > PRICE_SCALE - market.tick) return ERR.tick
  if (input.size <= 0 || (!taking && !internal && input.size < sharesToMicro(market.spec.minOrderSize)))
    return ERR.minSize
  if (input.orderType === 'GTD') {
    const exp = input.expiration ?? 0
    if (exp * 1000 < nowMs + 60_000) return ERR.expiration
  }
  if (known(input.id)) return ERR.duplicated
  return p
}

export function availableLiquidity(market: MarketState, ySide: BookSide, limit: number, want: number): number {
  const book = market.book
  let got = 0
  if (ySide === 0) {
    for (let p = book.bestAsk; p <= limit && got < want; p++) got += book.asks[p]?.total ?? 0
  } else {
    for (let p = book.bestBid; p >= limit && got < want; p--) got += book.bids[p]?.total ?? 0
  }
  return got
}
