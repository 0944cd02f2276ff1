import type { Logger } from '../../../pipeline/logger.ts'
import type { Fill, Side } from '../../../schemas/domain.ts'
import { reportUnknownStatus } from './statuses.ts'
import { tradeTime, type WireTrade } from './user-channel-wire.ts'

/**
 * Our fills inside one trade message (user channel or REST /data/trades). When we were the maker, the top-level
 * side/price/size are the taker's and ours are the `maker_orders` entries that are the account's, possibly on the
 * complementary token at 1 − p (a mint/merge match). When we were the taker, the top level is our fill.
 */

/** Who "we" are in a trade message (protocol doc §7.6): the account's funder address and its API keys. */
export interface Attribution {
  /** The API keys of the account (the one in use first); an entry's `owner` names one of them. */
  readonly apiKeys: readonly string[]
  /** The address that holds the positions (funder, or the signer for EOA); an entry's `maker_address`. */
  readonly funder: string
  /** Exponent of a market's taker fee curve (CLOB market info `fd.e`); undefined → 1. */
  readonly feeExponent?: (conditionId: string) => number | undefined
  /** Where an unknown status spelling is reported (rate-limited); none in pure uses. */
  readonly log?: Logger
}

const opposite = (s: Side): Side => (s === 'BUY' ? 'SELL' : 'BUY')

/**
 * The V2 taker fee in USD: shares · rate · (p·(1−p))^exponent (CCv2 `fees`, protocol doc §7.5), with the rate in
 * basis points as trades carry it. A maker's fee is always zero: call this for the taker side only.
 */
export function takerFeeUsd(bps: number, price: number, shares: number, exponent = 1): number {
  if (bps <= 0 || price <= 0 || price >= 1) return 0
  return shares * (bps / 10_000) * (price * (1 - price)) ** exponent
}

/** Address comparison: the same address in any case. */
const sameAddress = (a: string | undefined, b: string): boolean =>
  a !== undefined && a !== '' && a.toLowerCase() === b.toLowerCase()

/**
 * `isOurOrder`: an entry for an order we track is ours whatever key or address it names. Otherwise an entry is ours
 * when its `owner` is one of our API keys or its `maker_address` is our funder, so a fill of an order placed under
 * another key of the account (a rotated key, an earlier run) is not lost.
 */
export function tradeToFills(
  trade: WireTrade,
  us: Attribution,
  fallbackTime: number,
  isOurOrder: (orderId: string) => boolean = () => false,
): Fill[] {
  if (trade.unknownStatus !== undefined && us.log) {
    reportUnknownStatus(us.log, 'trade', trade.unknownStatus, fallbackTime)
  }
  const st = trade.status
  const at = tradeTime(trade) ?? fallbackTime
  const ourKey = (key: string | undefined) => key !== undefined && key !== '' && us.apiKeys.includes(key)
  const exponent = us.feeExponent?.(trade.market) ?? 1
  const out: Fill[] = []
  const takerKey = trade.trade_owner ?? (trade.trader_side === 'TAKER' ? trade.owner : undefined)
  const takerIsUs =
    trade.taker_order_id !== '' &&
    (ourKey(takerKey) ||
      isOurOrder(trade.taker_order_id) ||
      // The top-level maker_address is the receiver's own when it was the maker: trust it for the taker only then.
      (trade.trader_side === 'TAKER' && sameAddress(trade.maker_address, us.funder)))
  if (takerIsUs) {
    out.push({
      tradeId: trade.id,
      orderId: trade.taker_order_id,
      conditionId: trade.market,
      tokenId: trade.asset_id,
      side: trade.side,
      price: trade.price,
      size: trade.size,
      feeUsd: takerFeeUsd(trade.fee_rate_bps, trade.price, trade.size, exponent),
      role: 'TAKER',
      status: st,
      timestamp: at,
    })
  }
  for (const m of trade.maker_orders) {
    if (!ourKey(m.owner) && !sameAddress(m.maker_address, us.funder) && !isOurOrder(m.order_id)) continue
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
      feeUsd: 0,
      role: 'MAKER',
      status: st,
      timestamp: at,
    })
  }
  // A fill that cannot be (no shares, or a price that is not a probability) is named and never booked.
  const real = out.filter((f) => f.size > 0 && f.price > 0 && f.price < 1)
  if (real.length < out.length)
    us.log?.warn(`trade ${trade.id}: ${out.length - real.length} entries left out (size ≤ 0 or price outside (0, 1))`)
  return real
}
