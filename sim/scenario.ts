// Scenario files: the markets the simulator lists, their dynamics (latent probability, makers, takers) and the
// faults active from the start. YAML validated by zod; named scenarios live in sim/scenarios/<name>.yaml.
import { existsSync, readFileSync } from 'node:fs'
import { isAbsolute, join, resolve } from 'node:path'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { parse as parseYaml } from 'yaml'
import { z } from 'zod'
import { FaultsPatchSchema } from './faults.ts'
import { ProductionSchema, ScenarioAccountSchema } from './production.ts'

const TICKS = [0.1, 0.01, 0.005, 0.0025, 0.001, 0.0001] as const

const DurationSchema = z
  .union([z.number().nonnegative(), z.string().regex(/^\d+(\.\d+)?(ms|s|m|h|d)$/)])
  .transform((v) => (typeof v === 'number' ? v : parseDuration(v)))

export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text)
  if (!m) throw new Error(`invalid duration ${text}`)
  const n = Number(m[1])
  const unit = m[2]
  const mult = unit === 'ms' ? 1 : unit === 's' ? 1e3 : unit === 'm' ? 6e4 : unit === 'h' ? 3.6e6 : 8.64e7
  return n * mult
}

const SizeRangeSchema = z.tuple([z.number().positive(), z.number().positive()])

export const DynamicsSchema = z.object({
  initial_prob: z.number().gt(0).lt(1).default(0.5).describe('Starting latent YES probability'),
  vol: z.number().nonnegative().default(0.05).describe('Log-odds diffusion per sqrt(minute)'),
  drift: z.number().default(0).describe('Log-odds drift per hour'),
  jump_rate_per_hour: z.number().nonnegative().default(1),
  jump_size: z.number().nonnegative().default(0.6).describe('Std of a log-odds jump'),
  makers: z
    .object({
      count: z.number().int().nonnegative().default(2),
      levels: z.number().int().positive().default(5),
      size: z.number().positive().default(150).describe('Shares per level'),
      spread_ticks: z.number().int().nonnegative().default(1).describe('Half-spread around the maker view, in ticks'),
      requote: DurationSchema.default(1500),
      lag: z.number().min(0).max(1).default(0.3).describe('Weight of the stale view: makers learn jumps slowly'),
    })
    .prefault({}),
  noise: z
    .object({ rate_per_min: z.number().nonnegative().default(8), size: SizeRangeSchema.default([5, 60]) })
    .prefault({}),
  informed: z
    .object({
      rate_per_min: z.number().nonnegative().default(4),
      threshold_ticks: z.number().nonnegative().default(1),
      size: SizeRangeSchema.default([20, 150]),
    })
    .prefault({}),
})
export type Dynamics = z.infer<typeof DynamicsSchema>

export const ScenarioMarketSchema = z.object({
  slug: z.string().regex(/^[a-z0-9-]+$/),
  question: z.string().min(1),
  description: z.string().default(''),
  condition_id: z
    .string()
    .regex(/^0x[0-9a-f]{64}$/)
    .optional(),
  token_ids: z.tuple([z.string().regex(/^\d+$/), z.string().regex(/^\d+$/)]).optional(),
  outcomes: z.tuple([z.string(), z.string()]).default(['Yes', 'No']),
  tick_size: z.number().refine((t) => (TICKS as readonly number[]).includes(t), {
    message: `tick_size must be one of ${TICKS.join(', ')}`,
  }),
  min_order_size: z.number().positive().default(5),
  neg_risk: z.boolean().default(false),
  version: z
    .enum(['v1', 'v2'])
    .default('v1')
    .describe('Gamma `version`: v2 markets list ids in positionIds and settle on ExchangeV3 (§7.1)'),
  end_date: z.iso.datetime().optional(),
  ends_in: DurationSchema.optional().describe('End date relative to simulator start'),
  rewards: z
    .object({ min_size: z.number().nonnegative().default(50), max_spread: z.number().nonnegative().default(3.5) })
    .prefault({}),
  fee_rate_bps: z.number().int().nonnegative().default(0),
  fee_exponent: z.number().nonnegative().default(1),
  accepting_orders: z.boolean().default(true),
  dynamics: DynamicsSchema.prefault({}),
})
export type ScenarioMarket = z.infer<typeof ScenarioMarketSchema>

