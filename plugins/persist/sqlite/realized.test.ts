import { afterEach, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createTestContext, createTestPlugin } from '../../../pipeline/testing.ts'
import sqlite from './index.ts'
import { realizedSinceIn } from './realized.ts'
import { fillEvent } from './test-events.ts'

const dirs: string[] = []
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

const DAY = Date.UTC(2026, 0, 2)

test("today's realized PnL is read back from the database, average cost carried from earlier days", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mm-realized-'))
  dirs.push(dir)
  const ctx = createTestContext({ stage: 'persist', plugin: 'sqlite', configDir: dir })
  const h = await createTestPlugin(sqlite, { path: './state.db' }, ctx)
  await h.start?.()
  // Yesterday: buy 100 @ 0.40. Today: sell 60 @ 0.30 (fee 0.20) and 40 @ 0.50.
  h.write(fillEvent({ tradeId: 'a', side: 'BUY', price: 0.4, size: 100, timestamp: DAY - 3_600_000 }))
  h.write(fillEvent({ tradeId: 'b', side: 'SELL', price: 0.3, size: 60, feeUsd: 0.2, timestamp: DAY + 3_600_000 }))
  h.write(fillEvent({ tradeId: 'c', side: 'SELL', price: 0.5, size: 40, timestamp: DAY + 7_200_000 }))
  // A trade that failed does not count.
  h.write(fillEvent({ tradeId: 'd', side: 'SELL', price: 0.9, size: 10, status: 'FAILED', timestamp: DAY + 7_300_000 }))
  await h.flush?.()
  // 60 × (0.30 − 0.40) − 0.20 + 40 × (0.50 − 0.40) = −6.2 + 4 = −2.2
  expect(await h.realizedSince?.(DAY)).toBeCloseTo(-2.2, 9)
  expect(realizedSinceIn(join(dir, 'state.db'), DAY + 5_000_000)).toBeCloseTo(4, 9)
  await h.stop?.()
})

test('a database that does not exist yet has no realized PnL', () => {
  expect(realizedSinceIn('/nonexistent/state.db', 0)).toBe(0)
})
