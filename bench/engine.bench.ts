import { createManualClock } from '../pipeline/clock.ts'
import { formatIssues } from '../pipeline/config/errors.ts'
import { loadConfigText } from '../pipeline/config/load.ts'
import { startDaemon } from '../pipeline/daemon.ts'
import { createMemoryLogger } from '../pipeline/logger.ts'
import { nullExchange } from '../tests/fixtures/null-exchange.ts'
import { probe, testBuiltins, testConfigYaml } from '../tests/fixtures/test-plugins.ts'
import type { BenchResult } from './types.ts'

/** Engine overhead: one markDirty → computation through all stages with trivial plugins, and config loading. */
export default async function (): Promise<BenchResult[]> {
  const p = probe('bench')
  const cid = `0x${'0'.repeat(63)}1`
  p.rows = [{ token1: '1', token2: '2', condition_id: cid }]
  p.mids.set(cid, 0.5)
  const yaml = testConfigYaml('bench')
  const res = await loadConfigText(yaml, '/tmp/bench.yaml', { builtins: testBuiltins, env: {} })
  if (!res.ok) throw new Error(formatIssues('bench', res.issues))
  const daemon = await startDaemon({
    loaded: res.loaded,
    builtins: testBuiltins,
    log: createMemoryLogger().log,
    clock: createManualClock(),
    exchange: nullExchange,
  })
  const n = 20_000
  const samples = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    p.executed.length = 0
    p.fairRuns.length = 0
    const t0 = Bun.nanoseconds()
    daemon.quotes.markDirty(cid)
    await daemon.quotes.idle()
    samples[i] = (Bun.nanoseconds() - t0) / 1000
  }
  await daemon.stop('bench')
  samples.sort()
  const total = samples.reduce((a, b) => a + b, 0)
  const rows: BenchResult[] = [
    {
      name: 'quote plane: markDirty → execute (trivial plugins)',
      count: n,
      medianUs: samples[n / 2] ?? 0,
      p99Us: samples[Math.floor(n * 0.99)] ?? 0,
      opsPerSec: n / (total / 1e6),
      note: 'engine overhead incl. microtask hop',
    },
  ]
  const m = 300
  const loadSamples = new Float64Array(m)
  for (let i = 0; i < m; i++) {
    const t0 = Bun.nanoseconds()
    await loadConfigText(yaml, '/tmp/bench.yaml', { builtins: testBuiltins, env: {} })
    loadSamples[i] = (Bun.nanoseconds() - t0) / 1000
  }
  loadSamples.sort()
  rows.push({
    name: 'config load + validate + resolve',
    count: m,
    medianUs: loadSamples[m / 2] ?? 0,
    p99Us: loadSamples[Math.floor(m * 0.99)] ?? 0,
    opsPerSec: m / (loadSamples.reduce((a, b) => a + b, 0) / 1e6),
  })
  return rows
}
