import { z } from 'zod'
import { definePlugin } from '../../../pipeline/define-plugin.ts'
import type { SelectionRow } from '../../../schemas/domain.ts'
import { DurationSchema } from '../../../schemas/duration.ts'
import type { SourceOutput } from '../../../stages/io.ts'
import { GammaMarketSchema, outcomeIds } from '../../enrich/gamma/gamma-market.ts'
import { applyFilters, FILTER_FIELDS, FiltersSchema } from '../selection/filters.ts'
import { logRejected } from '../selection/report.ts'

/** The fields of a simulator Gamma `/markets` item this source reads (the real Gamma shape). */
const GammaItemSchema = z.object({
  conditionId: z.string(),
  slug: z.string().optional(),
  question: z.string().optional(),
  volume24hr: z.number().optional(),
  liquidityNum: z.number().optional(),
})
const TokenPairSchema = z.tuple([z.string().min(1), z.string().min(1)])

const TIMEOUT_MS = 10_000

function onLoopback(url: string): boolean {
  try {
    const host = new URL(url).hostname
    return host === 'localhost' || host === '[::1]' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host)
  } catch {
    return false
  }
}

/**
 * Every open market of the embedded simulator, whatever scenario it runs: the paper default trades the chosen
 * scenario out of the box. Read from the simulator's own Gamma endpoint (GET /markets?closed=false), so it
 * lists exactly what the exchange has. Refuses to run against Polymarket: there it would list everything.
 */
export default definePlugin({
  name: 'sim-markets',
  stage: 'source',
  summary: 'Every open market of the embedded simulator (the paper default: trades whichever scenario is chosen).',
  config: z.object({
    refresh: DurationSchema.prefault('15m').describe('How often the simulator is asked for its markets'),
    ...FiltersSchema.shape,
  }),
  reloadable: ['refresh', ...FILTER_FIELDS],
  examples: [{ title: "the simulator's markets", with: {} }],
  create(cfg, ctx) {
    // Every market a Gamma lists is a lot of markets on Polymarket: only a simulator (embedded, or one on loopback
    // that the exchange URLs point at, as `mm drill` does) may be listed whole.
    if (ctx.resources.exchange.kind !== 'sim' && !onLoopback(ctx.resources.exchange.gammaUrl)) {
      throw new Error(
        "sim-markets lists a simulator's markets: it needs exchange.use: sim, or a Gamma URL on loopback (use the file or sheets source for Polymarket)",
      )
    }
    const url = `${ctx.resources.exchange.gammaUrl.replace(/\/+$/, '')}/markets?closed=false`
    return {
      get refreshMs() {
        return cfg.refresh
      },
      async run({ signal }): Promise<SourceOutput> {
        let res: Response
        try {
          res = await fetch(url, { signal: AbortSignal.any([signal, AbortSignal.timeout(TIMEOUT_MS)]) })
        } catch (err) {
          throw new Error(`simulator markets ${url}: cannot fetch: ${err instanceof Error ? err.message : String(err)}`)
        }
        if (!res.ok) throw new Error(`simulator markets ${url} answered HTTP ${res.status}`)
        const items = z.array(z.unknown()).parse(await res.json())
        const rows: SelectionRow[] = []
        const rejected: { origin: string; reason: string }[] = []
        for (const [i, raw] of items.entries()) {
          const item = GammaItemSchema.safeParse(raw)
          const origin = `simulator market ${item.success ? (item.data.slug ?? item.data.conditionId) : `#${i + 1}`}`
          if (!item.success) {
            rejected.push({ origin, reason: `unreadable: ${item.error.issues[0]?.message ?? 'invalid'}` })
            continue
          }
          // Outcome ids by the market's protocol (§7.1): clobTokenIds for v1, positionIds for v2.
          const gamma = GammaMarketSchema.safeParse(raw)
          const ids = gamma.success ? outcomeIds(gamma.data) : undefined
          if (!ids || ids.kind === 'excluded') {
            rejected.push({ origin, reason: ids?.reason ?? `unreadable: ${gamma.error?.issues[0]?.message}` })
            continue
          }
          const tokens = TokenPairSchema.safeParse(ids.ids)
          if (!tokens.success) {
            rejected.push({ origin, reason: 'not a binary market' })
            continue
          }
          rows.push({
            token1: tokens.data[0],
            token2: tokens.data[1],
            condition_id: item.data.conditionId,
            ...(item.data.volume24hr === undefined ? {} : { volume_24h: item.data.volume24hr }),
            ...(item.data.liquidityNum === undefined ? {} : { liquidity: item.data.liquidityNum }),
            origin,
          })
        }
        const out = applyFilters({ rows, rejected }, cfg)
        logRejected(ctx.log, out.rejected)
        return out
      },
      reconfigure(next) {
        cfg = next
        return true
      },
    }
  },
})
