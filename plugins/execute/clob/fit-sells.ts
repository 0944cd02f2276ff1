import type { OrderIntent } from '../../../schemas/domain.ts'
import { floorShares } from '../../quoting-math/grid.ts'

/**
 * SELLs cut to the shares free at the moment they are sent. The exchange reserves the shares of every resting SELL
 * (protocol §2.4: maxOrderSize = balance − Σ(size − matched) over open orders) and rejects a SELL above the rest with
 * "not enough balance / allowance". The layer stage sizes SELLs to the holdings of its quote, but a run sends them
 * only after its cancels are answered, and fills land in between, above all on the very SELL being cancelled: the
 * desired SELL then offers shares that were sold meanwhile. So the executor checks again just before each POST.
 */

export interface CutSell {
  readonly intent: OrderIntent
  /** Size sent; 0 when the order was dropped (what is free is under the minimum order size). */
  readonly size: number
}

export interface FitResult {
  /** The intents to send, in the given order: BUYs untouched, SELLs at most what is free. */
  readonly orders: readonly OrderIntent[]
  readonly cut: readonly CutSell[]
}

/**
 * `free(tokenId)`: shares held and not offered by any order that may rest (live, pending, unknown, cancel not yet
 * confirmed). SELLs take from it in the given order (nearest the touch first), so the best-placed SELL keeps its size.
 */
export function fitSellsToHoldings(
  intents: readonly OrderIntent[],
  free: (tokenId: string) => number,
  minOrderSize: number,
): FitResult {
  const left = new Map<string, number>()
  const orders: OrderIntent[] = []
  const cut: CutSell[] = []
  for (const o of intents) {
    if (o.side !== 'SELL') {
      orders.push(o)
      continue
    }
    const avail = left.get(o.tokenId) ?? Math.max(0, free(o.tokenId))
    if (o.size <= avail + 1e-9) {
      left.set(o.tokenId, avail - o.size)
      orders.push(o)
      continue
    }
    const size = floorShares(avail)
    if (size > 0 && size >= minOrderSize) {
      left.set(o.tokenId, avail - size)
      orders.push({ ...o, size })
      cut.push({ intent: o, size })
    } else {
      left.set(o.tokenId, avail)
      cut.push({ intent: o, size: 0 })
    }
  }
  return { orders, cut }
}
