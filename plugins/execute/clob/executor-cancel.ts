import { fields } from '../../../pipeline/logger.ts'
import { notProcessed } from './exchange-port.ts'
import type { BatchResult, ExecutorCore } from './executor-core.ts'
import { chunks } from './executor-core.ts'
import { isOpen, type TrackedOrder } from './order-state.ts'
import { PRIORITY, type Want } from './rate-budget.ts'

/**
 * Cancelling: requote cancels inside a run, protective cancels (pull, halt, market gone or not tradable) that are
 * retried for the same orders when the budget held them, and the periodic sweep of orders of markets no longer
 * tracked. A cancel not confirmed leaves its orders possibly resting.
 */

export const MAX_CANCEL_BATCH = 1000

export interface Canceller {
  /**
   * Cancels `targets`; `done` counts those confirmed cancelled. `held` when the budget or a 429 kept a batch from
   * being processed: those orders rest as before.
   */
  cancel(targets: readonly TrackedOrder[], reason: string, want: Want): Promise<BatchResult>
  cancelProtective(conditionId: string, targets: readonly TrackedOrder[], reason: string): Promise<BatchResult>
  cancelUntracked(): Promise<void>
  cancelUnwantedUnknown(awaiting: readonly { readonly id: string }[]): Promise<BatchResult>
  cancelMarket(conditionId: string, reason: string): Promise<void>
  /**
   * Cancels orders by id, tracked or not (strays, an earlier run's orders, everything at stop), in batches that fit
   * the cancel bucket. Resolves with the ids the exchange confirmed cancelled and whether the budget or the
   * exchange's mode held some back; a failed batch does not stop the next one.
   */
  cancelIds(
    ids: readonly string[],
    want: Want,
  ): Promise<{ readonly canceled: ReadonlySet<string>; readonly held: boolean }>
}

