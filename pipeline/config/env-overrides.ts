import type { Env } from './interpolate.ts'

/**
 * The original daemon's environment variables, still honoured as overrides of the matching config fields so
 * its documented examples run unchanged. Each applies to a stage entry only when that entry uses the
 * built-in plugin that owns the field (a user's own plugin is never handed a field it did not declare).
 */
interface Override {
  readonly env: string
  readonly target:
    | { readonly kind: 'plugin'; readonly stage: string; readonly plugin: string; readonly key: string }
    | { readonly kind: 'exchange'; readonly exchange: string; readonly key: string }
  readonly parse: (raw: string) => unknown
}

const num = (raw: string) => {
  const n = Number(raw)
  return raw.trim() !== '' && Number.isFinite(n) ? n : raw // left as a string so validation names the bad value
}
const int = num
const str = (raw: string) => raw
const seconds = (raw: string) => {
  const n = num(raw)
  return typeof n === 'number' ? `${n}s` : raw
}

const plugin = (stage: string, name: string, key: string) => ({ kind: 'plugin' as const, stage, plugin: name, key })
const exchange = (key: string) => ({ kind: 'exchange' as const, exchange: 'polymarket', key })

export const ENV_OVERRIDES: readonly Override[] = [
  { env: 'K_VOL', target: plugin('spread', 'vol-spread', 'k_vol'), parse: num },
  { env: 'K_FEE_TICKS', target: plugin('spread', 'vol-spread', 'k_fee_ticks'), parse: num },
  { env: 'EWMA_VOL_WINDOW_SEC', target: plugin('spread', 'vol-spread', 'window'), parse: seconds },
  { env: 'ALPHA_FAIR', target: plugin('fair-value', 'ewma-microprice', 'alpha'), parse: num },
  { env: 'INV_GAMMA', target: plugin('skew', 'inventory-skew', 'gamma'), parse: num },
  { env: 'SOFT_CAP_DELTA_PCT', target: plugin('risk', 'caps', 'soft_cap'), parse: num },
  { env: 'HARD_CAP_DELTA_PCT', target: plugin('risk', 'caps', 'hard_cap'), parse: num },
  { env: 'DAILY_LOSS_LIMIT_PCT', target: plugin('risk', 'caps', 'daily_loss_limit_pct'), parse: num },
  { env: 'ORDER_LAYERS', target: plugin('layer', 'layered', 'layers'), parse: int },
  { env: 'BASE_SIZE_USD', target: plugin('layer', 'layered', 'base_size_usd'), parse: num },
  { env: 'MAX_SIZE_USD', target: plugin('layer', 'layered', 'max_size_usd'), parse: num },
  { env: 'REQUOTE_MID_TICKS', target: plugin('execute', 'clob', 'requote_mid_ticks'), parse: num },
  { env: 'REQUOTE_QUEUE_LEVELS', target: plugin('execute', 'clob', 'requote_queue_levels'), parse: int },
  { env: 'ORDER_MAX_AGE_SEC', target: plugin('execute', 'clob', 'order_max_age'), parse: seconds },
  ...['file', 'sheets'].flatMap((src) => [
    { env: 'MIN_LIQUIDITY', target: plugin('source', src, 'min_liquidity'), parse: num },
    { env: 'MIN_WEEKLY_VOLUME', target: plugin('source', src, 'min_weekly_volume'), parse: num },
    { env: 'MIN_TREND', target: plugin('source', src, 'min_trend'), parse: num },
    { env: 'MM_SCORE_MIN', target: plugin('source', src, 'mm_score_min'), parse: num },
  ]),
  { env: 'SPREADSHEET_URL', target: plugin('source', 'sheets', 'spreadsheet_url'), parse: str },
  { env: 'SELECTED_SHEET_NAME', target: plugin('source', 'sheets', 'sheet_name'), parse: str },
  { env: 'GAMMA_BASE_URL', target: exchange('gamma_url'), parse: str },
  { env: 'CLOB_BASE_URL', target: exchange('clob_url'), parse: str },
  { env: 'CLOB_WS_URL', target: exchange('ws_url'), parse: str },
  { env: 'DATA_API_URL', target: exchange('data_api_url'), parse: str },
  { env: 'POLYGON_RPC_URL', target: exchange('polygon_rpc_url'), parse: str },
  { env: 'PK', target: exchange('private_key'), parse: str },
  { env: 'BROWSER_ADDRESS', target: exchange('funder'), parse: str },
]

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)

/**
 * Applies the overrides to the raw (parsed, interpolated, not yet validated) config in place. Returns
 * dotted path → env name for every field set, so errors can say where a bad value came from.
 */
export function applyEnvOverrides(raw: unknown, env: Env): Map<string, string> {
  const applied = new Map<string, string>()
  if (!isObj(raw)) return applied
  for (const o of ENV_OVERRIDES) {
    const value = env[o.env]
    if (value === undefined || value === '') continue
    const t = o.target
    if (t.kind === 'exchange') {
      const ex = raw.exchange
      if (!isObj(ex) || ex.use !== t.exchange) continue
      if (!isObj(ex.with)) ex.with = {}
      ;(ex.with as Obj)[t.key] = o.parse(value)
      applied.set(`exchange.with.${t.key}`, o.env)
      continue
    }
    const pipeline = raw.pipeline
    if (!isObj(pipeline)) continue
    const slot = pipeline[t.stage]
    const entries = Array.isArray(slot) ? slot : [slot]
    entries.forEach((entry, i) => {
      if (!isObj(entry) || entry.use !== t.plugin) return
      if (!isObj(entry.with)) entry.with = {}
      ;(entry.with as Obj)[t.key] = o.parse(value)
      applied.set(`pipeline.${t.stage}${Array.isArray(slot) ? `.${i}` : ''}.with.${t.key}`, o.env)
    })
  }
  return applied
}
