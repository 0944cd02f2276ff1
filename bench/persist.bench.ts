import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { realClock } from '../pipeline/clock.ts'
import { createTestContext, createTestPlugin } from '../pipeline/testing.ts'
import sqlite from '../plugins/persist/sqlite/index.ts'
import { openStore } from '../plugins/persist/sqlite/store.ts'
import { fillEvent, quoteEvent } from '../plugins/persist/sqlite/test-events.ts'
import { type BenchResult, measure } from './types.ts'

/**
 * What persistence costs the quote path: write() (an enqueue) against committing the same events in-thread,
 * which is what the quote path would pay without the database thread; and end-to-end commit throughput.
 */
export default async function (): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'mm-bench-persist-'))
  try {
    const ctx = createTestContext({ stage: 'persist', plugin: 'sqlite', clock: realClock, configDir: dir })
    const persist = await createTestPlugin(sqlite, { path: 'bench.db', flush_interval: '200ms' }, ctx)
    await persist.start?.()
    const day = Date.UTC(2026, 0, 1)
    const n = 20_000
    const enqueue = measure('persist write() (enqueue a fill)', n, (i) =>
      persist.write(fillEvent({ tradeId: `w${i}`, timestamp: day + i })),
    )
    const quotes = measure('persist write() (a quote, coalesced)', n, (i) =>
      persist.write(quoteEvent(0.5 + (i % 10) / 100, day + i)),
    )
    await persist.flush?.()

    for (let i = 0; i < n; i++) persist.write(fillEvent({ tradeId: `t${i}`, timestamp: day + i }))
    const t0 = Bun.nanoseconds()
    await persist.flush?.()
    const flushSec = (Bun.nanoseconds() - t0) / 1e9
    await persist.stop?.()
    const throughput: BenchResult = {
      name: 'persist flush (fills committed, WAL, synchronous=FULL)',
      count: n,
      medianUs: (flushSec * 1e6) / n,
      p99Us: (flushSec * 1e6) / n,
      opsPerSec: n / flushSec,
      note: 'one flush of 20k queued fills; per-event average',
    }

    const store = openStore(join(dir, 'inline.db'))
    const batch = 500
    let k = 0
    const inline = measure(
      'in-thread commit of 500 fills (what write() avoids)',
      40,
      () => {
        const events = Array.from({ length: batch }, () => fillEvent({ tradeId: `i${k}`, timestamp: day + k++ }))
        store.apply(events)
      },
      5,
    )
    store.close()
    const perEventInline = inline.medianUs / batch
    return [
      { ...enqueue, ratio: `${(perEventInline / enqueue.medianUs).toFixed(0)}× cheaper than committing in-thread` },
      quotes,
      throughput,
      { ...inline, note: `${perEventInline.toFixed(2)} µs per event, blocking the caller` },
    ]
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
