import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { realClock } from '../pipeline/clock.ts'
import { wsBase } from '../pipeline/exchange.ts'
import { createTestContext, createTestPlugin, type TestContext, testMarket } from '../pipeline/testing.ts'
import plugin from '../plugins/book/clob-ws/index.ts'
import type { Market } from '../schemas/domain.ts'
import { type Simulator, startSimulator } from '../sim/index.ts'
import { isPull } from '../stages/io.ts'

/**
 * A market socket that keeps answering PONG while sending no book data (§7.6, py-clob-client #292), on the
 * simulator's `ws_frozen` fault with its flow running: the REST /book audit finds the books behind the exchange,
 * reconnects the socket, and quoting resumes on books the exchange agrees with. Before the audit, liveness was
 * taken for freshness and the books stayed fresh-looking and wrong for as long as the freeze lasted.
 */

let sim: Simulator
let ctx: TestContext
let handler: Awaited<ReturnType<typeof createTestPlugin<'book', typeof plugin.config>>>
let markets: Market[]

async function waitFor(cond: () => boolean | Promise<boolean>, what: string, limitMs: number): Promise<void> {
  const start = performance.now()
  while (!(await cond())) {
    if (performance.now() - start > limitMs) throw new Error(`timed out waiting for ${what}`)
    await Bun.sleep(20)
  }
}

async function metric(name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = await ctx.metrics.registry.getSingleMetric(name)?.get()
  const match = (l: Record<string, unknown>) => Object.entries(labels).every(([k, v]) => l[k] === v)
  return (m?.values ?? []).reduce((s, v) => (match(v.labels) ? s + v.value : s), 0)
}

async function faults(patch: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${sim.urls.admin}/faults`, { method: 'POST', body: JSON.stringify(patch) })
  expect(res.status).toBe(200)
}

beforeAll(async () => {
  sim = await startSimulator({ scenario: 'default', seed: 11, port: 0 })
  markets = sim.markets.map((s) =>
    testMarket({
      conditionId: s.conditionId,
      question: s.question,
      yesTokenId: s.tokens[0],
      noTokenId: s.tokens[1],
      tickSize: s.tickSize,
      minOrderSize: s.minOrderSize,
    }),
  )
  ctx = createTestContext({
    stage: 'book',
    plugin: 'clob-ws',
    clock: realClock,
    exchange: { wsUrl: wsBase(sim.urls.ws), clobUrl: sim.urls.clob },
  })
  handler = await createTestPlugin(
    plugin,
    { ping_interval: '300ms', stale_after: '1500ms', audit_every: '1s', audit_rate: 20, audit_grace: '200ms' },
    ctx,
  )
  await handler.track(markets)
  await waitFor(() => markets.every((m) => !isPull(handler.run({ market: m }))), 'every book fresh', 5000)
})

afterAll(async () => {
  ctx.abort.abort()
  await sim.stop()
})

describe('a frozen market feed, against the simulator', () => {
  test('PONGs keep coming, book data stops: the audit finds it, reconnects, and the books agree again', async () => {
    await faults({ ws_frozen: true })
    await waitFor(
      async () => (await metric('mm_book_audit_mismatches_total', { action: 'reconnect' })) >= 1,
      'a reconnect by the audit',
      20_000,
    )
    await waitFor(
      async () => (await metric('mm_ws_reconnects_total', { channel: 'market' })) >= 1,
      'the market socket reconnected',
      10_000,
    )
    await faults({ reset: true })
    // After the fault: the fresh snapshot of the new socket, the audit agreeing again.
    const agreed = await metric('mm_book_audit_checks_total', { result: 'agree' })
    await waitFor(
      async () => (await metric('mm_book_audit_checks_total', { result: 'agree' })) > agreed + markets.length,
      'audits agreeing again',
      20_000,
    )
    expect(markets.every((m) => !isPull(handler.run({ market: m })))).toBe(true)
  }, 60_000)
})
