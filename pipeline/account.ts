import type { Fill, Market, MarketPosition, TokenPosition } from '../schemas/domain.ts'

/**
 * Positions from our fills: the source of truth between reconciliations. Fills are de-duplicated by trade id,
 * order id and token, so a reconnect that replays a trade never double-counts; a trade that moves to FAILED
 * after it was counted is reversed.
 */
export interface Account {
  /** Returns true when the fill changed a position (first sighting or a FAILED reversal). */
  applyFill(fill: Fill): boolean
  token(tokenId: string): TokenPosition
  position(market: Market): MarketPosition
  /** Realized PnL in USD (after fees) of fills at or after `since` (ms UTC). */
  realizedSince(since: number): number
  /** Unrealized PnL in USD of a market at a YES fair value. */
  unrealized(market: Market, fair: number): number
  /** Overwrite a token's holdings (reconciliation with the exchange, or restore from the database). */
  setHoldings(tokenId: string, shares: number, avgPrice: number): void
  fills(): readonly Fill[]
  onChange(listener: (tokenId: string) => void): () => void
}

interface MutablePosition {
  shares: number
  avgPrice: number
  realizedPnl: number
}

const EMPTY = (tokenId: string): TokenPosition => ({ tokenId, shares: 0, avgPrice: 0, realizedPnl: 0 })

/** Average-cost accounting of one trade; returns the realized PnL it produced. */
function applyTrade(pos: MutablePosition, side: 'BUY' | 'SELL', price: number, size: number, fee: number): number {
  const signed = side === 'BUY' ? size : -size
  let realized = -fee
  if (pos.shares === 0 || Math.sign(pos.shares) === Math.sign(signed)) {
    const total = Math.abs(pos.shares) + size
    pos.avgPrice = (pos.avgPrice * Math.abs(pos.shares) + price * size) / total
    pos.shares += signed
  } else {
    const closing = Math.min(Math.abs(pos.shares), size)
    realized += closing * (price - pos.avgPrice) * Math.sign(pos.shares)
    pos.shares += signed
    if (Math.abs(pos.shares) < 1e-9) {
      pos.shares = 0
      pos.avgPrice = 0
    } else if (size > closing) pos.avgPrice = price // flipped through zero
  }
  pos.shares = Math.round(pos.shares * 1e6) / 1e6
  pos.realizedPnl += realized
  return realized
}

export function createAccount(): Account {
  const positions = new Map<string, MutablePosition>()
  const seen = new Map<string, Fill>() // key → the fill as last seen
  const counted = new Set<string>() // keys whose fill moved a position
  const listeners = new Set<(tokenId: string) => void>()

  const key = (f: Fill) => `${f.tradeId}|${f.orderId}|${f.tokenId}`
  const get = (tokenId: string) => {
    let p = positions.get(tokenId)
    if (!p) positions.set(tokenId, (p = { shares: 0, avgPrice: 0, realizedPnl: 0 }))
    return p
  }
  const notify = (tokenId: string) => {
    for (const l of listeners) l(tokenId)
  }

  /** Rebuild one token from its counted fills (rare: only on a FAILED reversal). */
  function rebuild(tokenId: string) {
    const base = positions.get(tokenId)
    const p = { shares: 0, avgPrice: 0, realizedPnl: 0 }
    for (const [k, f] of seen)
      if (f.tokenId === tokenId && counted.has(k)) applyTrade(p, f.side, f.price, f.size, f.feeUsd)
    if (base) Object.assign(base, p)
  }

  return {
    applyFill(fill) {
      const k = key(fill)
      const before = seen.get(k)
      seen.set(k, fill)
      if (fill.status === 'FAILED') {
        if (!counted.delete(k)) return false
        rebuild(fill.tokenId)
        notify(fill.tokenId)
        return true
      }
      if (before || counted.has(k)) return false
      counted.add(k)
      applyTrade(get(fill.tokenId), fill.side, fill.price, fill.size, fill.feeUsd)
      notify(fill.tokenId)
      return true
    },
    token(tokenId) {
      const p = positions.get(tokenId)
      return p ? { tokenId, ...p } : EMPTY(tokenId)
    },
    position(market) {
      const yes = this.token(market.yesTokenId)
      const no = this.token(market.noTokenId)
      return { conditionId: market.conditionId, yes, no, q: yes.shares - no.shares }
    },
    realizedSince(since) {
      // Recomputed from counted fills so a FAILED reversal is reflected exactly.
      let total = 0
      const perToken = new Map<string, MutablePosition>()
      const ordered = [...seen.entries()]
        .filter(([k]) => counted.has(k))
        .sort((a, b) => a[1].timestamp - b[1].timestamp)
      for (const [, f] of ordered) {
        let p = perToken.get(f.tokenId)
        if (!p) perToken.set(f.tokenId, (p = { shares: 0, avgPrice: 0, realizedPnl: 0 }))
        const pnl = applyTrade(p, f.side, f.price, f.size, f.feeUsd)
        if (f.timestamp >= since) total += pnl
      }
      return total
    },
    unrealized(market, fair) {
      const yes = this.token(market.yesTokenId)
      const no = this.token(market.noTokenId)
      return yes.shares * (fair - yes.avgPrice) + no.shares * (1 - fair - no.avgPrice)
    },
    setHoldings(tokenId, shares, avgPrice) {
      const p = get(tokenId)
      p.shares = shares
      p.avgPrice = shares === 0 ? 0 : avgPrice
      notify(tokenId)
    },
    fills: () => [...seen.values()],
    onChange(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
}
