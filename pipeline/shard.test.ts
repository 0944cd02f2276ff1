import { describe, expect, test } from 'bun:test'
import { UniverseConfigSchema } from '../schemas/config.ts'
import type { Market } from '../schemas/domain.ts'
import { shardIndexOf, shardOf } from './shard.ts'

const market = (i: number): Market => ({
  conditionId: `0x${(BigInt(i) * 0x9e3779b97f4a7c15n).toString(16).padStart(64, '0').slice(-64)}`,
  question: `m${i}`,
  yesTokenId: String(2 * i + 1),
  noTokenId: String(2 * i + 2),
  tickSize: 0.01,
  minOrderSize: 5,
  negRisk: false,
  acceptingOrders: true,
  closed: false,
})

describe('sharding the market list', () => {
  const all = Array.from({ length: 300 }, (_, i) => market(i + 1))

  test('every market belongs to exactly one of n shards, whatever the order of the list', () => {
    const parts = [0, 1, 2].map((index) => shardOf(all, { index, of: 3 }))
    expect(parts.flat().length).toBe(all.length)
    expect(new Set(parts.flat().map((m) => m.conditionId)).size).toBe(all.length)
    const reversed = [0, 1, 2].map((index) =>
      shardOf([...all].reverse(), { index, of: 3 })
        .map((m) => m.conditionId)
        .sort(),
    )
    expect(reversed).toEqual(parts.map((p) => p.map((m) => m.conditionId).sort()))
    for (const p of parts) expect(p.length).toBeGreaterThan(60) // even enough: no shard idles
  })

  test('a market keeps its shard when others are added or removed', () => {
    const before = new Map(all.map((m) => [m.conditionId, shardIndexOf(m.conditionId, 4)]))
    const fewer = all.filter((_, i) => i % 3 === 0)
    for (const m of fewer) expect(shardIndexOf(m.conditionId, 4)).toBe(before.get(m.conditionId) as number)
  })

  test('config: shard must be below of, and the default is one shard of one', () => {
    const bad = UniverseConfigSchema.safeParse({ shard: 3, of: 3 })
    expect(bad.success).toBe(false)
    expect(bad.error?.issues[0]).toMatchObject({ path: ['shard'], message: expect.stringContaining('below of') })
    expect(UniverseConfigSchema.parse({ shard: 2, of: 3 })).toMatchObject({ shard: 2, of: 3 })
    expect(UniverseConfigSchema.parse({})).toMatchObject({ shard: 0, of: 1 })
  })
})
