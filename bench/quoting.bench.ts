import { createManualClock } from '../pipeline/clock.ts'
import { createTestContext, createTestPlugin, testMarket } from '../pipeline/testing.ts'
import fairValue from '../plugins/fair-value/ewma-microprice/index.ts'
import layered from '../plugins/layer/layered/index.ts'
import { tickPrice } from '../plugins/quoting-math/grid.ts'
import { createRng } from '../plugins/quoting-math/rng.ts'
import { bookPair, position, verdict } from '../plugins/quoting-math/test-inputs.ts'
import inventorySkew from '../plugins/skew/inventory-skew/index.ts'
import volSpread from '../plugins/spread/vol-spread/index.ts'
import type { Market, MarketPosition } from '../schemas/domain.ts'
import type { BookPair } from '../stages/io.ts'
import { isPull } from '../stages/io.ts'
import { type BenchResult, measure } from './types.ts'

/**
 * Quote computation per market: fair → spread → skew → layer, the four built-in handlers' run() called in
 * sequence on prepared inputs (books of 10 levels a side on both tokens, holdings on both tokens so the SELL and
 * split paths run, default configs: 3 layers, jitter on). Target: p99 ≤ 10 µs.
 */
interface Prepared {
  market: Market
  /** Two alternating book states, so the mid moves and σ updates. */
  books: [BookPair, BookPair]
  position: MarketPosition
}

function prepare(markets: number): Prepared[] {
  const r = createRng(42)
  const out: Prepared[] = []
  for (let i = 0; i < markets; i++) {
    const tick = i % 4 === 0 ? 0.001 : 0.01
    const n = Math.round(1 / tick)
    const market = testMarket({ conditionId: `0x${i.toString(16).padStart(64, '0')}`, tickSize: tick })
    const state = (bidT: number): BookPair => {
      const lv = (from: number, dir: number) =>
        Array.from({ length: 10 }, (_, k) => [tickPrice(from + dir * k, tick), 20 + r() * 500] as [number, number])
      const askT = bidT + 2
      return bookPair(
        { bids: lv(bidT, -1), asks: lv(askT + 1, 1) },
        { bids: lv(n - askT, -1), asks: lv(n - bidT + 1, 1) },
        tick,
      )
    }
    const bidT = Math.round(n * (0.2 + 0.6 * r()))
    out.push({
      market,
      books: [state(bidT), state(bidT + 1)],
      position: position(r() * 800, r() * 800, market.conditionId),
    })
  }
  return out
}

export default async function (): Promise<BenchResult[]> {
  const clock = createManualClock()
  const ctx = (stage: 'fair-value' | 'spread' | 'skew' | 'layer') => createTestContext({ stage, clock })
  const fair = await createTestPlugin(fairValue, {}, ctx('fair-value'))
  const spread = await createTestPlugin(volSpread, {}, ctx('spread'))
  const skew = await createTestPlugin(inventorySkew, {}, ctx('skew'))
  const layer = await createTestPlugin(layered, { seed: 1 }, ctx('layer'))
  const guardedFair = await createTestPlugin(fairValue, { min_level_size: 100 }, ctx('fair-value'))
  const markets = prepare(64)
  const v = verdict()
  const capitalUsd = 10_000
  let now = clock.now()
  let orders = 0

  const chain = (fv: typeof fair) => (i: number) => {
    const p = markets[i % markets.length] as Prepared
    now += 50
    const books = p.books[(i >> 6) & 1] as BookPair
    const f = fv.run({ market: p.market, books, now })
    if (isPull(f)) throw new Error(f.pull)
    const s = spread.run({ market: p.market, books, fair: f.fair, now })
    if (isPull(s)) throw new Error(s.pull)
    const q = skew.run({
      market: p.market,
      fair: f.fair,
      halfSpread: s.halfSpread,
      position: p.position,
      capitalUsd,
      now,
    })
    if (isPull(q)) throw new Error(q.pull)
    const out = layer.run({ market: p.market, books, quote: q, verdict: v, position: p.position, now })
    if (isPull(out)) throw new Error(out.pull)
    orders += out.orders.length
  }

  const count = 200_000
  const full = measure('quote per market: fair → spread → skew → layer (3 layers)', count, chain(fair), 20_000)
  const perQuote = orders / (count + 20_000)
  orders = 0
  const guarded = measure('same, fair with min_level_size 100 (walks levels)', count, chain(guardedFair), 20_000)
  return [
    { ...full, note: `target p99 ≤ 10 µs; ${perQuote.toFixed(1)} orders per quote, 64 markets` },
    { ...guarded, note: 'spoof guard: skips small top levels on both books' },
  ]
}
