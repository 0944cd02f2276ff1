// Types shared by the exchange core and its wire/route layers: accounts, markets, orders, trades, engine events and
// the production rejection messages (protocol doc §2.4).
import type { BookNode, LevelChange, YesBook } from './book.ts'
import type { MarketSpec } from './scenario.ts'

export type Side = 'BUY' | 'SELL'
export type OrderType = 'GTC' | 'GTD' | 'FOK' | 'FAK'
export type OrderStatus = 'LIVE' | 'MATCHED' | 'CANCELED' | 'INVALID'
export type TradeStatus = 'MATCHED' | 'MINED' | 'CONFIRMED' | 'RETRYING' | 'FAILED'

export const ERR = {
  tick: 'order is invalid. Price breaks minimum tick size rules',
  minSize: 'order is invalid. Size lower than the minimum',
  duplicated: "order is invalid. Duplicated. Same order has already been placed, can't be placed again",
  balance: 'not enough balance / allowance',
  expiration: 'invalid expiration',
  insert: 'could not insert order',
  postOnlyType: 'invalid post-only order: only GTC and GTD order types are allowed',
  postOnlyCross: 'invalid post-only order: order crosses book',
  fok: "order couldn't be fully filled, FOK orders are fully filled/killed",
  notReady: 'the market is not yet ready to process new orders',
} as const

export type Position = { size: number; avgPrice: number; totalBought: number; realizedPnl: number }

export type Account = {
  address: string
  /** pUSD, micro units. */
  cash: number
  reservedCash: number
  tokens: Map<string, number>
  reservedTokens: Map<string, number>
  /** Bought shares whose trade has not settled yet: held, but not sellable and not in the on-chain balance. */
  unsettledTokens: Map<string, number>
  positions: Map<string, Position>
  /** Internal flow accounts: no balance checks or bookkeeping. */
  unlimited: boolean
  open: Set<SimOrder>
  trades: SimTrade[]
}

export type MarketState = {
  spec: MarketSpec
  book: YesBook<SimOrder>
  tick: number
  baseTick: number
  lastTradePrice: number | undefined
  lastTradeSide: Side
  accepting: boolean
  /** Past its end date: no trading, every order cancelled. */
  closed: boolean
}

export type SimOrder = BookNode & {
  id: string
  market: MarketState
  account: Account
  owner: string
  tokenId: string
  outcome: 0 | 1
  side: Side
  /** Own-token price, units of 1e-4. */
  price: number
  originalSize: number
  matched: number
  reservedCash: number
  orderType: OrderType
  expiration: number
  createdAt: number
  status: OrderStatus
  associateTrades: string[]
}

export type MakerFill = {
  order: SimOrder
  matched: number
  /** Maker's own-token price. */
  price: number
}

export type SimTrade = {
  id: string
  market: MarketState
  taker: SimOrder
  /** Taker's own-token price and matched size. */
  price: number
  size: number
  yesPrice: number
  makers: MakerFill[]
  status: TradeStatus
  matchTime: number
  lastUpdate: number
  transactionHash: string
  feeRateBps: number
  /** Taker fee paid, pUSD micro units. */
  fee: number
  /** Settlement reversed (the trade FAILED on chain). */
  reverted: boolean
  /** Bought shares released for sale (the trade reached the settlement point). */
  settled: boolean
}

export type EngineEvent =
  | { type: 'price_change'; market: MarketState; changes: LevelChange[] }
  | { type: 'trades'; market: MarketState; trades: SimTrade[] }
  | { type: 'trade_status'; trade: SimTrade }
  | { type: 'order'; kind: 'PLACEMENT' | 'UPDATE' | 'CANCELLATION'; order: SimOrder }
  | { type: 'tick_size_change'; market: MarketState; oldTick: number; newTick: number }
  | { type: 'market_closed'; market: MarketState }

export type PlaceInput = {
  id: string
  owner: string
  address: string
  tokenId: string
  side: Side
  /** Own-token price in units of 1e-4 (may be fractional if the amounts were off-grid). */
  price: number
  /** Shares, micro units. */
  size: number
  orderType: OrderType
  postOnly?: boolean
  /** Unix seconds; 0 = none. */
  expiration?: number
}

export type PlaceResult =
  | { ok: false; errorMsg: string }
  | {
      ok: true
      order: SimOrder
      trades: SimTrade[]
      status: 'live' | 'matched' | 'unmatched'
      makingAmount: number
      takingAmount: number
    }

export type EngineOptions = {
  markets: MarketSpec[]
  now: () => number
  seed?: number
  initialBalanceMicro?: number
  /** Bought shares are sellable at once (settlement modelling off). Default false: only after `settleTrade`. */
  settleOnMatch?: boolean
  onEvent?: (e: EngineEvent) => void
}
