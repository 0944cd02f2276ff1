// One drill: simulator and daemon as processes, a seeded storm of faults, kill -9s with restarts on the same
// database, one SIGTERM, then the daemon judged against the exchange's ledger.
import { mkdirSync } from 'node:fs'
import { Wallet } from 'ethers'
import { deriveDaemonConfig } from './daemon-config.ts'
import {
  type DrillMarket,
  FAULT_KINDS,
  type FaultAction,
  type FaultKind,
  MARKET_CLOSE,
  type Rng,
  START_FAULTS,
} from './fault-kinds.ts'
import { judgeLedger } from './final-ledger.ts'
import { endEpisode, postAdmin, probeKinds, type SupportedKind, startEpisode } from './injector.ts'
import { round } from './invariants.ts'
import { adminAccount, adminState, readDatabase } from './ledger.ts'
import { scanDaemonLogs } from './logs.ts'
import { type DaemonRun, freePort, rssMb, spawnDaemon, startSimProcess, waitReady } from './processes.ts'
import type { DrillReport, RestartRecord } from './report.ts'
import {
  createExposureTracker,
  type DaemonStatus,
  daemonPositions,
  exchangePositions,
  fetchStatus,
  haltedForLoss,
  persistentMismatches,
  realizedUsd,
} from './sampler.ts'
import { buildSchedule, killTimes, seededRng } from './schedule.ts'

export interface DrillOptions {
  readonly config: string
  readonly durationMs: number
  readonly faults: number
  readonly kills: number
  readonly seed: number
  readonly outDir: string
  readonly scenario?: string
  /** Seconds a condition may last before it counts as exposure. */
  readonly graceMs: number
  /** Test-only: a persist plugin file replacing sqlite (a deliberately broken build). */
  readonly persistUse?: string
  readonly progress: (line: string) => void
}

/** The exchange cancels every open order 10 s + 5 s after the last heartbeat (sim/heartbeats.ts, protocol §2.4). */
const HEARTBEAT_DEADLINE_MS = 15_000
const DEADLINE_GRACE_MS = 2_000
const READY_TIMEOUT_MS = 60_000
const SAMPLE_EVERY_MS = 1000

