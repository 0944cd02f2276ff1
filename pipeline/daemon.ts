import type { Registry } from 'prom-client'
import pkg from '../package.json' with { type: 'json' }
import type { MmConfig } from '../schemas/config.ts'
import type { AccountShare } from '../stages/account-share.ts'
import { type Account, createAccount } from './account.ts'
import {
  type BuiltPipeline,
  buildPipeline,
  type EngineServices,
  type Instance,
  instancesOf,
  stopInstance,
} from './build.ts'
import { type Clock, realClock } from './clock.ts'
import type { ConfigIssue } from './config/errors.ts'
import { type LoadedConfig, loadConfig, loadConfigText } from './config/load.ts'
import type { Resources } from './context.ts'
import type { AnyPlugin } from './define-plugin.ts'
import { createEventBus, type EventBus } from './event-bus.ts'
import { type ExchangeHost, startExchange } from './exchange.ts'
import { createHealth, type Health } from './health.ts'
import { fields, type Logger } from './logger.ts'
import { createTokenNames, type TokenNames } from './market-names.ts'
import { type CoreMetrics, createMetricsRegistry, createPluginMetrics } from './metrics.ts'
import { createOperatorHolds, type OperatorHolds } from './operator-holds.ts'
import { createOperatorView, logHealthChanges } from './operator-view.ts'
import { checkAccount } from './preflight/check-account.ts'
import { evaluate } from './preflight/checks.ts'
import { formatFindings } from './preflight/format.ts'
import { startProcessMetrics } from './process-metrics.ts'
import { createQuotePlane, type QuotePlane } from './quote-plane.ts'
import { type InstanceChange, planReload } from './reload-plan.ts'
import { createSessionLog, type SessionLog } from './session-log.ts'
import { ownerOf, type StateOwner, stateOwner } from './state-owner.ts'
import { createUniverse, noMarketOnExchange, type Universe } from './universe.ts'

export type ReloadOutcome = 'applied' | 'noop' | 'rejected' | 'rolled_back'

export interface ReloadResult {
  readonly outcome: ReloadOutcome
  readonly generation: number
  readonly changes: readonly InstanceChange[]
  readonly errors: readonly string[]
  readonly issues: readonly ConfigIssue[]
}

export interface Daemon {
  readonly exchange: ExchangeHost
  readonly account: Account
  readonly health: Health
  readonly events: EventBus
  readonly registry: Registry
  readonly metrics: CoreMetrics
  readonly quotes: QuotePlane
  readonly universe: Universe
  /** The operator's pauses and halt (dashboard, POST /control/*). */
  readonly holds: OperatorHolds
  readonly startedAt: number
  /** The daemon's clock (real, or simulated in tests and fast runs). */
  readonly clock: Clock
  readonly dryRun: boolean
  /** Token → market question and outcome, from the selection: for log lines and the dashboard. */
  readonly names: TokenNames
  /** Session totals, the periodic summary line and the exit table. */
  readonly session: SessionLog
  /** Whose state this run reads and writes (mode, account). */
  readonly owner: StateOwner
  /** Orders that may still rest on the exchange, by the executor's account. */
  restingOrders(): number
  current(): BuiltPipeline
  /** Re-read the config file and apply it (POST /config/reload, SIGHUP). Serialized. */
  reload(source?: { text: string }): Promise<ReloadResult>
  /** Cancel every order, flush, stop every plugin and the simulator. Idempotent. */
  stop(reason: string): Promise<void>
  /** Called once when stop begins (the dashboard shows "stopping"). */
  onStop(listener: (reason: string) => void): () => void
}

export interface DaemonOptions {
  readonly loaded: LoadedConfig
  readonly builtins: readonly AnyPlugin[]
  readonly log: Logger
  readonly dryRun?: boolean
  readonly clock?: Clock
  readonly env?: Readonly<Record<string, string | undefined>>
  /** Use this exchange instead of starting the configured one (tests of the engine alone). */
  readonly exchange?: ExchangeHost
  /** Start on a database another mode or account wrote (--adopt-state). */
  readonly adoptForeignState?: boolean
  /** How long stop waits for a reload or a selection refresh before cancelling orders regardless (ms). */
  readonly stopWaitMs?: number
}

