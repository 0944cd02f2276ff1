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
  /**
   * Realized PnL in USD (after fees) of fills at or after `since` (ms UTC), each as it was realized against the
   * live position, seeded holdings included (selling carried-in shares realizes against their seeded average).
   */
  realizedSince(since: number): number
  /**
   * Realized PnL booked outside this run's fills (today's earlier runs, read back from persistence at start), so
   * a restart does not forget a day's losses. Positions are not touched.
   */
  recordRealized(at: number, pnl: number): void
  /** Unrealized PnL in USD of a market at a YES fair value. */
  unrealized(market: Market, fair: number): number
  /**
   * Unrealized PnL in USD, at a YES fair value, of the holdings the counted fills apply on top of (the last
   * `setHoldings`, plus fills past the retention): what a market carried into the run was worth before it.
   */
  carriedUnrealized(market: Market, fair: number): number
  /**
   * Overwrite a token's holdings (reconciliation with the exchange, or restore from the database). They become
   * the token's seed: a later FAILED reversal rebuilds from them, not from zero.
   */
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

/**
 * Shares a fill moves: its size, less the fee a taker BUY pays in shares (protocol doc §7.5). The fee's USD value
 * is still realized as a cost, so a taker BUY's holdings are `size − fee / price` at `price` each.
 */
export function sharesMoved(fill: Fill): number {
  if (fill.role !== 'TAKER' || fill.side !== 'BUY' || fill.feeUsd <= 0 || fill.price <= 0) return fill.size
  return Math.max(0, fill.size - fill.feeUsd / fill.price)
}

function applyFillTo(pos: MutablePosition, fill: Fill): number {
  return applyTrade(pos, fill.side, fill.price, sharesMoved(fill), fill.feeUsd)
}

/**
 * How long a fill is remembered after the newest fill's timestamp: longer than a UTC day, so `realizedSince` of
 * any day start at or after the newest fill stays exact, and far longer than a trade takes to settle or the
 * executor's back-fill window (1 h), so a replayed or late status update of a fill is still recognised. An
 * older fill is folded into its token's seed: it can no longer be reversed by FAILED (none takes that long).
 */
export const FILL_RETENTION_MS = 25 * 3_600_000

interface Counted {
  readonly fill: Fill
  /** Realized PnL this fill produced when applied (recomputed by a FAILED reversal of an earlier fill). */
  pnl: number
}

interface TokenBook {
  readonly pos: MutablePosition
  /** Holdings the fills since apply on top of: the last `setHoldings`, plus fills folded in by retention. */
  seed: MutablePosition
  /** Counted fills applied on top of the seed, in the order they were applied. */
  applied: Counted[]
}

export function createAccount(opts: { readonly retentionMs?: number } = {}): Account {
  const retentionMs = opts.retentionMs ?? FILL_RETENTION_MS
  const books = new Map<string, TokenBook>()
  // key → the fill as last seen, and its record while counted; insertion order = first sighting.
  const seen = new Map<string, { fill: Fill; counted: Counted | undefined }>()
  const listeners = new Set<(tokenId: string) => void>()
  let newest = Number.NEGATIVE_INFINITY
  const booked: { at: number; pnl: number }[] = []

  const key = (f: Fill) => `${f.tradeId}|${f.orderId}|${f.tokenId}`
  const zero = (): MutablePosition => ({ shares: 0, avgPrice: 0, realizedPnl: 0 })
  const get = (tokenId: string) => {
    let b = books.get(tokenId)
    if (!b) books.set(tokenId, (b = { pos: zero(), seed: zero(), applied: [] }))
    return b
  }
  const notify = (tokenId: string) => {
    for (const l of listeners) l(tokenId)
  }

  /** Rebuild one token from its seed and counted fills (rare: only on a FAILED reversal). */
  function rebuild(b: TokenBook) {
    const p = { ...b.seed }
    for (const c of b.applied) c.pnl = applyFillTo(p, c.fill)
    Object.assign(b.pos, p)
  }

  /** Forget fills older than the retention (first sightings in order), folding counted ones into their seed. */
  function prune() {
    const cutoff = newest - retentionMs
    for (const [k, s] of seen) {
      if (s.fill.timestamp >= cutoff) break
      seen.delete(k)
      const b = s.counted && books.get(s.fill.tokenId)
      if (b && b.applied[0] === s.counted) {
        b.applied.shift()
        applyFillTo(b.seed, s.fill)
      }
    }
  }

  return {
    applyFill(fill) {
      const k = key(fill)
      const before = seen.get(k)
      if (fill.status === 'FAILED') {
        const counted = before?.counted
        if (before) before.fill = fill
        else seen.set(k, { fill, counted: undefined })
        if (!before || !counted) return false
        before.counted = undefined
        const b = get(fill.tokenId)
        b.applied = b.applied.filter((c) => c !== counted)
        rebuild(b)
        notify(fill.tokenId)
        return true
      }
      if (before) {
        before.fill = fill
        return false
      }
      const b = get(fill.tokenId)
      const counted: Counted = { fill, pnl: applyFillTo(b.pos, fill) }
      b.applied.push(counted)
      seen.set(k, { fill, counted })
      if (fill.timestamp > newest) {
        newest = fill.timestamp
        prune()
      }
      notify(fill.tokenId)
      return true
    },
    token(tokenId) {
      const p = books.get(tokenId)?.pos
      return p ? { tokenId, ...p } : EMPTY(tokenId)
    },
    position(market) {
      const yes = this.token(market.yesTokenId)
      const no = this.token(market.noTokenId)
      return { conditionId: market.conditionId, yes, no, q: yes.shares - no.shares }
    },
    realizedSince(since) {
      let total = 0
      for (const s of seen.values()) if (s.counted && s.fill.timestamp >= since) total += s.counted.pnl
      for (const b of booked) if (b.at >= since) total += b.pnl
      return total
    },
    recordRealized(at, pnl) {
      booked.push({ at, pnl })
    },
    unrealized(market, fair) {
      const yes = this.token(market.yesTokenId)
      const no = this.token(market.noTokenId)
      return yes.shares * (fair - yes.avgPrice) + no.shares * (1 - fair - no.avgPrice)
    },
    carriedUnrealized(market, fair) {
      const yes = books.get(market.yesTokenId)?.seed
      const no = books.get(market.noTokenId)?.seed
      return (yes ? yes.shares * (fair - yes.avgPrice) : 0) + (no ? no.shares * (1 - fair - no.avgPrice) : 0)
    },
    setHoldings(tokenId, shares, avgPrice) {
      const b = get(tokenId)
      b.pos.shares = shares
      b.pos.avgPrice = shares === 0 ? 0 : avgPrice
      // The new holdings include every fill so far: a later reversal rebuilds from here.
      b.seed = { ...b.pos }
      b.applied = []
      notify(tokenId)
    },
    fills: () => [...seen.values()].map((s) => s.fill),
    onChange(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
}
