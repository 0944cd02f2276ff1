import type {
  BookView,
  Fill,
  HealthView,
  LiveOrder,
  Market,
  MarketPosition,
  OrderIntent,
  RiskState,
  SelectionRow,
  YesQuote,
} from '../schemas/domain.ts'
import type { AccountShare } from './account-share.ts'
import type { DaemonEvent } from './events.ts'
import type { Stage } from './index.ts'

/**
 * Typed contracts of every stage: what its plugin receives and returns. The engine never passes untyped
 * bags of fields; a stage reads exactly what its input names.
 */

/** Any quote-plane stage may return this instead of its output: the market gets no quotes, for `reason`. */
export interface PullQuotes {
  readonly pull: string
}

export function pull(reason: string): PullQuotes {
  return { pull: reason }
}

export function isPull(value: unknown): value is PullQuotes {
  return typeof value === 'object' && value !== null && 'pull' in value
}

// ---- universe plane ----------------------------------------------------------------------------------------

export interface SourceInput {
  readonly now: number
  readonly signal: AbortSignal
}
export interface SourceOutput {
  readonly rows: readonly SelectionRow[]
  /** Rows left out, each with the reason (bad row, below a threshold). */
  readonly rejected: readonly { readonly origin: string; readonly reason: string }[]
}

export interface EnrichInput {
  readonly rows: readonly SelectionRow[]
  /** Markets built by the enrich plugins before this one (empty for the first). */
  readonly markets: readonly Market[]
  readonly signal: AbortSignal
}
export interface EnrichOutput {
  readonly markets: readonly Market[]
  readonly excluded: readonly { readonly origin: string; readonly reason: string }[]
}

// ---- quote plane -------------------------------------------------------------------------------------------

export interface BookPair {
  readonly yes: BookView
  readonly no: BookView
}

export interface BookInput {
  readonly market: Market
}
export type BookOutput = BookPair

/**
 * The market's own trades as the book stage keeps them: from `last_trade_price` events, the last trade and a
 * rolling window (book `trade_window`). The taker's side. Absent when the book plugin keeps no trades.
 */
export interface TokenTrades {
  readonly lastPrice: number | undefined
  readonly lastSide: 'BUY' | 'SELL' | undefined
  /** ms UTC of the last trade; 0 before any. */
  readonly lastAt: number
  readonly tradesPerMin: number
  /** (taker buy size − taker sell size) / total size in the window, in [−1, 1]; 0 without trades. */
  readonly imbalance: number
  /** Trades in the window. */
  readonly count: number
}

export interface MarketTrades {
  readonly yes: TokenTrades | undefined
  readonly no: TokenTrades | undefined
}

function tokenTrades(view: BookView): TokenTrades | undefined {
  const t = (view as { readonly trades?: Partial<TokenTrades> }).trades
  return t && typeof t.tradesPerMin === 'number' && typeof t.lastAt === 'number' ? (t as TokenTrades) : undefined
}

/** The trade tape of a book pair: what a book view that keeps trades (clob-ws's `trades`) exposes, read once. */
export function marketTrades(books: BookPair): MarketTrades {
  return { yes: tokenTrades(books.yes), no: tokenTrades(books.no) }
}

export interface FairValueInput {
  readonly market: Market
  readonly books: BookPair
  /**
   * The market's trade tape (what Hummingbot and NautilusTrader strategies call trade ticks). The quote plane
   * always sets it; optional only so a unit test may leave it out.
   */
  readonly trades?: MarketTrades
  /** Our own fills in this market, oldest first (the account's memory, about a day), FAILED ones included. */
  readonly fills?: readonly Fill[]
  readonly now: number
}
export interface FairValueOutput {
  /** YES probability. NO's fair value is 1 − fair. */
  readonly fair: number
}

export interface SpreadInput {
  readonly market: Market
  readonly books: BookPair
  readonly fair: number
  /** As in FairValueInput. */
  readonly trades?: MarketTrades
  readonly fills?: readonly Fill[]
  readonly now: number
}
export interface SpreadOutput {
  /** Half-spread in price units, at least one tick. */
  readonly halfSpread: number
  /** Volatility of the mid in price units, for status and metrics. */
  readonly sigma: number
}

export interface SkewInput {
  readonly market: Market
  readonly fair: number
  readonly halfSpread: number
  readonly position: MarketPosition
  readonly capitalUsd: number
  readonly now: number
}
export type SkewOutput = YesQuote

/** How one side of the quote may be placed. */
export interface SideAllowance {
  readonly allowed: boolean
  /** Multiplies the half-spread on this side (≥ 1 widens). */
  readonly spreadMultiplier: number
  /** Multiplies layer sizes on this side (≤ 1 shrinks). */
  readonly sizeMultiplier: number
}

export interface RiskInput {
  readonly market: Market
  readonly books: BookPair
  readonly quote: YesQuote
  readonly position: MarketPosition
  readonly capitalUsd: number
  readonly health: HealthView
  readonly now: number
}
export interface RiskVerdict {
  readonly state: RiskState
  /** Why the state is not ACTIVE or why a side is restricted; empty when nothing applies. */
  readonly reason: string
  readonly bid: SideAllowance
  readonly ask: SideAllowance
}
export type RiskOutput = RiskVerdict