const STOP_WAIT_MS = 5000

async function withDeadline(work: Promise<unknown>, ms: number, what: string, log: Logger): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const expired = new Promise<'expired'>((resolve) => {
    timer = setTimeout(() => resolve('expired'), ms) // real time: the deadline protects real orders
  })
  const outcome = await Promise.race([
    work.then(
      () => 'done' as const,
      () => 'done' as const,
    ),
    expired,
  ])
  clearTimeout(timer)
  if (outcome === 'expired') log.warn(`stopping without waiting longer for ${what} (${ms} ms)`)
}

/**
 * The daily loss limit counts the whole UTC day, not just this run: today's realized PnL of earlier runs is
 * read back from the first persist plugin that can, before anything is quoted.
 */
async function restoreTodaysRealized(p: BuiltPipeline, account: Account, now: number, log: Logger): Promise<void> {
  const dayStart = Math.floor(now / 86_400_000) * 86_400_000
  for (const inst of p.persist) {
    if (!inst.handler.realizedSince) continue
    const pnl = await inst.handler.realizedSince(dayStart)
    if (pnl !== 0) {
      account.recordRealized(dayStart, pnl)
      log.info(`today's realized PnL from earlier runs (${inst.entry.def.name}): ${pnl.toFixed(2)} USD`)
    }
    return
  }
}

/**
 * Persisted mirrors of resting orders (orders_active) follow the exchange: at start, after the executor has
 * adopted or cancelled what an earlier run left, and at stop, after its cancel-all, a killed run's rows go.
 */
async function reconcileActiveOrders(p: BuiltPipeline, log: Logger): Promise<void> {
  const open = p.execute.handler.liveOrders().map((o) => o.id)
  for (const inst of p.persist) {
    try {
      await inst.handler.reconcileActive?.(open)
    } catch (err) {
      log.error(`reconciling ${inst.entry.def.name}'s resting orders failed:`, err)
    }
  }
}

/** Markets with quotes out, and markets pulled (or not quoted yet). */
function quotingNow(quotes: QuotePlane | undefined): { quoted: number; pulled: number } {
  let quoted = 0
  let pulled = 0
  for (const s of quotes?.states() ?? []) {
    if (s.pulledFor === undefined && s.quote) quoted++
    else pulled++
  }
  return { quoted, pulled }
}

/**
 * Live on Polymarket (or a simulator it is pointed at): the account is checked as `mm preflight` does before the
 * daemon quotes, and a start on an account the exchange would refuse (a missing allowance, a key of another signer,
 * closed-only) stops here with every problem listed, not at the first order.
 */
async function preflightAtStart(config: MmConfig, exchange: ExchangeHost, dryRun: boolean, log: Logger) {
  if (config.exchange.use !== 'polymarket' || !config.exchange.with.preflight || dryRun) return
  const findings = evaluate(await checkAccount(exchange, false))
  const problems = findings.filter((f) => f.severity === 'problem')
  for (const w of findings.filter((f) => f.severity === 'warn')) log.warn(`preflight: ${w.check}: ${w.detail}`)
  if (problems.length === 0) return
  await exchange.stop()
  throw new Error(
    `preflight found ${problems.length} problem(s) with the account:\n${formatFindings(problems)}` +
      '(exchange.with.preflight: false skips this check)',
  )
}

