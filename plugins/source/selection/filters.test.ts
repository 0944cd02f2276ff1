import { describe, expect, test } from 'bun:test'
import type { SelectionRow } from '../../../schemas/domain.ts'
import { applyFilters, FiltersSchema, filterReason, mmScoreOf, trendOf } from './filters.ts'

function row(origin: string, fields: Partial<SelectionRow> = {}): SelectionRow {
  return { token1: '1', token2: '2', origin, ...fields }
}

describe('formulas', () => {
  test('trend = Volume_7d / Volume_30d', () => {
    expect(trendOf(row('a', { volume_7d: 30_000, volume_30d: 100_000 }))).toBeCloseTo(0.3, 12)
    expect(trendOf(row('a', { volume_7d: 30_000, volume_30d: 0 }))).toBeUndefined()
    expect(trendOf(row('a', { volume_7d: 30_000 }))).toBeUndefined()
  })

  test('mm_score = Liquidity · √Volume_7d', () => {
    expect(mmScoreOf(row('a', { liquidity: 10_000, volume_7d: 40_000 }))).toBe(2_000_000)
    expect(mmScoreOf(row('a', { liquidity: 10_000 }))).toBeUndefined()
  })
})

describe('applyFilters', () => {
  test('with nothing configured every row passes, even rows without numbers', () => {
    const input = { rows: [row('a'), row('b', { liquidity: 1 })], rejected: [] }
    expect(applyFilters(input, FiltersSchema.parse({}))).toEqual(input)
  })

  test('each threshold rejects with value vs threshold; passing rows are kept; earlier rejects stay', () => {
    const filters = FiltersSchema.parse({
      min_liquidity: 10_000,
      min_weekly_volume: 50_000,
      min_trend: 0.3,
      mm_score_min: 1_000_000,
    })
    const good = row('good', { liquidity: 10_000, volume_7d: 50_000, volume_30d: 150_000 }) // trend 0.333, score 2.236e6
    const input = {
      rows: [
        good,
        row('thin', { liquidity: 9_999, volume_7d: 50_000, volume_30d: 150_000 }),
        row('quiet', { liquidity: 20_000, volume_7d: 40_000, volume_30d: 100_000 }),
        row('fading', { liquidity: 20_000, volume_7d: 60_000, volume_30d: 300_000 }),
        row('no-30d', { liquidity: 20_000, volume_7d: 60_000 }),
      ],
      rejected: [{ origin: 'r9', reason: 'token1 is missing' }],
    }
    const out = applyFilters(input, filters)
    expect(out.rows).toEqual([good])
    expect(out.rejected).toEqual([
      { origin: 'r9', reason: 'token1 is missing' },
      { origin: 'thin', reason: 'filtered out: Liquidity 9999 < min_liquidity 10000' },
      { origin: 'quiet', reason: 'filtered out: Volume_7d 40000 < min_weekly_volume 50000' },
      { origin: 'fading', reason: 'filtered out: trend 0.2 < min_trend 0.3' },
      {
        origin: 'no-30d',
        reason: 'filtered out: trend unknown: needs Volume_7d and a non-zero Volume_30d (min_trend 0.3)',
      },
    ])
  })

  test('mm_score_min alone: Liquidity · √Volume_7d against the threshold, boundary inclusive', () => {
    const f = FiltersSchema.parse({ mm_score_min: 1_000_000 })
    expect(filterReason(row('a', { liquidity: 5_000, volume_7d: 40_000 }), f)).toBeUndefined() // exactly 1e6
    expect(filterReason(row('b', { liquidity: 4_000, volume_7d: 40_000 }), f)).toBe(
      'mm_score 800000 < mm_score_min 1000000',
    )
    expect(filterReason(row('c', { volume_7d: 40_000 }), f)).toContain('mm_score unknown')
  })

  test('a row failing several filters lists every reason', () => {
    const f = FiltersSchema.parse({ min_liquidity: 100, min_weekly_volume: 100 })
    expect(filterReason(row('a', { liquidity: 1, volume_7d: 2 }), f)).toBe(
      'Liquidity 1 < min_liquidity 100; Volume_7d 2 < min_weekly_volume 100',
    )
  })

  test('thresholds must be non-negative numbers', () => {
    expect(FiltersSchema.safeParse({ min_liquidity: -1 }).success).toBe(false)
    expect(FiltersSchema.safeParse({ min_trend: '0.3' }).success).toBe(false)
  })
})
