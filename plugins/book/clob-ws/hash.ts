import { createHash } from 'node:crypto'
import type { WireLevel } from './wire.ts'

/**
 * The server's book `hash`, reproduced. @polymarket/clob-client-v2 `generateOrderBookSummaryHash` sets
 * `hash: ""`, JSON-stringifies the REST `OrderBookSummary` and takes the SHA-1 hex. The captured 2026 WS `book`
 * event (fixtures/ws_book_snapshot_captured.json) matches when the summary is rebuilt in the REST key order
 * with the market's `min_order_size` and `neg_risk`, which the WS event does not carry:
 * market, asset_id, timestamp, hash, bids, asks, min_order_size, tick_size, neg_risk, last_trade_price.
 */

export interface HashInputs {
  readonly market: string
  readonly asset_id: string
  readonly timestamp: string
  readonly bids: readonly WireLevel[]
  readonly asks: readonly WireLevel[]
  readonly tick_size?: string | undefined
  readonly last_trade_price?: string | undefined
}

export function sha1Hex(text: string): string {
  return createHash('sha1').update(text).digest('hex')
}

/** Hash of a WS `book` event; undefined when a field the hash covers is unknown (older captures). */
export function wsBookHash(e: HashInputs, minOrderSize: number | undefined, negRisk: boolean): string | undefined {
  if (e.tick_size === undefined || e.last_trade_price === undefined || minOrderSize === undefined) return undefined
  const summary = {
    market: e.market,
    asset_id: e.asset_id,
    timestamp: e.timestamp,
    hash: '',
    bids: e.bids.map((l) => ({ price: l.price, size: l.size })),
    asks: e.asks.map((l) => ({ price: l.price, size: l.size })),
    min_order_size: String(minOrderSize),
    tick_size: e.tick_size,
    neg_risk: negRisk,
    last_trade_price: e.last_trade_price,
  }
  return sha1Hex(JSON.stringify(summary))
}

/** Hash of a REST /book body exactly as received (the client hashes the object in its own key order). */
export function restBookHash(raw: Record<string, unknown>): string {
  return sha1Hex(JSON.stringify({ ...raw, hash: '' }))
}
