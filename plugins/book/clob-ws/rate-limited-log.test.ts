import { expect, test } from 'bun:test'
import { createManualClock } from '../../../pipeline/clock.ts'
import { createMemoryLogger } from '../../../pipeline/logger.ts'
import { createRateLimitedLog } from './rate-limited-log.ts'

test('logs one line per key per interval and reports what it held back', () => {
  const clock = createManualClock()
  const { log, lines } = createMemoryLogger()
  const r = createRateLimitedLog(log, clock, 10_000)
  for (let i = 0; i < 50; i++) r.warn('json', 'bad frame')
  r.warn('schema', 'bad event')
  expect(lines).toHaveLength(2)
  clock.advance(10_000)
  r.warn('json', 'bad frame')
  expect(lines[2]).toContain('49 more like this')
})
