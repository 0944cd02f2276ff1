import { afterEach, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { realClock } from '../../../pipeline/clock.ts'
import { loadConfigText } from '../../../pipeline/config/load.ts'
import { createTestContext, createTestPlugin, testMarket } from '../../../pipeline/testing.ts'
import type { Fill } from '../../../schemas/domain.ts'
import { builtins } from '../../index.ts'
import webhook from './index.ts'

/** A local webhook receiver on loopback that answers as told: ok, 500, or never (a hang, for timeouts). */
function receiver(answer: (n: number) => 'ok' | 500 | 'hang') {
  const bodies: Record<string, unknown>[] = []
  let n = 0
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(req) {
      const body = (await req.json()) as Record<string, unknown>
      const a = answer(++n)
      if (a === 'hang') return new Promise<Response>(() => {})
      bodies.push(body)
      return a === 'ok' ? new Response('ok') : new Response('boom', { status: 500 })
    },
  })
  servers.push(server)
  return { url: `http://127.0.0.1:${server.port}/hook`, bodies, calls: () => n }
}
const servers: ReturnType<typeof Bun.serve>[] = []
afterEach(() => {
  for (const s of servers.splice(0)) s.stop(true)
})

const FAST = { retry_min: '10ms', retry_max: '40ms', timeout: '100ms' }
const market = testMarket({ question: 'Will it rain in London tomorrow?' })

function fill(size: number, price = 0.5): Fill {
  return {
    tradeId: `t${size}`,
    orderId: '0xo',
    conditionId: market.conditionId,
    tokenId: market.noTokenId,
    side: 'BUY',
    price,
    size,
    feeUsd: 0,
    role: 'MAKER',
    status: 'MATCHED',
    timestamp: 0,
  }
}

async function until(cond: () => boolean, ms = 3000) {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out')
    await Bun.sleep(5)
  }
}

async function metric(ctx: ReturnType<typeof createTestContext>, name: string): Promise<string> {
  return (await ctx.metrics.registry.metrics())
    .split('\n')
    .filter((l) => l.startsWith(name))
    .join('\n')
}

test('a halt and a large fill are posted as Slack/Discord JSON naming the market; small fills are not', async () => {
  const r = receiver(() => 'ok')
  const ctx = createTestContext({ stage: 'persist', plugin: 'webhook', clock: realClock })
  const h = await createTestPlugin(webhook, { url: r.url, fill_min_shares: 100, ...FAST }, ctx)
  h.write({ type: 'selection', at: 0, markets: [market], added: [market.conditionId], removed: [] })
  h.write({ type: 'fill', at: 1, fill: fill(5) })
  h.write({ type: 'fill', at: 2, fill: fill(250, 0.4) })
  await until(() => r.bodies.length >= 1)
  h.write({ type: 'risk', at: 3, conditionId: undefined, state: 'HALTED', reason: 'daily loss limit reached' })
  await until(() => r.bodies.length >= 2)
  await h.stop?.()
  const [first, second] = r.bodies
  expect(first?.text).toBe(
    '[mm paper] large fill: BUY 250 "Will it rain in London tomorrow?" NO @ 0.4 (100.00 USD, maker)',
  )
  expect(first?.content).toBe(first?.text)
  expect(second?.text).toContain('HALTED account: daily loss limit reached')
  expect(r.bodies.map((b) => String(b.text)).join()).not.toContain('BUY 5 ')
  expect(await metric(ctx, 'mm_alerts_total{kind="fill"}')).toBe('mm_alerts_total{kind="fill"} 1')
})

test('a URL answering 500 is retried with back-off and the retries are counted', async () => {
  const r = receiver((n) => (n < 3 ? 500 : 'ok'))
  const ctx = createTestContext({ stage: 'persist', plugin: 'webhook', clock: realClock })
  const h = await createTestPlugin(webhook, { url: r.url, ...FAST }, ctx)
  h.write({ type: 'risk', at: 1, conditionId: market.conditionId, state: 'REDUCING', reason: 'soft cap' })
  await until(() => r.calls() >= 3)
  await h.flush?.()
  await h.stop?.()
  expect(await metric(ctx, 'mm_webhook_retries_total')).toBe('mm_webhook_retries_total 2')
  expect(await metric(ctx, 'mm_webhook_deliveries_total{outcome="delivered"}')).toContain(' 1')
})

