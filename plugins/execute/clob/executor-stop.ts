import type { Canceller } from './executor-cancel.ts'
import type { ExecutorCore } from './executor-core.ts'

/**
 * Stop: no more runs, every timer of a held run or cancel dropped, runs in flight waited for, then every order of
 * the account cancelled and checked against the exchange's open orders until none rests or the deadline passes.
 * Resolves with the orders possibly still open.
 */
export function createStop(
  core: ExecutorCore,
  canceller: Canceller,
): (reason: string, deadlineMs: number) => Promise<number> {
  const { deps, now, apply, spend, noteFailure, flags, retries, cancelRetries, inflight, lateSubmits } = core
  const { port, log, budget, clock } = deps
  const { cancel } = canceller

  return async function cancelEverything(reason, deadlineMs) {
    flags.stopping = true
    for (const cancelTimer of retries.values()) cancelTimer()
    retries.clear()
    // cancel-all below covers what they were to cancel.
    for (const r of cancelRetries.values()) r.stop()
    cancelRetries.clear()
    await Promise.allSettled([...inflight])
    const deadline = now() + deadlineMs
    if (!port) {
      await cancel(core.openOf(), reason, 0)
      return 0
    }
    for (let attempt = 0; ; attempt++) {
      try {
        // Waits for the budget until the deadline at most; then a last try beats leaving orders resting.
        await spend('cancel-all', Math.max(0, deadline - now()), true)
        const r = await port.cancelAll()
        budget.onSuccess('cancel-all')
        const canceled = new Set(r.canceled.map((x) => x.toLowerCase()))
        for (const o of core.openOf())
          if (canceled.has(o.id.toLowerCase())) apply(o.id, { kind: 'cancel-confirmed' }, false)
        // A POST that timed out may still land after the cancel-all: wait for it (up to the deadline) so the
        // check below sees it, and the loop cancels again.
        if (lateSubmits.size > 0) {
          const wait = Math.max(0, deadline - now())
          log.info(`waiting up to ${wait} ms for ${lateSubmits.size} timed-out POSTs before the last check`)
          const timer = new AbortController()
          await Promise.race([
            Promise.allSettled([...lateSubmits]),
            clock.sleep(wait, timer.signal).catch(() => undefined),
          ])
          timer.abort()
        }
        const still = await port.openOrders()
        if (still.length === 0) {
          // Nothing rests any more: whatever we still thought open was filled or never placed.
          for (const o of core.openOf()) apply(o.id, { kind: 'cancel-confirmed' }, false)
          log.info(`all orders cancelled (${reason})`)
          return 0
        }
        log.warn(`${still.length} orders still open after cancel-all (attempt ${attempt + 1})`)
      } catch (err) {
        const e = noteFailure(err, 'cancel-all')
        log.warn(`cancel-all failed (${e.kind}): ${e.message}`)
      }
      if (now() >= deadline) break
      await clock.sleep(Math.min(500 * 2 ** attempt, Math.max(0, deadline - now())))
    }
    const left = core.openOf().length
    log.error(`could not confirm every order cancelled before the deadline (${left} possibly open)`)
    return left
  }
}
