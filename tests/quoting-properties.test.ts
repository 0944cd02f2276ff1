import { describe, expect, test } from 'bun:test'
import { createTestPlugin, testMarket } from '../pipeline/testing.ts'
import fairValue from '../plugins/fair-value/ewma-microprice/index.ts'
import layered from '../plugins/layer/layered/index.ts'
import { floorShares, gridSteps, onGrid, tickPrice } from '../plugins/quoting-math/grid.ts'
import { createRng } from '../plugins/quoting-math/rng.ts'
import { bookPair, position } from '../plugins/quoting-math/test-inputs.ts'
import { yesTop } from '../plugins/quoting-math/yes-top.ts'
import inventorySkew, { inventoryNorm } from '../plugins/skew/inventory-skew/index.ts'
import volSpread, { volHalfSpread } from '../plugins/spread/vol-spread/index.ts'
import type { Market, OrderIntent } from '../schemas/domain.ts'
import type { BookPair, RiskVerdict } from '../stages/io.ts'
import { isPull } from '../stages/io.ts'

/**
 * Properties of the fair → spread → skew → layer chain over random books (YES and NO, sometimes one-sided or
 * thin), inventories, holdings, ticks and parameters, from a seeded generator: a failure prints its case seed
 * and replays exactly.
 */

const CASES = 2000
const TICKS = [0.1, 0.01, 0.001, 0.0001, 0.0025] as const

type Rng = () => number
const uniform = (r: Rng, lo: number, hi: number) => lo + (hi - lo) * r()
const int = (r: Rng, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1))
const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T
/** Holdings with up to 6 decimals (the exchange's share unit), often none. */
const shares = (r: Rng) => (r() < 0.4 ? 0 : Math.round(uniform(r, 0, r() < 0.5 ? 50 : 5000) * 1e6) / 1e6)

/** A random book pair around a random touch: YES levels plus NO levels that mirror onto the same YES sides. */
function randomBooks(r: Rng, tick: number): BookPair {
  const n = gridSteps(tick)
  const bidT = int(r, 1, n - 2)
  const askT = int(r, bidT + 1, Math.min(n - 1, bidT + 1 + int(r, 0, Math.max(1, Math.floor(n / 10)))))
  const size = () => (r() < 0.2 ? uniform(r, 0.5, 5) : uniform(r, 5, 2000))
  const yes = { bids: [] as [number, number][], asks: [] as [number, number][] }
  const no = { bids: [] as [number, number][], asks: [] as [number, number][] }
  // YES-space bid liquidity at t ≤ bidT is a YES bid at t or a NO ask at 1 − t; ask liquidity at t ≥ askT is a
  // YES ask at t or a NO bid at 1 − t. Zero levels on a side makes a one-sided or empty book.
  for (let i = int(r, 0, 4); i > 0; i--) {
    const t = bidT - int(r, 0, 3)
    if (t < 1) continue
    if (r() < 0.5) yes.bids.push([tickPrice(t, tick), size()])
    else no.asks.push([tickPrice(n - t, tick), size()])
  }
  for (let i = int(r, 0, 4); i > 0; i--) {
    const t = askT + int(r, 0, 3)
    if (t > n - 1) continue
    if (r() < 0.5) yes.asks.push([tickPrice(t, tick), size()])
    else no.bids.push([tickPrice(n - t, tick), size()])
  }
  return bookPair(yes, no, tick)
}

function randomVerdict(r: Rng): RiskVerdict {
  const side = () => ({
    allowed: r() < 0.85,
    spreadMultiplier: r() < 0.5 ? 1 : uniform(r, 1, 3),
    sizeMultiplier: r() < 0.5 ? 1 : uniform(r, 0, 1),
  })
  return { state: r() < 0.03 ? 'HALTED' : 'ACTIVE', reason: '', bid: side(), ask: side() }
}

/** YES-space price of an order: a BUY YES / SELL YES is at its price, a NO order at 1 − its price. */
function yesPrice(o: OrderIntent, m: Market, tick: number): number {
  return o.tokenId === m.yesTokenId ? o.price : tickPrice(gridSteps(tick) - Math.round(o.price / tick), tick)
}

