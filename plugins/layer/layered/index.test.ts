import { describe, expect, test } from 'bun:test'
import { createManualClock } from '../../../pipeline/clock.ts'
import { createTestContext, createTestPlugin, testMarket } from '../../../pipeline/testing.ts'
import type { Market, OrderIntent, YesQuote } from '../../../schemas/domain.ts'
import type { LayerInput, LayerOutput, RiskVerdict } from '../../../stages/io.ts'
import { isPull } from '../../../stages/io.ts'
import { bookPair, position, verdict } from '../../quoting-math/test-inputs.ts'
import plugin from './index.ts'

const YES = '1111'
const NO = '2222'
const market = testMarket() // tick 0.01, min 5 shares
const book = bookPair({ bids: [[0.48, 100]], asks: [[0.52, 100]] })
const quote: YesQuote = { fair: 0.5, reservation: 0.5, halfSpread: 0.015, bid: 0.485, ask: 0.515 }

function input(over: Partial<LayerInput> = {}): LayerInput {
  return { market, books: book, quote, verdict: verdict(), position: position(), now: Date.UTC(2026, 0, 1), ...over }
}
function outOf(o: LayerOutput | { pull: string }): LayerOutput {
  if (isPull(o)) throw new Error(`pulled: ${o.pull}`)
  return o
}
/** Compact order strings: "BUY 1111 0.48 × 625 L0 bid". */
const show = (orders: readonly OrderIntent[]) =>
  orders.map((o) => `${o.side} ${o.tokenId} ${o.price} × ${o.size} L${o.layer} ${o.quoteSide}`)
const exact = (w: Record<string, unknown> = {}) => createTestPlugin(plugin, { jitter: 0, ...w })

