import { z } from 'zod'
import type { SelectionRow } from '../../../schemas/domain.ts'
import type { SourceOutput } from '../../../stages/io.ts'
import { FILTERED_PREFIX } from './report.ts'

/**
 * Selection thresholds of the original daemon (MIN_LIQUIDITY, MIN_WEEKLY_VOLUME, MIN_TREND, MM_SCORE_MIN), each
 * off unless configured. The original only applied them in an offline script; here they run on every read.
 */
export const FiltersSchema = z.object({
  min_liquidity: z.number().nonnegative().optional().describe('Minimum Liquidity (MIN_LIQUIDITY); off when unset'),
  min_weekly_volume: z
    .number()
    .nonnegative()
    .optional()
    .describe('Minimum Volume_7d (MIN_WEEKLY_VOLUME); off when unset'),
  min_trend: z
    .number()
    .nonnegative()
    .optional()
    .describe('Minimum trend = Volume_7d / Volume_30d (MIN_TREND); off when unset'),
  mm_score_min: z
    .number()
    .nonnegative()
    .optional()
    .describe('Minimum mm_score = Liquidity · √Volume_7d (MM_SCORE_MIN); off when unset'),
})
export type Filters = z.infer<typeof FiltersSchema>

export const FILTER_FIELDS = ['min_liquidity', 'min_weekly_volume', 'min_trend', 'mm_score_min'] as const

/** trend = Volume_7d / Volume_30d; undefined when either is missing or Volume_30d is 0. */
export function trendOf(row: SelectionRow): number | undefined {
  if (row.volume_7d === undefined || row.volume_30d === undefined || row.volume_30d === 0) return undefined
  return row.volume_7d / row.volume_30d
}

/** mm_score = Liquidity · √Volume_7d; undefined when either is missing or Volume_7d is negative. */
export function mmScoreOf(row: SelectionRow): number | undefined {
  if (row.liquidity === undefined || row.volume_7d === undefined || row.volume_7d < 0) return undefined
  return row.liquidity * Math.sqrt(row.volume_7d)
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(6)))
}

/** Why the row fails the filters, or undefined when it passes every configured one. */
export function filterReason(row: SelectionRow, f: Filters): string | undefined {
  const reasons: string[] = []
  if (f.min_liquidity !== undefined) {
    if (row.liquidity === undefined) reasons.push(`Liquidity missing (min_liquidity ${fmt(f.min_liquidity)})`)
    else if (row.liquidity < f.min_liquidity)
      reasons.push(`Liquidity ${fmt(row.liquidity)} < min_liquidity ${fmt(f.min_liquidity)}`)
  }
  if (f.min_weekly_volume !== undefined) {
    if (row.volume_7d === undefined) reasons.push(`Volume_7d missing (min_weekly_volume ${fmt(f.min_weekly_volume)})`)
    else if (row.volume_7d < f.min_weekly_volume)
      reasons.push(`Volume_7d ${fmt(row.volume_7d)} < min_weekly_volume ${fmt(f.min_weekly_volume)}`)
  }
  if (f.min_trend !== undefined) {
    const trend = trendOf(row)
    if (trend === undefined)
      reasons.push(`trend unknown: needs Volume_7d and a non-zero Volume_30d (min_trend ${fmt(f.min_trend)})`)
    else if (trend < f.min_trend) reasons.push(`trend ${fmt(trend)} < min_trend ${fmt(f.min_trend)}`)
  }
  if (f.mm_score_min !== undefined) {
    const score = mmScoreOf(row)
    if (score === undefined)
      reasons.push(`mm_score unknown: needs Liquidity and Volume_7d (mm_score_min ${fmt(f.mm_score_min)})`)
    else if (score < f.mm_score_min) reasons.push(`mm_score ${fmt(score)} < mm_score_min ${fmt(f.mm_score_min)}`)
  }
  return reasons.length > 0 ? reasons.join('; ') : undefined
}

/** Keeps rows passing every configured filter; the others join `rejected` with the value-vs-threshold reason. */
export function applyFilters(input: SourceOutput, f: Filters): SourceOutput {
  const rows: SelectionRow[] = []
  const rejected = [...input.rejected]
  for (const row of input.rows) {
    const reason = filterReason(row, f)
    if (reason === undefined) rows.push(row)
    else rejected.push({ origin: row.origin, reason: `${FILTERED_PREFIX}${reason}` })
  }
  return { rows, rejected }
}
