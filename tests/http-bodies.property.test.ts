import { afterAll, beforeAll, expect, test } from 'bun:test'
import fc from 'fast-check'
import { createManualClock } from '../pipeline/clock.ts'
import { formatIssues } from '../pipeline/config/errors.ts'
import { loadConfigText } from '../pipeline/config/load.ts'
import { type Daemon, startDaemon } from '../pipeline/daemon.ts'
import { createApp } from '../pipeline/http/app.ts'
import { createMemoryLogger } from '../pipeline/logger.ts'
import { nullExchange } from './fixtures/null-exchange.ts'
import { probe, probes, testBuiltins, testConfigYaml } from './fixtures/test-plugins.ts'

/**
 * Property: any body or header sent to the control API ends in a named answer (a JSON body with `error`, or a
 * reload outcome with its errors), never an unhandled 500, never a secret from the environment, and the daemon
 * still serves /status afterwards.
 */
const RUNS = 150
const TOKEN = 'operator-token-0123456789abcdef'
const SECRET = 'tok-SECRET-0a1b2c3d4e5f60718293'
const yaml = testConfigYaml('http-prop')
const lines = yaml.split('\n')
let daemon: Daemon
let app: ReturnType<typeof createApp>
const saved = process.env.MM_API_TOKEN

beforeAll(async () => {
  process.env.MM_API_TOKEN = SECRET
  const p = probe('http-prop')
  p.rows = [{ token1: '1', token2: '2', condition_id: `0x${'0'.repeat(63)}1` }]
  const res = await loadConfigText(yaml, `${import.meta.dir}/http-prop.yaml`, { builtins: testBuiltins, env: {} })
  if (!res.ok) throw new Error(formatIssues('http-prop.yaml', res.issues))
  daemon = await startDaemon({
    loaded: res.loaded,
    builtins: testBuiltins,
    log: createMemoryLogger().log,
    exchange: nullExchange,
    clock: createManualClock(),
  })
  app = createApp(daemon, { token: TOKEN })
})

afterAll(async () => {
  await daemon.stop('test end')
  probes.clear()
  if (saved === undefined) delete process.env.MM_API_TOKEN
  else process.env.MM_API_TOKEN = saved
})

const value = fc.oneof(
  fc.constantFrom('${MM_API_TOKEN}', 'x${MM_API_TOKEN}', '${NOPE}', '&a [*a, *a]', '{', ']', '~', '0', '-1', 'true'),
  fc.string({ maxLength: 10 }),
)
const mutatedConfig = fc.tuple(fc.nat(lines.length - 1), value).map(([i, v]) => {
  const copy = [...lines]
  copy[i] = (copy[i] ?? '')
    .replace(/probe: [\w-]+/, `probe: ${v}`)
    .replace(/use: [\w-]+/, (m) => (v.length % 2 ? `use: ${v}` : m))
  return copy.join('\n')
})
const body = fc.oneof(
  mutatedConfig,
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 300 }),
  fc.constantFrom('', ' ', 'a: &a [*a]\nb: *a', `${'['.repeat(2000)}`, 'x'.repeat(70_000)),
)
const badAuth = fc.constantFrom(
  '',
  'Bearer',
  `bearer ${TOKEN}`,
  `Bearer ${TOKEN} `,
  `Basic ${TOKEN}`,
  `Bearer ${TOKEN.slice(0, -1)}`,
)
const auth = fc.oneof(
  { arbitrary: fc.constant(`Bearer ${TOKEN}`), weight: 6 },
  { arbitrary: badAuth, weight: 1 },
  { arbitrary: fc.string({ maxLength: 40 }), weight: 1 },
)
const route = fc.oneof(
  { arbitrary: fc.constant('/config/reload'), weight: 6 },
  { arbitrary: fc.constantFrom('/risk/reset', '/risk/reset?reason=x', '/nope'), weight: 1 },
)

test(`HTTP API: ${RUNS} random and mutated bodies end in a named answer, never an unhandled error or a secret`, async () => {
  let tried = 0
  const statuses: Record<number, number> = {}
  await fc.assert(
    fc.asyncProperty(route, body, auth, async (path, text, authorization) => {
      tried++
      const res = await app.request(path, { method: 'POST', headers: { authorization }, body: text })
      statuses[res.status] = (statuses[res.status] ?? 0) + 1
      const reply = await res.text()
      expect(reply).not.toContain(SECRET)
      const json = JSON.parse(reply) as { error?: unknown; outcome?: unknown; errors?: unknown }
      if (res.status >= 400) expect(typeof json.error === 'string' || typeof json.outcome === 'string').toBe(true)
      // A 500 is a reload that was rolled back (named); an unhandled exception would answer only { error }.
      if (res.status === 500) expect(json.outcome).toBe('rolled_back')
    }),
    { numRuns: RUNS, seed: 99 },
  )
  const status = await app.request('/status')
  expect(status.status).toBe(200)
  expect(await (await app.request('/config')).text()).not.toContain(SECRET)
  console.log(`HTTP API: ${tried} requests tried, answers by status ${JSON.stringify(statuses)}`)
}, 120_000)
