// One soak size: simulator process, daemon process, start-up until every market is quoted, a warm-up, then the
// measured window, then both processes stopped. Returns raw observations; figures.ts turns them into numbers.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { computeAddress, hexlify, randomBytes } from 'ethers'
import { z } from 'zod'
import { type Child, startChild, stopChild, waitForOutput } from './children.ts'
import { AdminMarketsSchema, type SimUrls, writeDaemonFiles } from './daemon-config.ts'
import { type ProcSample, readProc } from './proc-stats.ts'
import { type Scrape, scrape } from './prometheus.ts'
import { generateScenario } from './scenario.ts'

const ROOT = join(import.meta.dir, '..', '..')
const CLI = join(ROOT, 'pipeline', 'cli', 'main.ts')
const PROBE = join(import.meta.dir, 'probe.ts')

export interface SizeOptions {
  readonly markets: number
  readonly dir: string
  readonly warmupMs: number
  readonly windowMs: number
  /** Give up waiting for every market to be quoted after this long (the window starts anyway). */
  readonly startupMs: number
  readonly usdPerMarket: number
  readonly cpuProfile: boolean
  readonly heapStats: boolean
  readonly log: (msg: string) => void
}

const SocketsSchema = z.object({ sockets: z.object({ market: z.number(), user: z.number() }) })
const AccountSchema = z.object({ open_orders: z.array(z.object({ market: z.string() })) })
const StatusSchema = z.object({ markets: z.array(z.object({ condition_id: z.string(), quote: z.unknown() })) })

export interface TimedSample<T> {
  readonly at: number
  readonly value: T
}

export interface SizeRun {
  readonly markets: number
  readonly dir: string
  readonly daemonStartAt: number
  /** Epoch ms when the exchange first held an order of ours in every market; undefined if never. */
  readonly allRestingAt: number | undefined
  readonly maxMarketsResting: number
  /** Epoch ms when /status first showed a quote for every market; undefined if never (or /status never answered). */
  readonly allQuotedAt: number | undefined
  readonly maxMarketsQuoted: number
  /** How long each /status answer took, ms, and the ones that failed */
  readonly statusMs: readonly number[]
  readonly statusFailures: readonly string[]
  readonly windowFrom: number
  readonly windowTo: number
  readonly before: Scrape | { error: string }
  readonly after: Scrape | { error: string }
  readonly metricsScrapeMs: readonly number[]
  readonly daemonProc: readonly ProcSample[]
  readonly simProc: readonly ProcSample[]
  readonly sockets: readonly TimedSample<{ market: number; user: number }>[]
  readonly resting: readonly TimedSample<number>[]
  readonly lagFile: string | undefined
  readonly heapFile: string | undefined
  readonly profileDir: string | undefined
  readonly daemonStop: 'exited' | 'killed' | 'not started'
  readonly daemonStopMs: number
  readonly problems: readonly string[]
}

async function getJson<T>(url: string, schema: z.ZodType<T>, timeoutMs: number): Promise<T | { error: string }> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) })
    if (!res.ok) return { error: `HTTP ${res.status}` }
    const parsed = schema.safeParse(await res.json())
    return parsed.success ? parsed.data : { error: `unexpected body: ${parsed.error.issues[0]?.message}` }
  } catch (err) {
    return { error: (err as Error).name === 'TimeoutError' ? `no answer in ${timeoutMs} ms` : (err as Error).message }
  }
}
const failed = (x: unknown): x is { error: string } => typeof x === 'object' && x !== null && 'error' in x

