import { afterAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Wallet } from 'ethers'
import {
  type DaemonRun,
  freePort,
  type SimProcess,
  spawnDaemon,
  startSimProcess,
  waitReady,
} from '../drill/processes.ts'
import { shardIndexOf } from '../pipeline/shard.ts'
import { startPostgres, type TestPostgres } from './support/postgres.ts'

/**
 * Two daemons on one account, each trading half of the market list (`universe: {shard, of: 2}`), sharing one
 * PostgreSQL database through the postgres persist plugin — as processes, against the simulator as its own process,
 * with the production rate limits (Standard tier, per signer). What they must share:
 *
 * - the signer's token buckets: 160 markets at once need more orders than the Standard tier admits, so each
 *   instance waits for the budget; sharing it, the two together are never answered 429 (the same run with a sqlite
 *   database each, measured: 29 and 32 429s in its first minute);
 * - the daily loss: a market of shard 0 falls steeply while the account holds its YES shares. The loss is
 *   instance A's; instance B, whose own markets are calm, must halt too, naming the other instance's part.
 */

const pg: TestPostgres | undefined = await startPostgres()
if (!pg) console.log('shared-account suite skipped: no PostgreSQL server binaries (apt-get install postgresql)')

const dir = mkdtempSync(join(tmpdir(), 'mm-shared-'))
const wallet = new Wallet(`0x${'5a'.repeat(32)}`)
// Even condition id → shard 0 of 2.
const FALLING = `0x${'ab'.repeat(31)}10`
const HELD_SHARES = 2000

let sim: SimProcess | undefined
const daemons: DaemonRun[] = []
afterAll(async () => {
  for (const d of daemons) {
    d.proc.kill('SIGTERM')
    await Promise.race([d.proc.exited, Bun.sleep(10_000)])
    if (d.proc.exitCode === null) d.proc.kill('SIGKILL')
  }
  await sim?.stop()
  await pg?.stop()
  // MM_KEEP=1 keeps the processes' logs for a failed run.
  if (!process.env.MM_KEEP) rmSync(dir, { recursive: true, force: true })
  else console.log(`logs kept in ${dir}`)
})

function writeScenario(): string {
  const file = join(dir, 'scenario.yaml')
  writeFileSync(
    file,
    JSON.stringify({
      name: 'shared-account',
      seed: 3,
      generate: { markets: 160, seed: 1 },
      markets: [
        {
          slug: 'falling',
          question: 'Will the falling market resolve YES?',
          condition_id: FALLING,
          tick_size: 0.01,
          // About −0.06 in price every 10 s from 0.50: a loss of ~120 USD per 10 s on 2,000 YES shares.
          dynamics: { initial_prob: 0.5, vol: 0.01, drift: -45, jump_rate_per_hour: 0 },
        },
      ],
    }),
  )
  return file
}

function writeConfig(shard: number, apiPort: number, urls: SimProcess['urls']): string {
  const file = join(dir, `daemon-${shard}.yaml`)
  const config = {
    mode: 'live',
    exchange: {
      use: 'polymarket',
      with: {
        clob_url: urls.clob,
        ws_url: `${urls.ws.replace(/\/+$/, '')}/ws/`,
        gamma_url: urls.gamma,
        data_api_url: urls.dataApi,
        polygon_rpc_url: `${urls.clob}/rpc`,
        chain_id: 137,
        private_key: '${PK}',
        signature_type: 0,
      },
    },
    capital_usd: 10_000,
    universe: { shard, of: 2 },
    server: { enabled: true, host: '127.0.0.1', port: apiPort },
    log: { dir: join(dir, `logs-${shard}`), level: 'info' },
    pipeline: {
      source: [{ use: 'sim-markets' }],
      enrich: [{ use: 'gamma' }],
      book: { use: 'clob-ws' },
      'fair-value': { use: 'ewma-microprice', with: { alpha: 0.2 } },
      spread: { use: 'vol-spread', with: { k_vol: 2.0, k_fee_ticks: 1.0, window: '600s' } },
      skew: { use: 'inventory-skew', with: { gamma: 1.0 } },
      // 0.5% of 10,000 USD: 50 USD a day for the whole account.
      risk: [{ use: 'caps', with: { soft_cap: 0.5, hard_cap: 1, daily_loss_limit_pct: 0.5 } }],
      layer: { use: 'layered', with: { layers: 3, base_size_usd: 5, max_size_usd: 20 } },
      execute: { use: 'clob', with: { requote_mid_ticks: 1, order_max_age: '12s' } },
      persist: [{ use: 'postgres', with: { url: '${MM_POSTGRES_URL}', instance: `shard-${shard}` } }],
    },
  }
  writeFileSync(file, JSON.stringify(config, null, 2))
  return file
}

