// `bun run bench scale`: a short soak (simulator and daemon as separate processes) at MM_SOAK_MARKETS markets
// (default 100; e.g. MM_SOAK_MARKETS=100,500,1000), as rows of the bench table. The full soak with every figure
// is `bun run soak` (bench/scale/soak.ts).
import { runSoak } from './scale/soak.ts'
import type { BenchResult } from './types.ts'

export default async function scaleBench(): Promise<BenchResult[]> {
  const markets = (process.env.MM_SOAK_MARKETS ?? '100').split(',').map(Number)
  const result = await runSoak(
    {
      markets,
      windowMs: 30_000,
      warmupMs: 30_000,
      startupMs: 120_000,
      usdPerMarket: 2500,
      cpuProfile: false,
      heapStats: false,
      keep: false,
    },
    (m) => process.stderr.write(`[soak] ${m}\n`),
  )
  const rows: BenchResult[] = []
  for (const s of result.sizes) {
    const f = s.figures
    const us = (ms: number | undefined) => (ms === undefined ? Number.NaN : ms * 1000)
    const dist = (key: string, label: string) => {
      const x = f[key]
      rows.push({
        name: `${s.markets} markets: ${label}`,
        count: 0,
        medianUs: us(x?.p50Ms),
        p99Us: us(x?.p99Ms),
        opsPerSec: Number.NaN,
        note: x?.text ?? s.problems.join('; '),
      })
    }
    dist('loopLag', 'event-loop lag')
    dist('dirtyToSent', 'dirty → orders sent (bucket bounds)')
    rows.push({
      name: `${s.markets} markets: daemon`,
      count: 0,
      medianUs: Number.NaN,
      p99Us: Number.NaN,
      opsPerSec: f.ordersPerSec?.value ?? Number.NaN,
      note: [
        `RSS ${f.daemonRss?.text}`,
        `CPU ${f.daemonCpu?.text}`,
        `all quoted ${f.allResting?.text}`,
        `timeouts ${f.requestTimeouts?.text}`,
        `heartbeat failures ${f.heartbeatFailures?.text}`,
        `machine ${result.machine.cpus} CPUs, load ${result.machine.loadAvg}`,
      ].join('; '),
    })
  }
  return rows
}
