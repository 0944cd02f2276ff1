import { type Clock, sleepWith } from '../pipeline/clock.ts'
import type { SimClock } from '../sim/index.ts'

/**
 * The one virtual clock of a backtest: the simulator (flow, settlement, heartbeat expiry) and the daemon (quote
 * cooldowns, order_max_age, heartbeats, reconciliation, request timeouts) both schedule on it, so every duration in
 * the config keeps its meaning. Time moves only when the runner says so, one due timer at a time (a binary heap
 * keyed by time, ties in scheduling order), which makes a run a pure function of its seed.
 */
export interface VirtualClock extends Clock, SimClock {
  /** Time of the earliest live timer, or undefined when none is scheduled. */
  nextAt(): number | undefined
  /** Run the earliest due timer if it is at or before `limit` (time jumps to it); false when none is. */
  runNext(limit: number): boolean
  /** Jump to `t` without running anything (t must not pass a pending timer). */
  jump(t: number): void
  /** Timers scheduled so far: a cheap sign of activity for a driver waiting on real I/O. */
  scheduled(): number
}

interface Timer {
  at: number
  seq: number
  fn: () => void
  live: boolean
}

const less = (a: Timer, b: Timer) => a.at < b.at || (a.at === b.at && a.seq < b.seq)

export function createVirtualClock(start = Date.UTC(2026, 0, 1)): VirtualClock {
  let current = start
  let seq = 0
  const heap: Timer[] = []
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
  const dropDead = () => {
    while (heap.length > 0 && !(heap[0] as Timer).live) pop()
  }
  const clock: VirtualClock = {
    kind: 'manual',
    now: () => current,
    setTimeout(fn, ms) {
      const t: Timer = { at: current + Math.max(0, ms), seq: seq++, fn, live: true }
      push(t)
      return () => {
        t.live = false
      }
    },
    setInterval(fn, ms) {
      const every = Math.max(1, ms)
      let live = true
      let cancel = () => {}
      const arm = () => {
        cancel = clock.setTimeout(() => {
          if (!live) return
          arm()
          fn()
        }, every)
      }
      arm()
      return () => {
        live = false
        cancel()
      }
    },
    sleep(ms, signal) {
      return sleepWith(clock, ms, signal)
    },
    nextAt() {
      dropDead()
      return heap[0]?.at
    },
    runNext(limit) {
      dropDead()
      const top = heap[0]
      if (!top || top.at > limit) return false
      pop()
      current = Math.max(current, top.at)
      top.fn()
      return true
    },
    jump(t) {
      current = Math.max(current, t)
    },
    scheduled: () => seq,
  }
  return clock
}
