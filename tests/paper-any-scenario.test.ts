import { afterAll, expect, test } from 'bun:test'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Wallet } from 'ethers'
import { formatIssues } from '../pipeline/config/errors.ts'
import { loadConfigText } from '../pipeline/config/load.ts'
import { type Daemon, startDaemon } from '../pipeline/daemon.ts'
import { createMemoryLogger } from '../pipeline/logger.ts'
import { builtins } from '../plugins/index.ts'
import { loadScenario } from '../sim/index.ts'

/**
 * Issue 13 item 4: the paper default (mm.config.yaml) trades whatever scenario the simulator runs, and a market
 * list that names none of the exchange's markets fails at start with that message instead of running idle.
 */
const ROOT = join(import.meta.dir, '..')
const dir = mkdtempSync(join(tmpdir(), 'mm-scenario-'))
let daemon: Daemon | undefined

afterAll(async () => {
  await daemon?.stop('test end')
  rmSync(dir, { recursive: true, force: true })
})

function paperConfig(edit: (text: string) => string) {
  const text = edit(
    readFileSync(join(ROOT, 'mm.config.yaml'), 'utf8')
      .replace('port: 9108', 'port: 0')
      .replace('path: ./mm_state.db', `path: ${join(dir, 'mm_state.db')}`),
  )
  return loadConfigText(text, join(dir, 'mm.config.yaml'), { builtins, env: {} })
}

async function until(what: string, check: () => Promise<boolean>, ms = 15_000) {
  const deadline = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await Bun.sleep(50)
  }
}

test('the paper default on the jumpy scenario quotes every jumpy market', async () => {
  const res = await paperConfig((t) => t.replace('scenario: default', 'scenario: jumpy'))
  if (!res.ok) throw new Error(formatIssues('mm.config.yaml', res.issues))
  const { log } = createMemoryLogger()
  daemon = await startDaemon({ loaded: res.loaded, builtins, log })
  const d = daemon
  const jumpy = loadScenario('jumpy').markets.map((m) => m.question)
  expect(d.universe.markets().map((m) => m.question)).toEqual(jumpy)
  const address = new Wallet(d.exchange.credentials.privateKey as string).address
  const url = `${d.exchange.endpoints.clobUrl}/admin/accounts/${address}`
  await until('orders resting on every jumpy market', async () => {
    const { open_orders } = (await (await fetch(url)).json()) as { open_orders: { market: string }[] }
    return d.universe.markets().every((m) => open_orders.some((o) => o.market === m.conditionId))
  })
  await d.stop('test end')
  daemon = undefined
}, 30_000)

test('markets.csv (default scenario) on the jumpy simulator: start fails, saying the list names none of its markets', async () => {
  const res = await paperConfig((t) =>
    t
      .replace('scenario: default', 'scenario: jumpy')
      .replace('{ use: sim-markets }', `{ use: file, with: { path: ${join(ROOT, 'markets.csv')}, watch: false } }`),
  )
  if (!res.ok) throw new Error(formatIssues('mm.config.yaml', res.issues))
  const { log } = createMemoryLogger()
  await expect(startDaemon({ loaded: res.loaded, builtins, log })).rejects.toThrow(
    "the market list names none of the exchange's markets: 4 listed, none found on the sim exchange (markets.csv:2: market not found on Gamma (by token1/token2)); the sim-markets source lists the simulator's own markets, whatever the scenario",
  )
}, 30_000)
