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

/** A price_change entry recorded while a REST /book audit of the token is in flight. */
export interface AuditedChange {
  readonly ts: number
  readonly side: BookSideIndex
  readonly price: number
  readonly size: number
}

/** BookView plus the market channel's trade statistics, for plugins that want them. */
export interface ClobBookView extends BookView {
  readonly conditionId: string
  readonly trades: TradeStats
  /** Server timestamp (ms) of the last event applied. */
  readonly serverTs: number
  /** ms UTC of the last time this book was known equal to the exchange's (a snapshot, or an agreeing audit). */
  readonly agreedAt: number
  /** ms UTC of the last REST /book audit sent for it (0: never). */
  readonly auditedAt: number
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
  /** See ClobBookView. A snapshot counts: it is the exchange's own book at that moment. */
  agreedAt = 0
  auditedAt = 0
  /** Beyond this age of agreedAt a fresh book reads as stale (0: no bound, the audit is off). */
  agreementMaxAgeMs = 0
  /** The agreement bound was passed (kept to notice the change on the periodic tick). */
  agreementExpired = false
  /** Bumped by every snapshot applied: an audit that spans one compares against a different book. */
  seedEpoch = 0
  /** Market-channel events seen for this token: an audit tells a silent token from a moving one by it. */
  wsEvents = 0
  /** Changes recorded while an audit is in flight (undefined: none in flight); see audit.ts. */
  auditLog: AuditedChange[] | undefined = undefined
  auditOverflow = false

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
        return this.liveness.live && !this.agreementTooOld() ? 'fresh' : 'stale'
      case 'awaiting':
        return 'stale'
      case 'reloading':
        return 'reloading'
      default:
        return 'invalid'
    }
  }

  get stateReason(): string {
    if (this.status === 'fresh') {
      if (!this.liveness.live) return this.liveness.reason
      if (this.agreementTooOld()) {
        const age = Math.round((this.clockNow() - this.agreedAt) / 1000)
        return `no agreement with REST /book for ${age}s (audit_max_age ${Math.round(this.agreementMaxAgeMs / 1000)}s)`
      }
      return ''
    }
    if (this.status === 'reloading') return `REST /book in flight after: ${this.reason}`
    return this.reason
  }

  agreementTooOld(): boolean {
    return this.agreementMaxAgeMs > 0 && this.clockNow() - this.agreedAt > this.agreementMaxAgeMs
  }

  /** Record a change for the audit in flight, if any. */
  recordForAudit(ts: number, side: BookSideIndex, price: number, size: number): void {
    const log = this.auditLog
    if (log === undefined) return
    if (log.length >= MAX_BUFFERED) this.auditOverflow = true
    else log.push({ ts, side, price, size })
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
