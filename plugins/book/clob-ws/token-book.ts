import type { BookState, BookView, Level, Market } from '../../../schemas/domain.ts'
import { createLiveness, type Liveness } from './freshness.ts'
import { type BookSideIndex, createOrderBook, type OrderBook } from './order-book.ts'
import { createTradeWindow, type TradeStats, type TradeWindow } from './trade-stats.ts'

/**
 * One token's book as the quote plane sees it: the L2 levels plus why they may or may not be trusted.
 * Internal status → BookView state: fresh (and its connection live) → fresh; fresh on a silent or lost
 * connection → stale; awaiting (no snapshot on this connection yet) → stale; invalid, resolved → invalid;
 * reloading (REST /book in flight) → reloading.
 */
export type TokenStatus = 'fresh' | 'awaiting' | 'invalid' | 'reloading' | 'resolved'

/** A price_change entry held while the book waits for a snapshot; applied on top when not older. */
export interface BufferedChange {
  readonly ts: number
  readonly side: BookSideIndex
  readonly price: number
  readonly size: number
  /** The feed's top after this change; NaN when not stated. */
  readonly bestBid: number
  readonly bestAsk: number
}

/** Entries held per book while it reloads; beyond this the snapshot is assumed outrun and taken again. */
export const MAX_BUFFERED = 5000

/** A connection that is never live: tokens not yet assigned to a shard. */
export const DETACHED: Liveness = createLiveness('none', 0)

/** BookView plus the market channel's trade statistics, for plugins that want them. */
export interface ClobBookView extends BookView {
  readonly conditionId: string
  readonly trades: TradeStats
  /** Server timestamp (ms) of the last event applied. */
  readonly serverTs: number
}

export class TokenBook implements ClobBookView {
  readonly book: OrderBook
  status: TokenStatus = 'awaiting'
  reason = 'awaiting first snapshot'
  updatedAt = 0
  /** Server ms of the last snapshot applied, and of the last event applied. */
  seededTs = 0
  serverTs = 0
  /** Snapshots older than this predate a tick_size_change and are refused. */
  minSnapshotTs = 0
  awaitingSince: number
  /** Its connection went silent: frames may have been lost, so re-seed from REST once it speaks again. */
  reseedWhenLive = false
  liveness: Liveness = DETACHED
  buffer: BufferedChange[] = []
  bufferOverflow = false
  minOrderSize: number
  negRisk: boolean
  readonly tradeWindow: TradeWindow

  constructor(
    readonly tokenId: string,
    readonly conditionId: string,
    market: Market,
    now: number,
    tradeWindowMs: number,
    private readonly clockNow: () => number,
  ) {
    this.book = createOrderBook(market.tickSize)
    this.minOrderSize = market.minOrderSize
    this.negRisk = market.negRisk
    this.awaitingSince = now
    this.tradeWindow = createTradeWindow(tradeWindowMs)
  }

  get state(): BookState {
    switch (this.status) {
      case 'fresh':
        return this.liveness.live ? 'fresh' : 'stale'
      case 'awaiting':
        return 'stale'
      case 'reloading':
        return 'reloading'
      default:
        return 'invalid'
    }
  }

  get stateReason(): string {
    if (this.status === 'fresh') return this.liveness.live ? '' : this.liveness.reason
    if (this.status === 'reloading') return `REST /book in flight after: ${this.reason}`
    return this.reason
  }

  get tickSize(): number {
    return this.book.tickSize
  }

  get trades(): TradeStats {
    return this.tradeWindow.stats(this.clockNow())
  }

  bestBid(): Level | undefined {
    return this.book.bestBid()
  }
  bestAsk(): Level | undefined {
    return this.book.bestAsk()
  }
  bids(depth?: number): readonly Level[] {
    return this.book.bids(depth)
  }
  asks(depth?: number): readonly Level[] {
    return this.book.asks(depth)
  }
  levelsAhead(side: 'bid' | 'ask', price: number): number {
    return this.book.levelsAhead(side, price)
  }

  hold(change: BufferedChange): void {
    if (this.buffer.length >= MAX_BUFFERED) {
      this.bufferOverflow = true
      return
    }
    this.buffer.push(change)
  }

  /** Not fresh until a snapshot arrives; what was buffered belonged to the old state. */
  await(now: number, reason: string): void {
    if (this.status === 'resolved') return
    this.status = 'awaiting'
    this.reason = reason
    this.awaitingSince = now
    this.buffer = []
    this.bufferOverflow = false
  }
}