export interface LayerInput {
  readonly market: Market
  readonly books: BookPair
  readonly quote: YesQuote
  readonly verdict: RiskVerdict
  readonly position: MarketPosition
  readonly now: number
}
export interface LayerOutput {
  readonly orders: readonly OrderIntent[]
  /** The quote after risk adjustments, for /status. */
  readonly quote: YesQuote
}

export interface ExecuteInput {
  readonly market: Market
  readonly books: BookPair
  readonly quote: YesQuote
  readonly orders: readonly OrderIntent[]
  readonly now: number
}
export interface ExecuteReport {
  readonly placed: number
  readonly cancelled: number
  readonly kept: number
}

// ---- handlers: what create() returns for each stage -------------------------------------------------------

/** Optional lifecycle every handler may implement. */
export interface Lifecycle<C = unknown> {
  /** Called once before the first run; a throw fails the build (and rolls back a reload). */
  start?(): Promise<void> | void
  /** Idempotent. An execute plugin leaves no live orders behind. */
  stop?(): Promise<void> | void
  /** Apply changed reloadable fields in place; return false to ask for a rebuild instead. */
  reconfigure?(next: C): boolean
  /** State carried across a reload into the replacing instance. */
  snapshot?(): unknown
  restore?(state: unknown): void
}

export interface SourceHandler<C = unknown> extends Lifecycle<C> {
  run(input: SourceInput): Promise<SourceOutput>
  /** How often the universe plane re-reads this source, in ms. */
  readonly refreshMs?: number
}

export interface EnrichHandler<C = unknown> extends Lifecycle<C> {
  run(input: EnrichInput): Promise<EnrichOutput>
}

export interface BookHandler<C = unknown> extends Lifecycle<C> {
  /** The traded markets changed: subscribe new tokens, drop removed ones (without reconnecting). */
  track(markets: readonly Market[]): Promise<void>
  run(input: BookInput): BookOutput | PullQuotes
  /** Every book this plugin keeps, for /status. */
  books(): Iterable<BookView>
}

export interface QuoteHandler<I, O, C = unknown> extends Lifecycle<C> {
  run(input: I): O | PullQuotes
}

export interface ExecuteHandler<C = unknown> extends Lifecycle<C> {
  /** The traded markets changed: cancel orders of removed markets. */
  track(markets: readonly Market[]): Promise<void>
  /** Make the market's resting orders match `orders`, changing only what must change. */
  run(input: ExecuteInput): Promise<ExecuteReport>
  /** Cancel every order of one market, for `reason`. */
  pull(market: Market, reason: string): Promise<void>
  /** Orders currently tracked for a market (or all). */
  liveOrders(conditionId?: string): readonly LiveOrder[]
  /**
   * What /status and the dashboard show of execution: the exchange's mode, the rate budget, and the markets waiting
   * for it (each with its condition id); undefined before start.
   */
  status?(): ExecutionStatus | undefined
}

/** The part of an executor's status the engine reads; the rest (mode, budget) is shown as the plugin gives it. */
export interface ExecutionStatus {
  readonly waiting: readonly { readonly conditionId: string; readonly waitMs: number }[]
}

export interface PersistHandler<C = unknown> extends Lifecycle<C> {
  /** Called for every daemon event; must not block (queue and write in batches). */
  write(event: DaemonEvent): void
  /** Resolve once everything written so far is durable. */
  flush?(): Promise<void>
  /**
   * Realized PnL in USD (after fees, average cost over everything recorded before) of the fills recorded at or
   * after `since`: read at start so a restart keeps the day's losses in the daily loss limit.
   */
  realizedSince?(since: number): Promise<number>
  /** Match time (ms) of the newest fill recorded for this run's owner; undefined when none. Works before start. */
  lastFillAt?(): Promise<number | undefined>
  /**
   * Limits shared with other instances of the same account (a database every instance writes): per-signer token
   * buckets and account-wide daily PnL and exposure. The daemon hands the first one offered to the executor and
   * the risk stage.
   */
  accountShare?(): AccountShare
  /**
   * The orders open on the exchange now (after the executor's reconciliation at start, and after its cancel-all at
   * stop): a mirror of resting orders drops the rows of orders not among them (a killed run's).
   */
  reconcileActive?(openOrderIds: readonly string[]): Promise<void>
}

export interface StageHandlers<C = unknown> {
  source: SourceHandler<C>
  enrich: EnrichHandler<C>
  book: BookHandler<C>
  'fair-value': QuoteHandler<FairValueInput, FairValueOutput, C>
  spread: QuoteHandler<SpreadInput, SpreadOutput, C>
  skew: QuoteHandler<SkewInput, SkewOutput, C>
  risk: QuoteHandler<RiskInput, RiskOutput, C>
  layer: QuoteHandler<LayerInput, LayerOutput, C>
  execute: ExecuteHandler<C>
  persist: PersistHandler<C>
}

export type StageHandler<S extends Stage, C = unknown> = StageHandlers<C>[S]
