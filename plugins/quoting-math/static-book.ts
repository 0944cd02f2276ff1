import type { BookState, BookView, Level } from '../../schemas/domain.ts'

/**
 * A fixed BookView built from level arrays, for tests, benchmarks and replay tools. Levels may be given in any
 * order; they are sorted best first (bids descending, asks ascending) and zero-size levels are dropped.
 */
export interface StaticBookInit {
  tokenId?: string
  tickSize?: number
  /** [price, size] pairs. */
  bids?: readonly (readonly [number, number])[]
  asks?: readonly (readonly [number, number])[]
  state?: BookState
  stateReason?: string
  updatedAt?: number
}

function levels(pairs: readonly (readonly [number, number])[], descending: boolean): Level[] {
  const out = pairs.filter(([, size]) => size > 0).map(([price, size]) => ({ price, size }))
  out.sort((a, b) => (descending ? b.price - a.price : a.price - b.price))
  return out
}

export function createStaticBook(init: StaticBookInit = {}): BookView {
  const bids = levels(init.bids ?? [], true)
  const asks = levels(init.asks ?? [], false)
  const take = (side: Level[], depth?: number) => (depth === undefined ? side : side.slice(0, depth))
  return {
    tokenId: init.tokenId ?? '1111',
    state: init.state ?? 'fresh',
    stateReason: init.stateReason ?? '',
    tickSize: init.tickSize ?? 0.01,
    updatedAt: init.updatedAt ?? 0,
    bestBid: () => bids[0],
    bestAsk: () => asks[0],
    bids: (depth) => take(bids, depth),
    asks: (depth) => take(asks, depth),
    levelsAhead(side, price) {
      if (side === 'bid') return bids.filter((l) => l.price > price).length
      return asks.filter((l) => l.price < price).length
    },
  }
}
