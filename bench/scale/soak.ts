// `bun bench/scale/soak.ts --markets 100,500,1000 --duration 60s` (also `bun run soak`): the daemon and the
// simulator as separate processes on generated N-market scenarios; per size, after start-up and a warm-up, a
// measured window. Prints one table (machine stated) and writes every figure and its source as JSON.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { parseDuration } from '../../sim/scenario.ts'
import { stopAll, stopChildrenOnSignal } from './children.ts'
import { formatProfile, type ProfileSummary, summarizeProfile } from './cpu-profile.ts'
import { computeFigures, type Figures } from './figures.ts'
import { compareSizes, formatGrowth } from './growth.ts'
import { machine } from './proc-stats.ts'
import { runSize, type SizeRun } from './run-size.ts'

export const SOAK_USAGE = `usage: bun bench/scale/soak.ts [--markets 100,500,1000] [--duration 60s] [--warmup 60s] [--startup 180s]
       [--usd-per-market 2500] [--cpu-prof] [--heap-stats] [--out result.json] [--keep] [--markdown]
       bun bench/scale/soak.ts --report <result.json> [--markdown]`

export interface SoakOptions {
  readonly markets: readonly number[]
  readonly windowMs: number
  readonly warmupMs: number
  readonly startupMs: number
  readonly usdPerMarket: number
  readonly cpuProfile: boolean
  readonly heapStats: boolean
  readonly keep: boolean
}

export interface SoakSize {
  readonly markets: number
  readonly figures: Figures
  readonly problems: readonly string[]
  readonly heap?: unknown
  readonly profile?: ProfileSummary
  readonly dir: string
  /** the samples behind the figures (not the /metrics scrapes, which are large) */
  readonly raw?: Omit<SizeRun, 'before' | 'after'>
}

export interface SoakResult {
  readonly startedAt: string
  readonly machine: ReturnType<typeof machine> & { loadAvgAfter: string; bun: string; note: string }
  readonly options: SoakOptions
  readonly sizes: readonly SoakSize[]
}

/** Rows of the table: figure key → label. */
export const ROWS: readonly (readonly [string, string])[] = [
  ['daemonCpu', 'daemon CPU'],
  ['daemonMainThread', 'daemon main thread'],
  ['daemonRss', 'daemon RSS'],
  ['rssPerMarket', 'RSS / market (incl. base)'],
  ['rssDrift', 'RSS drift in the window'],
  ['loopLag', 'event-loop lag'],
  ['loopLagProbe', 'event-loop lag (probe)'],
  ['frameToDirty', 'frame → market dirty'],
  ['dirtyToSent', 'dirty → orders sent'],
  ['ordersPerSec', 'orders sent / s'],
  ['rateBudget', 'rate budget'],
  ['restingOrders', 'orders resting'],
  ['allResting', 'start → every market has orders'],
  ['allQuoted', 'start → every market quoted (/status)'],
  ['wsConnections', 'WS connections (simulator)'],
  ['daemonWsUp', 'WS up (daemon)'],
  ['requestTimeouts', 'request timeouts'],
  ['heartbeatFailures', 'heartbeat failures'],
  ['bookInvalidations', 'book invalidations'],
  ['postOnlyRejections', 'post-only rejections'],
  ['rateLimited', '429 answers'],
  ['pulls', 'markets pulled'],
  ['stageErrors', 'stage errors'],
  ['logErrors', 'error log lines'],
  ['statusAnswer', 'GET /status answer'],
  ['metricsScrape', 'GET /metrics answer'],
  ['simCpu', 'simulator CPU'],
  ['simRss', 'simulator RSS'],
  ['shutdown', 'daemon shutdown'],
]

export async function runSoak(opts: SoakOptions, log: (m: string) => void): Promise<SoakResult> {
  const m0 = machine()
  const startedAt = new Date().toISOString()
  const sizes: SoakSize[] = []
  for (const markets of opts.markets) {
    const dir = mkdtempSync(join(tmpdir(), `mm-soak-${markets}-`))
    log(`— ${markets} markets (scratch ${dir})`)
    let run: SizeRun
    try {
      run = await runSize({ ...opts, markets, dir, log })
    } catch (err) {
      log(`${markets} markets failed: ${(err as Error).message}`)
      sizes.push({ markets, figures: {}, problems: [(err as Error).message], dir })
      continue
    }
    const figures = computeFigures(run, (opts.startupMs + opts.warmupMs) / 1000)
    let heap: unknown
    if (run.heapFile)
      heap = await Bun.file(run.heapFile)
        .json()
        .catch(() => undefined)
    let profile: ProfileSummary | undefined
    const problems = [...run.problems]
    if (run.profileDir) {
      const file = (() => {
        try {
          return readdirSync(run.profileDir).find((f) => f.endsWith('.cpuprofile'))
        } catch {
          return undefined
        }
      })()
      if (file) profile = summarizeProfile(join(run.profileDir, file), 25)
      else problems.push('no .cpuprofile written (the daemon did not exit normally)')
    }
    const { before: _before, after: _after, ...raw } = run
    sizes.push({ markets, figures, problems, dir, raw, ...(heap ? { heap } : {}), ...(profile ? { profile } : {}) })
    if (!opts.keep && !profile) rmSync(dir, { recursive: true, force: true })
  }
  return {
    startedAt,
    machine: {
      ...m0,
      loadAvgAfter: machine().loadAvg,
      bun: Bun.version,
      note: 'shared machine: other engineers run tests and builds on the same cores during the soak',
    },
    options: opts,
    sizes,
  }
}

