import type { MmConfig } from '../../schemas/config.ts'
import type { Daemon } from '../daemon.ts'
import type { Logger } from '../logger.ts'
import { createApp } from './app.ts'

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/

export function isLoopback(host: string): boolean {
  return LOOPBACK.test(host)
}

export interface HttpServer {
  readonly port: number
  /** Start answering with the API of this daemon (until then every route answers 503). */
  serve(daemon: Daemon): void
  stop(): Promise<void>
}

/**
 * Binds the API port before the daemon starts, so a port in use fails before any order is placed. A
 * non-loopback bind without a token is refused: the API can reload strategy config.
 */
export function startHttpServer(cfg: MmConfig['server'], log: Logger): HttpServer {
  if (!isLoopback(cfg.host) && !cfg.token) {
    throw new Error(
      `server.host ${cfg.host} is not loopback: set server.token (e.g. \${MM_API_TOKEN}) to expose the API`,
    )
  }
  let fetch: (req: Request) => Response | Promise<Response> = () =>
    Response.json({ error: 'starting' }, { status: 503, headers: { 'Retry-After': '1' } })
  let server: ReturnType<typeof Bun.serve>
  try {
    server = Bun.serve({ hostname: cfg.host, port: cfg.port, fetch: (req) => fetch(req) })
  } catch (err) {
    const code = (err as { code?: string }).code
    const why = code === 'EADDRINUSE' ? 'the port is in use (another mm running?)' : String(err)
    throw new Error(`cannot serve the HTTP API on ${cfg.host}:${cfg.port}: ${why}`)
  }
  log.info(`HTTP API on http://${cfg.host}:${server.port} (/metrics /status /config /plugins /healthz /readyz)`)
  return {
    port: server.port ?? cfg.port,
    serve(daemon) {
      fetch = createApp(daemon, { token: cfg.token }).fetch
    },
    stop: () => server.stop(true),
  }
}
