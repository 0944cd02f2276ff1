import { createManualClock } from '../pipeline/clock.ts'
import { formatIssues } from '../pipeline/config/errors.ts'
import { loadConfigText } from '../pipeline/config/load.ts'
import { startDaemon } from '../pipeline/daemon.ts'
import { createMemoryLogger } from '../pipeline/logger.ts'
import { nullExchange } from '../tests/fixtures/null-exchange.ts'
import { probe, testBuiltins, testConfigYaml } from '../tests/fixtures/test-plugins.ts'
import { type BenchResult, measureAsync } from './types.ts'

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
  const quote = await measureAsync('quote plane: markDirty → execute (trivial plugins)', 20_000, async () => {
    p.executed.length = 0
    p.fairRuns.length = 0
    daemon.quotes.markDirty(cid)
    await daemon.quotes.idle()
  })
  await daemon.stop('bench')
  const load = await measureAsync('config load + validate + resolve', 300, () =>
    loadConfigText(yaml, '/tmp/bench.yaml', { builtins: testBuiltins, env: {} }),
  )
  const rows: BenchResult[] = [{ ...quote, note: 'engine overhead incl. microtask hop' }, load]
  return rows
}
