import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { nullExchange } from '../../tests/fixtures/null-exchange.ts'
import { probe, probes, testBuiltins, testConfigYaml } from '../../tests/fixtures/test-plugins.ts'
import { createManualClock } from '../clock.ts'
import { formatIssues } from '../config/errors.ts'
import { loadConfigText } from '../config/load.ts'
import { type Daemon, startDaemon } from '../daemon.ts'
import { createMemoryLogger } from '../logger.ts'
import { ORIGINAL_METRIC_NAMES } from '../metrics.ts'
import { createApp } from './app.ts'

const TOKEN = 'a-test-token-of-enough-length'
const cid = `0x${'0'.repeat(63)}7`
let daemon: Daemon
let app: ReturnType<typeof createApp>
let yaml: string

beforeAll(async () => {
  const p = probe('http')
  p.rows = [{ token1: '11', token2: '12', condition_id: cid }]
  p.mids.set(cid, 0.3)
  yaml = testConfigYaml('http')
  const res = await loadConfigText(yaml, `${import.meta.dir}/http.yaml`, { builtins: testBuiltins, env: {} })
  if (!res.ok) throw new Error(formatIssues('http.yaml', res.issues))
  daemon = await startDaemon({
    loaded: res.loaded,
    builtins: testBuiltins,
    log: createMemoryLogger().log,
    exchange: nullExchange,
    clock: createManualClock(),
  })
  await daemon.quotes.idle()
  app = createApp(daemon, { token: TOKEN, plugins: testBuiltins })
})

afterAll(async () => {
  await daemon.stop('test end')
  probes.clear()
})

const post = (body: string, auth = `Bearer ${TOKEN}`) =>
  app.request('/config/reload', { method: 'POST', body, headers: auth ? { Authorization: auth } : {} })

/** Minimal Prometheus text-format parser: metric name → samples; throws on a malformed line. */
function parsePrometheus(text: string): Map<string, { labels: string; value: number }[]> {
  const out = new Map<string, { labels: string; value: number }[]>()
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (-?[0-9.eE+-]+|NaN|\+Inf|-Inf)$/.exec(line)
    if (!m) throw new Error(`malformed metrics line: ${line}`)
    const list = out.get(m[1] as string) ?? []
    list.push({ labels: m[2] ?? '', value: Number(m[3]) })
    out.set(m[1] as string, list)
  }
  return out
}

describe('HTTP API', () => {
  test('GET /metrics is valid Prometheus text with the original metric names', async () => {
    daemon.metrics.seqGaps.inc({ token_id: '11' })
    daemon.metrics.wsConnected.set({ channel: 'market', shard: '0' }, 1)
    daemon.metrics.wsReconnects.inc({ channel: 'market' }, 0)
    daemon.metrics.snapshotReloads.inc({ token_id: '11' })
    daemon.metrics.tradesPerMin.set({ token_id: '11' }, 3)
    daemon.metrics.ordersTotal.inc({ side: 'BUY' })
    daemon.metrics.fillsTotal.inc({ side: 'BUY' })
    daemon.metrics.inventoryShares.set({ token_id: '11' }, 10)
    const res = await app.request('/metrics')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('text/plain')
    const metrics = parsePrometheus(await res.text())
    for (const name of [...ORIGINAL_METRIC_NAMES, 'mm_pipeline_generation', 'mm_build_info']) {
      expect(metrics.has(name)).toBe(true)
    }
    expect(metrics.get('mm_seq_gaps_total')).toEqual([{ labels: '{token_id="11"}', value: 1 }])
  })

  test('GET /status shows each market with its quote and books', async () => {
    const body = (await (await app.request('/status')).json()) as {
      generation: number
      markets: { condition_id: string; fair_value: number; quote: { bid: number } | null; yes: { state: string } }[]
    }
    expect(body.generation).toBe(1)
    expect(body.markets[0]?.condition_id).toBe(cid)
    expect(body.markets[0]?.fair_value).toBeCloseTo(0.3, 9)
    expect(body.markets[0]?.quote?.bid).toBeCloseTo(0.28, 9)
    expect(body.markets[0]?.yes.state).toBe('fresh')
  })

  test('GET /config shows generation and hash; GET /plugins shows each schema', async () => {
    const cfg = (await (await app.request('/config')).json()) as { generation: number; hash: string }
    expect(cfg.generation).toBe(1)
    expect(cfg.hash).toMatch(/^[0-9a-f]{16}$/)
    const plugins = (await (await app.request('/plugins')).json()) as { name: string; schema: { type?: string } }[]
    expect(plugins.find((p) => p.name === 'test-spread')?.schema.type).toBe('object')
  })

  test('POST /config/reload without or with a wrong token is refused', async () => {
    expect((await post(yaml, '')).status).toBe(401)
    expect((await post(yaml, 'Bearer nope-nope-nope-nope-nope')).status).toBe(401)
    const open = createApp(daemon, { token: undefined, plugins: testBuiltins })
    const res = await open.request('/config/reload', { method: 'POST', body: yaml })
    expect(res.status).toBe(403)
  })

  test('POST /config/reload with a body that is not YAML is 400 with the errors; daemon unchanged', async () => {
    const res = await post('pipeline: [unclosed')
    expect(res.status).toBe(400)
    const body = (await res.json()) as { outcome: string; errors: string[] }
    expect(body.outcome).toBe('rejected')
    expect(body.errors.some((e) => e.includes('YAML syntax'))).toBe(true)
    expect(daemon.current().generation).toBe(1)
  })

  test('an oversized body is 413', async () => {
    const res = await post(`# ${'x'.repeat(300 * 1024)}\n${yaml}`)
    expect(res.status).toBe(413)
  })

  test('a valid reload applies and says what changed', async () => {
    const res = await post(
      yaml.replace('spread: { use: test-spread }', 'spread: { use: test-spread, with: { half: 0.03 } }'),
    )
    expect(res.status).toBe(200)
    const body = (await res.json()) as {
      outcome: string
      generation: number
      changes: { kind: string; instance: string; why?: string }[]
    }
    expect(body.outcome).toBe('applied')
    expect(body.generation).toBe(2)
    expect(body.changes).toContainEqual({ kind: 'replace', instance: 'spread', why: 'changed half' })
  })

  test('POST /risk/reset needs the token and says when no risk plugin can be reset', async () => {
    expect((await app.request('/risk/reset', { method: 'POST' })).status).toBe(401)
    const res = await app.request('/risk/reset', { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}` } })
    expect(res.status).toBe(404)
    expect(await res.json()).toEqual({ error: 'no risk plugin in this pipeline can be reset' })
  })

  test('POST /risk/reset calls every resettable risk plugin with the reason', async () => {
    const res = await post(
      yaml.replace('risk: [ { use: test-risk } ]', 'risk: [ { use: test-risk, with: { resettable: http } } ]'),
    )
    expect(res.status).toBe(200)
    const reset = await app.request('/risk/reset?reason=operator%20checked', {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}` },
    })
    expect(reset.status).toBe(200)
    expect(probe('http').started).toContain('reset: operator checked')
  })

  test('unknown routes are 404 JSON', async () => {
    const res = await app.request('/nope')
    expect(res.status).toBe(404)
    expect(await res.json()).toEqual({ error: 'no route GET /nope' })
  })
})
