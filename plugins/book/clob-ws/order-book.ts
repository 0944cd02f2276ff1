import type { Level } from '../../../schemas/domain.ts'

/**
 * One token's L2 book. Price levels are integer ticks of the current tick size, so comparisons are exact and
 * "on the grid" is a property of the key. Each side is a pair of parallel arrays sorted so that the best level
 * is LAST (as on the wire): bid keys are +ticks ascending, ask keys are −ticks ascending. Best reads are O(1);
 * most updates land near the touch, i.e. near the end of the arrays, where an insert or removal moves only the
 * few levels better than it.
 */

export const BID = 0
export const ASK = 1
export type BookSideIndex = typeof BID | typeof ASK

/** How far a price may sit from the grid and still count as on it (float noise of "0.57" × 100). */
const GRID_EPSILON = 1e-6

/** Index of the first key ≥ `key` (binary search). */
function lowerBound(keys: number[], key: number): number {
  let lo = 0
  let hi = keys.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if ((keys[mid] as number) < key) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** Set one level of a side given as its parallel arrays; size 0 removes it. */
function setLevel(keys: number[], sizes: number[], key: number, size: number): void {
  const n = keys.length
  // Fast path: the touch itself (the most common update).
  const i = n > 0 && keys[n - 1] === key ? n - 1 : lowerBound(keys, key)
  if (i < n && keys[i] === key) {
    if (size > 0) {
      sizes[i] = size
      return
    }
    // Remove: shift the few levels better than it down by one (cheaper than splice near the end).
    for (let j = i; j < n - 1; j++) {
      keys[j] = keys[j + 1] as number
      sizes[j] = sizes[j + 1] as number
    }
    keys.pop()
    sizes.pop()
    return
  }
  if (size <= 0) return
  keys.push(key)
  sizes.push(size)
  for (let j = n; j > i; j--) {
    keys[j] = keys[j - 1] as number
    sizes[j] = sizes[j - 1] as number
  }
  keys[i] = key
  sizes[i] = size
}

export interface OrderBook {
  readonly tickSize: number
  /** Ticks per price unit: 100 for a 0.01 tick, 400 for 0.0025. */
  readonly ticksPerUnit: number
  /** Integer ticks of `price`, or NaN when the price is off the grid. */
  toTicks(price: number): number
  /** Set a level's aggregate size; 0 removes it. `ticks` must come from toTicks. */
  set(side: BookSideIndex, ticks: number, size: number): void
  clear(): void
  /** Drop every level and move to a new grid (a new epoch after tick_size_change). */
  reset(tickSize: number): void
  /** Best bid / ask in ticks; -1 when that side is empty. */
  bestBidTicks(): number
  bestAskTicks(): number
  bestBid(): Level | undefined
  bestAsk(): Level | undefined
  bids(depth?: number): Level[]
  asks(depth?: number): Level[]
  levelsAhead(side: 'bid' | 'ask', price: number): number
  levelCount(): number
}

export function ticksPerUnitOf(tickSize: number): number {
  return Math.round(1 / tickSize)
}

class ArrayOrderBook implements OrderBook {
  tickSize: number
  ticksPerUnit: number
  // The four arrays live on the book itself: one pointer hop fewer per update across a thousand books.
  private bidKeys: number[] = []
  private bidSizes: number[] = []
  private askKeys: number[] = []
  private askSizes: number[] = []

  constructor(tickSize: number) {
    this.tickSize = tickSize
    this.ticksPerUnit = ticksPerUnitOf(tickSize)
  }

  toTicks(price: number): number {
    const t = price * this.ticksPerUnit
    const r = Math.round(t)
    return Math.abs(t - r) > GRID_EPSILON ? Number.NaN : r
  }

  set(side: BookSideIndex, ticks: number, size: number): void {
    if (side === BID) setLevel(this.bidKeys, this.bidSizes, ticks, size)
    else setLevel(this.askKeys, this.askSizes, -ticks, size)
  }

  clear(): void {
    this.bidKeys = []
    this.bidSizes = []
    this.askKeys = []
    this.askSizes = []
  }

  reset(tickSize: number): void {
    this.clear()
    this.tickSize = tickSize
    this.ticksPerUnit = ticksPerUnitOf(tickSize)
  }

  bestBidTicks(): number {
    const k = this.bidKeys
    return k.length > 0 ? (k[k.length - 1] as number) : -1
  }

  bestAskTicks(): number {
    const k = this.askKeys
    return k.length > 0 ? -(k[k.length - 1] as number) : -1
  }

  bestBid(): Level | undefined {
    const n = this.bidKeys.length
    return n > 0 ? this.level(BID, n - 1) : undefined
  }

  bestAsk(): Level | undefined {
    const n = this.askKeys.length
    return n > 0 ? this.level(ASK, n - 1) : undefined
  }

  bids(depth?: number): Level[] {
    return this.walk(BID, depth)
  }

  asks(depth?: number): Level[] {
    return this.walk(ASK, depth)
  }

  levelsAhead(side: 'bid' | 'ask', price: number): number {
    // Strictly better than `price`: bid keys > price·tpu, ask keys (−ticks) > −price·tpu.
    const keys = side === 'bid' ? this.bidKeys : this.askKeys
    const key = (side === 'bid' ? price : -price) * this.ticksPerUnit + GRID_EPSILON
    let lo = 0
    let hi = keys.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((keys[mid] as number) <= key) lo = mid + 1
      else hi = mid
    }
    return keys.length - lo
  }

  levelCount(): number {
    return this.bidKeys.length + this.askKeys.length
  }

  private level(side: BookSideIndex, i: number): Level {
    const key = (side === BID ? this.bidKeys[i] : this.askKeys[i]) as number
    const size = (side === BID ? this.bidSizes[i] : this.askSizes[i]) as number
    return { price: (side === BID ? key : -key) / this.ticksPerUnit, size }
  }

  private walk(side: BookSideIndex, depth?: number): Level[] {
    const n = side === BID ? this.bidKeys.length : this.askKeys.length
    const count = depth === undefined ? n : Math.max(0, Math.min(depth, n))
    const out: Level[] = new Array(count)
    for (let j = 0; j < count; j++) out[j] = this.level(side, n - 1 - j)
    return out
  }
}

export function createOrderBook(tickSize: number): OrderBook {
  return new ArrayOrderBook(tickSize)
}
