import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { builtins } from '../plugins/index.ts'
import { parseDuration } from '../schemas/duration.ts'
import { loadScenario } from '../sim/index.ts'
import { ConfigError, loadBacktestConfig, parseSetValue } from './config.ts'
import { type Job, type JobResult, summarize, variantsOf } from './jobs.ts'
import { runPool } from './pool.ts'
import { fillsCsv } from './report/csv.ts'
import { renderHtml } from './report/html.ts'
import { formatTable } from './report/table.ts'
import { scenarioSource } from './scenario-source.ts'

/** `mm backtest`: parse and check the arguments, run every job on the worker pool, print and write the report. */

export interface BacktestIo {
  stdout(text: string): void
  stderr(text: string): void
  readonly isTTY: boolean
}

/** A one-line usage error: exit code 2. */
export class BacktestUsageError extends Error {}

export const BACKTEST_USAGE = `Usage: bun run mm backtest --config <file> [--config <file> …]
         [--scenario <name|file> …] [--replay <frames.jsonl>] [--duration 6h] [--seeds 1..20]
         [--set <path>=<v1,v2,…> …] [--out report/] [--workers 2]
`

export function parseSeeds(text: string): number[] {
  const range = /^(\d+)\.\.(\d+)$/.exec(text)
  if (range) {
    const a = Number(range[1])
    const b = Number(range[2])
    if (b < a) throw new BacktestUsageError(`--seeds ${text}: the range is empty (end before start)`)
    return Array.from({ length: b - a + 1 }, (_, i) => a + i)
  }
  const list = text.split(',').map((s) => s.trim())
  if (list.some((s) => !/^\d+$/.test(s)))
    throw new BacktestUsageError(`--seeds ${text}: use a range like 1..20 or a list like 1,2,5`)
  return list.map(Number)
}

export function parseSet(text: string): { path: string; values: unknown[] } {
  const eq = text.indexOf('=')
  if (eq <= 0) throw new BacktestUsageError(`--set ${text}: use path=value or path=v1,v2,…`)
  const path = text.slice(0, eq).trim()
  const values = text
    .slice(eq + 1)
    .split(',')
    .map((v) => parseSetValue(v.trim()))
  return { path, values }
}

export async function runBacktestCommand(argv: string[], io: BacktestIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string', multiple: true },
      scenario: { type: 'string', multiple: true },
      replay: { type: 'string' },
      duration: { type: 'string' },
      seeds: { type: 'string' },
      set: { type: 'string', multiple: true },
      out: { type: 'string' },
      workers: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  })
  if (values.help) {
    io.stdout(BACKTEST_USAGE)
    return 0
  }
  const configs = (values.config ?? ['mm.config.yaml']).map((c) => resolve(c))
  for (const c of configs) if (!existsSync(c)) throw new BacktestUsageError(`config file not found: ${c}`)
  const durationMs = parseDuration(values.duration ?? '1h')
  if (durationMs === undefined || durationMs <= 0)
    throw new BacktestUsageError(`--duration ${values.duration}: use a positive duration like 30m or 6h`)
  const seeds = parseSeeds(values.seeds ?? '1')
  const replay = values.replay ? resolve(values.replay) : undefined
  if (replay && !existsSync(replay)) throw new BacktestUsageError(`recording not found: ${replay}`)
  if (replay && values.scenario) throw new BacktestUsageError('--replay and --scenario exclude each other')
  const scenarios = replay ? ['replay'] : (values.scenario ?? ['default']).flatMap((s) => s.split(','))
  if (!replay)
    for (const s of scenarios) {
      try {
        loadScenario(s)
      } catch (err) {
        throw new BacktestUsageError((err as Error).message.split('\n')[0] ?? String(err))
      }
    }
  const sets = (values.set ?? []).map(parseSet)
  const variants = variantsOf(configs, sets)
  // Every variant's config is checked before anything runs: a wrong path or type is reported by name, at once.
  try {
    for (const v of variants) await loadBacktestConfig(v.configFile, v.overrides, [...builtins, scenarioSource([])])
  } catch (err) {
    if (err instanceof ConfigError) {
      io.stderr(`mm backtest: config error: ${err.message}\n`)
      return 1
    }
    throw err
  }
  const workers = Number(values.workers ?? Math.min(2, availableParallelism()))
  if (!Number.isInteger(workers) || workers < 1)
    throw new BacktestUsageError(`--workers ${values.workers}: use a whole number of at least 1`)
  const out = resolve(values.out ?? 'report')

  const jobs: Job[] = []
  for (const variant of variants)
    for (const scenario of scenarios)
      for (const [i, seed] of seeds.entries())
        jobs.push({ id: jobs.length, variant, scenario, replay, seed, durationMs, keepSeries: i === 0 })

  io.stderr(
    `backtest: ${variants.length} variant(s) × ${scenarios.length} scenario(s) × ${seeds.length} seed(s), ` +
      `${(durationMs / 3_600_000).toFixed(2)} h each, ${workers} worker(s)\n`,
  )
  const started = performance.now()
  const results: JobResult[] = await runPool(jobs, workers, io)
  const wall = (performance.now() - started) / 1000
  const simH = (jobs.length * durationMs) / 3_600_000
  const summary = summarize(results)
  io.stdout(formatTable(summary))
  io.stdout(
    `\n${jobs.length} run(s), ${simH.toFixed(2)} simulated hours in ${wall.toFixed(1)} s wall ` +
      `(${((simH * 3600) / wall).toFixed(0)}× real time over ${workers} worker(s))\n`,
  )
  const failures = results.flatMap((r) =>
    r.outcome.errors.map((e) => `${r.job.variant.name} ${r.job.scenario} seed ${r.job.seed}: ${e}`),
  )
  if (failures.length > 0) io.stderr(`${failures.length} error line(s) logged by the daemon, first: ${failures[0]}\n`)

  mkdirSync(out, { recursive: true })
  writeFileSync(join(out, 'summary.json'), `${JSON.stringify({ variants: summary }, null, 2)}\n`)
  writeFileSync(join(out, 'fills.csv'), fillsCsv(results))
  writeFileSync(join(out, 'report.html'), renderHtml(summary, results))
  io.stdout(`report: ${join(out, 'report.html')} (summary.json, fills.csv beside it)\n`)
  return 0
}
