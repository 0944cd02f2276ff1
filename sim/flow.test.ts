import { describe, expect, test } from 'bun:test'
import { createManualClock } from './clock.ts'
import { createEngine, type SimTrade } from './engine.ts'
import { createFlow } from './flow.ts'
import { startSimulator } from './index.ts'
import { buildMarkets, loadScenario } from './scenario.ts'
import { PRICE_SCALE } from './units.ts'

async function stream(seed: number, spanMs: number): Promise<string[]> {
  const clock = createManualClock(Date.UTC(2026, 5, 1))
  const sim = await startSimulator({ scenario: 'default', clock, seed, flow: false })
  const frames: string[] = []
  sim.hub.tap((f) => frames.push(f))
  sim.flow.start()
  clock.advance(spanMs)
  await sim.stop()
  return frames
}

describe('synthetic flow', () => {
  test('the same seed gives a byte-identical market event stream; another seed does not', async () => {
    const a = await stream(5, 60_000)
    const b = await stream(5, 60_000)
    const c = await stream(6, 60_000)
    expect(a.length).toBeGreaterThan(200)
    expect(a.some((f) => f.includes('"last_trade_price"'))).toBe(true)
    expect(a.join('\n')).toBe(b.join('\n'))
    expect(a.join('\n')).not.toBe(c.join('\n'))
  })

  test('every named scenario trades and keeps two-sided books', async () => {
    for (const name of ['default', 'quiet', 'trending', 'jumpy']) {
      const clock = createManualClock(Date.UTC(2026, 5, 1))
      const sim = await startSimulator({ scenario: name, clock, flow: false })
      let trades = 0
      sim.hub.tap((f) => {
        if (f.includes('"last_trade_price"')) trades++
      })
      sim.flow.start()
      clock.advance(5 * 60_000)
      for (const m of sim.engine.markets) {
        expect(m.book.hasBid() && m.book.hasAsk()).toBe(true)
        expect(m.book.bestBid).toBeLessThan(m.book.bestAsk)
      }
      expect(trades).toBeGreaterThan(0)
      await sim.stop()
    }
  })

  test('every named scenario loads and validates', () => {
    for (const name of ['default', 'quiet', 'trending', 'jumpy']) {
      const s = loadScenario(name)
      expect(s.markets.length).toBeGreaterThan(0)
    }
    const d = loadScenario('default')
    const ticks = new Set(d.markets.map((m) => m.tick_size))
    expect(ticks.has(0.01) && ticks.has(0.001)).toBe(true)
    expect(d.markets.some((m) => m.neg_risk)).toBe(true)
    expect(() => loadScenario('no-such-scenario')).toThrow('scenario not found')
  })

  test('a naive quoter joining the touch is adversely selected (negative 30 s markouts)', () => {
    const scenario = loadScenario('jumpy')
    const clock = createManualClock(Date.UTC(2026, 5, 1))
    const markets = buildMarkets({ ...scenario, markets: scenario.markets.slice(0, 1) }, clock.now())
    const engine = createEngine({ markets, now: () => clock.now(), seed: 3 })
    const flow = createFlow({ engine, clock, seed: 3, stepMs: 250 })
    const m = engine.markets[0]!
    const [yes, no] = m.spec.tokens
    const naive = '0x00000000000000000000000000000000000000a1'
    engine.setBalances(naive, 10_000_000 * 1e6)
    const fills: Array<{ at: number; yesPrice: number; boughtYes: boolean }> = []
    engine.subscribe((e) => {
      if (e.type !== 'trades') return
      for (const t of e.trades as SimTrade[])
        for (const f of t.makers)
          if (f.order.account.address === naive)
            fills.push({ at: clock.now(), yesPrice: t.yesPrice, boughtYes: f.order.ySide === 0 })
    })
    let n = 0
    // Post-only BUY of 10 shares; buying NO at 1 − ask is the YES-space ask.
    const buy = (tokenId: string, price: number) =>
      engine.place({
        id: `0xa1${++n}`,
        owner: 'naive',
        address: naive,
        tokenId,
        side: 'BUY',
        price,
        size: 10e6,
        orderType: 'GTC',
        postOnly: true,
      })
    const quote = () => {
      engine.cancelAll(naive)
      const b = m.book
      if (b.hasBid()) buy(yes, b.bestBid)
      if (b.hasAsk()) buy(no, PRICE_SCALE - b.bestAsk)
      clock.setTimeout(quote, 2000)
    }
    flow.start()
    clock.setTimeout(quote, 5000)
    const markouts: number[] = []
    const horizon = 30_000
    for (let t = 0; t < 4 * 3_600_000; t += 1000) {
      clock.advance(1000)
      while (fills.length > 0 && (fills[0]?.at ?? 0) + horizon <= clock.now()) {
        const f = fills.shift()!
        const later = (flow.latent(m.spec.conditionId) ?? 0.5) * PRICE_SCALE
        markouts.push((f.boughtYes ? later - f.yesPrice : f.yesPrice - later) / PRICE_SCALE)
      }
    }
    flow.stop()
    expect(markouts.length).toBeGreaterThan(50)
    const mean = markouts.reduce((s, x) => s + x, 0) / markouts.length
    expect(mean).toBeLessThan(0)
  })
})