export function createCanceller(core: ExecutorCore): Canceller {
  const { deps, orders, apply, spend, noteFailure, withMarket, markets, flags, cancelRetries, unwantedCancelled } = core
  const { port, log, budget, clock } = deps
  async function cancel(targets: readonly TrackedOrder[], reason: string, want: Want): Promise<BatchResult> {
    let done = 0
    // A batch costs one cancel token per id and is admitted whole: never larger than the bucket's burst.
    const size = Math.max(1, Math.min(MAX_CANCEL_BATCH, budget.burst('cancels')))
    for (const batch of chunks(targets, size)) {
      const ids = batch.map((o) => o.id)
      if (!port) {
        for (const id of ids) {
          const o = orders.get(id)
          log.info(
            `[dry run] would cancel ${o ? `${o.side} ${o.size} ${core.nameToken(o.conditionId, o.tokenId)} @ ${o.price}` : id} (${reason})`,
            fields({ order_id: id }),
          )
          apply(id, { kind: 'cancel-confirmed' }, false)
        }
        done += ids.length
        continue
      }
      if (core.modeBlocks('cancel') > 0) return { done, held: true }
      if ((await spend('cancels', ids.length, want, batch[0]?.conditionId)) > 0) return { done, held: true }
      for (const id of ids) apply(id, { kind: 'cancel-requested' }, false)
      try {
        const r = await port.cancelOrders(ids)
        budget.onSuccess('cancels')
        core.modeCleared('cancel')
        const canceled = new Set(r.canceled.map((x) => x.toLowerCase()))
        const notCanceled = new Map(Object.entries(r.notCanceled).map(([k, v]) => [k.toLowerCase(), v]))
        for (const id of ids) {
          const key = id.toLowerCase()
          if (canceled.has(key)) {
            apply(id, { kind: 'cancel-confirmed' }, false)
            deps.metrics.cancelled?.(reason, 1)
            done++
          } else {
            apply(
              id,
              { kind: 'cancel-failed', reason: notCanceled.get(key) ?? 'missing from the cancel answer' },
              false,
            )
          }
        }
      } catch (err) {
        const e = noteFailure(err, 'cancels')
        core.noteMode(e)
        const untouched = notProcessed(e.kind)
        for (const id of ids) {
          const o = orders.get(id)
          if (!o) continue
          // Not processed: the order rests as before.
          if (untouched) orders.set(id, { ...o, cancelRequestedAt: undefined })
          else apply(id, { kind: 'cancel-failed', reason: e.message }, false)
        }
        log.warn(`DELETE /orders failed (${e.kind}) for ${ids.length} orders: ${e.message}`)
        if (untouched) return { done, held: true }
      }
    }
    return { done, held: false }
  }

  /**
   * A cancel that protects us (pull, halt, market gone or not tradable) waits out a 429 back-off for a while, and
   * when still held is retried for the same orders once the budget allows: dropping it would leave them resting.
   */
  async function cancelProtective(
    conditionId: string,
    targets: readonly TrackedOrder[],
    reason: string,
  ): Promise<BatchResult> {
    const r = await cancel(targets, reason, {
      priority: PRIORITY.protect,
      maxWaitMs: Math.max(deps.maxBudgetWaitMs, 5_000),
      throughBackoff: true,
    })
    if (r.held) retryCancel(conditionId, targets, reason)
    return r
  }

  function retryCancel(conditionId: string, targets: readonly TrackedOrder[], reason: string): void {
    if (flags.stopping) return
    const pending = cancelRetries.get(conditionId)
    if (pending) {
      for (const o of targets) pending.ids.add(o.id)
      return
    }
    const byBudget = budget.waitMs('cancels', Math.min(targets.length, budget.burst('cancels')))
    const byMode = core.modeBlocks('cancel')
    const wait = Math.max(byBudget, byMode)
    const ms = Number.isFinite(wait) ? Math.max(1, wait) : 1000
    const why = byMode >= byBudget && byMode > 0 ? `the exchange (${core.modeState().mode})` : 'the rate budget'
    log.warn(`${core.nameMarket(conditionId)}: cancel of ${targets.length} orders held by ${why}, retry in ${ms} ms`)
    const entry = { ids: new Set(targets.map((o) => o.id)), reason, stop: () => {} }
    cancelRetries.set(conditionId, entry)
    entry.stop = clock.setTimeout(() => {
      cancelRetries.delete(conditionId)
      withMarket(conditionId, async () => {
        const still = [...entry.ids]
          .map((id) => orders.get(id))
          .filter((o): o is TrackedOrder => o !== undefined && isOpen(o.status))
        if (still.length > 0) await cancelProtective(conditionId, still, entry.reason)
      }).catch((err) => log.warn(`cancel retry failed: ${String(err)}`))
    }, ms)
  }

  /**
   * A market's orders get a cancel when it leaves the selection; one that was ambiguous, refused or held leaves them
   * possibly resting, so the periodic timers cancel again whatever is open for a market no longer tracked.
   */
  async function cancelUntracked(): Promise<void> {
    if (!flags.selected || flags.stopping) return
    const gone = new Set(orders.openMarkets())
    for (const c of markets.keys()) gone.delete(c)
    await Promise.all([...gone].map((c) => withMarket(c, () => cancelMarket(c, 'market no longer tracked'))))
  }

  /**
   * An unknown order nobody wants any more may rest: one cancel (harmless for an id the exchange never took)
   * instead of waiting for a lookup. Its failure is not a reason to diff again: the lookup settles the order.
   */
  async function cancelUnwantedUnknown(awaiting: readonly { readonly id: string }[]): Promise<BatchResult> {
    const targets = awaiting
      .map((a) => orders.get(a.id))
      .filter((o): o is TrackedOrder => o?.status === 'unknown' && !unwantedCancelled.has(o.id))
    if (targets.length === 0) return { done: 0, held: false }
    const r = await cancel(targets, 'unknown and no longer wanted', {
      priority: PRIORITY.requoteCancel,
      maxWaitMs: deps.maxBudgetWaitMs,
    })
    if (!r.held) for (const o of targets) unwantedCancelled.add(o.id)
    return r
  }

  async function cancelMarket(conditionId: string, reason: string): Promise<void> {
    const open = core.openOf(conditionId)
    if (open.length === 0) return
    log.info(
      `${core.nameMarket(conditionId)}: cancelling ${open.length} orders (${reason})`,
      fields({ condition_id: conditionId }),
    )
    await cancelProtective(conditionId, open, reason)
  }

  async function cancelIds(ids: readonly string[], want: Want) {
    const canceled = new Set<string>()
    if (!port) return { canceled, held: false }
    const size = Math.max(1, Math.min(MAX_CANCEL_BATCH, budget.burst('cancels')))
    for (const batch of chunks(ids, size)) {
      if (core.modeBlocks('cancel') > 0) return { canceled, held: true }
      if ((await spend('cancels', batch.length, want)) > 0) return { canceled, held: true }
      try {
        const r = await port.cancelOrders(batch)
        budget.onSuccess('cancels')
        core.modeCleared('cancel')
        for (const id of r.canceled) canceled.add(id.toLowerCase())
        for (const id of batch) if (canceled.has(id.toLowerCase())) apply(id, { kind: 'cancel-confirmed' }, false)
      } catch (err) {
        const e = noteFailure(err, 'cancels')
        core.noteMode(e)
        log.warn(`DELETE /orders failed (${e.kind}) for ${batch.length} orders: ${e.message}`)
        if (notProcessed(e.kind)) return { canceled, held: true }
      }
    }
    return { canceled, held: false }
  }

  return { cancelIds, cancel, cancelProtective, cancelUntracked, cancelUnwantedUnknown, cancelMarket }
}
