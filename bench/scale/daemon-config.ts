// The daemon's files for one soak size: the markets CSV of the simulator's generated tokens (file source), and a
// config that is the repository's default (mm.config.yaml) with the exchange pointed at the simulator process as
// if it were Polymarket, sqlite on a scratch path, the HTTP API on a free port, and capital scaled with markets.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse, stringify } from 'yaml'
import { z } from 'zod'

const ROOT = join(import.meta.dir, '..', '..')

export const SimUrlsSchema = z.object({
  clob: z.string(),
  ws: z.string(),
  gamma: z.string(),
  dataApi: z.string(),
  admin: z.string(),
})
export type SimUrls = z.infer<typeof SimUrlsSchema>

/** The markets as the simulator's admin state lists them (the ids it actually serves). */
export const AdminMarketsSchema = z.object({
  markets: z.array(z.object({ condition_id: z.string(), tokens: z.tuple([z.string(), z.string()]) })),
})
export type AdminMarket = z.infer<typeof AdminMarketsSchema>['markets'][number]

/** Columns of the "Selected Markets" file the file source reads; the figures are only there to pass its filters. */
export function marketsCsv(markets: readonly AdminMarket[]): string {
  const rows = markets.map(
    (m, i) => `${m.tokens[0]},${m.tokens[1]},${m.condition_id},250000,120000,800000,2400000,"Soak market ${i}"`,
  )
  return `token1,token2,condition_id,Liquidity,Volume_24h,Volume_7d,Volume_30d,question\n${rows.join('\n')}\n`
}

const BaseConfigSchema = z.looseObject({
  pipeline: z.looseObject({
    source: z.unknown(),
    persist: z.unknown(),
  }),
})

/** Writes `mm.config.yaml` and `markets.csv` into `dir`; the key comes from the environment (PK) as in production. */
export function writeDaemonFiles(
  dir: string,
  opts: { urls: SimUrls; markets: readonly AdminMarket[]; capitalUsd: number },
): { configPath: string } {
  const base = BaseConfigSchema.parse(parse(readFileSync(join(ROOT, 'mm.config.yaml'), 'utf8')))
  writeFileSync(join(dir, 'markets.csv'), marketsCsv(opts.markets))
  const config = {
    ...base,
    mode: 'live',
    exchange: {
      use: 'polymarket',
      with: {
        clob_url: opts.urls.clob,
        ws_url: `${opts.urls.ws}/ws/`,
        gamma_url: opts.urls.gamma,
        data_api_url: opts.urls.dataApi,
        polygon_rpc_url: `${opts.urls.clob}/rpc`,
        chain_id: 137,
        private_key: '${PK}',
        signature_type: 0,
      },
    },
    capital_usd: opts.capitalUsd,
    server: { host: '127.0.0.1', port: 0 },
    log: { dir: 'logs', level: 'info' },
    pipeline: {
      ...base.pipeline,
      source: [{ use: 'file', with: { path: './markets.csv', refresh: '15m' } }],
      persist: [{ use: 'sqlite', with: { path: './mm_state.db' } }],
    },
  }
  const configPath = join(dir, 'mm.config.yaml')
  writeFileSync(configPath, stringify(config))
  return { configPath }
}
