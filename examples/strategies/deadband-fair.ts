import { z } from 'zod'
import { definePlugin } from '../../pipeline/define-plugin.ts'
import { pull } from '../../stages/io.ts'

/**
 * A user strategy plugin: fair value = the YES mid, held still until the mid has moved more than a dead-band.
 *
 * Why: on a one-tick-wide book the mid flips by half a tick on every touch change, and a quoter that follows
 * it churns orders (cancel, re-place, lose queue place) for no information. The dead-band keeps fair — and so
 * the quotes — still until the move is real.
 *
 * Use it from YAML:   fair-value: { use: ./examples/strategies/deadband-fair.ts, with: { deadband_ticks: 2 } }
 * Check it:           bun run mm check-plugin ./examples/strategies/deadband-fair.ts
 */
export default definePlugin({
  name: 'deadband-fair',
  stage: 'fair-value',
  summary: 'YES mid, moved only when the mid leaves a dead-band of N ticks around the current fair.',
  config: z.object({
    deadband_ticks: z.number().min(0).default(1).describe('How many ticks the mid must move before fair follows'),
  }),
  reloadable: ['deadband_ticks'],
  examples: [{ title: 'two-tick dead-band', with: { deadband_ticks: 2 } }],
  create(config, ctx) {
    let cfg = config
    let fair: number | undefined // state lives in the closure: one per instance, carried across reloads below
    const moves = ctx.metrics.counter('deadband_fair_moves_total', 'Times the dead-band fair value moved')
    return {
      run({ market, books }) {
        const bid =
          books.yes.bestBid()?.price ?? (books.no.bestAsk() ? 1 - (books.no.bestAsk()?.price ?? 0) : undefined)
        const ask =
          books.yes.bestAsk()?.price ?? (books.no.bestBid() ? 1 - (books.no.bestBid()?.price ?? 0) : undefined)
        if (bid === undefined || ask === undefined) return pull('deadband-fair: one-sided book')
        const mid = (bid + ask) / 2
        if (fair === undefined || Math.abs(mid - fair) > cfg.deadband_ticks * market.tickSize + 1e-12) {
          fair = mid
          moves.inc()
        }
        return { fair }
      },
      reconfigure(next) {
        cfg = next
        return true
      },
      snapshot: () => fair,
      restore(state) {
        if (typeof state === 'number') fair = state
      },
    }
  },
})