export async function runDrill(opts: DrillOptions): Promise<DrillReport> {
  mkdirSync(opts.outDir, { recursive: true })
  const rng: Rng = seededRng(opts.seed)
  const t0 = Date.now()
  const elapsed = () => Math.round((Date.now() - t0) / 1000)
  const wallet = new Wallet(`0x${new Bun.CryptoHasher('sha256').update(`mm drill ${opts.seed}`).digest('hex')}`)
  const address = wallet.address.toLowerCase()

  const sim = await startSimProcess({
    seed: opts.seed,
    outDir: opts.outDir,
    ...(opts.scenario ? { scenario: opts.scenario } : {}),
  })
  const admin = sim.urls.admin
  const tokens = new Map(sim.markets.map((m) => [m.conditionId, m.tokens] as const))
  const initial = await adminState(admin)
  const markets: DrillMarket[] = initial.markets.map((m) => ({
    conditionId: m.condition_id,
    tokens: m.tokens,
    tickSize: m.tick_size,
  }))
  // Its own generator: which kinds a simulator supports must not shift the schedule of the ones it does.
  const probe = await probeKinds(admin, FAULT_KINDS, seededRng(0), address)
  const regular = probe.supported.filter((s) => s.kind !== MARKET_CLOSE)
  const close = probe.supported.find((s) => s.kind === MARKET_CLOSE)
  opts.progress(
    `simulator ${sim.urls.clob}; ${regular.length} fault kinds supported${probe.unsupported.length ? `, not (yet): ${probe.unsupported.map((u) => u.name).join(', ')}` : ''}`,
  )

  const apiPort = freePort()
  const apiBase = `http://127.0.0.1:${apiPort}`
  const derived = deriveDaemonConfig({
    source: opts.config,
    outDir: opts.outDir,
    sim: sim.urls,
    apiPort,
    ...(opts.persistUse ? { persistUse: opts.persistUse } : {}),
  })
  const env = { PK: wallet.privateKey }

  const shapeOf = new Map(probe.supported.map((s) => [s.kind.name, s] as const))
  const faultContext = { markets, account: address, ticks: new Map<string, number>() }
  const actionOf = (s: SupportedKind): FaultAction =>
    (s.kind.shapes[s.shape] as FaultKind['shapes'][number])(rng, faultContext)
  const schedule = buildSchedule({
    kinds: regular.map((s) => s.kind),
    count: opts.faults,
    // Each restart holds the schedule for about 15 s (start, then the positions check).
    durationMs: Math.max(opts.durationMs / 2, opts.durationMs - opts.kills * 15_000),
    rng,
    marginMs: Math.min(20_000, opts.durationMs * 0.1),
  })
  const kills = killTimes(opts.kills, opts.durationMs, rng)

  const injected: Record<string, number> = {}
  const refused: Record<string, number> = {}
  let faultsInjected = 0
  const count = (name: string, ok: boolean) => {
    if (ok) {
      injected[name] = (injected[name] ?? 0) + 1
      faultsInjected++
    } else refused[name] = (refused[name] ?? 0) + 1
  }

  const runs: DaemonRun[] = []
  const restarts: RestartRecord[] = []
  const unplannedExits: DrillReport['unplanned_exits'] = []
  const failedStarts: DrillReport['failed_starts'] = []
  const exposure = createExposureTracker(opts.graceMs, t0)
  let current: DaemonRun | undefined
  let up = false
  let lastStatus: DaemonStatus | undefined
  let finished = false
  let samples = 0

  // Restarts hold the fault schedule so the faults armed for a start are not reset under it.
  let gate: Promise<void> = Promise.resolve()
  let held = 0
  // The schedule's clock stops while a restart holds it, so every scheduled fault still fits in the drill.
  let pausedMs = 0
  const hold = () => {
    const g = Promise.withResolvers<void>()
    const prev = gate
    gate = prev.then(() => g.promise)
    held++
    const since = Date.now()
    let done = false
    return () => {
      if (done) return
      done = true
      held--
      pausedMs += Date.now() - since
      g.resolve()
    }
  }

  const watchExit = (run: DaemonRun) => {
    void run.proc.exited.then((code) => {
      if (run.planned || finished || !run.readyAt) return
      unplannedExits.push({ run: run.index, code, at_s: elapsed(), tail: run.tail.slice(-8) })
      opts.progress(`daemon run ${run.index} exited unexpectedly (${code}); restarting`)
      if (current === run) void recover('after an unplanned exit')
    })
  }

  /** Start the daemon until one run is ready; each start that dies first is a failed restart, and why. */
  const start = async (why: string): Promise<DaemonRun | undefined> => {
    for (let attempt = 1; attempt <= 5 && !finished; attempt++) {
      const run = spawnDaemon({ index: runs.length + 1, configFile: derived.file, env, outDir: opts.outDir })
      runs.push(run)
      current = run
      watchExit(run)
      if (await waitReady(run, apiBase, READY_TIMEOUT_MS)) {
        run.readyAt = Date.now()
        up = true
        return run
      }
      run.planned = 'kill'
      if (run.proc.exitCode === null) run.proc.kill('SIGKILL')
      const code = await run.proc.exited
      const line = [...run.tail].reverse().find((l) => /start failed|error/i.test(l)) ?? run.tail.at(-1) ?? 'no output'
      const reason = (() => {
        try {
          return String((JSON.parse(line) as { msg?: unknown }).msg ?? line)
        } catch {
          return line
        }
      })()
      failedStarts.push({ run: run.index, why, exit_code: code, reason: reason.slice(0, 300) })
      opts.progress(`start of run ${run.index} failed (exit ${code}): ${reason.slice(0, 120)}`)
      await endEpisode(admin, [])
      await Bun.sleep(2000)
    }
    return undefined
  }

  /** What the daemon holds per token, as `/status` shows it or as its `positions` table has it. */
  const fromStatus = async () => daemonPositions(await fetchStatus(apiBase), tokens)
  const fromTable = async () => readDatabase(derived.dbPath).positions

  const positionsCheck = (read: () => Promise<Map<string, number>> = fromStatus) =>
    persistentMismatches(read, async () => exchangePositions(await adminAccount(admin, address)))

  const recover = async (why: string) => {
    const release = hold()
    try {
      await restart(why)
    } finally {
      release()
    }
  }

  const restart = async (why: string) => {
    up = false
    const record: RestartRecord = {
      at_s: elapsed(),
      why,
      open_orders_at_kill: 0,
      cleared_after_s: null,
      start_fault: null,
      ready_after_s: null,
      positions_after_restart: [],
      table_after_restart: [],
      realized_before: realizedUsd(lastStatus),
      realized_after: null,
      halted_before: haltedForLoss(lastStatus),
      halted_after: [],
    }
    restarts.push(record)
    const arm = (START_FAULTS[Math.floor(rng() * START_FAULTS.length)] as (r: Rng) => FaultAction)(rng)
    const armed = await startEpisode(admin, [arm])
    record.start_fault = JSON.stringify(arm.body)
    count('rest_errors at start', armed.ok)
    const t = Date.now()
    const run = await start(why)
    if (!run) return
    record.ready_after_s = round((Date.now() - t) / 1000, 1)
    await Bun.sleep(5000)
    record.positions_after_restart = (await positionsCheck(fromStatus)).mismatches
    record.table_after_restart = (await positionsCheck(fromTable)).mismatches
    const after = await fetchStatus(apiBase).catch(() => undefined)
    record.realized_after = realizedUsd(after)
    record.halted_after = haltedForLoss(after)
    await endEpisode(admin, [])
  }

  const kill = async () => {
    const run = current
    if (!run || !up) return
    run.planned = 'kill'
    up = false
    exposure.interrupt()
    const before = lastStatus
    run.proc.kill('SIGKILL')
    await run.proc.exited
    const killedAt = Date.now()
    const open = (await adminAccount(admin, address).catch(() => undefined))?.open_orders.length ?? 0
    opts.progress(`kill -9 of run ${run.index} at ${elapsed()} s: ${open} orders open on the exchange`)
    // The heartbeat's deadline runs out while the daemon is down: the exchange must cancel our orders.
    let clearedAfter: number | null = open === 0 ? 0 : null
    while (clearedAfter === null && Date.now() - killedAt < HEARTBEAT_DEADLINE_MS + DEADLINE_GRACE_MS + 3000) {
      await Bun.sleep(250)
      const a = await adminAccount(admin, address).catch(() => undefined)
      if (a && a.open_orders.length === 0) clearedAfter = round((Date.now() - killedAt) / 1000, 1)
    }
    lastStatus = before
    await recover('kill -9')
    const rec = restarts.at(-1)
    if (rec) {
      rec.open_orders_at_kill = open
      rec.cleared_after_s = clearedAfter
    }
  }

  // --- run
  opts.progress(`daemon on ${opts.config} (derived ${derived.file}), database ${derived.dbPath}`)
  const first = await start('first start')
  if (!first) throw new Error(`the daemon did not start; see ${opts.outDir}`)
  await Bun.sleep(3000)
  const rssStart = await rssMb(first.proc.pid)

  const sampler = (async () => {
    while (!finished) {
      const started = Date.now()
      if (up) {
        try {
          const [status, state, account] = await Promise.all([
            fetchStatus(apiBase),
            adminState(admin),
            adminAccount(admin, address),
          ])
          if (up) {
            lastStatus = status
            exposure.sample(Date.now(), status, state, account)
            samples++
          }
        } catch {
          // a sample missed (daemon busy or just killed): the next one counts
        }
      }
      await Bun.sleep(Math.max(0, SAMPLE_EVERY_MS - (Date.now() - started)))
    }
  })()

  await endEpisode(admin, [])
  const quietFaults = JSON.stringify((await adminState(admin)).faults)
  const notReset: Record<string, number> = {}
  const injector = (async () => {
    let closed = false
    for (const ep of schedule) {
      if (finished) break
      for (let wait = t0 + ep.at + pausedMs - Date.now(); wait > 0; wait = t0 + ep.at + pausedMs - Date.now())
        await Bun.sleep(Math.min(wait, 1000))
      await gate
      if (Date.now() - t0 > opts.durationMs - 5000) break
      if (finished) break
      const kinds = [...ep.kinds]
      const actions = kinds.map((k) => actionOf(shapeOf.get(k.name) as SupportedKind))
      if (close && !closed && Date.now() - t0 > opts.durationMs * 0.7) {
        actions.push(actionOf(close))
        kinds.push(MARKET_CLOSE)
        closed = true
      }
      const res = await startEpisode(admin, actions)
      for (const k of kinds) count(k.name, res.ok)
      if (ep.durationMs > 0) await Bun.sleep(ep.durationMs)
      // During a restart the faults armed for the start stay; the restart resets them when it is done.
      if (held > 0) {
        for (const a of actions) if (a.off) await postAdmin(admin, a.off.route, a.off.body)
      } else {
        await endEpisode(admin, actions)
        // A kind that a reset does not clear would stay on for the rest of the drill: say so.
        const now = await adminState(admin).catch(() => undefined)
        if (now && JSON.stringify(now.faults) !== quietFaults)
          for (const k of kinds) notReset[k.name] = (notReset[k.name] ?? 0) + 1
      }
    }
  })()

  const killer = (async () => {
    for (const at of kills) {
      const wait = t0 + at - Date.now()
      if (wait > 0) await Bun.sleep(wait)
      if (finished) break
      await kill()
    }
  })()

  const progress = setInterval(() => {
    const db = (() => {
      try {
        return readDatabase(derived.dbPath).fills.length
      } catch {
        return 0
      }
    })()
    opts.progress(
      `${elapsed()} s / ${Math.round(opts.durationMs / 1000)} s: ${faultsInjected} faults, ${restarts.filter((r) => r.why === 'kill -9').length}/${kills.length} kills, ${db} fills in the database, daemon ${up ? 'up' : 'down'}`,
    )
  }, 10_000)

  await Bun.sleep(Math.max(0, t0 + opts.durationMs - Date.now()))
  await Promise.all([killer, injector])
  await gate
  clearInterval(progress)

  // --- final stop: quiet exchange, last comparison, SIGTERM
  await endEpisode(admin, [])
  for (const m of markets) await postAdmin(admin, '/markets', { condition_id: m.conditionId, accepting_orders: true })
  await Bun.sleep(5000)
  const finalPositions = await positionsCheck()
  finished = true
  await sampler
  const last = current as DaemonRun
  const rssEnd = await rssMb(last.proc.pid)
  last.planned = 'term'
  const termAt = Date.now()
  last.proc.kill('SIGTERM')
  const stopped = await Promise.race([last.proc.exited, Bun.sleep(30_000).then(() => undefined)])
  const stopSeconds = round((Date.now() - termAt) / 1000, 2)
  if (stopped === undefined) last.proc.kill('SIGKILL')
  await Bun.sleep(500)

  const ledger = await judgeLedger({
    admin,
    address,
    dbPath: derived.dbPath,
    clobUrl: sim.urls.clob,
    wallet,
    ...(finalPositions.checked && finalPositions.daemon ? { finalStatus: finalPositions.daemon } : {}),
  })
  await sim.stop()
  const logs = scanDaemonLogs({ logDir: derived.logDir, outDir: opts.outDir })

  return {
    config: opts.config,
    seed: opts.seed,
    duration_s: round(opts.durationMs / 1000, 0),
    out_dir: opts.outDir,
    account: address,
    faults: {
      requested: opts.faults,
      injected: faultsInjected,
      kinds_used: Object.keys(injected).length,
      by_kind: injected,
      refused_by_simulator: refused,
      not_cleared_by_reset: notReset,
      unsupported_kinds: probe.unsupported,
    },
    samples,
    fills: ledger.fills,
    positions: {
      ...ledger.positions,
      status_vs_exchange_end: finalPositions.checked ? finalPositions.mismatches : null,
    },
    restarts,
    failed_starts: failedStarts,
    unplanned_exits: unplannedExits,
    orders_after_stop: ledger.ordersAfterStop,
    stop: { exit_code: stopped ?? null, seconds: stopSeconds },
    heartbeat_deadline_s: (HEARTBEAT_DEADLINE_MS + DEADLINE_GRACE_MS) / 1000,
    stale_exposure: exposure.summary(),
    rejections: logs.rejections,
    unhandled_errors: logs.unhandled,
    error_lines: logs.errors,
    rss_mb: { start: rssStart ?? null, end: rssEnd ?? null },
  }
}
