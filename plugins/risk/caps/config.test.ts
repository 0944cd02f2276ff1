import { describe, expect, test } from 'bun:test'
import { ENV_OVERRIDES } from '../../../pipeline/config/env-overrides.ts'
import { CapsConfigSchema } from './config.ts'
import plugin from './index.ts'

describe('caps config', () => {
  test('defaults: caps are fractions, the loss limit a percent, durations in ms', () => {
    const c = CapsConfigSchema.parse({})
    expect(c.soft_cap).toBe(0.015)
    expect(c.hard_cap).toBe(0.03)
    expect(c.daily_loss_limit_pct).toBe(1)
    expect(c.soft_cap_widen).toBe(1.5)
    expect(c.soft_cap_shrink).toBe(0.5)
    expect(c.side_size_usd).toBe(1570)
    expect(c.markout_horizons).toEqual([3000, 10_000, 30_000])
    expect(c.markout_penalty).toEqual({ threshold: 0.002, widen_per_cent: 0.5, max_multiplier: 2, half_life: 600_000 })
    expect(c.min_time_to_resolution).toBe(3_600_000)
  })

  test('durations accept units; percent-looking caps and a hard cap under the soft cap are rejected', () => {
    expect(CapsConfigSchema.parse({ markout_horizons: ['500ms', 5, '1m'] }).markout_horizons).toEqual([
      500, 5000, 60_000,
    ])
    expect(CapsConfigSchema.safeParse({ soft_cap: 1.5 }).success).toBe(false)
    expect(CapsConfigSchema.safeParse({ soft_cap: 0.03, hard_cap: 0.02 }).success).toBe(false)
    expect(CapsConfigSchema.safeParse({ daily_loss_limit_pct: 0 }).success).toBe(false)
    expect(CapsConfigSchema.safeParse({ markout_horizons: [] }).success).toBe(false)
  })

  test('every environment override aimed at caps names a real field, and every tunable is reloadable', () => {
    const keys = Object.keys(CapsConfigSchema.shape)
    const targets = ENV_OVERRIDES.flatMap((o) =>
      o.target.kind === 'plugin' && o.target.plugin === 'caps' ? [o.target.key] : [],
    )
    expect(targets.sort()).toEqual(['daily_loss_limit_pct', 'hard_cap', 'soft_cap'])
    for (const t of targets) expect(keys).toContain(t)
    expect([...(plugin.reloadable ?? [])].sort() as string[]).toEqual([...keys].sort())
  })
})