export async function startDaemon(opts: DaemonOptions): Promise<Daemon> {
  const { log } = opts
  const clock = opts.clock ?? realClock
  const dryRun = opts.dryRun ?? false
  const { registry, core } = createMetricsRegistry()
  core.buildInfo.set({ version: pkg.version, bun: Bun.version }, 1)
  const processMetrics = startProcessMetrics(registry)
  const account = createAccount()
  const health = createHealth(() => clock.now())
  const events = createEventBus((err, event) => log.error(`event listener failed on ${event.type}:`, err))
  let exchange: ExchangeHost
  try {
    exchange = opts.exchange ?? (await startExchange(opts.loaded.config, log))
    await preflightAtStart(opts.loaded.config, exchange, dryRun, log)
  } catch (err) {
    processMetrics.stop()
    throw err
  }

  const resources: Resources = {
    exchange: exchange.endpoints,
    credentials: exchange.credentials,
    account,
    health,
    capitalUsd: opts.loaded.config.capital_usd,
    mode: opts.loaded.config.mode,
    accountShare: () => share,
    shard: { index: opts.loaded.config.universe.shard, of: opts.loaded.config.universe.of },
    // The first persist plugin that knows: it is started before the executor asks (buildPipeline).
    async lastFillAt() {
      for (const inst of persistCreated) {
        const at = await inst.handler.lastFillAt?.()
        if (at !== undefined) return at
      }
      return undefined
    },
    dryRun,
    owner: stateOwner({
      mode: opts.loaded.config.mode,
      dryRun,
      credentials: exchange.credentials,
      throwawayKey: exchange.throwawayKey ?? false,
      adoptForeign: opts.adoptForeignState ?? false,
    }),
  }
  // The first persist plugin that shares limits with other instances of the account (e.g. postgres).
  let share: AccountShare | undefined
  const persistCreated: Instance<'persist'>[] = []
  const findShare = (p: BuiltPipeline) => {
    for (const inst of p.persist) {
      const s = inst.handler.accountShare?.()
      if (s) return s
    }
    return undefined
  }
  let quotes: QuotePlane | undefined
  let universe: Universe | undefined
  const services: EngineServices = {
    log,
    metrics: createPluginMetrics(registry, core),
    clock,
    resources,
    events,
    markDirty: (id) => quotes?.markDirty(id),
    requestRefresh: () => void universe?.refresh('source asked'),
    onCreated: (inst) => {
      if (inst.entry.stage === 'persist') persistCreated.push(inst as Instance<'persist'>)
    },
  }

  let generation = 1
  let current: BuiltPipeline
  try {
    current = (await buildPipeline(opts.loaded, services, generation)).pipeline
    share = findShare(current)
  } catch (err) {
    processMetrics.stop()
    await exchange.stop()
    throw err
  }
  core.pipelineGeneration.set(generation)
  log.info(`pipeline built (generation ${generation}):`)
  for (const inst of instancesOf(current)) log.info(`  ${inst.entry.instance.padEnd(12)} ${inst.entry.def.name}`)

  const names = createTokenNames()
  const view = createOperatorView({ names, metrics: core })
  const restingOrders = () => current.execute.handler.liveOrders().length
  const session = createSessionLog({
    log,
    names,
    account,
    startedAt: clock.now(),
    view: { restingOrders, quoting: () => quotingNow(quotes) },
  })
  events.onAny((event) => {
    view.onEvent(event)
    session.onEvent(event)
  })

  // Persist fan-out: every event to every persist plugin; a failing writer never blocks quoting.
  events.onAny((event) => {
    for (const p of current.persist) {
      try {
        p.handler.write(event)
      } catch (err) {
        core.stageErrors.inc({ stage: 'persist', plugin: p.entry.def.name })
        log.error(`persist ${p.entry.def.name} failed on ${event.type}:`, err)
      }
    }
  })

  const holds = createOperatorHolds()
  quotes = createQuotePlane(
    services,
    () => current,
    (id) => holds.reasonFor(id),
  )
  const u = createUniverse(services, () => current, quotes, {
    retryMinMs: opts.loaded.config.universe.retry_min * 1000,
    retryMaxMs: opts.loaded.config.universe.retry_max * 1000,
    statusEveryMs: opts.loaded.config.universe.status_every * 1000,
    shard: { index: opts.loaded.config.universe.shard, of: opts.loaded.config.universe.of },
  })
  universe = u
  const q = quotes
  logHealthChanges(health, log)
  health.onChange(() => q.markAllDirty())
  const summaryEveryMs = opts.loaded.config.log.summary_every * 1000
  const stopSummary =
    summaryEveryMs > 0
      ? clock.setInterval(() => {
          const { quoted, pulled } = quotingNow(q)
          core.marketsPulled.set(pulled)
          const resting = restingOrders()
          core.ordersResting.set(resting)
          log.info(
            session.summaryLine(clock.now()),
            fields({
              event: 'summary',
              quoted,
              pulled,
              resting,
              today_realized_pnl_usd: account.realizedSince(Math.floor(clock.now() / 86_400_000) * 86_400_000),
            }),
          )
        }, summaryEveryMs)
      : () => {}

  // A position change re-quotes its market (skew, holdings to sell) and is recorded (the positions table).
  account.onChange((tokenId) => {
    for (const m of u.markets()) {
      if (m.yesTokenId !== tokenId && m.noTokenId !== tokenId) continue
      events.emit({ type: 'position', at: clock.now(), position: account.position(m) })
      q.markDirty(m.conditionId)
    }
  })

  let stopping: Promise<void> | undefined
  const stopListeners = new Set<(reason: string) => void>()
  let reloading: Promise<unknown> = Promise.resolve()

  function reloadResult(outcome: ReloadOutcome, extra: Partial<ReloadResult> = {}): ReloadResult {
    core.configReloads.inc({ outcome })
    const r = { outcome, generation, changes: [], errors: [], issues: [], ...extra }
    log[outcome === 'applied' || outcome === 'noop' ? 'info' : 'warn'](
      `config reload ${outcome}${r.errors.length ? `: ${r.errors.join('; ')}` : ''}`,
    )
    return r
  }

  /** Never throws: every failure is an outcome, and a failure after anything changed is rolled back. */
  async function applyReload(text?: string): Promise<ReloadResult> {
    if (stopping) return reloadResult('rejected', { errors: ['the daemon is stopping'] })
    const file = current.loaded.file
    const loadOpts = { builtins: opts.builtins, ...(opts.env ? { env: opts.env } : {}) }
    const res = text === undefined ? await loadConfig(file, loadOpts) : await loadConfigText(text, file, loadOpts)
    if (!res.ok) return reloadResult('rejected', { issues: res.issues, errors: ['the new config is invalid'] })
    const plan = planReload(current.loaded, res.loaded)
    if (!plan.ok) return reloadResult('rejected', { errors: plan.errors })
    // A reload is also the operator's way to say "re-read the market list now" (DESIGN: re-read on reload).
    if (plan.noop) {
      void u.refresh('reload')
      return reloadResult('noop', { changes: plan.changes })
    }

    const old = current
    const oldById = new Map(instancesOf(old).map((i) => [i.entry.instance, i]))
    const nextById = new Map(Object.values(res.loaded.stages).flatMap((list) => list.map((e) => [e.instance, e])))
    const keep = new Map<string, Instance>()
    const reconfigured: { inst: Instance; previous: Instance['entry'] }[] = []
    const changes: InstanceChange[] = []
    let created: Instance[] = []
    const rollBack = async (err: unknown) => {
      for (const inst of created.reverse()) await stopInstance(inst, log)
      for (const r of reconfigured.reverse()) {
        ;(r.inst as { entry: Instance['entry'] }).entry = r.previous
        try {
          r.inst.handler.reconfigure?.(r.previous.config)
        } catch (again) {
          log.error(`restoring ${r.inst.entry.instance} after a failed reload failed:`, again)
        }
      }
      return reloadResult('rolled_back', { changes, errors: [err instanceof Error ? err.message : String(err)] })
    }
    try {
      for (const c of plan.changes) {
        const inst = oldById.get(c.instance)
        const nextEntry = nextById.get(c.instance)
        if (c.kind === 'keep' && inst) keep.set(c.instance, inst)
        if (c.kind === 'reconfigure' && inst && nextEntry) {
          const previous = inst.entry
          if (inst.handler.reconfigure?.(nextEntry.config) === true) {
            reconfigured.push({ inst, previous })
            ;(inst as { entry: Instance['entry'] }).entry = nextEntry
            keep.set(c.instance, inst)
            changes.push(c)
            continue
          }
          changes.push({
            kind: 'replace',
            instance: c.instance,
            why: `plugin declined reconfigure of ${c.keys.join(', ')}`,
          })
          continue
        }
        changes.push(c)
      }
      const built = await buildPipeline(res.loaded, services, generation + 1, keep)
      created = built.created
      for (const inst of built.created) {
        const prev = oldById.get(inst.entry.instance)
        if (prev?.handler.snapshot && inst.handler.restore) inst.handler.restore(prev.handler.snapshot())
      }
      if (built.pipeline.book !== old.book) await built.pipeline.book.handler.track(u.markets())
      if (stopping) throw new Error('the daemon is stopping')
      // Swap at a quote boundary: no new computation starts, the running ones finish, then one assignment.
      q.pause()
      try {
        await q.idle()
        current = built.pipeline
        share = findShare(current)
      } finally {
        q.resume()
      }
    } catch (err) {
      return await rollBack(err)
    }
    generation++
    core.pipelineGeneration.set(generation)
    const live = new Set(instancesOf(current))
    for (const inst of instancesOf(old)) if (!live.has(inst)) await stopInstance(inst, log)
    void u.refresh('reload')
    q.markAllDirty()
    return reloadResult('applied', { changes })
  }

  const daemon: Daemon = {
    exchange,
    account,
    health,
    events,
    registry,
    metrics: core,
    quotes: q,
    universe: u,
    holds,
    startedAt: clock.now(),
    clock,
    dryRun,
    names,
    session,
    owner: resources.owner ?? ownerOf(resources),
    restingOrders,
    current: () => current,
    reload(source) {
      const run = reloading.then(() =>
        applyReload(source?.text).catch((err: unknown) =>
          // Not expected (applyReload turns failures into outcomes), but a reload must never die silently.
          reloadResult('rolled_back', {
            errors: [`reload failed: ${err instanceof Error ? err.message : String(err)}`],
          }),
        ),
      )
      reloading = run
      return run
    },
    stop(reason) {
      stopping ??= (async () => {
        log.info(`stopping (${reason}): cancelling every order, flushing state`)
        stopSummary()
        for (const l of stopListeners) {
          try {
            l(reason)
          } catch (err) {
            log.error('a stop listener failed:', err)
          }
        }
        q.close() // no new quote from here on
        // A reload in progress finishes (or refuses to swap), and a selection read is aborted — but a plugin
        // that ignores its abort signal must not keep orders resting: past the deadline, cancel anyway.
        const wait = opts.stopWaitMs ?? STOP_WAIT_MS
        await withDeadline(reloading, wait, 'a reload in progress', log)
        await withDeadline(u.stop(), wait, 'the market selection refresh', log)
        await q.idle()
        const p = current
        await stopInstance(p.execute, log) // cancels every order first
        await reconcileActiveOrders(p, log)
        for (const inst of instancesOf(p)) {
          if (inst === p.execute || p.persist.includes(inst as Instance<'persist'>)) continue
          await stopInstance(inst, log)
        }
        for (const inst of p.persist) {
          try {
            await inst.handler.flush?.()
          } catch (err) {
            log.error(`flushing ${inst.entry.def.name} failed:`, err)
          }
          await stopInstance(inst, log)
        }
        await exchange.stop()
        processMetrics.stop()
        log.info('stopped')
      })()
      return stopping
    },
    onStop(listener) {
      stopListeners.add(listener)
      return () => stopListeners.delete(listener)
    },
  }

  try {
    await reconcileActiveOrders(current, log)
    await restoreTodaysRealized(current, account, clock.now(), log)
    u.start()
    await u.refresh('start')
    const pointless = noMarketOnExchange(u.lastRead(), exchange.endpoints.kind)
    if (pointless) throw new Error(pointless)
  } catch (err) {
    await daemon.stop('start failed')
    throw err
  }
  return daemon
}
