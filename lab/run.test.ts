import { describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { loadScenario } from '../sim/index.ts'
import { runMetrics } from './metrics.ts'
import { runBacktest } from './run.ts'

/** A backtest is a function of its seed: the same seed gives the same orders and fills, another seed others. */

const CONFIG = join(import.meta.dir, '..', 'mm.config.yaml')

describe('runBacktest', () => {
  test('same seed twice: identical orders, fills and PnL; another seed: a different run', async () => {
    const spec = {
      configFile: CONFIG,
      overrides: [],
      scenario: loadScenario('jumpy'),
      durationMs: 4 * 60_000,
      keepOrders: true,
    }
    const a = await runBacktest({ ...spec, seed: 11 })
    const b = await runBacktest({ ...spec, seed: 11 })
    const c = await runBacktest({ ...spec, seed: 12 })
    expect(a.errors).toEqual([])
    expect(a.orders.length).toBeGreaterThan(50)
    expect(b.orders).toEqual(a.orders)
    expect(b.fills).toEqual(a.fills)
    expect(b.pnlNetUsd).toBe(a.pnlNetUsd)
    expect(c.orders).not.toEqual(a.orders)
    // The markets traded are the scenario's, without a market list.
    expect(a.markets.map((m) => m.slug)).toEqual(loadScenario('jumpy').markets.map((m) => m.slug))
    const m = runMetrics(a)
    expect(m.fills).toBe(a.fills.filter((f) => f.status !== 'FAILED').length)
    expect(m.two_sided_uptime).toBeGreaterThan(0)
    // PnL is cash after fees plus holdings at the final mid: with no fills it would be exactly 0.
    expect(Number.isFinite(a.pnlNetUsd)).toBe(true)
  }, 120_000)
})
