import { z } from 'zod'

/**
 * Domain types shared by every stage. Prices are probabilities in (0, 1) on the market's tick grid;
 * sizes are shares. USD appears only in configuration and reports.
 */

export const TokenIdSchema = z.string().regex(/^\d+$/, 'a token id is a decimal integer string')
export const ConditionIdSchema = z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'a condition id is 0x + 64 hex digits')

/** One row of the curated market list (Google Sheet "Selected Markets" tab or a local file). */
export const SelectionRowSchema = z.object({
  token1: TokenIdSchema.describe('YES token id'),
  token2: TokenIdSchema.describe('NO token id'),
  condition_id: ConditionIdSchema.optional(),
  liquidity: z.number().optional(),
  volume_24h: z.number().optional(),
  volume_7d: z.number().optional(),
  volume_30d: z.number().optional(),
  /** Where the row came from, for error messages: "sheet row 7", "markets.csv:3". */
  origin: z.string(),
})
export type SelectionRow = z.infer<typeof SelectionRowSchema>

export const TICK_SIZES = [0.1, 0.01, 0.001, 0.0001, 0.0025] as const

/** A tradable binary market: one condition, a YES token and a NO token, and its static metadata. */
export const MarketSchema = z.object({
  conditionId: ConditionIdSchema,
  question: z.string(),
  yesTokenId: TokenIdSchema,
  noTokenId: TokenIdSchema,
  tickSize: z.number().positive(),
  minOrderSize: z.number().nonnegative(),
  negRisk: z.boolean(),
  /** ms UTC; undefined when the market has no end date. */
  endDate: z.number().optional(),
  acceptingOrders: z.boolean(),
  closed: z.boolean(),
  rewardsMinSize: z.number().nonnegative().optional(),
  /** Rewards max spread in cents, as Gamma reports it. */
  rewardsMaxSpread: z.number().nonnegative().optional(),
  feeRateBps: z.number().nonnegative().optional(),
  /** Exponent of the V2 taker fee curve (CLOB market info `fd.e`); absent means 1. */
  feeExponent: z.number().nonnegative().optional(),
  /**
   * Polymarket protocol of the market (Gamma `version`): "v1" orders settle on CTFExchangeV2 / the neg-risk
   * exchange (EIP-712 domain version "2"); "v2" orders settle on ExchangeV3 (domain version "3") and its
   * positions are CONDITIONAL-V2 balances. Absent means "v1" (markets listed before the field existed).
   */
  protocol: z.enum(['v1', 'v2']).optional(),
  selection: SelectionRowSchema.optional(),
})
export type Market = z.infer<typeof MarketSchema>

export type Side = 'BUY' | 'SELL'
/** A side of the YES-space quote: the bid buys YES exposure, the ask sells it. */
export type QuoteSide = 'bid' | 'ask'

export interface Level {
  readonly price: number
  readonly size: number
}

/** Why a book may not be quoted on. Only `fresh` books are quoted. */
export type BookState = 'fresh' | 'stale' | 'invalid' | 'reloading'

/** Read-only view of one token's L2 book, kept by the book stage. Best reads are O(1). */
export interface BookView {
  readonly tokenId: string
  readonly state: BookState
  /** Why the book is not fresh; empty when fresh. */
  readonly stateReason: string
  readonly tickSize: number
  /** ms UTC of the last change or confirmation of this book. */
  readonly updatedAt: number
  bestBid(): Level | undefined
  bestAsk(): Level | undefined
  /** Best first; at most `depth` levels. */
  bids(depth?: number): readonly Level[]
  asks(depth?: number): readonly Level[]
  /** Price levels strictly better than `price` on `side` (0 when `price` is at the touch or better). */
  levelsAhead(side: 'bid' | 'ask', price: number): number
}

/** The YES-space two-sided quote of a market, before layering. */
export interface YesQuote {
  readonly fair: number
  readonly reservation: number
  readonly halfSpread: number
  readonly bid: number
  readonly ask: number
}

/** One order the layer stage wants resting. Execute diffs these against live orders. */
export interface OrderIntent {
  readonly tokenId: string
  readonly side: Side
  /** On the tick grid, inside [tick, 1 - tick]. */
  readonly price: number
  /** Shares, rounded down to 2 decimals, at least the market's minimum. */
  readonly size: number
  /** 0 = nearest the touch. */
  readonly layer: number
  /** Which side of the YES-space quote this order expresses. */
  readonly quoteSide: QuoteSide
}

export type OrderStatus = 'pending' | 'live' | 'partially_filled' | 'filled' | 'cancelled' | 'rejected' | 'unknown'

/** An order as the daemon tracks it. `id` is the EIP-712 order hash, known before submission. */
export interface LiveOrder extends OrderIntent {
  readonly id: string
  readonly conditionId: string
  readonly status: OrderStatus
  readonly filled: number
  readonly createdAt: number
  /** Mid (YES space) when the order's side was quoted, for the requote rule. */
  readonly quotedMid: number
}

/**
 * MATCHED and MATCHED_NOT_BROADCASTED (matched, not yet sent on chain) are matches that are not settled; MINED and
 * CONFIRMED are on chain; RETRYING may go back to MINED; FAILED reverses the match (protocol doc §1.6, §7.4).
 */
export type TradeStatus = 'MATCHED' | 'MATCHED_NOT_BROADCASTED' | 'MINED' | 'CONFIRMED' | 'RETRYING' | 'FAILED'

/** One of our fills. `tradeId` + `orderId` identify it; status moves MATCHED → MINED → CONFIRMED or FAILED. */
export interface Fill {
  readonly tradeId: string
  readonly orderId: string
  readonly conditionId: string
  readonly tokenId: string
  readonly side: Side
  readonly price: number
  readonly size: number
  /**
   * The fee's value in USD (V2: shares · rate · (p·(1−p))^exponent, protocol doc §7.5). A taker BUY pays it in
   * shares: it receives `size − feeUsd / price` shares for `price · size` USD. Makers pay none.
   */
  readonly feeUsd: number
  readonly role: 'MAKER' | 'TAKER'
  readonly status: TradeStatus
  readonly timestamp: number
}

/** Holdings of one token. */
export interface TokenPosition {
  readonly tokenId: string
  readonly shares: number
  /** Average cost per share in USD (0 when flat). */
  readonly avgPrice: number
  readonly realizedPnl: number
}

/** Net position of a market in YES space: q = YES shares − NO shares. */
export interface MarketPosition {
  readonly conditionId: string
  readonly yes: TokenPosition
  readonly no: TokenPosition
  /** Net YES exposure in shares. */
  readonly q: number
}

export type RiskState = 'ACTIVE' | 'REDUCING' | 'HALTED'

/** Connection health that gates quoting. */
export interface HealthView {
  /** Name → up; e.g. market-data, user-channel, heartbeat. */
  readonly components: ReadonlyMap<string, { up: boolean; reason: string; since: number }>
  allUp(): boolean
  /** First component that is down, for a reason string. */
  firstDown(): { name: string; reason: string } | undefined
}
