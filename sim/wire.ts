// Wire shapes (protocol doc §1.4, §1.6, §2): every amount and price as a string, timestamps as ms strings, book
// levels bids ascending / asks descending (best last). Shared by the REST routes and both WebSocket channels.
import type { LevelChange } from './book.ts'
import type { MarketState, SimOrder, SimTrade } from './engine.ts'
import { microToString, PRICE_SCALE, unitsToPrice } from './units.ts'

export type WireLevel = { price: string; size: string }

export type BookSummary = {
  market: string
  asset_id: string
  timestamp: string
  hash: string
  bids: WireLevel[]
  asks: WireLevel[]
  min_order_size: string
  tick_size: string
  neg_risk: boolean
  last_trade_price: string
}

type Top = { bid: number | undefined; ask: number | undefined }

/** Top of book in one token's own price space. */
export function topOfBook(m: MarketState, outcome: 0 | 1): Top {
  return ownTop(m.book.bestBid, m.book.bestAsk, outcome)
}

/** A YES-space top (bestBid -1 / bestAsk above PRICE_SCALE when empty) in one token's own price space. */
function ownTop(yesBestBid: number, yesBestAsk: number, outcome: 0 | 1): Top {
  const yesBid = yesBestBid >= 0 ? yesBestBid : undefined
  const yesAsk = yesBestAsk <= PRICE_SCALE ? yesBestAsk : undefined
  if (outcome === 0) return { bid: yesBid, ask: yesAsk }
  return {
    bid: yesAsk === undefined ? undefined : PRICE_SCALE - yesAsk,
    ask: yesBid === undefined ? undefined : PRICE_SCALE - yesBid,
  }
}

export function ownLastTrade(m: MarketState, outcome: 0 | 1): number | undefined {
  const p = m.lastTradePrice
  if (p === undefined) return undefined
  return outcome === 0 ? p : PRICE_SCALE - p
}

function sha1(text: string): string {
  return new Bun.CryptoHasher('sha1').update(text).digest('hex')
}

/** The book of one token as REST /book and WS `book` show it; hash computed the clob-client way (hash="" first). */
export function bookSummary(m: MarketState, outcome: 0 | 1, ts: number): BookSummary {
  const yesBids = m.book.levels(0)
  const yesAsks = m.book.levels(1)
  const lvl = (price: number, total: number): WireLevel => ({ price: unitsToPrice(price), size: microToString(total) })
  let bids: WireLevel[]
  let asks: WireLevel[]
  if (outcome === 0) {
    bids = yesBids.reverse().map((l) => lvl(l.price, l.total))
    asks = yesAsks.reverse().map((l) => lvl(l.price, l.total))
  } else {
    bids = yesAsks.reverse().map((l) => lvl(PRICE_SCALE - l.price, l.total))
    asks = yesBids.reverse().map((l) => lvl(PRICE_SCALE - l.price, l.total))
  }
  const last = ownLastTrade(m, outcome)
  const summary: BookSummary = {
    market: m.spec.conditionId,
    asset_id: m.spec.tokens[outcome],
    timestamp: String(ts),
    hash: '',
    bids,
    asks,
    min_order_size: String(m.spec.minOrderSize),
    tick_size: unitsToPrice(m.tick),
    neg_risk: m.spec.negRisk,
    last_trade_price: last === undefined ? '' : unitsToPrice(last),
  }
  summary.hash = sha1(JSON.stringify(summary))
  return summary
}

export function wsBook(m: MarketState, outcome: 0 | 1, ts: number) {
  const s = bookSummary(m, outcome, ts)
  return {
    event_type: 'book',
    market: s.market,
    asset_id: s.asset_id,
    timestamp: s.timestamp,
    hash: s.hash,
    bids: s.bids,
    asks: s.asks,
    tick_size: s.tick_size,
    last_trade_price: s.last_trade_price,
  }
}

export type PriceChangeEntry = {
  asset_id: string
  price: string
  size: string
  side: 'BUY' | 'SELL'
  hash: string
  best_bid: string
  best_ask: string
}

function bestStrings(t: Top): { best_bid: string; best_ask: string } {
  return {
    best_bid: t.bid === undefined ? '0' : unitsToPrice(t.bid),
    best_ask: t.ask === undefined ? '1' : unitsToPrice(t.ask),
  }
}

