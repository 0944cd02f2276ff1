import { afterAll, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { formatIssues } from '../pipeline/config/errors.ts'
import { loadConfig } from '../pipeline/config/load.ts'
import { builtins } from '../plugins/index.ts'
import { deriveDaemonConfig } from './daemon-config.ts'

const ROOT = join(import.meta.dir, '..')
const out = mkdtempSync(join(tmpdir(), 'mm-drill-config-'))
afterAll(() => rmSync(out, { recursive: true, force: true }))

test('the derived config loads: the polymarket exchange on the simulator, sqlite in the drill folder, paths kept', async () => {
  const base = 'http://127.0.0.1:40001'
  const derived = deriveDaemonConfig({
    source: join(ROOT, 'mm.config.yaml'),
    outDir: out,
    sim: {
      clob: base,
      ws: 'ws://127.0.0.1:40001',
      gamma: `${base}/gamma`,
      dataApi: `${base}/data-api`,
      admin: `${base}/admin`,
    },
    apiPort: 40002,
  })
  const res = await loadConfig(derived.file, { builtins, env: { PK: `0x${'12'.repeat(32)}` } })
  if (!res.ok) throw new Error(formatIssues(derived.file, res.issues))
  const { config, stages } = res.loaded
  expect(config.mode).toBe('live')
  expect(config.exchange.use === 'polymarket' && config.exchange.with.ws_url).toBe('ws://127.0.0.1:40001/ws/')
  expect(config.exchange.use === 'polymarket' && config.exchange.with.data_api_url).toBe(`${base}/data-api`)
  expect(config.server.port).toBe(40002)
  expect(stages.persist[0]?.config).toMatchObject({ path: derived.dbPath })
  // The paper default lists the simulator's own markets; the drill keeps that source (it reaches the drill's
  // simulator on loopback through the polymarket exchange's Gamma URL).
  expect(stages.source[0]?.def.name).toBe('sim-markets')
})
