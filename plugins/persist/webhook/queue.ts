import type { Clock } from '../../../pipeline/clock.ts'
import type { Alert } from './alerts.ts'

/**
 * Alerts wait here for the one sender: at most `perWindow` posts per window (what Slack and Discord allow), the
 * rest wait and go out together in the next post; past `maxQueue` the oldest are dropped and counted. push()
 * never waits, so an unreachable URL never slows quoting.
 */
export interface AlertQueue {
  push(alert: Alert): void
  /** Resolves when nothing is queued or being sent, or after `ms`. */
  idle(ms: number): Promise<void>
  /** Resolves when the sender has ended (after the signal aborts). */
  stopped(): Promise<void>
  readonly pending: number
}

export function createAlertQueue(deps: {
  readonly clock: Clock
  limits(): { maxQueue: number; perWindow: number; windowMs: number }
  send(batch: readonly Alert[], droppedBefore: number): Promise<void>
  onDropped(count: number): void
  readonly signal: AbortSignal
}): AlertQueue {
  const { clock, signal } = deps
  const waiting: Alert[] = []
  const sentAt: number[] = []
  let dropped = 0
  let running: Promise<void> | undefined

  /** ms until another post is allowed (0: now). */
  function budgetWait(now: number): number {
    const { perWindow, windowMs } = deps.limits()
    while (sentAt.length > 0 && (sentAt[0] as number) <= now - windowMs) sentAt.shift()
    if (sentAt.length < perWindow) return 0
    return (sentAt[0] as number) + windowMs - now
  }

  async function drain(): Promise<void> {
    while (waiting.length > 0 && !signal.aborted) {
      const wait = budgetWait(clock.now())
      if (wait > 0) {
        try {
          await clock.sleep(wait, signal)
        } catch {
          return
        }
        continue
      }
      const batch = waiting.splice(0, waiting.length)
      const lost = dropped
      dropped = 0
      sentAt.push(clock.now())
      await deps.send(batch, lost)
    }
  }

  function kick(): void {
    if (running || signal.aborted) return
    running = drain().finally(() => {
      running = undefined
      if (waiting.length > 0 && !signal.aborted) kick()
    })
  }

  return {
    push(alert) {
      waiting.push(alert)
      const { maxQueue } = deps.limits()
      if (waiting.length > maxQueue) {
        const n = waiting.length - maxQueue
        waiting.splice(0, n)
        dropped += n
        deps.onDropped(n)
      }
      kick()
    },
    async idle(ms) {
      if (!running && waiting.length === 0) return
      let timer: (() => void) | undefined
      await Promise.race([
        (async () => {
          while (running) await running
        })(),
        new Promise<void>((resolve) => {
          timer = clock.setTimeout(resolve, ms)
        }),
      ])
      timer?.()
    },
    async stopped() {
      await running
    },
    get pending() {
      return waiting.length
    },
  }
}
