import { describe, expect, test } from 'bun:test'
import { createTestPlugin, testMarket } from '../../../pipeline/testing.ts'
import type { BookPair, SpreadInput, SpreadOutput } from '../../../stages/io.ts'
import { isPull } from '../../../stages/io.ts'
import { bookPair } from '../../quoting-math/test-inputs.ts'
import plugin, { volHalfSpread } from './index.ts'

const market = testMarket()
const SEC = 1000
/** A 0.01-tick book with the mid at `mid` (one tick either side). */
const around = (mid: number): BookPair => bookPair({ bids: [[mid - 0.01, 100]], asks: [[mid + 0.01, 100]] })
const input = (books: BookPair, now: number, m = market): SpreadInput => ({ market: m, books, fair: 0.5, now })
const out = (o: SpreadOutput | { pull: string }): SpreadOutput => {
  if (isPull(o)) throw new Error(`pulled: ${o.pull}`)
  return o
}

describe('vol-spread', () => {
  test('defaults are the original daemon settings; window takes seconds or a duration', () => {
    expect(plugin.config.parse({})).toEqual({ k_vol: 2, k_fee_ticks: 1, window: 600_000, min_level_size: 0 })
    expect(plugin.config.parse({ window: '10m' }).window).toBe(600_000)
    expect(plugin.config.parse({ window: 30 }).window).toBe(30_000)
    expect(plugin.config.safeParse({ window: 0 }).success).toBe(false)
    expect(plugin.config.safeParse({ window: 'soon' }).success).toBe(false)
  })

  test('hand-computed: half = k_vol·σ + k_fee_ticks·tick, at least one tick', () => {
    expect(volHalfSpread(0, 0.01, 2, 1)).toBe(0.01)
    expect(volHalfSpread(0.005, 0.01, 2, 1)).toBeCloseTo(0.02, 12)
    expect(volHalfSpread(0.001, 0.01, 2, 0)).toBe(0.01) // 0.002 < one tick
    expect(volHalfSpread(0.001, 0.001, 3, 0.5)).toBeCloseTo(0.0035, 12)
  })

  test('hand-computed σ: mid 0.50 for one window, then 0.52 for one window (window 600 s)', async () => {
    const h = await createTestPlugin(plugin)
    const first = out(h.run(input(around(0.5), 0)))
    expect(first).toEqual({ halfSpread: 0.01, sigma: 0 })
    expect(out(h.run(input(around(0.52), 600 * SEC))).sigma).toBe(0) // 0.50 held, the mean is 0.50
    const third = out(h.run(input(around(0.52), 1200 * SEC)))
    // w = 1 − e⁻¹ ≈ 0.632121; var = (1 − w)·w·0.02² ≈ 9.30177e-5; σ ≈ 0.0096446; h = 2σ + 0.01 ≈ 0.0292891
    expect(third.sigma).toBeCloseTo(0.0096446, 6)
    expect(third.halfSpread).toBeCloseTo(0.0292891, 6)
  })

  test('a level flickering for milliseconds does not widen the spread like a real move', async () => {
    const flicker = await createTestPlugin(plugin)
    const moved = await createTestPlugin(plugin)
    let t = 0
    flicker.run(input(around(0.5), t))
    moved.run(input(around(0.5), t))
    for (let i = 0; i < 60; i++) {
      t += 10 * SEC
      flicker.run(input(around(0.6), t))
      flicker.run(input(around(0.5), t + 20))
      moved.run(input(around(i % 2 === 0 ? 0.6 : 0.5), t))
    }
    const f = out(flicker.run(input(around(0.5), t + 10 * SEC)))
    const m = out(moved.run(input(around(0.5), t + 10 * SEC)))
    expect(f.sigma).toBeLessThan(0.005)
    expect(m.sigma).toBeGreaterThan(0.03)
    expect(m.halfSpread).toBeGreaterThan(3 * f.halfSpread)
  })

  test('reads the mid from the YES book with the NO book mirrored in', async () => {
    const h = await createTestPlugin(plugin)
    // YES bid 0.40; NO bid 0.50 → YES ask 0.50: mid 0.45. Then NO bid 0.40 → YES ask 0.60: mid 0.50.
    h.run(input(bookPair({ bids: [[0.4, 10]] }, { bids: [[0.5, 10]] }), 0))
    h.run(input(bookPair({ bids: [[0.4, 10]] }, { bids: [[0.4, 10]] }), 600 * SEC))
    const o = out(h.run(input(bookPair({ bids: [[0.4, 10]] }, { bids: [[0.4, 10]] }), 1200 * SEC)))
    // Same shape as the hand-computed case with a 0.05 step: σ = 0.05·√((1 − w)·w).
    const w = 1 - Math.exp(-1)
    expect(o.sigma).toBeCloseTo(0.05 * Math.sqrt((1 - w) * w), 12)
  })

  test('the half-spread grows with σ (k_vol) and with the tick (k_fee_ticks)', async () => {
    const fine = testMarket({ tickSize: 0.001 })
    const books = (mid: number) => bookPair({ bids: [[mid - 0.001, 10]], asks: [[mid + 0.001, 10]] }, {}, 0.001)
    const h = await createTestPlugin(plugin, { k_vol: 2, k_fee_ticks: 3 })
    h.run(input(books(0.5), 0, fine))
    const o = out(h.run(input(books(0.6), 0, fine)))
    expect(o.halfSpread).toBeCloseTo(0.003, 12)
  })

  test('a gap without a two-sided book pulls and is not credited to the last mid', async () => {
    const h = await createTestPlugin(plugin)
    const g = await createTestPlugin(plugin)
    for (const x of [h, g]) {
      x.run(input(around(0.5), 0))
      x.run(input(around(0.6), 60 * SEC))
    }
    const pulled = h.run(input(bookPair({ bids: [[0.5, 1]] }), 120 * SEC))
    expect(isPull(pulled) && pulled.pull).toBe('no two-sided book to read the mid from')
    // h saw 0.60 for 60 s and then nothing for an hour; g saw 0.60 for the whole hour.
    const a = out(h.run(input(around(0.6), 3720 * SEC)))
    const b = out(g.run(input(around(0.6), 3720 * SEC)))
    expect(a.sigma).toBeGreaterThan(b.sigma)
  })

  test('reconfigure applies new k_vol in place; snapshot/restore carry σ to a new instance', async () => {
    const h = await createTestPlugin(plugin)
    h.run(input(around(0.5), 0))
    h.run(input(around(0.52), 600 * SEC))
    expect(h.reconfigure?.(plugin.config.parse({ k_vol: 4 }))).toBe(true)
    const snap = h.snapshot?.()
    const o = out(h.run(input(around(0.52), 1200 * SEC)))
    expect(o.halfSpread).toBeCloseTo(4 * 0.0096446 + 0.01, 6)
    const next = await createTestPlugin(plugin)
    next.restore?.(snap)
    expect(out(next.run(input(around(0.52), 1200 * SEC))).sigma).toBeCloseTo(o.sigma, 12)
  })
})
