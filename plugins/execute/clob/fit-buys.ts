import type { OrderIntent } from '../../../schemas/domain.ts'
import { floorShares } from '../../quoting-math/grid.ts'

/**
 * BUYs cut to the pUSD free at the moment they are sent. The exchange reserves price × remaining of every resting
 * BUY of the account (protocol §2.4, on every market at once) and rejects a BUY whose notional is above the rest
 * with "not enough balance / allowance". The layer stage sizes each market on its own, so the sum over markets can
 * ask for more than the account holds: the executor fits each batch into what is free just before its POST.
 */

export interface CutBuy {
  readonly intent: OrderIntent
  /** Size sent; 0 when the order was dropped (what is free buys less than the minimum order size). */
  readonly size: number
}

export interface FitBuysResult {
  /** The intents to send, in the given order: SELLs untouched, BUYs within what is free. */
  readonly orders: readonly OrderIntent[]
  readonly cut: readonly CutBuy[]
  /** pUSD still free once the BUYs sent are counted. */
  readonly leftUsd: number
}

/** Room for float noise in price × size (micro-pUSD is the exchange's unit). */
const EPS = 1e-9

/** The largest size on the share grid (0.01) whose notional at `price` is at most `usd`. */
function affordable(usd: number, price: number): number {
  if (!(usd > 0) || !(price > 0)) return 0
  let size = floorShares(usd / price)
  while (size > 0 && price * size > usd + EPS) size = Math.round((size - 0.01) * 100) / 100
  return Math.max(0, size)
}

/**
 * `freeUsd`: pUSD held and not reserved by any BUY that may rest (live, pending, unknown, cancel not yet confirmed),
 * on any market, minus the safety margin. BUYs take from it in the given order (nearest the touch first), so the
 * best-placed BUY keeps its size; one that does not fit is cut, or dropped when under `minOrderSize`.
 */
export function fitBuysToCollateral(
  intents: readonly OrderIntent[],
  freeUsd: number,
  minOrderSize: number,
): FitBuysResult {
  let left = Math.max(0, freeUsd)
  const orders: OrderIntent[] = []
  const cut: CutBuy[] = []
  for (const o of intents) {
    if (o.side !== 'BUY') {
      orders.push(o)
      continue
    }
    const notional = o.price * o.size
    if (notional <= left + EPS) {
      left = Math.max(0, left - notional)
      orders.push(o)
      continue
    }
    const size = affordable(left, o.price)
    if (size > 0 && size >= minOrderSize) {
      left = Math.max(0, left - o.price * size)
      orders.push({ ...o, size })
      cut.push({ intent: o, size })
    } else cut.push({ intent: o, size: 0 })
  }
  return { orders, cut, leftUsd: left }
}
