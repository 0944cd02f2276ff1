// Account bookkeeping of fills: cash and token balances, average-price positions, and the unsettled part of bought
// shares (held by the exchange until the trade settles on chain, so not yet sellable: protocol doc §7.5).
import type { Account, Side, SimOrder } from './engine-types.ts'
import { cashFor, PRICE_SCALE } from './units.ts'

export const addTok = (m: Map<string, number>, t: string, d: number) => m.set(t, (m.get(t) ?? 0) + d)

/** Shares the account may sell now: settled holdings not already reserved by resting SELLs. */
export function sellable(a: Account, tokenId: string): number {
  return (a.tokens.get(tokenId) ?? 0) - (a.reservedTokens.get(tokenId) ?? 0) - (a.unsettledTokens.get(tokenId) ?? 0)
}

/** The on-chain (settled) balance of a token, as /balance-allowance reports it. */
export function settledBalance(a: Account, tokenId: string): number {
  return (a.tokens.get(tokenId) ?? 0) - (a.unsettledTokens.get(tokenId) ?? 0)
}

function updatePosition(a: Account, tokenId: string, side: Side, qty: number, ownPrice: number): void {
  let pos = a.positions.get(tokenId)
  if (!pos) {
    pos = { size: 0, avgPrice: 0, totalBought: 0, realizedPnl: 0 }
    a.positions.set(tokenId, pos)
  }
  const px = ownPrice / PRICE_SCALE
  const q = qty / 1_000_000
  if (side === 'BUY') {
    pos.avgPrice = pos.size + q > 0 ? (pos.avgPrice * pos.size + px * q) / (pos.size + q) : 0
    pos.size += q
    pos.totalBought += q
  } else {
    pos.realizedPnl += (px - pos.avgPrice) * q
    pos.size = Math.max(0, pos.size - q)
  }
}

/** Book one fill of `o`. `holdBought`: bought shares stay unsettled until `releaseBought`. */
export function applyFill(o: SimOrder, qty: number, ownPrice: number, fee: number, holdBought: boolean): void {
  const a = o.account
  if (a.unlimited) return
  const cash = cashFor(qty, ownPrice)
  if (o.side === 'BUY') {
    a.cash -= cash + fee
    addTok(a.tokens, o.tokenId, qty)
    if (holdBought) addTok(a.unsettledTokens, o.tokenId, qty)
  } else {
    a.cash += cash - fee
    addTok(a.tokens, o.tokenId, -qty)
  }
  updatePosition(a, o.tokenId, o.side, qty, ownPrice)
}

/** The trade settled: the fill's bought shares become sellable. */
export function releaseBought(o: SimOrder, qty: number): void {
  if (o.side === 'BUY' && !o.account.unlimited) addTok(o.account.unsettledTokens, o.tokenId, -qty)
}

/** Undo a fill's balance effects (on-chain failure). Orders keep their matched state, as on the real venue. */
export function revertFill(o: SimOrder, qty: number, ownPrice: number, fee: number, stillHeld: boolean): void {
  const a = o.account
  if (a.unlimited) return
  const cash = cashFor(qty, ownPrice)
  const pos = a.positions.get(o.tokenId)
  const q = qty / 1_000_000
  if (o.side === 'BUY') {
    a.cash += cash + fee
    addTok(a.tokens, o.tokenId, -qty)
    if (stillHeld) addTok(a.unsettledTokens, o.tokenId, -qty)
    if (pos) {
      pos.size = Math.max(0, pos.size - q)
      pos.totalBought = Math.max(0, pos.totalBought - q)
    }
  } else {
    a.cash -= cash - fee
    addTok(a.tokens, o.tokenId, qty)
    if (pos) {
      pos.realizedPnl -= (ownPrice / PRICE_SCALE - pos.avgPrice) * q
      pos.size += q
    }
  }
}
