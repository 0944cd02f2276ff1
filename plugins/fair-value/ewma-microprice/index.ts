import { z } from 'zod'
import { definePlugin } from '../../../pipeline/define-plugin.ts'
import type { BookView } from '../../../schemas/domain.ts'
import { type FairValueInput, type FairValueOutput, type PullQuotes, pull } from '../../../stages/io.ts'
import { clamp } from '../../quoting-math/grid.ts'
import { microprice, type YesTop, yesTop } from '../../quoting-math/yes-top.ts'

const SnapshotSchema = z.record(z.string(), z.number())

/**
 * Fair value in YES space: the top-of-book microprice of the YES book with the NO book mirrored in, smoothed by
 * an EWMA per market. The first microprice seen for a market is its first fair value (no cold-start bias from a
 * made-up initial value such as 0.5 or 0).
 */
export default definePlugin({
  name: 'ewma-microprice',
  stage: 'fair-value',
  summary: 'Top-of-book microprice (YES book with the NO book mirrored in) smoothed by an EWMA.',
  config: z.object({
    alpha: z
      .number()
      .gt(0)
      .lte(1)
      .default(0.2)
      .describe('EWMA weight of the newest microprice (ALPHA_FAIR): f ← α·m + (1 − α)·f; 1 = no smoothing'),
    min_level_size: z
      .number()
      .nonnegative()
      .default(0)
      .describe(
        'Shares: top levels smaller than this are skipped on both books, so a tiny spoof order at the touch ' +
          'cannot move the microprice; 0 = use the touch as it is',
      ),
    mirror_no_book: z
      .boolean()
      .default(true)
      .describe(
        'Read the NO book as YES liquidity at 1 − p (Polymarket matches across the pair); false = the YES book ' +
          'alone, as the original daemon did (no YES/NO complement mapping)',
      ),
    clamp_to_touch: z
      .boolean()
      .default(true)
      .describe(
        'Keep the fair value inside [best bid, best ask] after a jump: the EWMA lags news, and a fair value ' +
          'outside the touch only invites being picked off',
      ),
  }),
  reloadable: ['alpha', 'min_level_size', 'mirror_no_book', 'clamp_to_touch'],
  examples: [
    { title: 'defaults (ALPHA_FAIR 0.2)', with: {} },
    { title: 'ignore top levels under 50 shares', with: { alpha: 0.2, min_level_size: 50 } },
  ],
  create(cfg) {
    // One EWMA per market: a plugin instance serves every market of the pipeline.
    const fairs = new Map<string, number>()
    return {
      run(input: FairValueInput): FairValueOutput | PullQuotes {
        const books = cfg.mirror_no_book ? input.books : { yes: input.books.yes, no: EMPTY_BOOK }
        const top = yesTop(books, cfg.min_level_size)
        const reason = unquotable(input, top, cfg.min_level_size)
        if (reason !== undefined) {
          // After a gap the old average is stale: the next good book restarts from its own microprice.
          fairs.delete(input.market.conditionId)
          return pull(reason)
        }
        const m = microprice(top)
        const id = input.market.conditionId
        const prev = fairs.get(id)
        let f = prev === undefined ? m : cfg.alpha * m + (1 - cfg.alpha) * prev
        if (cfg.clamp_to_touch) f = clamp(f, top.bid, top.ask)
        fairs.set(id, f)
        return { fair: f }
      },
      reconfigure(next) {
        cfg = next
        return true
      },
      snapshot: () => Object.fromEntries(fairs),
      restore(state) {
        const parsed = SnapshotSchema.safeParse(state)
        if (!parsed.success) return
        for (const [id, f] of Object.entries(parsed.data)) if (f > 0 && f < 1) fairs.set(id, f)
      },
    }
  },
})

/** Stands in for the NO book when it is not mirrored in: no level on either side. */
const EMPTY_BOOK: BookView = {
  tokenId: '',
  state: 'fresh',
  stateReason: '',
  tickSize: 0.01,
  updatedAt: 0,
  bestBid: () => undefined,
  bestAsk: () => undefined,
  bids: () => [],
  asks: () => [],
  levelsAhead: () => 0,
}

/** Why the books give no fair value, or undefined when they do. */
function unquotable(input: FairValueInput, top: YesTop, minSize: number): string | undefined {
  const { yes, no } = input.books
  if (yes.state !== 'fresh') return `YES book ${yes.state}: ${yes.stateReason}`
  if (no.state !== 'fresh') return `NO book ${no.state}: ${no.stateReason}`
  const filtered = minSize > 0 ? ` of at least ${minSize} shares` : ''
  if (Number.isNaN(top.bid) && Number.isNaN(top.ask)) return `empty book: no level${filtered}`
  if (Number.isNaN(top.bid)) return `one-sided book: no YES bid${filtered} (YES bids or NO asks)`
  if (Number.isNaN(top.ask)) return `one-sided book: no YES ask${filtered} (YES asks or NO bids)`
  if (top.bid >= top.ask) return `crossed book: best YES bid ${top.bid} ≥ best YES ask ${top.ask}`
  return undefined
}
