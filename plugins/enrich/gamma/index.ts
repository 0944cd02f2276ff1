import { z } from 'zod'
import { definePlugin } from '../../../pipeline/define-plugin.ts'
import type { Logger } from '../../../pipeline/logger.ts'
import type { Market } from '../../../schemas/domain.ts'
import { DurationSchema } from '../../../schemas/duration.ts'
import type { EnrichInput, EnrichOutput } from '../../../stages/io.ts'
import { fetchGammaMarkets } from './fetch-gamma-markets.ts'
import { buildMarket, type GammaMarket, outcomeIds } from './gamma-market.ts'

/** A market with both id fields, or neither, is logged by name: the version decides (neither: it cannot be matched). */
function reportIdFields(g: GammaMarket, log: Logger): void {
  if (g.clobTokenIds !== undefined && g.positionIds !== undefined) {
    const chosen = outcomeIds(g)
    const outcome = chosen.kind === 'ids' ? `using ${chosen.field} (version ${chosen.protocol})` : chosen.reason
    log.warn(`Gamma market ${g.conditionId} has both clobTokenIds and positionIds; ${outcome}`)
  } else if (g.clobTokenIds === undefined && g.positionIds === undefined) {
    log.warn(`Gamma market ${g.conditionId} has neither clobTokenIds nor positionIds; not tradable`)
  }
}

/**
 * Turns selection rows into tradable Markets with the metadata Gamma holds: question, end date, tick size,
 * minimum order size, neg-risk, rewards, fee rate, accepting-orders/closed. One GET per chunk of token ids.
 * Rows whose market is missing, closed or not accepting orders are excluded with a warning; a row whose
 * token1/token2 are not the market's outcome ids (wrong or swapped) is excluded and logged as an error. The
 * outcome ids come from the field the market's protocol `version` names (§7.1): clobTokenIds for "v1",
 * positionIds for "v2"; a market without a known version is excluded.
 */
export default definePlugin({
  name: 'gamma',
  stage: 'enrich',
  summary: 'Market metadata (tick size, min size, neg-risk, rewards, end date, status) from the Gamma API.',
  config: z.object({
    base_url: z
      .url()
      .optional()
      .describe("Gamma API root (GAMMA_BASE_URL); default: the exchange's (Polymarket or the simulator)"),
    chunk_size: z.number().int().min(1).max(100).default(20).describe('Token ids per /markets request'),
    timeout: DurationSchema.prefault('10s').describe('Timeout of one Gamma request'),
  }),
  reloadable: ['base_url', 'chunk_size', 'timeout'],
  examples: [{ title: 'defaults', with: {} }],
  create(cfg, ctx) {
    return {
      async run({ rows, markets, signal }: EnrichInput): Promise<EnrichOutput> {
        // Markets an earlier enrich plugin already built are kept as they are.
        const known = new Set(markets.map((m) => m.yesTokenId))
        const todo = rows.filter((r) => !known.has(r.token1))
        const base = cfg.base_url ?? ctx.resources.exchange.gammaUrl
        const fetched = await fetchGammaMarkets(
          base,
          todo.flatMap((r) => [r.token1, r.token2]),
          { chunkSize: cfg.chunk_size, timeoutMs: cfg.timeout, signal, clock: ctx.clock },
        )
        for (const u of fetched.unreadable) ctx.log.warn(`Gamma market skipped, unreadable: ${u}`)
        const byToken = new Map<string, GammaMarket>()
        for (const g of fetched.markets) {
          // Rows are matched by either id field; buildMarket then checks them against the one the version names.
          for (const t of [...(g.clobTokenIds ?? []), ...(g.positionIds ?? [])]) byToken.set(t, g)
          reportIdFields(g, ctx.log)
        }

        const built: Market[] = []
        const excluded: { origin: string; reason: string }[] = []
        for (const row of todo) {
          const g = byToken.get(row.token1) ?? byToken.get(row.token2)
          if (!g) {
            const reason = 'market not found on Gamma (by token1/token2)'
            excluded.push({ origin: row.origin, reason })
            ctx.log.warn(`${row.origin}: excluded: ${reason}`)
            continue
          }
          const result = buildMarket(row, g)
          if (result.kind === 'market') {
            built.push(result.market)
            continue
          }
          excluded.push({ origin: row.origin, reason: result.reason })
          const line = `${row.origin}: excluded: ${result.reason} (market ${g.conditionId}: ${g.question})`
          if (result.severity === 'mismatch') ctx.log.error(line)
          else ctx.log.warn(line)
        }
        return { markets: [...markets, ...built], excluded }
      },
      reconfigure(next) {
        cfg = next
        return true
      },
    }
  },
})
