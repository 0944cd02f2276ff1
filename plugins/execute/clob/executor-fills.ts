import { fields } from '../../../pipeline/logger.ts'
import type { Fill } from '../../../schemas/domain.ts'
import type { ExecutorCore } from './executor-core.ts'
import { tradeToFills } from './fills.ts'
import { isTerminal } from './order-state.ts'
import type { WireOrder, WireTrade } from './user-channel-wire.ts'

/**
 * What the user channel (and the REST back-fill) tells the executor: order events and trades. A fill is applied
 * once by key however often it is seen; terminal orders and old fill keys are forgotten by `prune`.
 */

const KEEP_FILL_KEYS_MS = 24 * 3_600_000

export interface FillBook {
  onUserOrder(order: WireOrder): void
  onTrade(trade: WireTrade, seededBefore?: number): void
  prune(ageMs: number): void
}

export function createFillBook(core: ExecutorCore): FillBook {
  const { deps, orders, now, apply, fillKeys, unwantedCancelled } = core
  const { log, events, account, metrics } = deps

  // Whose entries of a trade are ours: our API key, our funder, or an order we track (protocol §7.6).
  const us = {
    apiKeys: [deps.apiKey],
    funder: deps.factory.maker,
    log,
    feeExponent: (id: string) => core.markets.get(id)?.feeExponent,
  }

  /** Fills (trade|order|token) the seeded holdings already hold: their later statuses must not count them again. */
  const inSeed = new Set<string>()

  /** A fill the seed holds: only its reversal moves holdings (the seed had the shares, the exchange undid them). */
  function seededFill(f: Fill): boolean {
    if (f.status !== 'FAILED') return false
    const t = account.token(f.tokenId)
    const shares = t.shares + (f.side === 'BUY' ? -f.size : f.size)
    account.setHoldings(f.tokenId, shares, t.avgPrice)
    return true
  }

  /** SELL fills already taken off the settled balance read (one trade's statuses count once). */
  const soldAfterRead = new Map<string, number>()

  /**
   * A BUY is not sellable until its trade is settled: CONFIRMED (the strict reading of §7.5, as the simulator
   * models it; MATCHED_NOT_BROADCASTED, MATCHED, MINED and RETRYING are all before it). CONFIRMED or FAILED ends it.
   */
  function trackSettlement(id: string, f: Fill): void {
    if (f.side === 'SELL') {
      // Sold since the balance read: no longer there to sell (a reversal gives them back at the next read).
      const read = core.settled.get(f.tokenId)
      if (read && f.status !== 'FAILED' && now() >= read.readStartedAt && !soldAfterRead.has(id)) {
        soldAfterRead.set(id, now())
        read.shares -= f.size
      }
      return
    }
    let byFill = core.unsettled.get(f.tokenId)
    if (f.status !== 'CONFIRMED' && f.status !== 'FAILED') {
      if (!byFill) {
        byFill = new Map()
        core.unsettled.set(f.tokenId, byFill)
      }
      byFill.set(id, f.size)
      return
    }
    byFill?.delete(id)
    if (byFill?.size === 0) core.unsettled.delete(f.tokenId)
  }

  function recordFill(f: Fill, seededBefore: number | undefined): void {
    const key = `${f.tradeId}|${f.orderId}|${f.tokenId}|${f.status}`
    if (fillKeys.has(key)) return
    fillKeys.set(key, now())
    const id = `${f.tradeId}|${f.orderId}|${f.tokenId}`
    if (seededBefore !== undefined && f.timestamp < seededBefore) inSeed.add(id)
    trackSettlement(id, f)
    const moved = inSeed.has(id) ? seededFill(f) : account.applyFill(f)
    if (moved) deps.collateral?.onFill(f)
    events.emit({ type: 'fill', at: now(), fill: f })
    if (moved) {
      if (f.status !== 'FAILED') metrics.fill(f.side)
      metrics.inventory(f.tokenId, account.token(f.tokenId).shares)
      // The fill line for people is the daemon's (session log); this one keeps the executor's view at debug.
      log.debug(
        `${f.status === 'FAILED' ? 'reversed' : 'fill'} ${f.role} ${f.side} ${f.size} ${core.nameToken(f.conditionId, f.tokenId)} @ ${f.price}`,
        fields({ trade_id: f.tradeId, order_id: f.orderId, token_id: f.tokenId }),
      )
    }
    apply(f.orderId, { kind: 'trade', tradeId: f.tradeId, size: f.size, status: f.status }, true)
    deps.markDirty(f.conditionId)
  }

  return {
    onUserOrder(w) {
      if (!orders.has(w.id)) return
      const type = w.type === 'PLACEMENT' || w.type === 'CANCELLATION' ? w.type : 'UPDATE'
      apply(w.id, { kind: 'order-event', type, status: w.status, sizeMatched: w.size_matched }, true)
    },
    onTrade(trade, seededBefore) {
      if (deps.owns && !deps.owns(trade.market)) return
      const ours = (id: string) => orders.has(id) || orders.has(id.toLowerCase())
      for (const f of tradeToFills(trade, us, now(), ours)) recordFill(f, seededBefore)
    },
    prune(ageMs) {
      const t = now()
      core.flags.lastPrune = t
      for (const [id, o] of orders) {
        if (isTerminal(o.status) && t - o.updatedAt > ageMs) {
          orders.delete(id)
          unwantedCancelled.delete(id)
        }
      }
      for (const [key, at] of fillKeys) if (t - at > KEEP_FILL_KEYS_MS) fillKeys.delete(key)
      for (const [key, at] of soldAfterRead) if (t - at > KEEP_FILL_KEYS_MS) soldAfterRead.delete(key)
    },
  }
}