export const ScenarioSchema = z
  .object({
    name: z.string().default('custom'),
    seed: z.number().int().nonnegative().default(1),
    chain_id: z.union([z.literal(137), z.literal(80002)]).default(137),
    api_version: z.union([z.literal(1), z.literal(2)]).default(2),
    initial_balance_usd: z.number().nonnegative().default(10_000),
    step: DurationSchema.default(250).describe('Synthetic flow step'),
    trade_mined_after: DurationSchema.default(1000),
    trade_confirmed_after: DurationSchema.default(3000),
    heartbeat_timeout: DurationSchema.default(15_000).describe('10 s + 5 s grace'),
    flow: z.boolean().default(true),
    markets: z.array(ScenarioMarketSchema).default([]),
    /** Adds N generated binary markets with the default flow model (scale tests). */
    generate: z
      .object({ markets: z.number().int().positive().max(20_000), seed: z.number().int().nonnegative().default(1) })
      .optional(),
    faults: FaultsPatchSchema.optional(),
    /** Production-strict behaviours (§7), each relaxable here. */
    production: ProductionSchema,
    /** Accounts with non-default settings (missing approvals, deposit-wallet restriction, tier, balance). */
    accounts: z.array(ScenarioAccountSchema).default([]),
  })
  .refine((s) => s.markets.length > 0 || s.generate !== undefined, { message: 'a scenario needs markets or generate' })
export type Scenario = z.infer<typeof ScenarioSchema>

export type MarketSpec = {
  slug: string
  question: string
  description: string
  conditionId: string
  questionId: string
  tokens: [string, string]
  outcomes: [string, string]
  tickSize: number
  minOrderSize: number
  negRisk: boolean
  /** Polymarket protocol of the market (Gamma `version`). */
  protocol: 'v1' | 'v2'
  endDate: string
  rewardsMinSize: number
  rewardsMaxSpread: number
  feeRateBps: number
  feeExponent: number
  acceptingOrders: boolean
  dynamics: Dynamics
}

function hashHex(text: string): string {
  return Buffer.from(keccak_256(new TextEncoder().encode(text))).toString('hex')
}

function tokenIdFrom(text: string): string {
  // uint256 decimal like real token ids; top bit cleared keeps them inside the typical 76-78 digit range.
  return (BigInt(`0x${hashHex(text)}`) >> 1n).toString()
}

export function buildMarkets(scenario: Scenario, startMs: number): MarketSpec[] {
  const generated = scenario.generate ? generateMarkets(scenario.generate.markets, scenario.generate.seed) : []
  return [...scenario.markets, ...generated].map((m) => {
    const endMs = m.end_date ? Date.parse(m.end_date) : startMs + (m.ends_in ?? 30 * 8.64e7)
    return {
      slug: m.slug,
      question: m.question,
      description: m.description,
      conditionId: m.condition_id ?? `0x${hashHex(`condition:${m.slug}`)}`,
      questionId: `0x${hashHex(`question:${m.slug}`)}`,
      tokens: m.token_ids ?? [tokenIdFrom(`token:${m.slug}:0`), tokenIdFrom(`token:${m.slug}:1`)],
      outcomes: m.outcomes,
      tickSize: m.tick_size,
      minOrderSize: m.min_order_size,
      negRisk: m.neg_risk,
      protocol: m.version,
      endDate: new Date(Math.floor(endMs / 1000) * 1000).toISOString().replace('.000Z', 'Z'),
      rewardsMinSize: m.rewards.min_size,
      rewardsMaxSpread: m.rewards.max_spread,
      feeRateBps: m.fee_rate_bps,
      feeExponent: m.fee_exponent,
      acceptingOrders: m.accepting_orders,
      dynamics: m.dynamics,
    }
  })
}

/** N binary markets with the default flow model; initial probabilities and ticks vary with the seed. */
export function generateMarkets(n: number, seed: number): ScenarioMarket[] {
  let x = (seed * 2654435761) >>> 0 || 1
  const next = () => {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    return x / 4294967296
  }
  return Array.from({ length: n }, (_, i) =>
    ScenarioMarketSchema.parse({
      slug: `gen-${seed}-${i}`,
      question: `Generated market ${i} (seed ${seed})?`,
      tick_size: next() < 0.8 ? 0.01 : 0.001,
      version: i % 4 === 3 ? 'v2' : 'v1',
      dynamics: { initial_prob: Math.round((0.1 + 0.8 * next()) * 100) / 100 },
    }),
  )
}

export const SCENARIO_DIR = join(import.meta.dir, 'scenarios')

export function parseScenario(text: string, source: string): Scenario {
  let raw: unknown
  try {
    raw = parseYaml(text)
  } catch (err) {
    throw new Error(`${source}: invalid YAML: ${(err as Error).message}`)
  }
  const parsed = ScenarioSchema.safeParse(raw)
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`).join('\n')
    throw new Error(`${source}: invalid scenario:\n${issues}`)
  }
  return parsed.data
}

/** Load a scenario from a file path, or by name from sim/scenarios/ (`default`, `quiet`, `trending`, `jumpy`). */
export function loadScenario(nameOrPath = 'default'): Scenario {
  const looksLikePath = nameOrPath.includes('/') || nameOrPath.endsWith('.yaml') || nameOrPath.endsWith('.yml')
  const path = looksLikePath
    ? isAbsolute(nameOrPath)
      ? nameOrPath
      : resolve(nameOrPath)
    : join(SCENARIO_DIR, `${nameOrPath}.yaml`)
  if (!existsSync(path)) throw new Error(`scenario not found: ${nameOrPath}`)
  return parseScenario(readFileSync(path, 'utf8'), path)
}
