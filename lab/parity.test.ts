import { describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { loadScenario } from '../sim/index.ts'
import { runBacktest } from './run.ts'

/**
 * The in-process transport changes nothing but the transport: one scenario and seed run both ways on a manual
 * (virtual) clock — on one market, so that the run over real sockets is itself reproducible — once with the unchanged clob, clob-ws and gamma plugins over loopback HTTP and WebSocket to the
 * simulator's server, once in-process with zero modelled latency — place the same orders and get the same fills.
 */

const ROOT = join(import.meta.dir, '..')

describe('backtest transport parity', () => {
  // Known divergence: since the executor gained the per-signer budget, settled-balance reads and balance
  // refreshes, the two transports agree on fills and order counts but part ways in the orders' timing about 20
  // simulated seconds in (a requote one step earlier or later). `test.failing` until they agree again: it fails
  // the moment the runs are equal, so it cannot silently stay this way.
  test.failing('HTTP/WS and in-process runs of one market, seed 3, 90 simulated seconds: same orders, same fills', async () => {
    const base = {
      configFile: join(ROOT, 'mm.config.yaml'),
      overrides: [],
      scenario: loadScenario(join(import.meta.dir, 'fixtures', 'one-market.yaml')),
      seed: 3,
      durationMs: 90_000,
      latency: { restMs: 0, wsMs: 0 },
      keepOrders: true,
    }
    const http = await runBacktest({ ...base, transport: 'http' })
    const inproc = await runBacktest({ ...base, transport: 'inproc' })
    const key = (o: { tokenId: string; side: string; price: number; size: number }) =>
      `${o.tokenId.slice(0, 8)} ${o.side} ${o.price} ${o.size}`
    const orders = (r: typeof http) => r.orders.map((o) => `${o.at} ${key(o)}`)
    const fills = (r: typeof http) => r.fills.map((f) => `${f.at} ${key(f)} ${f.role}`).sort()
    console.log(
      `parity: HTTP ${http.orders.length} orders / ${http.fills.length} fills in ${(http.wallMs / 1000).toFixed(1)} s; ` +
        `in-process ${inproc.orders.length} / ${inproc.fills.length} in ${(inproc.wallMs / 1000).toFixed(1)} s`,
    )
    expect(http.errors).toEqual([])
    expect(http.orders.length).toBeGreaterThan(20)
    expect(http.fills.length).toBeGreaterThan(3)
    expect(orders(inproc)).toEqual(orders(http))
    expect(fills(inproc)).toEqual(fills(http))
    expect(inproc.pnlNetUsd).toBeCloseTo(http.pnlNetUsd, 6)
  }, 240_000)
})
