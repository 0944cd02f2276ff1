import type { Clock } from '../../../pipeline/clock.ts'

/**
 * Spaces out socket opens across every market connection: production answers 429 when many sockets open at
 * once (nautilus_trader #2238), at start and after a mass reconnect alike. Opens run in the order asked, at
 * least `spacingMs` apart; `hold` pushes every waiting open back (after a 429, the next attempts wait too).
 */
export interface OpenGate {
  /** Run `open` at its turn; the returned function withdraws it if it has not run yet. */
  request(open: () => void): () => void
  /** No open before `ms` from now. */
  hold(ms: number): void
  /** Opens waiting their turn. */
  waiting(): number
  stop(): void
}

export function createOpenGate(clock: Pick<Clock, 'now' | 'setTimeout'>, spacingMs: number): OpenGate {
  const queue: { open: () => void }[] = []
  let nextAt = 0
  let cancelTimer: (() => void) | undefined
  let stopped = false

  function pump(): void {
    cancelTimer = undefined
    while (!stopped && queue.length > 0) {
      const wait = nextAt - clock.now()
      if (wait > 0) {
        cancelTimer = clock.setTimeout(pump, wait)
        return
      }
      const next = queue.shift() as { open: () => void }
      nextAt = clock.now() + spacingMs
      next.open()
    }
  }

  return {
    request(open) {
      const entry = { open }
      queue.push(entry)
      if (cancelTimer === undefined) pump()
      return () => {
        const i = queue.indexOf(entry)
        if (i >= 0) queue.splice(i, 1)
      }
    },
    hold(ms) {
      nextAt = Math.max(nextAt, clock.now() + ms)
      if (cancelTimer !== undefined) {
        cancelTimer()
        cancelTimer = undefined
        pump()
      }
    },
    waiting: () => queue.length,
    stop() {
      stopped = true
      cancelTimer?.()
      cancelTimer = undefined
      queue.length = 0
    },
  }
}
