import { resolve } from 'node:path'
import pkg from '../../package.json' with { type: 'json' }
import { builtins } from '../../plugins/index.ts'
import { formatIssues } from '../config/errors.ts'
import { loadConfig } from '../config/load.ts'
import { type Daemon, startDaemon } from '../daemon.ts'
import { startHttpServer } from '../http/server.ts'
import { createLogger, fields, timestampForFile } from '../logger.ts'
import type { CliIo } from './main.ts'
import { dashboardUrl, startupBlock } from './startup-block.ts'

const LEVELS = { error: 0, warn: 1, info: 3, debug: 4 } as const

export interface RunDaemonOptions {
  readonly configPath: string
  readonly dryRun: boolean
  readonly io: CliIo
  /** --port or MM_PORT: replaces server.port. */
  readonly portOverride?: { readonly port: number; readonly from: string }
  /** --adopt-state: start on a database another mode or account wrote. */
  readonly adoptState?: boolean
}

/** Runs the daemon until SIGINT/SIGTERM; SIGHUP reloads the config. Returns the exit code. */
export async function runDaemonCommand(opts: RunDaemonOptions): Promise<number> {
  const res = await loadConfig(opts.configPath, { builtins })
  if (!res.ok) {
    opts.io.stderr(`${formatIssues(res.file, res.issues)}\n${res.issues.length} problem(s) in ${res.file}\n`)
    return 1
  }
  const cfg = res.loaded.config
  const server = opts.portOverride ? { ...cfg.server, port: opts.portOverride.port } : cfg.server
  const stamp = timestampForFile(new Date())
  const { log, filePath } = createLogger({
    logDir: resolve(res.loaded.dir, cfg.log.dir),
    fileName: opts.dryRun ? `mm_test_${stamp}.log` : `mm_${stamp}.log`,
    level: LEVELS[cfg.log.level],
  })
  log.info(`mm starting: ${cfg.mode} mode on ${cfg.exchange.use}${opts.dryRun ? ', --test dry run' : ''}`)
  // Signals are taken from the start: a Ctrl-C while the daemon is still starting (orders may already be
  // resting) waits for the start to finish and then stops it properly, cancelling every order.
  let stopSignal: string | undefined
  let onStopSignal: ((signal: string) => void) | undefined
  let reload: (() => void) | undefined
  const requestStop = (signal: string) => {
    if (onStopSignal) return onStopSignal(signal)
    stopSignal ??= signal
    log.warn(`${signal} while starting: will stop as soon as the start completes`)
  }
  process.on('SIGINT', () => requestStop('SIGINT'))
  process.on('SIGTERM', () => requestStop('SIGTERM'))
  process.on('SIGHUP', () => (reload ? reload() : log.warn('SIGHUP while starting: reload ignored')))

  // The API port is bound before anything trades, so a port in use stops us before the first order.
  let http: ReturnType<typeof startHttpServer> | undefined
  try {
    http = server.enabled ? startHttpServer(server, log) : undefined
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err)
    const source = opts.portOverride ? opts.portOverride.from : `server.port in ${res.loaded.file}`
    const hint = /in use/.test(message)
      ? `; port ${server.port} comes from ${source}: choose another with --port <p> or MM_PORT=<p> (0: any free port)`
      : ''
    log.error(`${message}${hint}`)
    return 1
  }

  let running: Daemon
  try {
    running = await startDaemon({
      loaded: res.loaded,
      builtins,
      log,
      dryRun: opts.dryRun,
      adoptForeignState: opts.adoptState ?? false,
    })
  } catch (err) {
    log.error(`start failed: ${err instanceof Error ? err.message : String(err)}`)
    await http?.stop()
    return 1
  }
  const daemon = running
  http?.serve(daemon)
  reload = () => void daemon.reload()
  const url = http ? dashboardUrl(server.host, http.port) : undefined
  log.info(
    startupBlock({
      version: pkg.version,
      config: cfg,
      configFile: res.loaded.file,
      owner: daemon.owner,
      clobUrl: daemon.exchange.endpoints.clobUrl,
      markets: daemon.universe.markets(),
      dashboardUrl: url,
      logFile: filePath,
    }),
    fields({
      event: 'started',
      mode: daemon.owner.mode,
      exchange: cfg.exchange.use,
      account: daemon.owner.account,
      markets: daemon.universe.markets().length,
      dashboard_url: url,
    }),
  )

  return await new Promise<number>((done) => {
    let exiting = false
    onStopSignal = (signal: string) => {
      if (exiting) {
        log.warn(`${signal} again while stopping; still cancelling orders`)
        return
      }
      exiting = true
      daemon
        .stop(signal)
        .then(() => {
          const left = daemon.restingOrders()
          const t = daemon.session.totals()
          log[left === 0 ? 'info' : 'error'](
            daemon.session.exitTable(left),
            fields({
              event: 'session_summary',
              fills: t.fills,
              volume_shares: t.volumeShares,
              volume_usd: t.volumeUsd,
              fees_usd: t.feesUsd,
              realized_pnl_usd: t.realizedUsd,
              orders_left_resting: left,
            }),
          )
        })
        .then(() => http?.stop())
        .then(
          () => done(0),
          (err) => {
            log.error('shutdown failed:', err)
            done(1)
          },
        )
    }
    if (stopSignal) onStopSignal(stopSignal)
  })
}
