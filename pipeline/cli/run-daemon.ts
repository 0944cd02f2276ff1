import { resolve } from 'node:path'
import { builtins } from '../../plugins/index.ts'
import { formatIssues } from '../config/errors.ts'
import { loadConfig } from '../config/load.ts'
import { startDaemon } from '../daemon.ts'
import { startHttpServer } from '../http/server.ts'
import { createLogger, timestampForFile } from '../logger.ts'
import type { CliIo } from './main.ts'

const LEVELS = { error: 0, warn: 1, info: 3, debug: 4 } as const

/** Runs the daemon until SIGINT/SIGTERM; SIGHUP reloads the config. Returns the exit code. */
export async function runDaemonCommand(opts: { configPath: string; dryRun: boolean; io: CliIo }): Promise<number> {
  const res = await loadConfig(opts.configPath, { builtins })
  if (!res.ok) {
    opts.io.stderr(`${formatIssues(res.file, res.issues)}\n${res.issues.length} problem(s) in ${res.file}\n`)
    return 1
  }
  const cfg = res.loaded.config
  const stamp = timestampForFile(new Date())
  const { log, filePath } = createLogger({
    logDir: resolve(res.loaded.dir, cfg.log.dir),
    fileName: opts.dryRun ? `mm_test_${stamp}.log` : `mm_${stamp}.log`,
    level: LEVELS[cfg.log.level],
  })
  log.info(
    `mm starting: ${cfg.mode} mode on ${cfg.exchange.use}${opts.dryRun ? ', --test dry run: no order will be sent' : ''}; log file ${filePath}`,
  )
  const daemon = await startDaemon({ loaded: res.loaded, builtins, log, dryRun: opts.dryRun })
  const http = cfg.server.enabled ? startHttpServer(daemon, cfg.server, log) : undefined

  return await new Promise<number>((done) => {
    let exiting = false
    const shutdown = (signal: string) => {
      if (exiting) {
        log.warn(`${signal} again while stopping; still cancelling orders`)
        return
      }
      exiting = true
      daemon
        .stop(signal)
        .then(() => http?.stop())
        .then(
          () => done(0),
          (err) => {
            log.error('shutdown failed:', err)
            done(1)
          },
        )
    }
    process.on('SIGINT', () => shutdown('SIGINT'))
    process.on('SIGTERM', () => shutdown('SIGTERM'))
    process.on('SIGHUP', () => void daemon.reload())
  })
}
