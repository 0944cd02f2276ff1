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

class BookSide {
  keys: number[] = []
  sizes: number[] = []

  /** Index of the first key ≥ `key` (binary search). */
  lowerBound(key: number): number {
    const keys = this.keys
    let lo = 0
    let hi = keys.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if ((keys[mid] as number) < key) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  set(key: number, size: number): void {
    const keys = this.keys
    const sizes = this.sizes
    const n = keys.length
    // Fast path: the touch itself (the most common update).
    const i = n > 0 && keys[n - 1] === key ? n - 1 : this.lowerBound(key)
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

  clear(): void {
    this.keys = []
    this.sizes = []
  }
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
  private readonly sides: [BookSide, BookSide] = [new BookSide(), new BookSide()]

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
    if (side === BID) this.sides[0].set(ticks, size)
    else this.sides[1].set(-ticks, size)
  }

  clear(): void {
    this.sides[0].clear()
    this.sides[1].clear()
  }

  reset(tickSize: number): void {
    this.clear()
    this.tickSize = tickSize
    this.ticksPerUnit = ticksPerUnitOf(tickSize)
  }

  bestBidTicks(): number {
    const k = this.sides[0].keys
    return k.length > 0 ? (k[k.length - 1] as number) : -1
  }

  bestAskTicks(): number {
    const k = this.sides[1].keys
    return k.length > 0 ? -(k[k.length - 1] as number) : -1
  }

  bestBid(): Level | undefined {
    return this.level(0, this.sides[0].keys.length - 1)
  }

  bestAsk(): Level | undefined {
    return this.level(1, this.sides[1].keys.length - 1)
  }

  bids(depth?: number): Level[] {
    return this.walk(0, depth)
  }

  asks(depth?: number): Level[] {
    return this.walk(1, depth)
  }

  levelsAhead(side: 'bid' | 'ask', price: number): number {
    // Strictly better than `price`: bid keys > price·tpu, ask keys (−ticks) > −price·tpu.
    const s = this.sides[side === 'bid' ? 0 : 1]
    const key = (side === 'bid' ? price : -price) * this.ticksPerUnit + GRID_EPSILON
    const keys = s.keys
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
    return this.sides[0].keys.length + this.sides[1].keys.length
  }

  private level(side: 0 | 1, i: number): Level | undefined {
    if (i < 0) return undefined
    const s = this.sides[side]
    const key = s.keys[i] as number
    return { price: (side === 0 ? key : -key) / this.ticksPerUnit, size: s.sizes[i] as number }
  }

  private walk(side: 0 | 1, depth?: number): Level[] {
    const s = this.sides[side]
    const n = s.keys.length
    const count = depth === undefined ? n : Math.max(0, Math.min(depth, n))
    const out: Level[] = new Array(count)
    for (let j = 0; j < count; j++) out[j] = this.level(side, n - 1 - j) as Level
    return out
  }
}

export function createOrderBook(tickSize: number): OrderBook {
  return new ArrayOrderBook(tickSize)
}
