import type { Fill, Side, TradeStatus } from '../../../schemas/domain.ts'
import { TRADE_STATUSES, tradeTime, type WireTrade } from './user-channel-wire.ts'

/**
 * Our fills inside one trade message (user channel or REST /data/trades). When we were the maker, the top-level
 * side/price/size are the taker's and ours are the `maker_orders` entries owned by our API key, possibly on the
 * complementary token at 1 − p (a mint/merge match). When we were the taker, the top level is our fill.
 */

const opposite = (s: Side): Side => (s === 'BUY' ? 'SELL' : 'BUY')

function status(s: string): TradeStatus | undefined {
  return (TRADE_STATUSES as readonly string[]).includes(s) ? (s as TradeStatus) : undefined
}

/** Polymarket's fee: rate × min(p, 1 − p) × shares, in USD. Makers are charged nothing at a zero rate. */
export function feeUsd(bps: number, price: number, size: number): number {
  return (bps / 10_000) * Math.min(price, 1 - price) * size
}

/**
 * `isOurOrder`: a maker entry for an order we track is ours whatever key it names (an order placed under another
 * API key of the account, or a key the message spells differently).
 */
export function tradeToFills(
  trade: WireTrade,
  apiKey: string,
  fallbackTime: number,
  isOurOrder: (orderId: string) => boolean = () => false,
): Fill[] {
  const st = status(trade.status)
  if (!st) return []
  const at = tradeTime(trade) ?? fallbackTime
  const out: Fill[] = []
  const takerKey = trade.trade_owner ?? (trade.trader_side === 'TAKER' ? trade.owner : undefined)
  if (takerKey === apiKey && trade.taker_order_id !== '') {
    out.push({
      tradeId: trade.id,
      orderId: trade.taker_order_id,
      conditionId: trade.market,
      tokenId: trade.asset_id,
      side: trade.side,
      price: trade.price,
      size: trade.size,
      feeUsd: feeUsd(trade.fee_rate_bps, trade.price, trade.size),
      role: 'TAKER',
      status: st,
      timestamp: at,
    })
  }
  for (const m of trade.maker_orders) {
    if (m.owner !== apiKey && !isOurOrder(m.order_id)) continue
    // Same token: the maker took the other side. Complementary token: both sides bought (mint) or sold (merge).
    const side = m.side ?? (m.asset_id === trade.asset_id ? opposite(trade.side) : trade.side)
    out.push({
      tradeId: trade.id,
      orderId: m.order_id,
      conditionId: trade.market,
      tokenId: m.asset_id,
      side,
      price: m.price,
      size: m.matched_amount,
      feeUsd: feeUsd(m.fee_rate_bps, m.price, m.matched_amount),
      role: 'MAKER',
      status: st,
      timestamp: at,
    })
  }
  return out
}