/**
 * Batched price_change: one entry per level change per token, in the order the changes happened (a YES bid at p
 * is also a NO ask at 1 − p). Each entry's best_bid/best_ask is the top right after that change, not after the
 * whole batch: clients check their book entry by entry (protocol doc §1.4).
 */
export function wsPriceChange(m: MarketState, changes: LevelChange[], ts: number) {
  const entries: PriceChangeEntry[] = []
  for (const c of changes) {
    const size = microToString(c.total)
    const yesBest = bestStrings(ownTop(c.bestBid, c.bestAsk, 0))
    const noBest = bestStrings(ownTop(c.bestBid, c.bestAsk, 1))
    const yes = {
      asset_id: m.spec.tokens[0],
      price: unitsToPrice(c.price),
      size,
      side: c.ySide === 0 ? ('BUY' as const) : ('SELL' as const),
    }
    const no = {
      asset_id: m.spec.tokens[1],
      price: unitsToPrice(PRICE_SCALE - c.price),
      size,
      side: c.ySide === 0 ? ('SELL' as const) : ('BUY' as const),
    }
    entries.push({ ...yes, hash: sha1(`${yes.asset_id}|${yes.price}|${yes.side}|${size}|${ts}`), ...yesBest })
    entries.push({ ...no, hash: sha1(`${no.asset_id}|${no.price}|${no.side}|${size}|${ts}`), ...noBest })
  }
  return { event_type: 'price_change', market: m.spec.conditionId, price_changes: entries, timestamp: String(ts) }
}

export function wsLastTradePrice(t: SimTrade, ts: number) {
  return {
    event_type: 'last_trade_price',
    asset_id: t.taker.tokenId,
    market: t.market.spec.conditionId,
    price: unitsToPrice(t.price),
    size: microToString(t.size),
    fee_rate_bps: String(t.feeRateBps),
    side: t.taker.side,
    timestamp: String(ts),
    transaction_hash: t.transactionHash,
  }
}

export function wsBestBidAsk(m: MarketState, outcome: 0 | 1, ts: number) {
  const t = topOfBook(m, outcome)
  const { best_bid, best_ask } = bestStrings(t)
  const spread = t.bid !== undefined && t.ask !== undefined ? unitsToPrice(t.ask - t.bid) : ''
  return {
    event_type: 'best_bid_ask',
    market: m.spec.conditionId,
    asset_id: m.spec.tokens[outcome],
    best_bid,
    best_ask,
    spread,
    timestamp: String(ts),
  }
}

export function wsTickSizeChange(m: MarketState, outcome: 0 | 1, oldTick: number, newTick: number, ts: number) {
  return {
    event_type: 'tick_size_change',
    asset_id: m.spec.tokens[outcome],
    market: m.spec.conditionId,
    old_tick_size: unitsToPrice(oldTick),
    new_tick_size: unitsToPrice(newTick),
    timestamp: String(ts),
  }
}

/** Sent when a market reaches its end date; the winner is the side the last trade (or book) favoured. */
export function wsMarketResolved(m: MarketState, ts: number) {
  const p = m.lastTradePrice ?? (m.book.hasBid() && m.book.hasAsk() ? (m.book.bestBid + m.book.bestAsk) / 2 : 5000)
  const winner: 0 | 1 = p >= PRICE_SCALE / 2 ? 0 : 1
  return {
    event_type: 'market_resolved',
    id: m.spec.questionId,
    market: m.spec.conditionId,
    assets_ids: [...m.spec.tokens],
    winning_asset_id: m.spec.tokens[winner],
    winning_outcome: m.spec.outcomes[winner],
    timestamp: String(ts),
    tags: [],
  }
}

export function outcomeName(o: SimOrder): string {
  return o.market.spec.outcomes[o.outcome]
}

/** How REST spells statuses: production prefixes them (§7.4); `broadcastAfterMs` is the MATCHED_NOT_BROADCASTED span. */
export type RestStatusStyle = { prefixed: boolean; now: number; broadcastAfterMs: number }
const PLAIN: RestStatusStyle = { prefixed: false, now: 0, broadcastAfterMs: 0 }