async function startSim(opts: SizeOptions): Promise<{ sim: Child; urls: SimUrls }> {
  const scenario = generateScenario(opts.markets, opts.usdPerMarket)
  const file = join(opts.dir, 'scenario.yaml')
  writeFileSync(file, scenario.yaml)
  const sim = startChild('simulator', ['bun', CLI, 'sim', '--scenario', file, '--port', '0', '--seed', '1'], {
    cwd: ROOT,
    outPath: join(opts.dir, 'sim.out'),
  })
  const m = await waitForOutput(sim, /Admin\s+(http:\/\/\S+)/, 120_000)
  if (!m) {
    const tail = (await Bun.file(sim.outPath).text()).trim().split('\n').slice(-3).join(' | ')
    throw new Error(`simulator did not come up (exit ${sim.proc.exitCode ?? 'none'} or 120 s): ${tail}`)
  }
  const text = (await Bun.file(sim.outPath).text()).split('\n')
  const field = (label: string) => {
    const line = text.find((l) => l.startsWith(label))
    const url = line?.slice(label.length).trim().split(/\s+/)[0]
    if (!url) throw new Error(`simulator output has no "${label}" line`)
    return url
  }
  const ws = field('WS').replace(/\/ws\/market$/, '')
  return {
    sim,
    urls: { clob: field('CLOB'), ws, gamma: field('Gamma'), dataApi: field('Data API'), admin: field('Admin') },
  }
}

