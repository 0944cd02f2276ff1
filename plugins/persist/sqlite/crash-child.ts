import { realClock } from '../../../pipeline/clock.ts'
import { createTestContext, createTestPlugin } from '../../../pipeline/testing.ts'
import sqlite from './index.ts'
import { fillEvent, orderEvent } from './test-events.ts'

/**
 * The child of the kill -9 test (tests/persist-crash.test.ts): writes fills and order updates without end and,
 * after each flush() resolves, prints `acked <n>`: fills 0..n-1 are promised durable. The parent SIGKILLs it
 * at some point and checks that every acknowledged fill is in the file.
 *
 *   bun plugins/persist/sqlite/crash-child.ts <db path>
 */
const path = process.argv[2]
if (!path) {
  process.stderr.write('usage: crash-child.ts <db path>\n')
  process.exit(2)
}

const ctx = createTestContext({ stage: 'persist', plugin: 'sqlite', clock: realClock })
const persist = await createTestPlugin(sqlite, { path, flush_interval: '5ms', batch_size: 50 }, ctx)
await persist.start?.()
process.stdout.write('ready\n')

const day = Date.UTC(2026, 0, 1)
let written = 0
for (;;) {
  for (let k = 0; k < 25; k++, written++) {
    const orderId = `0x${written.toString(16).padStart(8, '0')}`
    persist.write(orderEvent({ id: orderId, status: 'live' }, day + written))
    persist.write(fillEvent({ tradeId: `trade-${written}`, orderId, timestamp: day + written }))
    persist.write(orderEvent({ id: orderId, status: 'filled', filled: 100 }, day + written))
  }
  const upTo = written
  await persist.flush?.()
  process.stdout.write(`acked ${upTo}\n`)
}