export function restOrderStatus(o: SimOrder, style: RestStatusStyle): string {
  return style.prefixed ? `ORDER_STATUS_${o.status}` : o.status
}

/** Matched but not yet sent on chain: no transaction hash yet, and not settled. */
function unbroadcast(t: SimTrade, style: RestStatusStyle): boolean {
  return style.broadcastAfterMs > 0 && t.status === 'MATCHED' && style.now < t.matchTime + style.broadcastAfterMs
}

export function restTradeStatus(t: SimTrade, style: RestStatusStyle): string {
  if (!style.prefixed) return t.status
  return unbroadcast(t, style) ? 'TRADE_STATUS_MATCHED_NOT_BROADCASTED' : `TRADE_STATUS_${t.status}`
}

/** REST open order (/data/order, /data/orders). */
export function restOrder(o: SimOrder, style: RestStatusStyle = PLAIN) {
  return {
    id: o.id,
    status: restOrderStatus(o, style),
    owner: o.owner,
    maker_address: o.account.address,
    market: o.market.spec.conditionId,
    asset_id: o.tokenId,
    side: o.side,
    original_size: microToString(o.originalSize),
    size_matched: microToString(o.matched),
    price: unitsToPrice(o.price),
    associate_trades: o.associateTrades,
    outcome: outcomeName(o),
    created_at: Math.floor(o.createdAt / 1000),
    expiration: String(o.expiration),
    order_type: o.orderType,
  }
}

export function wsOrder(o: SimOrder, kind: 'PLACEMENT' | 'UPDATE' | 'CANCELLATION', ts: number) {
  return {
    event_type: 'order',
    asset_id: o.tokenId,
    associate_trades: o.associateTrades.length > 0 ? o.associateTrades : null,
    created_at: String(o.createdAt),
    expiration: String(o.expiration),
    id: o.id,
    maker_address: o.account.address,
    market: o.market.spec.conditionId,
    order_owner: o.owner,
    order_type: o.orderType,
    original_size: microToString(o.originalSize),
    outcome: outcomeName(o),
    owner: o.owner,
    price: unitsToPrice(o.price),
    side: o.side,
    size_matched: microToString(o.matched),
    status: o.status,
    timestamp: String(ts),
    type: kind,
  }
}

function makerOrders(t: SimTrade) {
  return t.makers.map((f) => ({
    asset_id: f.order.tokenId,
    fee_rate_bps: '0',
    maker_address: f.order.account.address,
    matched_amount: microToString(f.matched),
    order_id: f.order.id,
    outcome: outcomeName(f.order),
    owner: f.order.owner,
    price: unitsToPrice(f.price),
    side: f.order.side,
  }))
}

/**
 * One trade as seen by `viewer` (an API key): the taker sees trader_side TAKER; a maker sees MAKER with the taker's
 * side/price/size on top and its own fill inside maker_orders.
 */
export function restTrade(t: SimTrade, viewerKey: string, style: RestStatusStyle = PLAIN) {
  const isTaker = t.taker.owner === viewerKey
  return {
    id: t.id,
    taker_order_id: t.taker.id,
    market: t.market.spec.conditionId,
    asset_id: t.taker.tokenId,
    side: t.taker.side,
    size: microToString(t.size),
    fee_rate_bps: String(t.feeRateBps),
    price: unitsToPrice(t.price),
    status: restTradeStatus(t, style),
    match_time: String(Math.floor(t.matchTime / 1000)),
    last_update: String(Math.floor(t.lastUpdate / 1000)),
    outcome: outcomeName(t.taker),
    bucket_index: 0,
    owner: viewerKey,
    maker_address: isTaker
      ? t.taker.account.address
      : (t.makers.find((f) => f.order.owner === viewerKey)?.order.account.address ?? ''),
    maker_orders: makerOrders(t),
    transaction_hash: unbroadcast(t, style) ? '' : t.transactionHash,
    trader_side: isTaker ? ('TAKER' as const) : ('MAKER' as const),
  }
}

export function wsTrade(t: SimTrade, viewerKey: string, ts: number) {
  const r = restTrade(t, viewerKey)
  return {
    event_type: 'trade',
    ...r,
    timestamp: String(ts),
    trade_owner: t.taker.owner,
    type: 'TRADE',
  }
}