export function formatTable(r: SoakResult, markdown: boolean): string {
  const head = ['', ...r.sizes.map((s) => `${s.markets} markets`)]
  const rows = ROWS.filter(([k]) => r.sizes.some((s) => s.figures[k])).map(([k, label]) => [
    label,
    ...r.sizes.map((s) => s.figures[k]?.text ?? (s.problems.length ? 'failed' : '–')),
  ])
  const m = r.machine
  const lines = [
    `machine: ${m.cpus} CPUs (${m.model}), ${m.memTotalMb.toLocaleString('en-US')} MB RAM, Bun ${m.bun}; load average ${m.loadAvg} before, ${m.loadAvgAfter} after (${m.note})`,
    `window ${r.options.windowMs / 1000} s after start-up (≤ ${r.options.startupMs / 1000} s) and warm-up (≥ ${r.options.warmupMs / 1000} s); simulator in its own process${r.options.cpuProfile ? '; daemon under --cpu-prof' : ''}`,
  ]
  if (markdown) {
    lines.push('', `| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`)
    for (const row of rows) lines.push(`| ${row.join(' | ')} |`)
  } else {
    const widths = head.map((_, c) => Math.max(...[head, ...rows].map((row) => row[c]!.length)))
    const line = (row: string[]) => row.map((cell, c) => cell.padEnd(widths[c]!)).join('  ')
    lines.push('', line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line))
  }
  for (const s of r.sizes) for (const p of s.problems) lines.push(`${s.markets} markets: ${p}`)
  const growth = compareSizes(r.sizes)
  if (growth) lines.push('', formatGrowth(growth))
  lines.push('', 'sources:')
  for (const [k, label] of ROWS) {
    const src = r.sizes.map((s) => s.figures[k]?.source).find((x) => x)
    if (src) lines.push(`  ${label}: ${src}`)
  }
  return lines.join('\n')
}

function parseOptions(argv: string[]): (SoakOptions & { out: string; markdown: boolean }) | string {
  let v: Record<string, string | boolean | undefined>
  try {
    v = parseArgs({
      args: argv,
      options: {
        markets: { type: 'string', default: '100,500,1000' },
        duration: { type: 'string', default: '60s' },
        warmup: { type: 'string', default: '60s' },
        startup: { type: 'string', default: '180s' },
        'usd-per-market': { type: 'string', default: '2500' },
        'cpu-prof': { type: 'boolean', default: false },
        'heap-stats': { type: 'boolean', default: false },
        out: { type: 'string' },
        keep: { type: 'boolean', default: false },
        markdown: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values
  } catch (err) {
    return (err as Error).message
  }
  if (v.help) return ''
  const markets = String(v.markets).split(',').map(Number)
  if (markets.some((n) => !Number.isInteger(n) || n < 1)) return `invalid --markets ${v.markets}`
  try {
    return {
      markets,
      windowMs: parseDuration(String(v.duration)),
      warmupMs: parseDuration(String(v.warmup)),
      startupMs: parseDuration(String(v.startup)),
      usdPerMarket: Number(v['usd-per-market']),
      cpuProfile: v['cpu-prof'] === true,
      heapStats: v['heap-stats'] === true,
      keep: v.keep === true,
      markdown: v.markdown === true,
      out: typeof v.out === 'string' ? v.out : join(tmpdir(), `mm-soak-${Date.now()}.json`),
    }
  } catch (err) {
    return (err as Error).message
  }
}

if (import.meta.main && process.argv[2] === '--report') {
  // Re-prints the table of an earlier run's JSON.
  const file = process.argv[3]
  if (!file) throw new Error('usage: bun bench/scale/soak.ts --report <result.json> [--markdown]')
  console.log(formatTable((await Bun.file(file).json()) as SoakResult, process.argv.includes('--markdown')))
} else if (import.meta.main) {
  const opts = parseOptions(process.argv.slice(2))
  if (typeof opts === 'string') {
    console.error(opts ? `${opts}\n${SOAK_USAGE}` : SOAK_USAGE)
    process.exit(opts ? 2 : 0)
  }
  stopChildrenOnSignal(120_000)
  const log = (m: string) => process.stderr.write(`[soak] ${m}\n`)
  try {
    const result = await runSoak(opts, log)
    writeFileSync(opts.out, `${JSON.stringify(result, null, 2)}\n`)
    console.log(formatTable(result, opts.markdown))
    for (const s of result.sizes)
      if (s.profile)
        console.log(
          `\n${s.markets} markets CPU profile (${s.dir}):\n${formatProfile({ ...s.profile, self: s.profile.self.slice(0, 15), byFile: s.profile.byFile.slice(0, 10), total: s.profile.total.slice(0, 15) })}`,
        )
    console.log(`\nJSON: ${opts.out}`)
  } finally {
    await stopAll(120_000)
  }
}
