// Production-strict behaviours (protocol doc §7) and the scenario options that relax them. Every default here is
// what production does (or, where the fact is uncertain, the stricter of the plausible behaviours).
import { z } from 'zod'

/** Per-signer token-bucket tiers (§7.2). Standard is the transcribed lowest tier; the others are assumptions. */
export const TIERS = {
  standard: { order: { rate: 40, burst: 60 }, cancel: { rate: 80, burst: 120 } },
  advanced: { order: { rate: 100, burst: 150 }, cancel: { rate: 200, burst: 300 } },
  professional: { order: { rate: 400, burst: 600 }, cancel: { rate: 800, burst: 1200 } },
} as const
export type TierName = keyof typeof TIERS
export const TierSchema = z.enum(['standard', 'advanced', 'professional'])

export const RateLimitModeSchema = z.enum(['enforce', 'warn', 'off'])
export type RateLimitMode = z.infer<typeof RateLimitModeSchema>

const RateLimitsSchema = z
  .union([
    z.literal('off').transform(() => ({ mode: 'off' as const, tier: 'standard' as const })),
    z.object({ mode: RateLimitModeSchema.default('enforce'), tier: TierSchema.default('standard') }),
  ])
  .prefault({})

const SpenderFlags = z.record(z.string().regex(/^0x[0-9a-fA-F]{40}$/), z.boolean())

/** Approvals of one account: `all` / `none`, or per asset type a map spender → approved (unlisted = approved). */
export const AllowancesSchema = z.union([
  z.enum(['all', 'none']),
  z.strictObject({
    COLLATERAL: SpenderFlags.optional(),
    CONDITIONAL: SpenderFlags.optional(),
    'CONDITIONAL-V2': SpenderFlags.optional(),
  }),
])
export type AllowancesInput = z.infer<typeof AllowancesSchema>

export const AccountSettingsSchema = z.strictObject({
  allowances: AllowancesSchema.optional(),
  deposit_wallet_required: z.boolean().optional(),
  tier: TierSchema.optional(),
  /**
   * The signer (EOA) whose proxy/Safe wallet this address is. Production knows which wallet belongs to which signer
   * before any order; without this the simulator learns it from the first order signed for it.
   */
  signer: z
    .string()
    .regex(/^0x[0-9a-fA-F]{40}$/)
    .optional(),
})
export type AccountSettingsPatch = z.infer<typeof AccountSettingsSchema>

export const ScenarioAccountSchema = AccountSettingsSchema.extend({
  address: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
  usdc: z.number().nonnegative().optional().describe('pUSD, whole units'),
})

const DurationMs = z.number().nonnegative()

export const ProductionSchema = z
  .object({
    rate_limits: RateLimitsSchema,
    /** REST order/trade statuses: `prefixed` (TRADE_STATUS_…, ORDER_STATUS_…) as production, or `plain`. */
    rest_statuses: z.enum(['prefixed', 'plain']).default('prefixed'),
    /** How long a new trade shows TRADE_STATUS_MATCHED_NOT_BROADCASTED on REST before TRADE_STATUS_MATCHED. */
    broadcast_after_ms: DurationMs.default(500),
    /** When bought shares become sellable: after CONFIRMED (strict default), MINED, or at once (`matched` = off). */
    sellable_after: z.enum(['confirmed', 'mined', 'matched']).default('confirmed'),
    connections: z
      .object({
        max_assets_per_socket: z.number().int().positive().default(500),
        max_upgrades: z.number().int().positive().default(20).describe('WebSocket upgrades admitted per window'),
        upgrade_window_ms: DurationMs.default(10_000),
        enforce: z.boolean().default(true),
      })
      .prefault({}),
    /** After a restart window ends, production runs post-only for 2 minutes (docs: matching-engine). */
    post_only_after_restart_ms: DurationMs.default(120_000),
    /** Data API /positions page cap. */
    positions_page_max: z.number().int().positive().default(500),
  })
  .prefault({})
export type Production = z.infer<typeof ProductionSchema>

/** POST /admin/production: any subset of the options, applied at once. */
export const ProductionPatchSchema = z.strictObject({
  rate_limits: z.object({ mode: RateLimitModeSchema, tier: TierSchema.optional() }).optional(),
  rest_statuses: z.enum(['prefixed', 'plain']).optional(),
  broadcast_after_ms: DurationMs.optional(),
  sellable_after: z.enum(['confirmed', 'mined', 'matched']).optional(),
  connections: z
    .object({
      max_assets_per_socket: z.number().int().positive().optional(),
      max_upgrades: z.number().int().positive().optional(),
      upgrade_window_ms: DurationMs.optional(),
      enforce: z.boolean().optional(),
    })
    .optional(),
  post_only_after_restart_ms: DurationMs.optional(),
  positions_page_max: z.number().int().positive().optional(),
})
