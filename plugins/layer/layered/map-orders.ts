import type { Market, OrderIntent, QuoteSide } from '../../../schemas/domain.ts'
import { floorShares, tickPrice } from '../../quoting-math/grid.ts'

/** Shares held and not yet offered by a nearer layer; decremented as SELL orders are emitted. */
export interface Unoffered {
  yes: number
  no: number
}

/** One YES-space layer, sized in USD, ready to become orders. */
export interface YesLayer {
  readonly quoteSide: QuoteSide
  /** Price in whole ticks of the YES-space level. */
  readonly ticks: number
  readonly layer: number
  /** Size of the layer in USD. */
  readonly usd: number
  /** Upper bound of the layer in USD (max size after risk shrinking); sizes never exceed it in shares. */
  readonly capUsd: number
  /**
   * Shares each emitted order should reach if the cap allows (the rewards minimum); 0 = none. A layer with a
   * target is not split, so the order that carries it is not cut under the target.
   */
  readonly targetShares: number
}

/** Shares of `usd` at `price`, raised to `target` when the cap allows it. */
function legShares(usd: number, capUsd: number, price: number, target: number): number {
  const shares = floorShares(usd / price)
  if (target <= shares) return shares
  const cap = floorShares(capUsd / price)
  const want = Math.ceil(target * 100 - 1e-6) / 100
  return want <= cap ? want : shares
}

/**
 * The YES/NO mapping of DESIGN §3, for one layer.
 *
 * - A YES bid at p: SELL NO @ 1 − p for NO shares held and not already offered, the rest BUY YES @ p.
 * - A YES ask at p: SELL YES @ p for YES shares held and not already offered, the rest BUY NO @ 1 − p.
 *
 * Selling held shares first reduces inventory and frees capital; a SELL never exceeds what is held. A layer is
 * split when holdings cover only part of it: the SELL part takes what is held (shares at the SELL price), and
 * the USD it does not use buys the other token at its own price. A part under the market's minimum size is
 * dropped (held shares under the minimum stay unsold and the whole layer is bought). A layer with a rewards
 * target goes whole to one leg: SELL when holdings cover it, else BUY. Prices are computed in whole ticks, so
 * the NO price 1 − p lands exactly on the grid. Orders are appended to `out`.
 */
export function mapLayer(
  out: OrderIntent[],
  market: Market,
  l: YesLayer,
  tick: number,
  steps: number,
  held: Unoffered,
): void {
  const bid = l.quoteSide === 'bid'
  const yesPrice = tickPrice(l.ticks, tick)
  const noPrice = tickPrice(steps - l.ticks, tick)
  const sellToken = bid ? market.noTokenId : market.yesTokenId
  const buyToken = bid ? market.yesTokenId : market.noTokenId
  const sellPrice = bid ? noPrice : yesPrice
  const buyPrice = bid ? yesPrice : noPrice
  const available = bid ? held.no : held.yes
  const min = market.minOrderSize
  const fits = (shares: number) => shares > 0 && shares >= min

  let sold = 0
  let buyUsd = l.usd
  if (l.targetShares > 0) {
    const want = legShares(l.usd, l.capUsd, sellPrice, l.targetShares)
    if (fits(want) && want <= available) {
      sold = want
      buyUsd = 0
    }
  } else {
    const s = floorShares(Math.min(available, l.usd / sellPrice))
    if (fits(s)) {
      sold = s
      buyUsd = l.usd - s * sellPrice
    }
  }
  if (sold > 0) {
    out.push({ tokenId: sellToken, side: 'SELL', price: sellPrice, size: sold, layer: l.layer, quoteSide: l.quoteSide })
    if (bid) held.no = available - sold
    else held.yes = available - sold
  }
  if (buyUsd <= 0) return
  const buy =
    l.targetShares > 0 ? legShares(buyUsd, l.capUsd, buyPrice, l.targetShares) : floorShares(buyUsd / buyPrice)
  if (fits(buy))
    out.push({ tokenId: buyToken, side: 'BUY', price: buyPrice, size: buy, layer: l.layer, quoteSide: l.quoteSide })
}
