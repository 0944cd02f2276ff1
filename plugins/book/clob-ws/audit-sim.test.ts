import { afterAll, beforeAll, expect, test } from 'bun:test'
import { realClock } from '../../../pipeline/clock.ts'
import { wsBase } from '../../../pipeline/exchange.ts'
import { createTestContext, createTestPlugin, type TestContext, testMarket } from '../../../pipeline/testing.ts'
import type { Market } from '../../../schemas/domain.ts'
import { type Simulator, startSimulator } from '../../../sim/index.ts'
import { isPull } from '../../../stages/io.ts'
import type { BookAuditStatus } from './audit.ts'
import plugin from './index.ts'

/**
 * The REST /book audit against the real simulator with its synthetic flow running (real time, loopback): books
 * move while REST snapshots are taken, which is exactly when a careless comparison would call healthy books
 * wrong. Audited hard (every book about three times a second), a healthy run must show no mismatch at all.
 */

let sim: Simulator
let ctx: TestContext
let markets: Market[]
type Handler = Awaited<ReturnType<typeof createTestPlugin<'book', typeof plugin.config>>> & {
  audit(): BookAuditStatus
}
let handler: Handler

async function waitFor(cond: () => boolean, what: string, limitMs = 4000): Promise<void> {
  const start = performance.now()
  while (!cond()) {
    if (performance.now() - start > limitMs) throw new Error(`timed out waiting for ${what}`)
    await Bun.sleep(10)
  }
}

async function metric(name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = await ctx.metrics.registry.getSingleMetric(name)?.get()
  const match = (l: Record<string, unknown>) => Object.entries(labels).every(([k, v]) => l[k] === v)
  return (m?.values ?? []).reduce((s, v) => (match(v.labels) ? s + v.value : s), 0)
}

beforeAll(async () => {
  sim = await startSimulator({ scenario: 'default', seed: 7, port: 0 })
  markets = sim.markets.map((s) =>
    testMarket({
      conditionId: s.conditionId,
      question: s.question,
      yesTokenId: s.tokens[0],
      noTokenId: s.tokens[1],
      tickSize: s.tickSize,
      minOrderSize: s.minOrderSize,
      negRisk: s.negRisk,
    }),
  )
  ctx = createTestContext({
    stage: 'book',
    plugin: 'clob-ws',
    clock: realClock,
    exchange: { wsUrl: wsBase(sim.urls.ws), clobUrl: sim.urls.clob },
  })
  handler = (await createTestPlugin(
    plugin,
    { audit_rate: 25, audit_every: '300ms', audit_grace: '200ms', audit_max_age: '15s' },
    ctx,
  )) as Handler
  await handler.track(markets)
  await waitFor(() => markets.every((m) => !isPull(handler.run({ market: m }))), 'every book fresh')
})

afterAll(async () => {
  ctx.abort.abort()
  await sim.stop()
})

test('a healthy run under flow: hundreds of audits, every conclusive one agrees, no book invalidated', async () => {
  const levelsBefore = (handler as unknown as { data: { counters: { levels: number } } }).data.counters.levels
  await Bun.sleep(4000)
  const a = handler.audit()
  expect(
    (handler as unknown as { data: { counters: { levels: number } } }).data.counters.levels - levelsBefore,
  ).toBeGreaterThan(50)
  expect(a.checks.agree).toBeGreaterThanOrEqual(40)
  expect(a.mismatches).toBe(0)
  expect(a.checks.error).toBe(0)
  expect(await metric('mm_seq_gaps_total')).toBe(0)
  expect(ctx.lines.filter((l) => l.includes('invalid') || l.includes('book audit:'))).toEqual([])
  expect(a.last_pass_s).not.toBeNull()
  expect(a.last_pass_s as number).toBeLessThanOrEqual(a.pass_bound_s)
  expect(markets.every((m) => !isPull(handler.run({ market: m })))).toBe(true)
  // For the record: how often a first look differed during fast flow (each was cleared by the second look).
  console.log(`audit under flow: ${JSON.stringify(a.checks)}, last pass ${a.last_pass_s}s of ${a.pass_bound_s}s`)
})

test('frames delayed on the wire (less than audit_grace): still no false mismatch', async () => {
  const res = await fetch(`${sim.urls.admin}/faults`, {
    method: 'POST',
    body: JSON.stringify({ ws_delay_ms: 120, ws_channel: 'market' }),
  })
  expect(res.status).toBe(200)
  const before = handler.audit()
  await Bun.sleep(3000)
  const a = handler.audit()
  expect(a.checks.agree - before.checks.agree).toBeGreaterThanOrEqual(30)
  expect(a.mismatches).toBe(0)
  expect(await metric('mm_seq_gaps_total')).toBe(0)
  console.log(`audit with 120 ms frame delay: ${JSON.stringify(a.checks)}`)
  await fetch(`${sim.urls.admin}/faults`, { method: 'POST', body: JSON.stringify({ ws_delay_ms: 0 }) })
})
