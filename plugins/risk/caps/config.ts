import { z } from 'zod'
import { DurationSchema } from '../../../schemas/duration.ts'

/**
 * Configuration of the `caps` risk plugin. Units matter here (the original daemon mixed them): the caps are
 * FRACTIONS of capital, the daily loss limit is a PERCENT of capital.
 */
export const MarkoutPenaltySchema = z.object({
  threshold: z
    .number()
    .nonnegative()
    .default(0.002)
    .describe(
      'Price units per share: the recent mean markout must be below −threshold before the spread widens ' +
        '(0.002 = 0.2¢ of adverse selection tolerated)',
    ),
  widen_per_cent: z
    .number()
    .nonnegative()
    .default(0.5)
    .describe('Spread multiplier added per cent (0.01) of mean adverse markout beyond the threshold'),
  max_multiplier: z
    .number()
    .min(1)
    .default(2)
    .describe('Largest markout spread multiplier (both sides of that market); 1 disables the penalty'),
  half_life: DurationSchema.refine((ms) => ms > 0, 'half_life must be longer than 0')
    .prefault('10m')
    .describe(
      'Half-life of the markout memory: older markouts weigh half as much per half-life in the recent mean, ' +
        'and the penalty fades by half per half-life without new markouts',
    ),
})
export type MarkoutPenaltyConfig = z.output<typeof MarkoutPenaltySchema>

export const CapsConfigSchema = z
  .object({
    soft_cap: z
      .number()
      .gt(0)
      .lte(1)
      .default(0.015)
      .describe(
        'SOFT_CAP_DELTA_PCT, a FRACTION of capital (0.015 = 1.5%): at |exposure| / capital (YES held at fair, NO at 1 − fair) ≥ soft_cap the side ' +
          'that adds exposure is widened and shrunk',
      ),
    hard_cap: z
      .number()
      .gt(0)
      .lte(1)
      .default(0.03)
      .describe(
        'HARD_CAP_DELTA_PCT, a FRACTION of capital (0.03 = 3%): at |exposure| / capital ≥ hard_cap the market is ' +
          'REDUCING, only the side that reduces exposure may quote',
      ),
    daily_loss_limit_pct: z
      .number()
      .gt(0)
      .lte(100)
      .default(1)
      .describe(
        'DAILY_LOSS_LIMIT_PCT, a PERCENT of capital (1.0 = 1%): a UTC-day loss (realized + unrealized at fair) ' +
          'this large halts every market until the next UTC day or an explicit reset',
      ),
    soft_cap_widen: z
      .number()
      .min(1)
      .default(1.5)
      .describe('Spread multiplier on the exposure-adding side once the soft cap is reached'),
    soft_cap_shrink: z
      .number()
      .gt(0)
      .lte(1)
      .default(0.5)
      .describe('Size multiplier on the exposure-adding side once the soft cap is reached'),
    side_size_usd: z
      .number()
      .positive()
      .default(1570)
      .describe(
        "The most USD one side of a market quotes at size multiplier 1: the layer plugin's layers summed at their " +
          'largest jitter (layered defaults (300 + 450 + 675) × 1.1 ≈ 1570). In REDUCING the reducing side is ' +
          "scaled to at most the position's worth (|exposure| / side_size_usd), so a sweep of it closes the " +
          'position instead of flipping it past the opposite cap. Set it to at least your layer total (smaller ' +
          'is unsafe, larger quotes the reduction smaller)',
      ),
    markout_horizons: z
      .array(DurationSchema.refine((ms) => ms > 0, 'a markout horizon must be longer than 0'))
      .min(1)
      .prefault([3, 10, 30])
      .describe('When each fill is marked out after it happened: seconds or durations, e.g. [3, 10, 30] or ["1m"]'),
    markout_penalty: MarkoutPenaltySchema.prefault({}).describe(
      'Per-market spread penalty from adverse markouts (both sides of that market only)',
    ),
    min_time_to_resolution: DurationSchema.prefault('1h').describe(
      'No quotes on a market whose end date is closer than this (0 disables; a market past its end is never quoted)',
    ),
    share_every: DurationSchema.refine((ms) => ms > 0, 'share_every must be longer than 0')
      .prefault('1s')
      .describe(
        'With a persist plugin that shares limits across instances of the account (postgres): how often this ' +
          "instance publishes its daily PnL and exposure and reads the others'; the daily loss limit is the account's",
      ),
  })
  .refine((c) => c.hard_cap > c.soft_cap, { message: 'hard_cap must be above soft_cap', path: ['hard_cap'] })

export type CapsConfig = z.output<typeof CapsConfigSchema>
