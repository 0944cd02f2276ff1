// Preloaded into the daemon by the soak (`bun --preload bench/scale/probe.ts …`); never part of the daemon.
// - Event-loop lag, only when MM_SCALE_LAG_FILE is set (the daemon has no lag metric of its own): a timer asks for
//   10 ms and records how late it fires; the delays go to the file once a second (one line: epoch ms, then ms).
// - On SIGUSR2, when MM_SCALE_HEAP_FILE is set: JSC's heap statistics (object counts by type) after a full GC, as
//   JSON, so the soak can compare what the heap holds at different market counts.

import { heapStats } from 'bun:jsc'
import { appendFileSync, writeFileSync } from 'node:fs'

const lagPath = process.env.MM_SCALE_LAG_FILE
const heapPath = process.env.MM_SCALE_HEAP_FILE
const INTERVAL_MS = 10

if (lagPath) {
  let pending: number[] = []
  let expected = performance.now() + INTERVAL_MS
  const tick = () => {
    const now = performance.now()
    pending.push(Math.max(0, now - expected))
    expected = now + INTERVAL_MS
    setTimeout(tick, INTERVAL_MS).unref()
  }
  setTimeout(tick, INTERVAL_MS).unref()
  setInterval(() => {
    if (pending.length === 0) return
    appendFileSync(lagPath, `${Date.now()} ${pending.map((x) => x.toFixed(2)).join(' ')}\n`)
    pending = []
  }, 1000).unref()
}

if (heapPath) {
  process.on('SIGUSR2', () => {
    const t0 = performance.now()
    Bun.gc(true)
    const s = heapStats()
    writeFileSync(
      heapPath,
      JSON.stringify({
        heapSize: s.heapSize,
        heapCapacity: s.heapCapacity,
        extraMemorySize: s.extraMemorySize,
        objectCount: s.objectCount,
        objectTypeCounts: s.objectTypeCounts,
        memoryUsage: process.memoryUsage(),
        tookMs: performance.now() - t0,
      }),
    )
  })
}
