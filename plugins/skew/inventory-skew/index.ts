import { z } from 'zod'
import { definePlugin } from '../../../pipeline/define-plugin.ts'
import { type PullQuotes, pull, type SkewInput, type SkewOutput } from '../../../stages/io.ts'
import { clamp } from '../../quoting-math/grid.ts'

/**
 * Net YES exposure as a fraction of capital: q·fair / capital.
 *
 * q = YES shares − NO shares (a YES+NO pair is riskless and cancels out). q·fair is that net YES position marked
 * at fair value, and q is also the position's sensitivity to the fair value (dV/df = yes − no), so q·fair scales
 * with how much a move hurts. Pricing a short (q < 0) at fair as well, instead of at the NO price 1 − fair,
 * keeps q_norm odd and linear in q: the same share imbalance skews equally in both directions and the skew
 * never jumps in slope at q = 0.
 */
export function inventoryNorm(q: number, fair: number, capitalUsd: number): number {
  return (q * fair) / capitalUsd
}

/**
 * Avellaneda-lite inventory skew: reservation r = fair − gamma·q_norm, bid = r − h, ask = r + h, all inside
 * (0, 1). Long YES lowers both prices (buy less eagerly, sell more eagerly); short YES raises them.
 */
export default definePlugin({
  name: 'inventory-skew',
  stage: 'skew',
  summary: 'Reservation price r = fair − gamma·(net YES exposure USD / capital); bid/ask = r ∓ half-spread.',
  config: z.object({
    gamma: z
      .number()
      .nonnegative()
      .default(1)
      .describe(
        'Inventory aversion (INV_GAMMA): price shift per unit of q_norm; with 1.0, a net exposure of 2% of ' +
          'capital moves the reservation price by 0.02',
      ),
  }),
  reloadable: ['gamma'],
  examples: [{ title: 'defaults (INV_GAMMA 1.0)', with: {} }],
  create(cfg) {
    return {
      run(input: SkewInput): SkewOutput | PullQuotes {
        if (!(input.capitalUsd > 0)) return pull('no capital configured: inventory cannot be normalised')
        const { fair, halfSpread: h } = input
        const tick = input.market.tickSize
        const qNorm = inventoryNorm(input.position.q, fair, input.capitalUsd)
        const reservation = fair - cfg.gamma * qNorm
        // Bid and ask stay on the tradable range and at least a tick apart.
        const bid = clamp(reservation - h, tick, 1 - 2 * tick)
        const ask = clamp(reservation + h, Math.max(2 * tick, bid + tick), 1 - tick)
        return { fair, reservation, halfSpread: h, bid, ask }
      },
      reconfigure(next) {
        cfg = next
        return true
      },
    }
  },
})