describe('layered', () => {
  test('defaults are the original daemon settings', () => {
    const cfg = plugin.config.parse({})
    expect(cfg).toMatchObject({
      layers: 3,
      step_ticks: 1,
      base_size_usd: 300,
      max_size_usd: 1500,
      size_growth: 1.5,
      jitter: 0.1,
      ttr_scaling: false,
      ttr_horizon: 86_400_000,
      ttr_pull_before: 600_000,
      rewards_aware: false,
    })
    expect(cfg.seed).toBeUndefined()
  })

  test('hand-computed ladder, flat: bids 0.48/0.47/0.46 BUY YES, asks 0.52/0.53/0.54 as BUY NO at 1 − p', async () => {
    const h = await exact()
    const out = outOf(h.run(input()))
    // bid 0.485 rounds down to 0.48, ask 0.515 up to 0.52. USD 300, 450, 675 at each order's price:
    // 300/0.48 = 625; 450/0.47 = 957.446…; 675/0.46 = 1467.391…
    expect(show(out.orders)).toEqual([
      `BUY ${YES} 0.48 × 625 L0 bid`,
      `BUY ${YES} 0.47 × 957.44 L1 bid`,
      `BUY ${YES} 0.46 × 1467.39 L2 bid`,
      `BUY ${NO} 0.48 × 625 L0 ask`,
      `BUY ${NO} 0.47 × 957.44 L1 ask`,
      `BUY ${NO} 0.46 × 1467.39 L2 ask`,
    ])
    expect(out.quote).toEqual({ fair: 0.5, reservation: 0.5, halfSpread: 0.015, bid: 0.48, ask: 0.52 })
  })

  test('hand-computed NO mapping: held YES is sold first, nearer layers first, then the layer is split', async () => {
    const h = await exact()
    const out = outOf(h.run(input({ position: position(700, 0) })))
    // L0 ask 0.52: 300/0.52 = 576.92 YES sold, 123.08 left.
    // L1 ask 0.53: 123.08 YES sold (65.2324 USD); the other 384.7676 USD buy NO at 0.47: 818.654… → 818.65.
    // L2 ask 0.54: nothing left to sell: 675/0.46 = 1467.39 NO.
    expect(show(out.orders.filter((o) => o.quoteSide === 'ask'))).toEqual([
      `SELL ${YES} 0.52 × 576.92 L0 ask`,
      `SELL ${YES} 0.53 × 123.08 L1 ask`,
      `BUY ${NO} 0.47 × 818.65 L1 ask`,
      `BUY ${NO} 0.46 × 1467.39 L2 ask`,
    ])
  })

  test('hand-computed NO mapping on the bid side: held NO is sold at 1 − p before buying YES', async () => {
    const h = await exact()
    const out = outOf(h.run(input({ position: position(0, 2000) })))
    // L0 bid 0.48 → SELL NO @ 0.52: 300/0.52 = 576.92; L1 bid 0.47 → SELL NO @ 0.53: 450/0.53 = 849.05;
    // L2 bid 0.46 → SELL NO @ 0.54: 675/0.54 = 1250 > the 574.03 left: 574.03 sold (309.9762 USD),
    // the other 365.0238 USD buy YES at 0.46: 793.53…
    expect(show(out.orders.filter((o) => o.quoteSide === 'bid'))).toEqual([
      `SELL ${NO} 0.52 × 576.92 L0 bid`,
      `SELL ${NO} 0.53 × 849.05 L1 bid`,
      `SELL ${NO} 0.54 × 574.03 L2 bid`,
      `BUY ${YES} 0.46 × 793.53 L2 bid`,
    ])
  })

  test('held shares under the minimum size are not offered; the layer is bought whole', async () => {
    const h = await exact()
    const out = outOf(h.run(input({ position: position(3, 4.99) })))
    expect(out.orders.every((o) => o.side === 'BUY')).toBe(true)
    expect(out.orders).toHaveLength(6)
  })

  test('never crosses the combined book, NO bids mirrored in', async () => {
    const h = await exact()
    // Quote 0.55/0.58 over a book whose best YES ask is 0.50 (a NO bid at 0.50): the bid stops at 0.49.
    const books = bookPair({ bids: [[0.45, 100]], asks: [[0.52, 100]] }, { bids: [[0.5, 10]] })
    const out = outOf(
      h.run(input({ books, quote: { fair: 0.565, reservation: 0.565, halfSpread: 0.015, bid: 0.55, ask: 0.58 } })),
    )
    expect(out.orders.filter((o) => o.quoteSide === 'bid').map((o) => o.price)).toEqual([0.49, 0.48, 0.47])
    expect(out.orders.filter((o) => o.quoteSide === 'ask').map((o) => o.price)).toEqual([0.42, 0.41, 0.4])
    // And the ask side never reaches the best bid: quote 0.40/0.44 over best bid 0.45 → asks from 0.46.
    const low = outOf(
      h.run(input({ books, quote: { fair: 0.42, reservation: 0.42, halfSpread: 0.02, bid: 0.4, ask: 0.44 } })),
    )
    expect(low.orders.filter((o) => o.quoteSide === 'ask').map((o) => 1 - o.price)).toEqual([
      expect.closeTo(0.46, 9),
      expect.closeTo(0.47, 9),
      expect.closeTo(0.48, 9),
    ])
    expect(low.quote.ask).toBe(0.46)
  })

  test('sizes grow 1.5× per layer and stop at max_size_usd; step_ticks spaces the layers', async () => {
    const h = await exact({ base_size_usd: 1000, size_growth: 2, step_ticks: 2 })
    const out = outOf(h.run(input()))
    // 1000, then 2000 and 4000 capped at 1500, at 0.48, 0.46, 0.44.
    expect(show(out.orders.filter((o) => o.quoteSide === 'bid'))).toEqual([
      `BUY ${YES} 0.48 × 2083.33 L0 bid`,
      `BUY ${YES} 0.46 × 3260.86 L1 bid`,
      `BUY ${YES} 0.44 × 3409.09 L2 bid`,
    ])
  })

  test('layers under the market minimum are dropped', async () => {
    const h = await exact()
    const m = testMarket({ minOrderSize: 700 })
    const out = outOf(h.run(input({ market: m })))
    expect(out.orders.map((o) => o.layer)).toEqual([1, 2, 1, 2])
  })

  test('levels outside [tick, 1 − tick] are dropped, not stacked on the edge (0.001 tick)', async () => {
    const h = await exact()
    const m = testMarket({ tickSize: 0.001 })
    const books = bookPair({ bids: [[0.001, 100]], asks: [[0.004, 100]] }, {}, 0.001)
    const out = outOf(
      h.run(
        input({
          market: m,
          books,
          quote: { fair: 0.002, reservation: 0.002, halfSpread: 0.0005, bid: 0.0015, ask: 0.0025 },
        }),
      ),
    )
    // Bid 0.0015 → 0.001; the next layers (0.000, −0.001) do not exist. Asks 0.003, 0.004, 0.005 → BUY NO 0.997…
    expect(out.orders.filter((o) => o.quoteSide === 'bid').map((o) => o.price)).toEqual([0.001])
    expect(out.orders.filter((o) => o.quoteSide === 'ask').map((o) => o.price)).toEqual([0.997, 0.996, 0.995])
    expect(out.orders[0]?.size).toBe(300_000) // 300 USD at 0.001
  })

  test('risk verdict: a closed side quotes nothing; multipliers widen and shrink only their side', async () => {
    const h = await exact()
    const out = outOf(
      h.run(input({ verdict: verdict({ allowed: false }, { spreadMultiplier: 2, sizeMultiplier: 0.5 }) })),
    )
    // Ask 0.515 + (2 − 1)·0.015 = 0.53; sizes 150, 225, 337.5 USD as BUY NO at 0.47, 0.46, 0.45.
    expect(show(out.orders)).toEqual([
      `BUY ${NO} 0.47 × 319.14 L0 ask`,
      `BUY ${NO} 0.46 × 489.13 L1 ask`,
      `BUY ${NO} 0.45 × 750 L2 ask`,
    ])
    expect(out.quote.ask).toBe(0.53)
    expect(out.quote.halfSpread).toBeCloseTo(0.0225, 12)
  })

  test('HALTED: no orders at all', async () => {
    const h = await exact()
    const halted: RiskVerdict = verdict({}, {}, 'HALTED')
    expect(outOf(h.run(input({ verdict: halted }))).orders).toEqual([])
  })

  test('jitter moves sizes within ±jitter, is fixed per level and seed, and never passes the cap', async () => {
    const a = await createTestPlugin(plugin, { seed: 7, jitter: 0.2 })
    const b = await createTestPlugin(plugin, { seed: 7, jitter: 0.2 })
    const c = await createTestPlugin(plugin, { seed: 8, jitter: 0.2 })
    const sizes = (o: LayerOutput) => o.orders.map((x) => x.size)
    const first = outOf(a.run(input()))
    expect(sizes(outOf(a.run(input())))).toEqual(sizes(first)) // same level, same size: no churn
    expect(sizes(outOf(b.run(input())))).toEqual(sizes(first))
    expect(sizes(outOf(c.run(input())))).not.toEqual(sizes(first))
    const plain = sizes(outOf((await exact()).run(input())))
    first.orders.forEach((o, i) => {
      const p = plain[i] ?? 0
      expect(o.size).toBeGreaterThanOrEqual(Math.floor(p * 0.8 * 100) / 100 - 0.01)
      expect(o.size).toBeLessThanOrEqual(p * 1.2 + 0.01)
    })
    const capped = await createTestPlugin(plugin, { seed: 1, jitter: 0.5, base_size_usd: 1500 })
    for (const o of outOf(capped.run(input())).orders) expect(o.size * o.price).toBeLessThanOrEqual(1500)
  })

  describe('time to resolution (ttr_scaling)', () => {
    const now = Date.UTC(2026, 0, 1)
    const ends = (ms: number): Market => testMarket({ endDate: now + ms })
    const HOUR = 3_600_000
    const ttr = { ttr_scaling: true, ttr_horizon: '10h', ttr_pull_before: '1h' }

    test('off by default: a market ending in 5 minutes is quoted as usual', async () => {
      const h = await exact()
      expect(outOf(h.run(input({ market: ends(300_000), now }))).orders).toHaveLength(6)
    })

    test('halfway between horizon and pull point: 1.5× spread, 0.75× size', async () => {
      const h = await exact(ttr)
      const out = outOf(h.run(input({ market: ends(5.5 * HOUR), now })))
      // Bid 0.485 − 0.5·0.015 = 0.4775 → 0.47; ask 0.5225 → 0.53 → BUY NO 0.47; 225 USD / 0.47 = 478.72.
      expect(show(out.orders.filter((o) => o.layer === 0))).toEqual([
        `BUY ${YES} 0.47 × 478.72 L0 bid`,
        `BUY ${NO} 0.47 × 478.72 L0 ask`,
      ])
    })

    test('beyond the horizon nothing changes; inside the pull window the market is pulled', async () => {
      const h = await exact(ttr)
      const far = outOf(h.run(input({ market: ends(11 * HOUR), now })))
      expect(far.orders[0]?.price).toBe(0.48)
      const near = h.run(input({ market: ends(0.5 * HOUR), now }))
      expect(isPull(near) && near.pull).toBe('resolves in 30m (ttr_pull_before 1h)')
      const past = h.run(input({ market: ends(-1), now }))
      expect(isPull(past) && past.pull).toBe('past its end date (ttr_scaling)')
    })
  })

  describe('rewards-aware layering', () => {
    const rewarded = testMarket({ rewardsMinSize: 1000, rewardsMaxSpread: 3 })
    const wide: YesQuote = { fair: 0.5, reservation: 0.5, halfSpread: 0.04, bid: 0.46, ask: 0.54 }

    test('off by default', async () => {
      const h = await exact()
      const out = outOf(h.run(input({ market: rewarded, quote: wide })))
      expect(out.orders[0]?.price).toBe(0.46)
    })

    test('moves layer 0 inside the max spread (strictly) and raises it to the rewards min size', async () => {
      const h = await exact({ rewards_aware: true })
      const out = outOf(h.run(input({ market: rewarded, quote: wide })))
      // Mid 0.50, v 3c: 0.47 is exactly at v and scores nothing, 0.48 is the farthest that scores.
      // 300 USD would be 625 shares; raised to 1000 (cap 1500/0.48 = 3125). Outer layers stay at 0.45, 0.44:
      // 450/0.45 = 1000, 675/0.44 = 1534.09.
      expect(show(out.orders)).toEqual([
        `BUY ${YES} 0.48 × 1000 L0 bid`,
        `BUY ${YES} 0.45 × 1000 L1 bid`,
        `BUY ${YES} 0.44 × 1534.09 L2 bid`,
        `BUY ${NO} 0.48 × 1000 L0 ask`,
        `BUY ${NO} 0.45 × 1000 L1 ask`,
        `BUY ${NO} 0.44 × 1534.09 L2 ask`,
      ])
      expect(out.quote.bid).toBe(0.48)
    })

    test('the mid is the size-adjusted one: a thin better bid does not pull the scoring levels toward it', async () => {
      const h = await exact({ rewards_aware: true })
      // A 10-share bid at 0.50 over the 0.48 bid of 2000: the adjusted mid stays at 0.50 ((0.48 + 0.52) / 2),
      // where the plain one would be 0.51 and put the scoring bid at 0.49.
      const thinTop = bookPair({
        bids: [
          [0.5, 10],
          [0.48, 2000],
        ],
        asks: [[0.52, 2000]],
      })
      const out = outOf(h.run(input({ market: rewarded, quote: wide, books: thinTop })))
      expect(out.orders.find((o) => o.quoteSide === 'bid' && o.layer === 0)?.price).toBe(0.48)
    })

    test('one side scoring alone earns a third (nothing outside [0.10, 0.90]): the other side is brought in', async () => {
      const h = await exact({ rewards_aware: true })
      // A reservation of 0.47 (long inventory) alone would keep the bid at 0.46 (never buy above it) while the ask
      // moves in to 0.52. One side alone would score a third: the bid is brought in to 0.48 too.
      const skewed: YesQuote = { ...wide, reservation: 0.47 }
      const out = outOf(h.run(input({ market: rewarded, quote: skewed })))
      const l0 = (side: 'bid' | 'ask') => out.orders.find((o) => o.quoteSide === side && o.layer === 0)
      expect(l0('ask')?.price).toBe(0.48) // BUY NO at 0.48 = YES ask 0.52, inside v
      expect(l0('bid')?.price).toBe(0.48) // brought in past the reservation: both sides score
      expect(l0('bid')?.size).toBe(1000)
    })

    test('a rewards layer is not split: it sells only when holdings cover the whole target', async () => {
      const h = await exact({ rewards_aware: true })
      const some = outOf(h.run(input({ market: rewarded, quote: wide, position: position(900, 0) })))
      expect(show(some.orders.filter((o) => o.quoteSide === 'ask' && o.layer === 0))).toEqual([
        `BUY ${NO} 0.48 × 1000 L0 ask`,
      ])
      const plenty = outOf(h.run(input({ market: rewarded, quote: wide, position: position(5000, 0) })))
      expect(show(plenty.orders.filter((o) => o.quoteSide === 'ask' && o.layer === 0))).toEqual([
        `SELL ${YES} 0.52 × 1000 L0 ask`,
      ])
    })

    test('does not move in when that would cross the book or pass the mid', async () => {
      const h = await exact({ rewards_aware: true })
      // Book 0.50/0.52, mid 0.51, v 0.5c: the scoring band (0.505, 0.515) holds no tick below/above the mid.
      const tight = testMarket({ rewardsMinSize: 10, rewardsMaxSpread: 0.5 })
      const books = bookPair({ bids: [[0.5, 100]], asks: [[0.52, 100]] })
      const out = outOf(h.run(input({ market: tight, books, quote: wide })))
      expect(out.quote.bid).toBe(0.46)
      expect(out.quote.ask).toBe(0.54)
    })
  })

  test('reconfigure changes the ladder in place', async () => {
    const h = await exact()
    expect(h.reconfigure?.(plugin.config.parse({ layers: 1, jitter: 0 }))).toBe(true)
    expect(outOf(h.run(input())).orders).toHaveLength(2)
  })

  test('without a seed the jitter is derived from the injected clock: same clock, same sizes', async () => {
    const mk = async () =>
      createTestPlugin(plugin, {}, createTestContext({ stage: 'layer', clock: createManualClock(123_456) }))
    const a = outOf((await mk()).run(input()))
    const b = outOf((await mk()).run(input()))
    expect(a.orders.map((o) => o.size)).toEqual(b.orders.map((o) => o.size))
  })
})
