import type { MmConfig } from '../../schemas/config.ts'
import type { Daemon } from '../daemon.ts'
import type { Logger } from '../logger.ts'
import { createApp } from './app.ts'

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/

export function isLoopback(host: string): boolean {
  return LOOPBACK.test(host)
}

/** Serves the Hono app. A non-loopback bind without a token is refused: the API can reload strategy config. */
export function startHttpServer(daemon: Daemon, cfg: MmConfig['server'], log: Logger) {
  if (!isLoopback(cfg.host) && !cfg.token) {
    throw new Error(
      `server.host ${cfg.host} is not loopback: set server.token (e.g. \${MM_API_TOKEN}) to expose the API`,
    )
  }
  const app = createApp(daemon, { token: cfg.token })
  const server = Bun.serve({ hostname: cfg.host, port: cfg.port, fetch: app.fetch })
  log.info(`HTTP API on http://${cfg.host}:${server.port} (/metrics /status /config /plugins /healthz /readyz)`)
  return {
    port: server.port,
    stop: () => server.stop(true),
  }
}