export async function runSize(opts: SizeOptions): Promise<SizeRun> {
  mkdirSync(opts.dir, { recursive: true })
  const problems: string[] = []
  const { sim, urls } = await startSim(opts)
  let daemon: Child | undefined
  try {
    const admin = await getJson(`${urls.admin}/state`, AdminMarketsSchema, 30_000)
    if (failed(admin)) throw new Error(`simulator admin state: ${admin.error}`)
    if (admin.markets.length !== opts.markets)
      throw new Error(`simulator lists ${admin.markets.length} markets, expected ${opts.markets}`)
    const { configPath } = writeDaemonFiles(opts.dir, {
      urls,
      markets: admin.markets,
      capitalUsd: opts.markets * opts.usdPerMarket,
    })
    const pk = hexlify(randomBytes(32))
    const address = computeAddress(pk)

    // The lag probe only when the daemon cannot say it itself: found out from a first scrape below, so the first
    // run of the daemon is started with the probe armed and it is consulted only if no metric exists.
    const lagFile = join(opts.dir, 'lag.txt')
    const heapFile = opts.heapStats ? join(opts.dir, 'heap.json') : undefined
    const profileDir = opts.cpuProfile ? join(opts.dir, 'profile') : undefined
    const bunFlags = [...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []), '--preload', PROBE]
    const daemonStartAt = Date.now()
    daemon = startChild('daemon', ['bun', ...bunFlags, CLI, '--config', configPath], {
      cwd: opts.dir,
      outPath: join(opts.dir, 'daemon.out'),
      env: { PK: pk, MM_SCALE_LAG_FILE: lagFile, ...(heapFile ? { MM_SCALE_HEAP_FILE: heapFile } : {}) },
    })
    const api = await waitForOutput(daemon, /HTTP API on (http:\/\/127\.0\.0\.1:\d+)/, 120_000)
    if (!api) throw new Error(`daemon API did not come up in 120 s (see ${daemon.outPath})`)
    const base = api[1]!
    opts.log(`${opts.markets} markets: simulator ${urls.clob}, daemon ${base} (pid ${daemon.pid}), account ${address}`)

    const want = new Set(admin.markets.map((m) => m.condition_id))
    let allRestingAt: number | undefined
    let maxMarketsResting = 0
    let allQuotedAt: number | undefined
    let maxMarketsQuoted = 0
    const statusMs: number[] = []
    const statusFailures: string[] = []
    const resting: TimedSample<number>[] = []
    const sockets: TimedSample<{ market: number; user: number }>[] = []
    const daemonProc: ProcSample[] = []
    const simProc: ProcSample[] = []
    const metricsScrapeMs: number[] = []

    /** The exchange's view: markets in which our account has an order resting. */
    async function pollResting() {
      const acct = await getJson(`${urls.admin}/accounts/${address}`, AccountSchema, 20_000)
      if (failed(acct)) return
      const covered = new Set(acct.open_orders.map((o) => o.market).filter((c) => want.has(c))).size
      resting.push({ at: Date.now(), value: acct.open_orders.length })
      maxMarketsResting = Math.max(maxMarketsResting, covered)
      if (covered === want.size && allRestingAt === undefined) allRestingAt = Date.now()
    }
    /** The daemon's view, from /status; one request at a time, since at scale one answer takes seconds. */
    async function pollStatus() {
      const t0 = performance.now()
      const st = await getJson(`${base}/status`, StatusSchema, 60_000)
      if (failed(st)) return void statusFailures.push(st.error)
      statusMs.push(performance.now() - t0)
      const quoted = st.markets.filter((m) => m.quote !== null && want.has(m.condition_id)).length
      maxMarketsQuoted = Math.max(maxMarketsQuoted, quoted)
      if (quoted === want.size && allQuotedAt === undefined) allQuotedAt = Date.now()
    }
    async function sampleProcs() {
      const d = readProc(daemon!.pid)
      const s = readProc(sim.pid)
      if (d) daemonProc.push(d)
      if (s) simProc.push(s)
      const st = await getJson(`${urls.admin}/state`, SocketsSchema, 10_000)
      if (!failed(st)) sockets.push({ at: Date.now(), value: st.sockets })
    }
    const exited = () => daemon!.proc.exitCode !== null || daemon!.proc.signalCode !== null

    // Start-up and warm-up: until every market is quoted (both views) or startupMs, and at least warmupMs.
    const warmEnd = daemonStartAt + opts.warmupMs
    const startupEnd = daemonStartAt + opts.startupMs
    let statusBusy: Promise<void> | undefined
    while (!exited()) {
      const now = Date.now()
      const settled = allRestingAt !== undefined && allQuotedAt !== undefined
      if (now >= warmEnd && (settled || now >= startupEnd)) break
      if (now >= startupEnd + opts.warmupMs) break
      if (allQuotedAt === undefined && !statusBusy)
        statusBusy = pollStatus().finally(() => {
          statusBusy = undefined
        })
      await pollResting()
      await Bun.sleep(1000)
    }
    if (exited()) throw new Error(`daemon exited during start-up (see ${daemon.outPath})`)
    if (statusBusy) await statusBusy

    // The window.
    const first = await scrape(`${base}/metrics`, 60_000)
    if ('ms' in first) metricsScrapeMs.push(first.ms)
    const windowFrom = Date.now()
    const windowEnd = windowFrom + opts.windowMs
    let tick = 0
    while (Date.now() < windowEnd && !exited()) {
      await sampleProcs()
      if (tick++ % 2 === 0) await pollResting()
      await Bun.sleep(Math.max(0, Math.min(1000, windowEnd - Date.now())))
    }
    if (exited()) problems.push('daemon exited during the window')
    const last = await scrape(`${base}/metrics`, 60_000)
    if ('ms' in last) metricsScrapeMs.push(last.ms)
    const windowTo = Date.now()
    // One /status at the end of the window, timed (the reading is the answer time, not the content).
    if (allQuotedAt === undefined || statusMs.length === 0) await pollStatus()
    else {
      const t0 = performance.now()
      const st = await getJson(`${base}/status`, StatusSchema, 60_000)
      if (failed(st)) statusFailures.push(st.error)
      else statusMs.push(performance.now() - t0)
    }

    if (heapFile && !exited()) {
      daemon.proc.kill('SIGUSR2')
      const deadline = Date.now() + 60_000
      while (!(await Bun.file(heapFile).exists()) && Date.now() < deadline) await Bun.sleep(250)
      if (!(await Bun.file(heapFile).exists())) problems.push('no heap statistics within 60 s of SIGUSR2')
    }

    const t0 = Date.now()
    const daemonStop = await stopChild(daemon, 120_000)
    const daemonStopMs = Date.now() - t0
    if (daemonStop === 'killed') problems.push('daemon did not stop within 120 s of SIGINT: killed (no CPU profile)')
    return {
      markets: opts.markets,
      dir: opts.dir,
      daemonStartAt,
      allRestingAt,
      maxMarketsResting,
      allQuotedAt,
      maxMarketsQuoted,
      statusMs,
      statusFailures,
      windowFrom,
      windowTo,
      before: 'scrape' in first ? first.scrape : first,
      after: 'scrape' in last ? last.scrape : last,
      metricsScrapeMs,
      daemonProc,
      simProc,
      sockets,
      resting,
      lagFile,
      heapFile,
      profileDir,
      daemonStop,
      daemonStopMs,
      problems,
    }
  } finally {
    if (daemon) await stopChild(daemon, 120_000)
    await stopChild(sim, 15_000)
  }
}