test('a URL that never answers does not hold up write(); each attempt times out, is retried, then counted failed', async () => {
  const r = receiver(() => 'hang')
  const ctx = createTestContext({ stage: 'persist', plugin: 'webhook', clock: realClock })
  const h = await createTestPlugin(webhook, { url: r.url, retries: 2, ...FAST }, ctx)
  const started = performance.now()
  for (let i = 0; i < 50; i++)
    h.write({ type: 'risk', at: i, conditionId: market.conditionId, state: i % 2 ? 'ACTIVE' : 'HALTED', reason: 'x' })
  // 50 writes while the receiver hangs: none of them waited for the network.
  expect(performance.now() - started).toBeLessThan(50)
  await until(() => r.calls() >= 3)
  await Bun.sleep(200) // the third attempt's 100 ms timeout: that delivery has failed before stop (not dropped)
  await h.stop?.()
  // The first post: one attempt and 2 retries, then failed; the alerts that waited may have begun another.
  const count = async (line: string) => Number((await metric(ctx, line)).split(' ').at(-1))
  expect(await count('mm_webhook_retries_total')).toBeGreaterThanOrEqual(2)
  expect(await count('mm_webhook_deliveries_total{outcome="failed"}')).toBeGreaterThanOrEqual(1)
  expect(await count('mm_webhook_deliveries_total{outcome="delivered"}')).toBe(0)
})

test('a burst beyond the rate limit waits and goes out together in the next post', async () => {
  const r = receiver(() => 'ok')
  const ctx = createTestContext({ stage: 'persist', plugin: 'webhook', clock: realClock })
  const h = await createTestPlugin(webhook, { url: r.url, rate_limit: 1, rate_window: '300ms', ...FAST }, ctx)
  for (let i = 0; i < 6; i++)
    h.write({
      type: 'risk',
      at: i,
      conditionId: market.conditionId,
      state: i % 2 ? 'ACTIVE' : 'REDUCING',
      reason: `r${i}`,
    })
  await until(() => r.bodies.length >= 2)
  await Bun.sleep(350)
  await h.stop?.()
  // One post at once, then everything that waited in one more post: two posts for six alerts.
  expect(r.bodies.length).toBe(2)
  expect(String(r.bodies[1]?.text).split('\n').length).toBe(6)
})

test('a connection down longer than disconnect_after is posted, and so is its return', async () => {
  const r = receiver(() => 'ok')
  const ctx = createTestContext({ stage: 'persist', plugin: 'webhook', clock: realClock })
  const h = await createTestPlugin(webhook, { url: r.url, disconnect_after: '50ms', ...FAST }, ctx)
  ctx.health.set('user-channel', true)
  ctx.health.set('user-channel', false, 'socket closed')
  ctx.health.set('market-data', false, 'blip')
  ctx.health.set('market-data', true) // back within the threshold: nothing posted
  await until(() => r.bodies.length >= 1)
  ctx.health.set('user-channel', true)
  await until(() => r.bodies.length >= 2)
  await h.stop?.()
  expect(String(r.bodies[0]?.text)).toMatch(/user-channel down for \d+ s: socket closed/)
  expect(String(r.bodies[1]?.text)).toContain('user-channel back after')
  expect(r.bodies.map((b) => String(b.text)).join()).not.toContain('market-data')
})

test('the URL is a secret: a literal in the config file is refused, one from the environment is taken', async () => {
  const text = (url: string) =>
    readFileSync(join(import.meta.dir, '../../../mm.config.yaml'), 'utf8').replace(
      /persist: +\[(.*)\]/,
      `persist: [ $1, { use: webhook, with: { url: "${url}" } } ]`,
    )
  const file = join(import.meta.dir, 'mm.config.yaml')
  const literal = await loadConfigText(text('https://hooks.slack.com/services/T/B/x'), file, { builtins, env: {} })
  expect(literal.ok).toBe(false)
  if (!literal.ok) expect(literal.issues.map((i) => i.message).join()).toContain('environment')
  const fromEnv = await loadConfigText(text('${MM_WEBHOOK_URL}'), file, {
    builtins,
    env: { MM_WEBHOOK_URL: 'https://hooks.slack.com/services/T/B/x' },
  })
  expect(fromEnv.ok).toBe(true)
})
