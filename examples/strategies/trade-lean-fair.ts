import { z } from 'zod'
import { definePlugin } from '../../pipeline/define-plugin.ts'
import { microprice, yesTop } from '../../plugins/quoting-math/yes-top.ts'
import { type MarketTrades, pull } from '../../stages/io.ts'

/**
 * A fair-value plugin that reads trade ticks: the top-of-book microprice, leaned toward the last trade of the
 * market (YES at p, or NO at p read as YES at 1 − p) while that trade is recent. The input also carries our own
 * fills in the market (`fills`), for a plugin that wants to react to being filled.
 *
 * Use it:   fair-value: { use: ./strategies/trade-lean-fair.ts, with: { lean: 0.3, max_age: 20s } }
 * Check it: bun run mm check-plugin ./examples/strategies/trade-lean-fair.ts
 */

/** The most recent trade of the pair, in YES price space. */
export function lastYesTrade(trades: MarketTrades | undefined): { price: number; at: number } | undefined {
  const yes = trades?.yes
  const no = trades?.no
  const y = yes?.lastPrice !== undefined ? { price: yes.lastPrice, at: yes.lastAt } : undefined
  const n = no?.lastPrice !== undefined ? { price: 1 - no.lastPrice, at: no.lastAt } : undefined
  if (!y) return n
  if (!n) return y
  return n.at > y.at ? n : y
}

export default definePlugin({
  name: 'trade-lean-fair',
  stage: 'fair-value',
  summary: 'Microprice leaned toward the last trade while it is recent (trade ticks in the stage input).',
  config: z.object({
    lean: z.number().min(0).max(1).default(0.3).describe('Weight of the last trade price in the fair value'),
    max_age_ms: z.number().positive().default(20_000).describe('A trade older than this is ignored (ms)'),
  }),
  create(cfg) {
    return {
      run({ books, trades, now }) {
        const top = yesTop(books)
        const m = microprice(top)
        if (Number.isNaN(m)) return pull('no two-sided book')
        const last = lastYesTrade(trades)
        if (!last || now - last.at > cfg.max_age_ms) return { fair: m }
        const fair = (1 - cfg.lean) * m + cfg.lean * last.price
        return { fair: Math.min(top.ask, Math.max(top.bid, fair)) }
      },
    }
  },
})
