import type { BatchResult, ExecutorCore } from './executor-core.ts'
import { chunks } from './executor-core.ts'
import { isOpen, type TrackedOrder } from './order-state.ts'

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
  cancel(
    targets: readonly TrackedOrder[],
    reason: string,
    maxWaitMs: number,
    throughBackoff?: boolean,
  ): Promise<BatchResult>
  cancelProtective(conditionId: string, targets: readonly TrackedOrder[], reason: string): Promise<BatchResult>
  cancelUntracked(): Promise<void>
  cancelUnwantedUnknown(awaiting: readonly { readonly id: string }[]): Promise<BatchResult>
  cancelMarket(conditionId: string, reason: string): Promise<void>
}

export function createCanceller(core: ExecutorCore): Canceller {
  const { deps, orders, apply, spend, noteFailure, withMarket, markets, flags, cancelRetries, unwantedCancelled } = core
  const { port, log, budget, clock } = deps
  async function cancel(
    targets: readonly TrackedOrder[],
    reason: string,
    maxWaitMs: number,
    throughBackoff = false,
  ): Promise<BatchResult> {
    let done = 0
    for (const batch of chunks(targets, MAX_CANCEL_BATCH)) {
      const ids = batch.map((o) => o.id)
      if (!port) {
        for (const id of ids) {
          log.info(`[dry run] would cancel ${id} (${reason})`)
          apply(id, { kind: 'cancel-confirmed' }, false)
        }
        done += ids.length
        continue
      }
      if ((await spend('delete-orders', maxWaitMs, throughBackoff)) > 0) return { done, held: true }
      for (const id of ids) apply(id, { kind: 'cancel-requested' }, false)
      try {
        const r = await port.cancelOrders(ids)
        budget.onSuccess('delete-orders')
        const canceled = new Set(r.canceled.map((x) => x.toLowerCase()))
        const notCanceled = new Map(Object.entries(r.notCanceled).map(([k, v]) => [k.toLowerCase(), v]))
        for (const id of ids) {
          const key = id.toLowerCase()
          if (canceled.has(key)) {
            apply(id, { kind: 'cancel-confirmed' }, false)
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
        const e = noteFailure(err, 'delete-orders')
        for (const id of ids) {
          const o = orders.get(id)
          if (!o) continue
          if (e.kind === 'rate-limited') {
            // Not processed: the order rests as before.
            orders.set(id, { ...o, cancelRequestedAt: undefined })
          } else apply(id, { kind: 'cancel-failed', reason: e.message }, false)
        }
        log.warn(`DELETE /orders failed (${e.kind}) for ${ids.length} orders: ${e.message}`)
        if (e.kind === 'rate-limited') return { done, held: true }
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
    const r = await cancel(targets, reason, Math.max(deps.maxBudgetWaitMs, 5_000), true)
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
    const wait = budget.waitMs('delete-orders')
    const ms = Number.isFinite(wait) ? Math.max(1, wait) : 1000
    log.warn(
      `${conditionId.slice(0, 10)}…: cancel of ${targets.length} orders held by the rate budget, retry in ${ms} ms`,
    )
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
    const r = await cancel(targets, 'unknown and no longer wanted', deps.maxBudgetWaitMs)
    if (!r.held) for (const o of targets) unwantedCancelled.add(o.id)
    return r
  }

  async function cancelMarket(conditionId: string, reason: string): Promise<void> {
    const open = core.openOf(conditionId)
    if (open.length === 0) return
    log.info(`${conditionId.slice(0, 10)}…: cancelling ${open.length} orders (${reason})`)
    await cancelProtective(conditionId, open, reason)
  }

  return { cancel, cancelProtective, cancelUntracked, cancelUnwantedUnknown, cancelMarket }
}
