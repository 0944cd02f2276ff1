import { z } from 'zod'
import { STAGE_ARITY, STAGES, type Stage } from '../stages/index.ts'

/**
 * The shape of mm.config.yaml above the plugins. Each plugin's `with:` block is validated by that plugin's
 * own schema once it is resolved (pipeline/config/resolve.ts).
 */

export const PluginRefSchema = z.strictObject({
  use: z
    .string()
    .min(1)
    .describe('A built-in plugin name, or a path to a user plugin file (starting with ./, ../ or /)'),
  with: z.record(z.string(), z.unknown()).optional().describe("The plugin's options"),
})
export type PluginRef = z.infer<typeof PluginRefSchema>

const manySlot = z.union([PluginRefSchema, z.array(PluginRefSchema)])

function slotFor(stage: Stage) {
  const slot = STAGE_ARITY[stage] === 'many' ? manySlot : PluginRefSchema
  return stage === 'persist' ? slot.optional() : slot
}

export const PipelineConfigSchema = z.strictObject(
  Object.fromEntries(STAGES.map((s) => [s, slotFor(s)])) as { [S in Stage]: ReturnType<typeof slotFor> },
)

const loopbackDefault = '127.0.0.1'

export const SimExchangeSchema = z.strictObject({
  use: z.literal('sim'),
  with: z
    .strictObject({
      scenario: z.string().default('default').describe('A named scenario (default, quiet, trending, jumpy) or a file'),
      host: z.string().default(loopbackDefault).describe('Loopback address the simulator binds to'),
      port: z.number().int().min(0).max(65535).default(0).describe('0 picks a free port'),
      seed: z.number().int().optional().describe('Seed of the synthetic order flow'),
      private_key: z
        .string()
        .optional()
        .describe('Paper account key (secret). Unset: a fresh throwaway key is generated at start'),
    })
    .default({ scenario: 'default', host: loopbackDefault, port: 0 }),
})

export const PolymarketExchangeSchema = z.strictObject({
  use: z.literal('polymarket'),
  with: z.strictObject({
    clob_url: z.url().default('https://clob.polymarket.com').describe('CLOB REST base (CLOB_BASE_URL)'),
    ws_url: z
      .string()
      .regex(/^wss?:\/\//, 'a ws:// or wss:// URL')
      .default('wss://ws-subscriptions-clob.polymarket.com/ws/')
      .describe('CLOB WebSocket base; market and user are appended (CLOB_WS_URL)'),
    gamma_url: z.url().default('https://gamma-api.polymarket.com').describe('Gamma API base (GAMMA_BASE_URL)'),
    data_api_url: z.url().default('https://data-api.polymarket.com').describe('Data API base'),
    polygon_rpc_url: z.url().default('https://polygon-rpc.com').describe('Polygon RPC (POLYGON_RPC_URL)'),
    chain_id: z.number().int().default(137),
    private_key: z
      .string()
      .regex(/^(0x)?[0-9a-fA-F]{64}$/, 'a 32-byte hex private key')
      .describe('Signing key (PK); secret, only from the environment'),
    funder: z
      .string()
      .regex(/^0x[0-9a-fA-F]{40}$/, 'an 0x address')
      .optional()
      .describe('Funder / proxy wallet address (BROWSER_ADDRESS)'),
    signature_type: z
      .number()
      .int()
      .min(0)
      .max(3)
      .default(0)
      .describe('0 EOA, 1 POLY_PROXY, 2 POLY_GNOSIS_SAFE, 3 POLY_1271'),
    api_key: z.string().optional().describe('L2 API key; derived with L1 when unset (secret)'),
    api_secret: z.string().optional().describe('L2 API secret (secret)'),
    api_passphrase: z.string().optional().describe('L2 API passphrase (secret)'),
    preflight: z
      .boolean()
      .default(true)
      .describe(
        'Before quoting, check the account as `mm preflight` does (key, allowances by spender, pUSD, closed-only, ' +
          'clock); any problem stops the start with every one listed',
      ),
  }),
})

export const ExchangeConfigSchema = z.discriminatedUnion('use', [SimExchangeSchema, PolymarketExchangeSchema])

export const ServerConfigSchema = z.strictObject({
  enabled: z.boolean().default(true),
  host: z.string().default(loopbackDefault).describe('Bind address; non-loopback requires a token'),
  port: z.number().int().min(0).max(65535).default(9108).describe("Prometheus' scrape target and the control API"),
  token: z
    .preprocess(
      (v) => (v === '' ? undefined : v),
      z.string().min(16, 'use a token of at least 16 characters').optional(),
    )
    .describe('Bearer token for POST routes (secret; e.g. ${MM_API_TOKEN}); unset disables them'),
})

export const LogConfigSchema = z.strictObject({
  dir: z.string().default('logs').describe('Directory of the log file, relative to the config file'),
  level: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
  summary_every: z
    .number()
    .min(0)
    .default(60)
    .describe('A one-line summary (markets quoted, orders resting, fills and PnL today) every N seconds; 0: off'),
})

export const UniverseConfigSchema = z
  .strictObject({
    retry_min: z.number().positive().default(5).describe('First retry after a failing source, seconds'),
    retry_max: z.number().positive().default(300).describe('Longest retry back-off, seconds'),
    status_every: z.number().positive().default(300).describe('Periodic status line, seconds'),
    shard: z
      .number()
      .int()
      .nonnegative()
      .default(0)
      .describe('This instance trades the markets whose condition id ≡ shard (mod of); 0-based'),
    of: z.number().int().positive().default(1).describe('How many instances share the market list (1: no sharding)'),
  })
  .refine((u) => u.shard < u.of, {
    message: 'shard must be below of (shards are numbered 0 … of − 1)',
    path: ['shard'],
  })

export const MmConfigSchema = z.strictObject({
  $schema: z.string().optional(),
  mode: z.enum(['paper', 'live']).default('paper').describe('paper: against the simulator; live: real orders'),
  exchange: ExchangeConfigSchema.default({
    use: 'sim',
    with: { scenario: 'default', host: loopbackDefault, port: 0 },
  }),
  capital_usd: z.number().positive().default(10_000).describe('Capital the risk limits are fractions of'),
  server: ServerConfigSchema.default({ enabled: true, host: loopbackDefault, port: 9108 }),
  log: LogConfigSchema.default({ dir: 'logs', level: 'info', summary_every: 60 }),
  universe: UniverseConfigSchema.default({ retry_min: 5, retry_max: 300, status_every: 300, shard: 0, of: 1 }),
  pipeline: PipelineConfigSchema,
})
export type MmConfig = z.infer<typeof MmConfigSchema>
export type MmConfigInput = z.input<typeof MmConfigSchema>

/** Config paths whose values are secrets: only from the environment, redacted wherever config is shown. */
export const SECRET_PATHS: readonly (readonly string[])[] = [
  ['exchange', 'with', 'private_key'],
  ['exchange', 'with', 'api_key'],
  ['exchange', 'with', 'api_secret'],
  ['exchange', 'with', 'api_passphrase'],
  ['server', 'token'],
]

/** Sections that a hot reload refuses to change: they need a restart. */
export const RESTART_ONLY_SECTIONS = ['mode', 'exchange', 'server', 'log', 'capital_usd', 'universe'] as const
