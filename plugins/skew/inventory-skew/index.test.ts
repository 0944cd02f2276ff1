import { describe, expect, test } from 'bun:test'
import { createTestPlugin, testMarket } from '../../../pipeline/testing.ts'
import type { YesQuote } from '../../../schemas/domain.ts'
import type { SkewInput } from '../../../stages/io.ts'
import { isPull } from '../../../stages/io.ts'
import { position } from '../../quoting-math/test-inputs.ts'
import plugin, { inventoryNorm } from './index.ts'

const market = testMarket()
const input = (fair: number, halfSpread: number, yes = 0, no = 0, capitalUsd = 10_000): SkewInput => ({
  market,
  fair,
  halfSpread,
  position: position(yes, no),
  capitalUsd,
  now: 0,
})
const quoteOf = (o: YesQuote | { pull: string }): YesQuote => {
  if (isPull(o)) throw new Error(`pulled: ${o.pull}`)
  return o
}

describe('inventory-skew', () => {
  test('default gamma is INV_GAMMA 1.0', () => {
    expect(plugin.config.parse({})).toEqual({ gamma: 1 })
    expect(plugin.config.safeParse({ gamma: -1 }).success).toBe(false)
  })

  test('hand-computed: flat inventory quotes fair ± h', async () => {
    const h = await createTestPlugin(plugin)
    const q = quoteOf(h.run(input(0.5, 0.02)))
    expect(q).toEqual({ fair: 0.5, reservation: 0.5, halfSpread: 0.02, bid: 0.48, ask: 0.52 })
  })

  test('hand-computed: long 1000 YES at fair 0.5 on 10 000 USD → q_norm 0.05, r 0.45, quote 0.43 / 0.47', async () => {
    expect(inventoryNorm(1000, 0.5, 10_000)).toBe(0.05)
    const h = await createTestPlugin(plugin)
    const q = quoteOf(h.run(input(0.5, 0.02, 1000, 0)))
    expect(q.reservation).toBeCloseTo(0.45, 12)
    expect(q.bid).toBeCloseTo(0.43, 12)
    expect(q.ask).toBeCloseTo(0.47, 12)
  })

  test('hand-computed: net short (400 NO, 0 YES) raises the quote; a YES+NO pair cancels out', async () => {
    const h = await createTestPlugin(plugin)
    const short = quoteOf(h.run(input(0.5, 0.02, 0, 400))) // q_norm −400·0.5/10 000 = −0.02
    expect(short.reservation).toBeCloseTo(0.52, 12)
    expect(short.bid).toBeCloseTo(0.5, 12)
    const paired = quoteOf(h.run(input(0.5, 0.02, 300, 700)))
    expect(paired.reservation).toBeCloseTo(0.52, 12)
  })

  test('gamma scales the shift: gamma 2, q_norm 0.05 → r = 0.5 − 0.1', async () => {
    const h = await createTestPlugin(plugin, { gamma: 2 })
    expect(quoteOf(h.run(input(0.5, 0.02, 1000))).reservation).toBeCloseTo(0.4, 12)
    expect(h.reconfigure?.(plugin.config.parse({ gamma: 0 }))).toBe(true)
    expect(quoteOf(h.run(input(0.5, 0.02, 1000))).reservation).toBe(0.5)
  })

  test('the quote stays inside [tick, 1 − tick] and at least a tick wide near the edges', async () => {
    const h = await createTestPlugin(plugin)
    const high = quoteOf(h.run(input(0.98, 0.03)))
    expect(high.bid).toBeCloseTo(0.95, 12)
    expect(high.ask).toBe(0.99)
    const pinned = quoteOf(h.run(input(0.999, 0.01, 0, 100_000))) // r far above 1
    expect(pinned.bid).toBeCloseTo(0.98, 12)
    expect(pinned.ask).toBe(0.99)
    const low = quoteOf(h.run(input(0.01, 0.01, 100_000))) // r far below 0
    expect(low.bid).toBe(0.01)
    expect(low.ask).toBe(0.02)
  })

  test('no capital: pulled rather than dividing by zero', async () => {
    const h = await createTestPlugin(plugin)
    const out = h.run(input(0.5, 0.02, 10, 0, 0))
    expect(isPull(out) && out.pull).toContain('no capital')
  })
})
