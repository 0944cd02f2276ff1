import { z } from 'zod'
import { DurationSchema } from '../../../schemas/duration.ts'
import type { ExecutorRules } from './executor.ts'
import { STANDARD_TIER, type TierLimits } from './rate-budget.ts'

/** The `clob` execute plugin's settings, and what the executor reads of them. */

const CustomTierSchema = z.strictObject({
  orders_per_sec: z.number().positive().describe('Order bucket refill, orders per second'),
  orders_burst: z.number().int().positive().describe('Order bucket capacity: the largest batch admitted'),
  cancels_per_sec: z.number().positive().describe('Cancel bucket refill, cancels per second'),
  cancels_burst: z.number().int().positive().describe('Cancel bucket capacity'),
})

const RateLimitsSchema = z.strictObject({
  tier: z
    .union([z.enum(['auto', 'standard']), CustomTierSchema])
    .default('auto')
    .describe(
      "The signer's trading rate-limit tier (orders and cancels per signer, token buckets): auto = Standard (orders 40/s burst 60, cancels 80/s burst 120) until the Poly-RateLimit-Tier header says otherwise; standard, or your own figures, fixes it",
    ),
  safety: z
    .number()
    .gt(0)
    .lte(1)
    .default(0.9)
    .describe("Fraction of the signer's refill rates we allow ourselves (bursts are used in full)"),
  backoff_max: DurationSchema.prefault('30s').describe(
    'Longest pause of a bucket after repeated 429s without Retry-After (doubling from 1 s, with jitter)',
  ),
})

export function tierOf(cfg: z.infer<typeof RateLimitsSchema>['tier']): TierLimits | undefined {
  if (cfg === 'auto') return undefined
  if (cfg === 'standard') return STANDARD_TIER
  return {
    name: 'configured',
    orders: { perSec: cfg.orders_per_sec, burst: cfg.orders_burst },
    cancels: { perSec: cfg.cancels_per_sec, burst: cfg.cancels_burst },
  }
}

export const ClobConfigSchema = z.strictObject({
  requote_mid_ticks: z
    .number()
    .positive()
    .default(1)
    .describe('Requote a side when the mid moved at least this many ticks since it was quoted (REQUOTE_MID_TICKS)'),
  requote_queue_levels: z
    .number()
    .int()
    .nonnegative()
    .default(2)
    .describe(
      'Requote a side when its best order is this many price levels behind the touch; 0 = never (REQUOTE_QUEUE_LEVELS)',
    ),
  order_max_age: DurationSchema.prefault('12s').describe(
    'Requote a side when one of its orders is older than this (ORDER_MAX_AGE_SEC)',
  ),
  post_only: z.boolean().default(true).describe('Post-only GTC orders: an order that would cross is refused'),
  heartbeat: z
    .boolean()
    .default(true)
    .describe('Send exchange heartbeats, so the exchange cancels our orders ~15 s after the daemon dies'),
  heartbeat_every: DurationSchema.prefault('5s').describe('Heartbeat period (the exchange allows 10 s + 5 s)'),
  user_channel_silence: DurationSchema.optional().describe(
    'A user channel silent this long is taken for dead: quotes are pulled (our fills may be late) and it reconnects; ' +
      'default three heartbeats, 3–15 s',
  ),
  on_start: z
    .enum(['cancel', 'adopt'])
    .default('cancel')
    .describe('Orders an earlier run left resting: cancel them, or adopt them as ours'),
  reconcile_every: DurationSchema.prefault('30s').describe(
    'Compare open orders, trades and Data API positions with ours this often',
  ),
  resolve_every: DurationSchema.prefault('2s').describe('Look up orders whose submit outcome is unknown this often'),
  not_found_grace: DurationSchema.prefault('15s').describe(
    'An unknown order the exchange still does not know this long after its submit was never placed',
  ),
  request_timeout: DurationSchema.prefault('5s').describe(
    'An exchange call unanswered this long is ambiguous (orders become unknown, never assumed rejected)',
  ),
  stop_timeout: DurationSchema.prefault('10s').describe('How long stop() keeps trying to cancel every order'),
  rate_limits: RateLimitsSchema.prefault({}).describe(
    "The signer's order and cancel budget (per-signer token buckets of the exchange)",
  ),
  collateral_reserve_usd: z
    .number()
    .nonnegative()
    .default(0)
    .describe(
      'pUSD never committed to BUYs: each batch of BUYs is fitted, nearest the touch first, into the balance minus what resting BUYs reserve minus this',
    ),
})
export type ClobConfig = z.infer<typeof ClobConfigSchema>

export const rulesOf = (cfg: ClobConfig): ExecutorRules => ({
  requoteMidTicks: cfg.requote_mid_ticks,
  requoteQueueLevels: cfg.requote_queue_levels,
  orderMaxAgeMs: cfg.order_max_age,
  postOnly: cfg.post_only,
})

export const RELOADABLE = [
  'requote_mid_ticks',
  'requote_queue_levels',
  'order_max_age',
  'collateral_reserve_usd',
] as const
