// Injectable clock: real time by default, accelerated (N× wall speed) or manual (stepped by the caller) for fast,
// deterministic runs. Every timer in the simulator goes through it.
export type SimClock = {
  readonly kind: 'real' | 'accelerated' | 'manual'
  now(): number
  /** Run `fn` after `ms` of clock time; returns a cancel function. */
  setTimeout(fn: () => void, ms: number): () => void
}

export type ManualClock = SimClock & {
  /** Advance clock time by `ms`, running every due timer in time order (ties in scheduling order). */
  advance(ms: number): void
  pending(): number
}

export function createRealClock(): SimClock {
  return {
    kind: 'real',
    now: () => Date.now(),
    setTimeout(fn, ms) {
      const t = setTimeout(fn, Math.max(0, ms))
      return () => clearTimeout(t)
    },
  }
}

export function createAcceleratedClock(factor: number, start = Date.now()): SimClock {
  if (!(factor > 0)) throw new Error('clock factor must be > 0')
  const wallStart = Date.now()
  return {
    kind: 'accelerated',
    now: () => Math.floor(start + (Date.now() - wallStart) * factor),
    setTimeout(fn, ms) {
      const t = setTimeout(fn, Math.max(0, ms / factor))
      return () => clearTimeout(t)
    },
  }
}

type Timer = { at: number; seq: number; fn: () => void; live: boolean }

export function createManualClock(start = Date.UTC(2026, 0, 1)): ManualClock {
  let current = start
  let seq = 0
  // Small binary heap keyed by (at, seq) so stepping is O(log n) per timer.
  const heap: Timer[] = []
  const less = (a: Timer, b: Timer) => a.at < b.at || (a.at === b.at && a.seq < b.seq)
  const push = (t: Timer) => {
    heap.push(t)
    let i = heap.length - 1
    while (i > 0) {
      const p = (i - 1) >> 1
      const hp = heap[p] as Timer
      if (!less(t, hp)) break
      heap[i] = hp
      i = p
    }
    heap[i] = t
  }
  const pop = (): Timer | undefined => {
    const top = heap[0]
    const last = heap.pop()
    if (heap.length === 0 || !last) return top
    const n = heap.length
    let i = 0
    for (;;) {
      const l = 2 * i + 1
      const r = l + 1
      let m = -1
      let best = last
      const hl = heap[l]
      if (l < n && hl && less(hl, best)) {
        m = l
        best = hl
      }
      const hr = heap[r]
      if (r < n && hr && less(hr, best)) {
        m = r
        best = hr
      }
      if (m < 0) break
      heap[i] = best
      i = m
    }
    heap[i] = last
    return top
  }
  return {
    kind: 'manual',
    now: () => current,
    setTimeout(fn, ms) {
      const t: Timer = { at: current + Math.max(0, ms), seq: seq++, fn, live: true }
      push(t)
      return () => {
        t.live = false
      }
    },
    advance(ms) {
      const target = current + ms
      for (;;) {
        const top = heap[0]
        if (!top || top.at > target) break
        pop()
        if (!top.live) continue
        current = Math.max(current, top.at)
        top.fn()
      }
      current = target
    },
    pending: () => heap.filter((t) => t.live).length,
  }
}
