import { readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { parseDocument } from 'yaml'

/** The simulator's addresses, as `mm sim` prints them. */
export interface SimUrls {
  readonly clob: string
  readonly ws: string
  readonly gamma: string
  readonly dataApi: string
  readonly admin: string
}

export interface DerivedConfig {
  readonly file: string
  readonly dbPath: string
  readonly logDir: string
}

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)
const relative = (s: string) => s.startsWith('./') || s.startsWith('../')

/** Relative file references (a user plugin's `use:`, a `path:` in `with:`) re-anchored at the original config's folder. */
function anchorPaths(value: unknown, dir: string): unknown {
  if (typeof value === 'string') return relative(value) ? resolve(dir, value) : value
  if (Array.isArray(value)) return value.map((v) => anchorPaths(v, dir))
  if (isObj(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, anchorPaths(v, dir)]))
  return value
}

/**
 * The user's config, pointed at the drill's simulator: the polymarket exchange on the simulator's URLs (so the
 * daemon runs exactly as in production, with the key from ${PK}), live mode, sqlite on a scratch path, the HTTP
 * API on a known loopback port, the log in the drill's folder. `persistUse` swaps the persist plugin (the broken
 * build of the drill's self-test); everything else of the pipeline is the user's.
 */
export function deriveDaemonConfig(opts: {
  readonly source: string
  readonly outDir: string
  readonly sim: SimUrls
  readonly apiPort: number
  readonly persistUse?: string
}): DerivedConfig {
  const doc = parseDocument(readFileSync(opts.source, 'utf8'))
  const raw = (doc.toJS() ?? {}) as Obj
  const srcDir = dirname(resolve(opts.source))
  const dbPath = join(opts.outDir, 'drill.db')
  const logDir = join(opts.outDir, 'logs')
  const pipeline = anchorPaths(isObj(raw.pipeline) ? raw.pipeline : {}, srcDir) as Obj
  const persist =
    pipeline.persist === undefined ? [] : Array.isArray(pipeline.persist) ? pipeline.persist : [pipeline.persist]
  const others = persist.filter((p) => isObj(p) && p.use !== 'sqlite')
  const sqlite = persist.find((p) => isObj(p) && p.use === 'sqlite') as Obj | undefined
  const sqliteWith = { ...(isObj(sqlite?.with) ? sqlite.with : {}), path: dbPath }
  pipeline.persist = [{ use: opts.persistUse ?? 'sqlite', with: sqliteWith }, ...others]
  const derived = {
    mode: 'live',
    exchange: {
      use: 'polymarket',
      with: {
        clob_url: opts.sim.clob,
        ws_url: `${opts.sim.ws.replace(/\/+$/, '')}/ws/`,
        gamma_url: opts.sim.gamma,
        data_api_url: opts.sim.dataApi,
        polygon_rpc_url: `${opts.sim.clob}/rpc`,
        chain_id: 137,
        private_key: '${PK}',
        signature_type: 0,
      },
    },
    capital_usd: raw.capital_usd ?? 10_000,
    server: { enabled: true, host: '127.0.0.1', port: opts.apiPort },
    log: { dir: logDir, level: isObj(raw.log) && typeof raw.log.level === 'string' ? raw.log.level : 'info' },
    ...(raw.universe !== undefined ? { universe: raw.universe } : {}),
    pipeline,
  }
  const file = join(opts.outDir, 'daemon.config.yaml')
  writeFileSync(file, `# Written by mm drill from ${opts.source}\n${JSON.stringify(derived, null, 2)}\n`)
  return { file, dbPath, logDir }
}
