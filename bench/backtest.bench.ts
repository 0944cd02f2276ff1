import { join } from 'node:path'
import { runBacktest } from '../lab/run.ts'
import { loadScenario } from '../sim/index.ts'
import type { BenchResult } from './types.ts'

/**
 * Backtest speed: one simulated hour of the default scenario with mm.config.yaml, one run on one core (the figure
 * the target is stated in: ≤ 30 s per simulated hour, ≥ 120× real time). A sweep uses both cores, so its
 * throughput is about twice this.
 */
export default async function (): Promise<BenchResult[]> {
  const configFile = join(import.meta.dir, '..', 'mm.config.yaml')
  const scenario = loadScenario('default')
  const rows: BenchResult[] = []
  for (const seed of [1, 2]) {
    const t0 = performance.now()
    const r = await runBacktest({ configFile, overrides: [], scenario, seed, durationMs: 3_600_000 })
    const us = (performance.now() - t0) * 1000
    rows.push({
      name: `backtest: 1 simulated hour, default scenario, seed ${seed}`,
      count: 1,
      medianUs: us,
      p99Us: us,
      opsPerSec: 1e6 / us,
      ratio: `${(3_600_000 / (us / 1000)).toFixed(0)}× real time`,
      note: `${(us / 1e6).toFixed(1)} s wall; ${r.ordersSent} orders, ${r.fills.length} fills`,
    })
  }
  return rows
}