describe('quoting properties', async () => {
  const fair = await createTestPlugin(fairValue)
  const spread = await createTestPlugin(volSpread)
  const skew = await createTestPlugin(inventorySkew)
  const layer = await createTestPlugin(layered)

  test(`${CASES} random markets: on-grid, in range, not crossing, sized, never selling beyond holdings`, () => {
    let quoted = 0
    let withSells = 0
    for (let c = 0; c < CASES; c++) {
      const r = createRng(1000 + c)
      const tick = pick(r, TICKS)
      const n = gridSteps(tick)
      const now = Date.UTC(2026, 0, 1) + c * 3_600_000
      const market = testMarket({
        conditionId: `0x${c.toString(16).padStart(64, '0')}`,
        tickSize: tick,
        minOrderSize: pick(r, [0, 1, 5, 15, 50]),
        endDate: r() < 0.5 ? now + uniform(r, 0, 3 * 86_400_000) : undefined,
        rewardsMinSize: r() < 0.5 ? uniform(r, 10, 500) : undefined,
        rewardsMaxSpread: r() < 0.5 ? uniform(r, 0.5, 5) : undefined,
      })
      const maxUsd = uniform(r, 20, 3000)
      const cfg = {
        fair: fairValue.config.parse({ alpha: uniform(r, 0.05, 1), min_level_size: r() < 0.3 ? uniform(r, 0, 20) : 0 }),
        spread: volSpread.config.parse({
          k_vol: uniform(r, 0, 5),
          k_fee_ticks: uniform(r, 0, 3),
          window: int(r, 1, 900),
        }),
        skew: inventorySkew.config.parse({ gamma: uniform(r, 0, 5) }),
        layer: layered.config.parse({
          layers: int(r, 1, 5),
          step_ticks: int(r, 1, 3),
          base_size_usd: uniform(r, 5, maxUsd * 1.2),
          max_size_usd: maxUsd,
          size_growth: uniform(r, 1, 2),
          jitter: uniform(r, 0, 0.5),
          seed: c,
          ttr_scaling: r() < 0.3,
          rewards_aware: r() < 0.5,
        }),
      }
      fair.reconfigure?.(cfg.fair)
      spread.reconfigure?.(cfg.spread)
      skew.reconfigure?.(cfg.skew)
      layer.reconfigure?.(cfg.layer)

      // Two book states some seconds apart, so σ is not always 0.
      const before = randomBooks(r, tick)
      const books = randomBooks(r, tick)
      fair.run({ market, books: before, now: now - 10_000 })
      spread.run({ market, books: before, fair: 0.5, now: now - int(r, 1, 600_000) })
      const f = fair.run({ market, books, now })
      if (isPull(f)) continue
      const s = spread.run({ market, books, fair: f.fair, now })
      if (isPull(s)) continue
      const pos = position(shares(r), shares(r), market.conditionId)
      const capitalUsd = uniform(r, 100, 100_000)
      const q = skew.run({ market, fair: f.fair, halfSpread: s.halfSpread, position: pos, capitalUsd, now })
      if (isPull(q)) throw new Error('skew pulled with capital')
      const out = layer.run({ market, books, quote: q, verdict: randomVerdict(r), position: pos, now })
      if (isPull(out)) continue
      quoted++

      const where = `case ${c} (tick ${tick})`
      const top = yesTop(books)
      expect(out.quote.bid, where).toBeLessThan(out.quote.ask)
      const bids = out.orders.filter((o) => o.quoteSide === 'bid').map((o) => yesPrice(o, market, tick))
      const asks = out.orders.filter((o) => o.quoteSide === 'ask').map((o) => yesPrice(o, market, tick))
      if (bids.length > 0 && asks.length > 0) expect(Math.max(...bids), where).toBeLessThan(Math.min(...asks))
      for (const b of bids) if (!Number.isNaN(top.ask)) expect(b, where).toBeLessThanOrEqual(top.ask - tick + 1e-9)
      for (const a of asks) if (!Number.isNaN(top.bid)) expect(a, where).toBeGreaterThanOrEqual(top.bid + tick - 1e-9)

      const sold = new Map<string, number>()
      const seen = new Set<string>()
      for (const o of out.orders) {
        expect(onGrid(o.price, tick), `${where}: ${o.price} on the grid`).toBe(true)
        expect(String(o.price).length, `${where}: ${o.price} printed cleanly`).toBeLessThanOrEqual(8)
        expect(o.price, where).toBeGreaterThanOrEqual(tick - 1e-12)
        expect(o.price, where).toBeLessThanOrEqual(tickPrice(n - 1, tick) + 1e-12)
        expect(o.size, where).toBeGreaterThan(0)
        expect(o.size, where).toBeGreaterThanOrEqual(market.minOrderSize)
        expect(o.size, `${where}: size ≤ cap in shares`).toBeLessThanOrEqual(floorShares(maxUsd / o.price))
        expect(Math.abs(o.size * 100 - Math.round(o.size * 100)), `${where}: 2 decimals`).toBeLessThan(1e-6)
        const key = `${o.tokenId} ${o.side} ${o.price}`
        expect(seen.has(key), `${where}: one order per token, side and price`).toBe(false)
        seen.add(key)
        if (o.side === 'SELL') sold.set(o.tokenId, (sold.get(o.tokenId) ?? 0) + o.size)
      }
      if (sold.size > 0) withSells++
      expect(sold.get(market.yesTokenId) ?? 0, `${where}: YES sold ≤ held`).toBeLessThanOrEqual(pos.yes.shares + 1e-9)
      expect(sold.get(market.noTokenId) ?? 0, `${where}: NO sold ≤ held`).toBeLessThanOrEqual(pos.no.shares + 1e-9)
    }
    // The generator must exercise the interesting paths, or the properties above prove little.
    expect(quoted).toBeGreaterThan(CASES / 2)
    expect(withSells).toBeGreaterThan(CASES / 10)
  })

  test(`${CASES} random pairs: the skew is monotone in inventory`, () => {
    const r = createRng(7)
    const market = testMarket()
    for (let c = 0; c < CASES; c++) {
      skew.reconfigure?.(inventorySkew.config.parse({ gamma: uniform(r, 0, 5) }))
      const fairV = uniform(r, 0.01, 0.99)
      const h = uniform(r, 0.001, 0.2)
      const capitalUsd = uniform(r, 100, 100_000)
      const run = (yes: number, no: number) => {
        const out = skew.run({ market, fair: fairV, halfSpread: h, position: position(yes, no), capitalUsd, now: 0 })
        if (isPull(out)) throw new Error(out.pull)
        return out
      }
      const [q1, q2] = [uniform(r, -5000, 5000), uniform(r, -5000, 5000)].sort((a, b) => a - b) as [number, number]
      const lo = run(Math.max(q1, 0), Math.max(-q1, 0))
      const hi = run(Math.max(q2, 0), Math.max(-q2, 0))
      expect(inventoryNorm(q1, fairV, capitalUsd)).toBeLessThanOrEqual(inventoryNorm(q2, fairV, capitalUsd))
      expect(hi.reservation, `case ${c}`).toBeLessThanOrEqual(lo.reservation)
      expect(hi.bid, `case ${c}`).toBeLessThanOrEqual(lo.bid)
      expect(hi.ask, `case ${c}`).toBeLessThanOrEqual(lo.ask)
      expect(hi.bid).toBeLessThan(hi.ask)
    }
  })

  test(`${CASES} random paths: σ scales with the size of the moves and the half-spread is monotone in σ`, async () => {
    const r = createRng(11)
    for (let c = 0; c < CASES; c++) {
      const tick = pick(r, TICKS)
      const [s1, s2] = [uniform(r, 0, 0.2), uniform(r, 0, 0.2)].sort((a, b) => a - b) as [number, number]
      const kVol = uniform(r, 0, 5)
      const kFee = uniform(r, 0, 3)
      expect(volHalfSpread(s1, tick, kVol, kFee)).toBeLessThanOrEqual(volHalfSpread(s2, tick, kVol, kFee))
      expect(volHalfSpread(s1, tick, kVol, kFee)).toBeGreaterThanOrEqual(tick)
    }
    // The same mid path with every move scaled by k > 1 gives k·σ and a half-spread at least as wide.
    const small = await createTestPlugin(volSpread)
    const large = await createTestPlugin(volSpread)
    const market = testMarket({ tickSize: 0.0001 })
    for (let c = 0; c < 200; c++) {
      const m = testMarket({ ...market, conditionId: `0x${c.toString(16).padStart(64, '0')}` })
      const k = uniform(r, 1, 3)
      let t = 0
      let a = { halfSpread: 0, sigma: 0 }
      let b = { halfSpread: 0, sigma: 0 }
      for (let i = 0; i < 20; i++) {
        const dev = Math.round(uniform(r, -300, 300))
        const at = (d: number) => {
          const mid = 5000 + d
          return bookPair(
            { bids: [[tickPrice(mid - 1, 0.0001), 10]], asks: [[tickPrice(mid + 1, 0.0001), 10]] },
            {},
            0.0001,
          )
        }
        t += int(r, 1, 120_000)
        const x = small.run({ market: m, books: at(dev), fair: 0.5, now: t })
        const y = large.run({ market: m, books: at(Math.round(dev * k)), fair: 0.5, now: t })
        if (isPull(x) || isPull(y)) throw new Error('pulled')
        a = x
        b = y
      }
      expect(b.sigma, `path ${c}`).toBeGreaterThanOrEqual(a.sigma * k * 0.98 - 1e-9)
      expect(b.halfSpread, `path ${c}`).toBeGreaterThanOrEqual(a.halfSpread - 1e-12)
    }
  })
})
