import type { MmConfig } from '../../schemas/config.ts'
import type { Market } from '../../schemas/domain.ts'
import { shortQuestion } from '../market-names.ts'
import type { StateOwner } from '../state-owner.ts'

export interface StartupFacts {
  readonly version: string
  readonly config: MmConfig
  readonly configFile: string
  readonly owner: StateOwner
  readonly clobUrl: string
  readonly markets: readonly Market[]
  /** The dashboard's URL, `http://host:port/`; undefined when the server is disabled. */
  readonly dashboardUrl: string | undefined
  readonly logFile: string | undefined
}

const MAX_LISTED = 6

/** One block that says what is running, printed once the daemon has started (instead of a scroll of start-up lines). */
export function startupBlock(f: StartupFacts): string {
  const ex = f.config.exchange
  const mode =
    f.owner.mode === 'test'
      ? `${f.config.mode}, --test dry run: no order is sent`
      : f.owner.mode === 'paper'
        ? 'paper (simulated money)'
        : 'LIVE (real orders, real money)'
  const exchange =
    ex.use === 'sim'
      ? `embedded simulator, scenario ${String(ex.with.scenario)} (${f.clobUrl})`
      : `Polymarket ${f.clobUrl}`
  const account =
    f.owner.account === 'unknown'
      ? 'none configured (no private key)'
      : `${f.owner.account}${f.owner.ephemeral ? ' (throwaway paper key: a fresh account every run)' : ''}`
  const listed = f.markets.slice(0, MAX_LISTED).map((m) => `"${shortQuestion(m.question, 40)}"`)
  const more = f.markets.length > MAX_LISTED ? `, and ${f.markets.length - MAX_LISTED} more` : ''
  const markets =
    f.markets.length === 0 ? 'none (check the market source)' : `${f.markets.length}: ${listed.join(', ')}${more}`
  const rows: [string, string][] = [
    ['mode', mode],
    ['exchange', exchange],
    ['account', account],
    ['markets', markets],
    ['dashboard', f.dashboardUrl ?? 'off (server.enabled: false)'],
    ['config', f.configFile],
  ]
  if (f.logFile) rows.push(['log file', f.logFile])
  const w = Math.max(...rows.map(([k]) => k.length))
  return [`mm ${f.version} running`, ...rows.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`)].join('\n')
}

/** The URL a person opens: a wildcard bind is reached on loopback. */
export function dashboardUrl(host: string, port: number): string {
  const h = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host
  return `http://${h}:${port}/`
}
