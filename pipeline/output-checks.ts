import type { Market, OrderIntent, YesQuote } from '../schemas/domain.ts'
import type { BookPair } from '../stages/io.ts'

/**
 * What the engine checks of every stage's output before it goes further, whoever wrote the plugin: a NaN,
 * an off-grid price or a crossing order never reaches the exchange. Each returns the problem, or undefined.
 */

const isProbability = (x: number) => Number.isFinite(x) && x > 0 && x < 1

export function fairProblem(fair: number): string | undefined {
  return isProbability(fair) ? undefined : `fair value ${fair} is not a probability in (0, 1)`
}

export function halfSpreadProblem(halfSpread: number): string | undefined {
  return Number.isFinite(halfSpread) && halfSpread > 0 ? undefined : `half-spread ${halfSpread} is not positive`
}

export function quoteProblem(q: YesQuote): string | undefined {
  if (![q.fair, q.reservation, q.halfSpread, q.bid, q.ask].every(Number.isFinite)) return 'quote has a non-finite value'
  if (!(q.bid < q.ask)) return `quote bid ${q.bid} is not below ask ${q.ask}`
  return undefined
}

function onGrid(price: number, tick: number): boolean {
  const steps = price / tick
  return Math.abs(steps - Math.round(steps)) < 1e-6
}

/** An order must be for one of the market's tokens, on its book's tick grid, inside it, sized, and not crossing. */
export function orderProblem(market: Market, books: BookPair, o: OrderIntent): string | undefined {
  const book = o.tokenId === market.yesTokenId ? books.yes : o.tokenId === market.noTokenId ? books.no : undefined
  const what = `${o.side} ${o.size} @ ${o.price} (layer ${o.layer})`
  if (!book) return `${what}: token ${o.tokenId} is not this market's`
  const tick = book.tickSize
  if (!Number.isFinite(o.price) || !onGrid(o.price, tick)) return `${what}: price off the ${tick} tick grid`
  if (o.price < tick - 1e-9 || o.price > 1 - tick + 1e-9) return `${what}: price outside [${tick}, ${1 - tick}]`
  if (!Number.isFinite(o.size) || o.size <= 0 || o.size + 1e-9 < market.minOrderSize) {
    return `${what}: size below the market minimum ${market.minOrderSize}`
  }
  const bestAsk = book.bestAsk()?.price
  const bestBid = book.bestBid()?.price
  if (o.side === 'BUY' && bestAsk !== undefined && o.price >= bestAsk - 1e-9)
    return `${what}: crosses the best ask ${bestAsk}`
  if (o.side === 'SELL' && bestBid !== undefined && o.price <= bestBid + 1e-9)
    return `${what}: crosses the best bid ${bestBid}`
  return undefined
}
