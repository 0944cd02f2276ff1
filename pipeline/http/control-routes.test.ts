import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { nullExchange } from '../../tests/fixtures/null-exchange.ts'
import { probe, probes, testBuiltins, testConfigYaml } from '../../tests/fixtures/test-plugins.ts'
import { createManualClock } from '../clock.ts'
import { formatIssues } from '../config/errors.ts'
import { loadConfigText } from '../config/load.ts'
import { type Daemon, startDaemon } from '../daemon.ts'
import { createMemoryLogger } from '../logger.ts'
import { createApp } from './app.ts'

const TOKEN = 'a-control-token-of-enough-length'
const A = `0x${'0'.repeat(63)}a`
const B = `0x${'0'.repeat(63)}b`
let daemon: Daemon
let app: ReturnType<typeof createApp>
const p = probe('control')

beforeAll(async () => {
  p.rows = [
    { token1: '21', token2: '22', condition_id: A },
    { token1: '31', token2: '32', condition_id: B },
  ]
  p.mids.set(A, 0.3)
  p.mids.set(B, 0.6)
  const res = await loadConfigText(testConfigYaml('control'), `${import.meta.dir}/control.yaml`, {
    builtins: testBuiltins,
    env: {},
  })
  if (!res.ok) throw new Error(formatIssues('control.yaml', res.issues))
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

const post = (path: string, body?: unknown, token = TOKEN) =>
  app.request(path, {
    method: 'POST',
    headers: token ? { Authorization: `Bearer ${token}` } : {},
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })

describe('control routes', () => {
  test('no token, a wrong token, or no token configured: refused and nothing changes', async () => {
    const pulledBefore = p.pulled.length
    expect((await post('/control/pause', { market: A }, '')).status).toBe(401)
    expect((await post('/control/halt', {}, 'wrong')).status).toBe(401)
    const open = createApp(daemon, { token: undefined, plugins: testBuiltins })
    expect((await open.request('/control/pause', { method: 'POST' })).status).toBe(403)
    expect(daemon.holds.state()).toEqual({ halted: undefined, allPaused: false, paused: [] })
    expect(p.pulled.length).toBe(pulledBefore)
  })

  test('an unknown market is 404 naming it; a body that is not JSON or has unknown keys is 400', async () => {
    const unknown = await post('/control/pause', { market: '0xnope' })
    expect(unknown.status).toBe(404)
    expect(await unknown.json()).toEqual({ error: 'no market 0xnope in the selection' })
    expect((await post('/control/resume', { market: '0xnope' })).status).toBe(404)
    const bad = await app.request('/control/pause', {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}` },
      body: '{',
    })
    expect(bad.status).toBe(400)
    expect((await post('/control/pause', { markets: [A] })).status).toBe(400)
    expect(daemon.holds.state().paused).toEqual([])
  })

  test('pause one market: its orders are pulled at once and it stays pulled until resumed', async () => {
    const res = await post('/control/pause', { market: A })
    expect(res.status).toBe(200)
    expect(p.pulled.at(-1)).toEqual({ conditionId: A, reason: 'paused by the operator' })
    await daemon.quotes.idle()
    expect(daemon.quotes.state(A)?.pulledFor).toBe('paused by the operator')
    expect(daemon.quotes.state(B)?.pulledFor).toBeUndefined()
    expect((await post('/control/resume', { market: A })).status).toBe(200)
    await daemon.quotes.idle()
    expect(daemon.quotes.state(A)?.pulledFor).toBeUndefined()
  })

  test('halt pulls every market and stays halted; resume of all lifts it', async () => {
    expect((await post('/control/halt', { market: A })).status).toBe(400)
    const res = await post('/control/halt', { reason: 'drill' })
    expect(res.status).toBe(200)
    await daemon.quotes.idle()
    for (const id of [A, B]) expect(daemon.quotes.state(id)?.pulledFor).toBe('halted by the operator: drill')
    daemon.quotes.markAllDirty() // a book update, say: still halted
    await daemon.quotes.idle()
    expect(daemon.quotes.state(B)?.pulledFor).toBe('halted by the operator: drill')
    expect((await post('/control/resume')).status).toBe(200)
    await daemon.quotes.idle()
    for (const id of [A, B]) expect(daemon.quotes.state(id)?.pulledFor).toBeUndefined()
  })

  test('lift-loss-halt says when no risk plugin can be reset', async () => {
    const res = await post('/control/lift-loss-halt')
    expect(res.status).toBe(404)
    expect(await res.json()).toEqual({ error: 'no risk plugin in this pipeline can be reset' })
  })
})

describe('dashboard assets', () => {
  test('the page, its script, its style and uPlot are served from the project', async () => {
    for (const [path, type] of [
      ['/', 'text/html'],
      ['/dashboard/app.js', 'text/javascript'],
      ['/dashboard/chart.js', 'text/javascript'],
      ['/dashboard/controls.js', 'text/javascript'],
      ['/dashboard/style.css', 'text/css'],
      ['/dashboard/uplot.js', 'text/javascript'],
      ['/dashboard/uplot.css', 'text/css'],
    ] as const) {
      const res = await app.request(path)
      expect(res.status).toBe(200)
      expect(res.headers.get('Content-Type')).toStartWith(type)
      expect((await res.text()).length).toBeGreaterThan(100)
    }
  })
})
