import type { Canceller } from './executor-cancel.ts'
import type { ExecutorCore } from './executor-core.ts'
import { PRIORITY } from './rate-budget.ts'

/**
 * Stop: no more runs, every timer of a held run or cancel dropped, runs in flight waited for, then every order of
 * the account (the exchange's open orders and every order we track as possibly resting) cancelled by id in batches
 * that fit the cancel bucket, and checked against the exchange's open orders until none rests or the deadline
 * passes. Not one cancel-all: it costs 1 + every order cancelled, so with more resting than the burst (120 at the
 * Standard tier) it is never admitted (§7.2). Resolves with the orders possibly still open.
 */
export function createStop(
  core: ExecutorCore,
  canceller: Canceller,
): (reason: string, deadlineMs: number) => Promise<number> {
  const { deps, now, apply, flags, retries, cancelRetries, inflight, lateSubmits } = core
  const { port, log, clock } = deps
  const { cancel, cancelIds } = canceller

  /** A POST that timed out may still land: wait for it (up to the deadline) so the next listing sees it. */
  async function waitForLateSubmits(deadline: number): Promise<void> {
    if (lateSubmits.size === 0) return
    const wait = Math.max(0, deadline - now())
    log.info(`waiting up to ${wait} ms for ${lateSubmits.size} timed-out POSTs before the last check`)
    const timer = new AbortController()
    await Promise.race([Promise.allSettled([...lateSubmits]), clock.sleep(wait, timer.signal).catch(() => undefined)])
    timer.abort()
  }

  return async function cancelEverything(reason, deadlineMs) {
    flags.stopping = true
    for (const cancelTimer of retries.values()) cancelTimer()
    retries.clear()
    // The sweep below covers what they were to cancel.
    for (const r of cancelRetries.values()) r.stop()
    cancelRetries.clear()
    await Promise.allSettled([...inflight])
    const deadline = now() + deadlineMs
    if (!port) {
      await cancel(core.openOf(), reason, { priority: PRIORITY.protect, maxWaitMs: 0 })
      return 0
    }
    for (let attempt = 0; ; attempt++) {
      let progress = false
      try {
        const listed = await port.openOrders()
        if (listed.length === 0 && lateSubmits.size === 0) {
          // Nothing rests any more: whatever we still thought open was filled or never placed.
          for (const o of core.openOf()) apply(o.id, { kind: 'cancel-confirmed' }, false)
          log.info(`all orders cancelled (${reason})`)
          return 0
        }
        const ids = new Map(listed.map((w) => [w.id.toLowerCase(), w.id]))
        for (const o of core.openOf()) if (o.status !== 'unknown') ids.set(o.id.toLowerCase(), o.id)
        if (ids.size > 0) {
          log.info(`cancelling ${ids.size} orders (${reason}, ${listed.length} listed by the exchange)`)
          // Waits for the cancel budget until the deadline at most.
          const r = await cancelIds([...ids.values()], {
            priority: PRIORITY.protect,
            maxWaitMs: Math.max(0, deadline - now()),
            throughBackoff: true,
          })
          progress = r.canceled.size > 0
          if (r.canceled.size < ids.size)
            log.warn(`${ids.size - r.canceled.size} orders not confirmed cancelled (attempt ${attempt + 1})`)
        }
        await waitForLateSubmits(deadline)
      } catch (err) {
        log.warn(`cancelling everything: ${(err as Error).message}`)
      }
      if (now() >= deadline) break
      if (!progress) await clock.sleep(Math.min(500 * 2 ** Math.min(attempt, 6), Math.max(0, deadline - now())))
    }
    const left = core.openOf().length
    log.error(`could not confirm every order cancelled before the deadline (${left} possibly open)`)
    return left
  }
}
