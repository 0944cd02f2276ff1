/**
 * Time, injected: the same pipeline runs in real time or in simulated time. Plugins never call Date.now()
 * or setTimeout directly.
 */
export interface Clock {
  /** ms since the epoch, UTC. */
  now(): number
  /** Returns a cancel function. */
  setTimeout(fn: () => void, ms: number): () => void
  setInterval(fn: () => void, ms: number): () => void
  /** Resolves after `ms`, or rejects with the signal's reason when aborted first. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>
}

/** `sleep` for any clock that has `setTimeout`: resolves after `ms`, rejects with the signal's reason on abort. */
export function sleepWith(clock: Pick<Clock, 'setTimeout'>, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const onAbort = () => {
      cancel()
      reject(signal?.reason)
    }
    const cancel = clock.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms)
    return () => clearTimeout(t)
  },
  setInterval(fn, ms) {
    const t = setInterval(fn, ms)
    return () => clearInterval(t)
  },
  sleep(ms, signal) {
    return sleepWith(realClock, ms, signal)
  },
}

export interface ManualClock extends Clock {
  /** Move time forward, firing due timers in order. */
  advance(ms: number): void
  set(now: number): void
}

/** A stepped clock for tests and fast simulated runs. */
export function createManualClock(start = Date.UTC(2026, 0, 1)): ManualClock {
  let now = start
  let seq = 0
  const timers = new Map<number, { at: number; fn: () => void; every?: number }>()
  const clock: ManualClock = {
    now: () => now,
    setTimeout(fn, ms) {
      const id = ++seq
      timers.set(id, { at: now + Math.max(0, ms), fn })
      return () => timers.delete(id)
    },
    setInterval(fn, ms) {
      const id = ++seq
      const every = Math.max(1, ms)
      timers.set(id, { at: now + every, fn, every })
      return () => timers.delete(id)
    },
    sleep(ms, signal) {
      return sleepWith(clock, ms, signal)
    },
    advance(ms) {
      const target = now + ms
      for (;;) {
        let nextId: number | undefined
        let next: { at: number; fn: () => void; every?: number } | undefined
        for (const [id, t] of timers) {
          if (t.at <= target && (!next || t.at < next.at)) {
            next = t
            nextId = id
          }
        }
        if (!next || nextId === undefined) break
        now = next.at
        if (next.every) next.at += next.every
        else timers.delete(nextId)
        next.fn()
      }
      now = target
    },
    set(value) {
      now = value
    },
  }
  return clock
}
