import { describe, expect, test } from 'bun:test'
import { createTestPlugin, testMarket } from '../../../pipeline/testing.ts'
import type { BookPair, FairValueInput } from '../../../stages/io.ts'
import { isPull } from '../../../stages/io.ts'
import { createStaticBook } from '../../quoting-math/static-book.ts'
import { bookPair } from '../../quoting-math/test-inputs.ts'
import plugin from './index.ts'

const market = testMarket()
const input = (books: BookPair, m = market): FairValueInput => ({ market: m, books, now: 0 })
const fairOf = (out: unknown) => {
  if (isPull(out)) throw new Error(`pulled: ${out.pull}`)
  return (out as { fair: number }).fair
}

// Microprice 0.5: (0.40·100 + 0.60·100) / 200. Microprice 0.45: (0.40·300 + 0.60·100) / 400.
const even = bookPair({ bids: [[0.4, 100]], asks: [[0.6, 100]] })
const heavyAsk = bookPair({ bids: [[0.4, 100]], asks: [[0.6, 300]] })

describe('ewma-microprice', () => {
  test('defaults are the original daemon settings', () => {
    expect(plugin.config.parse({})).toEqual({
      alpha: 0.2,
      min_level_size: 0,
      mirror_no_book: true,
      clamp_to_touch: true,
    })
    expect(plugin.config.safeParse({ alpha: 0 }).success).toBe(false)
  })

  test('mirror_no_book false reads the YES book alone (the original daemon: no complement mapping)', async () => {
    // YES 0.40 / 0.60; a NO bid at 0.45 is YES ask liquidity at 0.55, better than the YES-native ask.
    const books = bookPair({ bids: [[0.4, 100]], asks: [[0.6, 100]] }, { bids: [[0.45, 100]] })
    const mirrored = await createTestPlugin(plugin)
    const alone = await createTestPlugin(plugin, { mirror_no_book: false })
    expect(fairOf(mirrored.run(input(books)))).toBeCloseTo(0.475, 12) // (0.40·100 + 0.55·100) / 200
    expect(fairOf(alone.run(input(books)))).toBeCloseTo(0.5, 12)
  })

  test('hand-computed EWMA: the first microprice is the first fair value, then f ← 0.2·m + 0.8·f', async () => {
    const h = await createTestPlugin(plugin)
    expect(fairOf(h.run(input(even)))).toBeCloseTo(0.5, 12)
    expect(fairOf(h.run(input(heavyAsk)))).toBeCloseTo(0.49, 12) // 0.2·0.45 + 0.8·0.5
    expect(fairOf(h.run(input(heavyAsk)))).toBeCloseTo(0.482, 12) // 0.2·0.45 + 0.8·0.49
  })

  test('the NO book counts: a NO bid at 0.45 is YES ask liquidity at 0.55', async () => {
    const h = await createTestPlugin(plugin, { alpha: 1 })
    // YES 0.40 × 100 / 0.60 × 100; NO bid 0.45 × 300 → YES ask 0.55 × 300: (0.40·300 + 0.55·100) / 400
    const books = bookPair({ bids: [[0.4, 100]], asks: [[0.6, 100]] }, { bids: [[0.45, 300]] })
    expect(fairOf(h.run(input(books)))).toBeCloseTo(0.4375, 12)
  })

  test('min_level_size skips a spoof-small top level', async () => {
    const books = bookPair({
      bids: [
        [0.55, 1],
        [0.4, 100],
      ],
      asks: [[0.6, 100]],
    })
    const plain = await createTestPlugin(plugin, { alpha: 1 })
    const guarded = await createTestPlugin(plugin, { alpha: 1, min_level_size: 10 })
    // Spoofed: (0.55·100 + 0.60·1) / 101; guarded: (0.40·100 + 0.60·100) / 200.
    expect(fairOf(plain.run(input(books)))).toBeCloseTo(55.6 / 101, 12)
    expect(fairOf(guarded.run(input(books)))).toBeCloseTo(0.5, 12)
  })

  test('one EWMA per market', async () => {
    const h = await createTestPlugin(plugin)
    const other = testMarket({ conditionId: `0x${'cd'.repeat(32)}` })
    h.run(input(even))
    expect(fairOf(h.run(input(heavyAsk, other)))).toBeCloseTo(0.45, 12)
    expect(fairOf(h.run(input(heavyAsk)))).toBeCloseTo(0.49, 12)
  })

  test('after a jump the fair value is kept inside the touch unless clamp_to_touch is off', async () => {
    const jumped = bookPair({ bids: [[0.7, 100]], asks: [[0.72, 100]] })
    const clamped = await createTestPlugin(plugin)
    const free = await createTestPlugin(plugin, { clamp_to_touch: false })
    for (const h of [clamped, free]) h.run(input(even))
    expect(fairOf(clamped.run(input(jumped)))).toBeCloseTo(0.7, 12)
    expect(fairOf(free.run(input(jumped)))).toBeCloseTo(0.2 * 0.71 + 0.8 * 0.5, 12)
  })

  test('pulls on empty, one-sided, crossed or not-fresh books, with the reason', async () => {
    const h = await createTestPlugin(plugin)
    h.run(input(even))
    const pullOf = (books: BookPair) => {
      const out = h.run(input(books))
      return isPull(out) ? out.pull : ''
    }
    expect(pullOf(bookPair({}))).toContain('empty book')
    expect(pullOf(bookPair({ bids: [[0.4, 1]] }))).toContain('no YES ask')
    expect(pullOf(bookPair({}, { bids: [[0.4, 1]] }))).toContain('no YES bid')
    expect(pullOf(bookPair({ bids: [[0.6, 1]] }, { bids: [[0.45, 1]] }))).toContain('crossed')
    const stale = { ...even, no: createStaticBook({ state: 'stale', stateReason: 'quiet 30s' }) }
    expect(pullOf(stale)).toBe('NO book stale: quiet 30s')
    // After the gap the EWMA restarts from the first good microprice instead of averaging in 0.5.
    expect(fairOf(h.run(input(heavyAsk)))).toBeCloseTo(0.45, 12)
  })

  test('reconfigure changes alpha in place; snapshot/restore carry the EWMA to a new instance', async () => {
    const h = await createTestPlugin(plugin)
    h.run(input(even))
    expect(h.reconfigure?.(plugin.config.parse({ alpha: 0.5 }))).toBe(true)
    expect(fairOf(h.run(input(heavyAsk)))).toBeCloseTo(0.475, 12)
    const next = await createTestPlugin(plugin)
    next.restore?.(h.snapshot?.())
    expect(fairOf(next.run(input(heavyAsk)))).toBeCloseTo(0.2 * 0.45 + 0.8 * 0.475, 12)
    const fresh = await createTestPlugin(plugin)
    fresh.restore?.({ junk: 'x' })
    expect(fairOf(fresh.run(input(heavyAsk)))).toBeCloseTo(0.45, 12)
  })
})
