import { fields } from '../../../pipeline/logger.ts'
import type { Canceller } from './executor-cancel.ts'
import { type ExecutorCore, quoteSideOf } from './executor-core.ts'
import { createTrackedOrder, isOpen } from './order-state.ts'
import { PRIORITY } from './rate-budget.ts'
import type { WireOrder } from './user-channel-wire.ts'

/**
 * What the executor does not know of its orders, settled from REST: unknown (and long-pending) orders looked up by
 * id, orders found at start adopted, and the exchange's open orders compared with ours (strays cancelled, orders it
 * no longer lists looked up).
 */

export interface Lookups {
  resolveUnknowns(): Promise<void>
  adopt(orders: readonly WireOrder[]): void
  reconcileOpen(exchangeOpen: readonly WireOrder[]): Promise<void>
}

export function createLookups(core: ExecutorCore, canceller: Canceller): Lookups {
  const { deps, orders, markets, now, apply, noteFailure } = core
  const { port, log } = deps
  const { cancelUntracked, cancelIds } = canceller

  /**
   * GET /data/order/<id> settles what we do not know of an order. `budget` when the rate budget says stop for now;
   * `failed` when this lookup failed (the next id may still be looked up).
   */
  async function lookUp(id: string): Promise<'ok' | 'failed' | 'budget'> {
    if (!port || core.spendLedger('data-orders') > 0) return 'budget'
    try {
      const rest = await port.getOrder(id)
      core.requests.onSuccess('data-orders')
      apply(
        id,
        { kind: 'rest-order', order: rest ? { status: rest.status, sizeMatched: rest.size_matched } : null },
        true,
      )
      return 'ok'
    } catch (err) {
      const e = noteFailure(err, 'data-orders')
      log.debug(`GET /data/order ${id.slice(0, 10)}… failed (${e.kind}): ${e.message}`)
      return e.kind === 'rate-limited' ? 'budget' : 'failed'
    }
  }

  return {
    async resolveUnknowns() {
      if (!port) return
      await cancelUntracked()
      const t = now()
      const suspects = core
        .openOf()
        .filter((o) => o.status === 'unknown' || (o.status === 'pending' && t - o.createdAt > deps.notFoundGraceMs))
      for (const o of suspects) if ((await lookUp(o.id)) === 'budget') return
    },
    adopt(list) {
      const t = now()
      for (const w of list) {
        if (orders.has(w.id)) continue
        const m = markets.get(w.market)
        const created = createTrackedOrder(
          {
            id: w.id,
            conditionId: w.market,
            tokenId: w.asset_id,
            side: w.side,
            price: w.price,
            size: w.original_size,
            layer: 0,
            quoteSide: m ? quoteSideOf(m, w.asset_id, w.side) : 'bid',
            quotedMid: -1,
          },
          t,
        )
        orders.set(w.id, created)
        apply(w.id, { kind: 'rest-order', order: { status: w.status, sizeMatched: w.size_matched } }, false)
        log.info(
          `adopted order ${w.side} ${w.original_size} ${core.nameToken(w.market, w.asset_id)} @ ${w.price}`,
          fields({ order_id: w.id, token_id: w.asset_id, condition_id: w.market }),
        )
      }
    },
    async reconcileOpen(exchangeOpen) {
      if (!port) return
      await cancelUntracked()
      const onExchange = new Map(exchangeOpen.map((w) => [w.id.toLowerCase(), w]))
      const strays: string[] = []
      for (const w of onExchange.values()) {
        const o = orders.get(w.id)
        if (o && isOpen(o.status)) {
          apply(w.id, { kind: 'rest-order', order: { status: w.status, sizeMatched: w.size_matched } }, true)
        } else strays.push(w.id)
      }
      if (strays.length > 0) {
        log.warn(`${strays.length} orders rest on the exchange that this process does not track: cancelling them`)
        await cancelIds(strays, { priority: PRIORITY.protect, maxWaitMs: deps.maxBudgetWaitMs })
      }
      const t = now()
      for (const o of core.openOf()) {
        if (onExchange.has(o.id.toLowerCase()) || t - o.updatedAt < 5_000 || o.status === 'pending') continue
        if ((await lookUp(o.id)) === 'budget') break
      }
    },
  }
}