async function metric(apiPort: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${apiPort}/metrics`)).text()
  let sum = 0
  for (const line of text.split('\n'))
    if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) sum += Number(line.slice(line.lastIndexOf(' ') + 1))
  return sum
}

interface StatusMarket {
  condition_id: string
  risk: { state: string; reason?: string } | null
}
async function statusMarkets(apiPort: number): Promise<StatusMarket[]> {
  const body = (await (await fetch(`http://127.0.0.1:${apiPort}/status`)).json()) as { markets: StatusMarket[] }
  return body.markets
}

describe.skipIf(!pg)('two daemons on one account, sharing PostgreSQL', () => {
  test(
    'never overspend the signer’s rate budget together, and a loss on one instance halts the other',
    async () => {
      sim = await startSimProcess({ seed: 3, scenario: writeScenario(), outDir: dir })
      const falling = sim.markets.find((m) => m.conditionId === FALLING)
      expect(falling).toBeDefined()
      expect(shardIndexOf(FALLING, 2)).toBe(0)
      // The account carries 2,000 YES of the falling market into the day.
      const res = await fetch(`${sim.urls.admin}/balances`, {
        method: 'POST',
        body: JSON.stringify({ address: wallet.address, tokens: { [falling?.tokens[0] as string]: HELD_SHARES } }),
      })
      expect(res.ok).toBe(true)

      const ports = [freePort(), freePort()]
      const env = { PK: wallet.privateKey, MM_POSTGRES_URL: pg?.url as string }
      for (const shard of [0, 1]) {
        const configFile = writeConfig(shard, ports[shard] as number, sim.urls)
        daemons.push(spawnDaemon({ index: shard, configFile, env, outDir: dir }))
      }
      for (const [i, d] of daemons.entries()) {
        const ready = await waitReady(d, `http://127.0.0.1:${ports[i]}`, 60_000)
        if (!ready) throw new Error(`daemon ${i} did not start:\n${d.tail.join('\n')}`)
      }
      const [portA, portB] = ports as [number, number]

      // Each instance owns its half, and only its half.
      const mine = await statusMarkets(portB)
      expect(mine.length).toBeGreaterThan(60)
      expect(mine.every((m) => shardIndexOf(m.condition_id, 2) === 1)).toBe(true)

      // B halts on the account's loss although its own markets are calm.
      const deadline = Date.now() + 60_000
      let haltB: StatusMarket | undefined
      while (!haltB && Date.now() < deadline) {
        await Bun.sleep(1000)
        haltB = (await statusMarkets(portB)).find((m) => m.risk?.state === 'HALTED')
      }
      if (!haltB) throw new Error(`instance B never halted`)
      expect(haltB.risk?.reason).toMatch(
        /account-wide PnL -\d+\.\d\d USD \(this instance -?\d+\.\d\d, 1 other instance\(s\) -\d+\.\d\d\)/,
      )
      const ownB = Number(/this instance (-?\d+\.\d\d)/.exec(haltB.risk?.reason ?? '')?.[1])
      expect(ownB).toBeGreaterThan(-50) // B alone is within the limit: the halt is the account's
      const haltA = (await statusMarkets(portA)).find((m) => m.risk?.state === 'HALTED')
      expect(haltA).toBeDefined()

      // The budget: both waited for it (they wanted more than the tier admits) and neither was ever answered 429.
      const deferred =
        (await metric(portA, 'mm_orders_deferred_total')) + (await metric(portB, 'mm_orders_deferred_total'))
      const limited = (await metric(portA, 'mm_rate_limited_total')) + (await metric(portB, 'mm_rate_limited_total'))
      expect(deferred).toBeGreaterThan(0)
      expect(limited).toBe(0)
    },
    { timeout: 180_000 },
  )
})
