import { z } from 'zod'
import { definePlugin } from '../../../pipeline/define-plugin.ts'
import { DurationSchema } from '../../../schemas/duration.ts'
import { type PullQuotes, pull, type SpreadInput, type SpreadOutput } from '../../../stages/io.ts'
import { gridTick } from '../../quoting-math/grid.ts'
import { startTimeVol, type TimeVolState, timeVolSigma, updateTimeVol } from '../../quoting-math/time-weighted-vol.ts'
import { yesTop } from '../../quoting-math/yes-top.ts'

const SnapshotSchema = z.record(
  z.string(),
  z.object({ mid: z.number(), at: z.number(), mean: z.number(), variance: z.number().nonnegative() }),
)

/** h = k_vol·σ + k_fee_ticks·tick, never under one tick. */
export function volHalfSpread(sigma: number, tick: number, kVol: number, kFeeTicks: number): number {
  const h = kVol * sigma + kFeeTicks * tick
  return Math.max(h, tick)
}

/**
 * Half-spread from the volatility of the mid. σ is the time-weighted EWMA standard deviation of the combined
 * YES mid (NO book mirrored in), decayed with `window` as time constant using the input's clock: each mid counts
 * for as long as it was held, so flickering levels do not inflate σ. Risk multipliers (soft cap, markouts) are
 * applied by the layer stage from the risk verdict.
 */
export default definePlugin({
  name: 'vol-spread',
  stage: 'spread',
  summary: 'Half-spread = k_vol·σ(mid) + k_fee_ticks·tick, σ a time-weighted EWMA over a window.',
  config: z.object({
    k_vol: z.number().nonnegative().default(2).describe('Multiplier of σ in the half-spread (K_VOL)'),
    k_fee_ticks: z
      .number()
      .nonnegative()
      .default(1)
      .describe('Ticks added to the half-spread for fees and edge (K_FEE_TICKS); the result is at least one tick'),
    window: DurationSchema.refine((ms) => ms > 0, 'window must be longer than 0')
      .prefault(600)
      .describe('Time constant of the volatility EWMA (EWMA_VOL_WINDOW_SEC): 600, "600s", "10m"'),
    min_level_size: z
      .number()
      .nonnegative()
      .default(0)
      .describe('Shares: top levels smaller than this are ignored when reading the mid; 0 = the touch as it is'),
  }),
  reloadable: ['k_vol', 'k_fee_ticks', 'window', 'min_level_size'],
  examples: [
    { title: 'defaults (K_VOL 2, K_FEE_TICKS 1, 600 s)', with: {} },
    { title: 'wider, faster', with: { k_vol: 3, window: '5m' } },
  ],
  create(cfg) {
    const vols = new Map<string, TimeVolState>()
    return {
      run(input: SpreadInput): SpreadOutput | PullQuotes {
        const top = yesTop(input.books, cfg.min_level_size)
        const id = input.market.conditionId
        let s = vols.get(id)
        if (Number.isNaN(top.bid) || Number.isNaN(top.ask)) {
          // The mid during the gap is unknown: credit the last one only up to here, not for the whole gap.
          if (s !== undefined) updateTimeVol(s, s.mid, input.now, cfg.window)
          return pull('no two-sided book to read the mid from')
        }
        const mid = (top.bid + top.ask) / 2
        if (s === undefined) vols.set(id, (s = startTimeVol(mid, input.now)))
        else updateTimeVol(s, mid, input.now, cfg.window)
        const sigma = timeVolSigma(s)
        const tick = gridTick(input.market, input.books)
        return { halfSpread: volHalfSpread(sigma, tick, cfg.k_vol, cfg.k_fee_ticks), sigma }
      },
      reconfigure(next) {
        cfg = next
        return true
      },
      snapshot: () => Object.fromEntries([...vols].map(([id, s]) => [id, { ...s }])),
      restore(state) {
        const parsed = SnapshotSchema.safeParse(state)
        if (!parsed.success) return
        for (const [id, s] of Object.entries(parsed.data)) vols.set(id, { ...s })
      },
    }
  },
})
