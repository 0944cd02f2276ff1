import { Database } from 'bun:sqlite'
import { afterAll, describe, expect, test } from 'bun:test'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { formatIssues } from '../pipeline/config/errors.ts'
import { loadConfigText } from '../pipeline/config/load.ts'
import { startDaemon } from '../pipeline/daemon.ts'
import { simulatorHost } from '../pipeline/exchange.ts'
import { createMemoryLogger } from '../pipeline/logger.ts'
import { createFastSigner } from '../plugins/execute/clob/fast-signer.ts'
import { builtins } from '../plugins/index.ts'
import { startSimulator } from '../sim/index.ts'
import { createSharedAcceleratedClock } from './fixtures/shared-clock.ts'

/**
 * A paper run: the whole daemon in-process with every built-in (file source on markets.csv, gamma, clob-ws,
 * ewma-microprice, vol-spread, inventory-skew, caps, layered, clob, sqlite in a scratch directory) against the
 * simulator's default scenario, for 5 simulated minutes.
 *
 * "5 simulated minutes": the simulator and the daemon share one clock running 10× wall speed
 * (fixtures/shared-clock.ts), so the synthetic flow, trade settlement and heartbeat expiry on one side, and
 * order_max_age, heartbeats, reconciliation and request timeouts on the other, all see the same 300 s of time
 * while about 30 s pass on the wall. Every duration in mm.config.yaml therefore keeps its meaning. Only network
 * latency and CPU time are not scaled: to the daemon they look 10× slower than they are, which is the harsher side.
 */

const ROOT = join(import.meta.dir, '..')
const FACTOR = 10
const SIM_MS = 5 * 60_000
const dirs: string[] = []

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

describe('paper run on the default scenario', () => {
  test('five simulated minutes: orders placed and cancelled, fills, positions equal to the exchange, nothing left open', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mm-paper-'))
    dirs.push(dir)
    const dbPath = join(dir, 'mm_state.db')
    const text = readFileSync(join(ROOT, 'mm.config.yaml'), 'utf8')
      .replace('port: 9108', 'port: 0')
      .replace('path: ./markets.csv', `path: ${join(ROOT, 'markets.csv')}`)
      .replace(/path: \.\/mm_(state|paper)\.db/, `path: ${dbPath}`)
    expect(text).toContain(dbPath)
    const res = await loadConfigText(text, join(dir, 'mm.config.yaml'), { builtins, env: {} })
    if (!res.ok) throw new Error(formatIssues('mm.config.yaml', res.issues))

    const clock = createSharedAcceleratedClock(FACTOR)
    const sim = await startSimulator({ scenario: 'default', port: 0, clock })
    const privateKey = `0x${randomBytes(32).toString('hex')}`
    const address = createFastSigner(privateKey).address
    const exchange = simulatorHost(sim, privateKey)
    const { log, lines } = createMemoryLogger()
    const startedAt = clock.now()
    const daemon = await startDaemon({ loaded: res.loaded, builtins, log, clock, exchange })
    let stopped = false
    try {
      expect(daemon.universe.markets()).toHaveLength(sim.markets.length) // every market of the scenario, V2 included
      await clock.sleep(SIM_MS)
      expect(clock.now() - startedAt).toBeGreaterThanOrEqual(SIM_MS)

      await daemon.stop('SIGTERM')
      stopped = true

      // Nothing rests on the exchange for the account.
      expect(sim.openOrders(address)).toEqual([])

      // Positions from fills equal what the exchange holds for the account, token by token.
      const balances = sim.balances(address)
      const held: Record<string, { daemon: number; exchange: number }> = {}
      for (const m of sim.markets) {
        for (const [i, t] of m.tokens.entries()) {
          const pair = { daemon: daemon.account.token(t).shares, exchange: balances.tokens[t] ?? 0 }
          held[`${m.slug} ${i === 0 ? 'YES' : 'NO'}`] = pair
          expect(Math.abs(pair.daemon - pair.exchange)).toBeLessThan(1e-6)
        }
      }
      expect(Object.values(balances.reservedTokens).every((v) => v === 0)).toBe(true)
      expect(balances.reservedUsdc).toBe(0)

      // Orders placed and cancelled, fills received: the metric, the database and the account agree.
      const metrics = await daemon.registry.metrics()
      const count = (name: string) =>
        [...metrics.matchAll(new RegExp(`^${name}\\{side="\\w+"\\} (\\d+)`, 'gm'))].reduce(
          (a, m) => a + Number(m[1]),
          0,
        )
      const sent = count('mm_orders_total')
      const fills = daemon.account.fills()
      const db = new Database(dbPath, { readonly: true })
      const byStatus: Record<string, number> = Object.fromEntries(
        db
          .query<{ status: string; n: number }, []>('SELECT status, count(*) AS n FROM orders GROUP BY status')
          .all()
          .map((r) => [r.status, r.n]),
      )
      const fillRows = db.query<{ n: number }, []>('SELECT count(*) AS n FROM fills').get()?.n ?? 0
      db.close()
      const rows = Object.values(byStatus).reduce((a, b) => a + b, 0)
      console.log(
        `paper run: ${((clock.now() - startedAt) / 1000).toFixed(0)} simulated s; orders sent ${sent}, ` +
          `by final status ${JSON.stringify(byStatus)}; fills ${fills.length} (metric ${count('mm_fills_total')}, ` +
          `db ${fillRows}); pUSD ${balances.usdc}; holdings ${JSON.stringify(held)}`,
      )
      expect(sent).toBeGreaterThan(0)
      expect(rows).toBe(sent)
      expect(byStatus.cancelled ?? 0).toBeGreaterThan(0)
      expect(fills.length).toBeGreaterThan(0)
      expect(fillRows).toBe(fills.length)
      // Every order reached a final state: none the daemon still believes live or unknown.
      expect(Object.keys(byStatus).filter((s) => !['filled', 'cancelled', 'rejected'].includes(s))).toEqual([])
      expect(lines.filter((l) => l.startsWith('[error]'))).toEqual([])
    } finally {
      if (!stopped) await daemon.stop('test end')
    }
  }, 90_000)
})
