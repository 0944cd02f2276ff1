import { describe, expect, test } from 'bun:test'
import { markoutOf } from './markouts.ts'
import { A, B, fillOf, NOON, riskInput, setup } from './test-inputs.ts'

describe('markoutOf (per share, price units, positive = good for us)', () => {
  test('YES: fair − price for a buy, price − fair for a sale', () => {
    expect(markoutOf({ side: 'BUY', price: 0.5, tokenId: A.yesTokenId }, A, 0.49)).toBeCloseTo(-0.01, 12)
    expect(markoutOf({ side: 'SELL', price: 0.6, tokenId: A.yesTokenId }, A, 0.55)).toBeCloseTo(0.05, 12)
  })

  test('NO is valued at 1 − the YES fair', () => {
    // YES fair 0.55 → NO fair 0.45.
    expect(markoutOf({ side: 'BUY', price: 0.48, tokenId: A.noTokenId }, A, 0.55)).toBeCloseTo(-0.03, 12)
    expect(markoutOf({ side: 'SELL', price: 0.48, tokenId: A.noTokenId }, A, 0.55)).toBeCloseTo(0.03, 12)
  })

  test("a token that is not the market's is not measured", () => {
    expect(markoutOf({ side: 'BUY', price: 0.5, tokenId: B.yesTokenId }, A, 0.5)).toBeUndefined()
  })
})

describe('caps: markouts after each fill', () => {
  test('measured at 3, 10 and 30 s after the fill with the fair value of that moment, never at fill time', async () => {
    const { run, clock, ctx, markoutEvents, handler, gauge } = await setup()
    const at = (fair: number) => run(riskInput(A, { fair, now: clock.now() }))
    at(0.5)
    const fill = fillOf(A, { side: 'BUY', price: 0.5, size: 100, timestamp: NOON })
    ctx.bus.emit({ type: 'fill', at: NOON, fill })
    expect(markoutEvents()).toHaveLength(0)
    expect(handler.status().pendingMarkouts).toBe(3)

    clock.advance(1000)
    at(0.49)
    clock.advance(1999)
    expect(markoutEvents()).toHaveLength(0) // 2.999 s after the fill
    clock.advance(1)
    clock.advance(2000)
    at(0.53)
    clock.advance(5000)
    at(0.52)
    clock.advance(20_000)

    const got = markoutEvents()
    expect(got.map((e) => [e.at - NOON, e.horizonSec])).toEqual([
      [3000, 3],
      [10_000, 10],
      [30_000, 30],
    ])
    expect(got.map((e) => e.markout)).toEqual([
      expect.closeTo(-0.01, 12), // 0.49 − 0.50
      expect.closeTo(0.03, 12), // 0.53 − 0.50
      expect.closeTo(0.02, 12), // 0.52 − 0.50
    ])
    for (const e of got) {
      expect(e).toMatchObject({ tradeId: fill.tradeId, conditionId: A.conditionId, tokenId: A.yesTokenId })
    }
    expect(handler.status().pendingMarkouts).toBe(0)
    // Recent mean with a 10 min half-life: weights 2^(−27/600), 2^(−20/600), 1 at the 30 s markout.
    const w3 = 2 ** (-27 / 600)
    const w10 = 2 ** (-20 / 600)
    const mean = (-0.01 * w3 + 0.03 * w10 + 0.02) / (w3 + w10 + 1)
    expect(await gauge('mm_markout_mean', A.conditionId)).toBeCloseTo(mean, 12)
  })

  test('a negative mean widens both sides of that market only, then decays with the half-life', async () => {
    // One horizon keeps the numbers plain: markout −0.01, threshold 0.002 → (0.008 / 0.01) × 0.5 = 0.4 → ×1.4.
    const { run, clock, ctx, gauge } = await setup({ markout_horizons: [3] })
    run(riskInput(A, { fair: 0.5, now: NOON }))
    run(riskInput(B, { fair: 0.5, now: NOON }))
    ctx.bus.emit({ type: 'fill', at: NOON, fill: fillOf(A, { side: 'BUY', price: 0.5, size: 100, timestamp: NOON }) })
    run(riskInput(A, { fair: 0.49, now: NOON + 1000 }))
    ctx.dirty.length = 0
    clock.advance(3000)
    expect(ctx.dirty).toEqual([A.conditionId])

    const a = run(riskInput(A, { fair: 0.49, now: clock.now() }))
    expect(a.state).toBe('ACTIVE')
    expect(a.bid).toEqual({ allowed: true, spreadMultiplier: expect.closeTo(1.4, 12), sizeMultiplier: 1 })
    expect(a.ask).toEqual({ allowed: true, spreadMultiplier: expect.closeTo(1.4, 12), sizeMultiplier: 1 })
    expect(a.reason).toContain('markout penalty')
    expect(await gauge('mm_markout_penalty', A.conditionId)).toBeCloseTo(1.4, 12)

    const b = run(riskInput(B, { fair: 0.5, now: clock.now() }))
    expect(b.bid.spreadMultiplier).toBe(1)
    expect(b.ask.spreadMultiplier).toBe(1)

    clock.advance(600_000) // one half-life: excess 0.4 → 0.2
    expect(run(riskInput(A, { fair: 0.49, now: clock.now() })).bid.spreadMultiplier).toBeCloseTo(1.2, 12)
    clock.advance(600_000) // two: 0.1
    expect(run(riskInput(A, { fair: 0.49, now: clock.now() })).ask.spreadMultiplier).toBeCloseTo(1.1, 12)
  })

  test('good markouts do not widen; a very bad one is capped at max_multiplier', async () => {
    const { run, clock, ctx } = await setup({ markout_horizons: [3] })
    run(riskInput(A, { fair: 0.5, now: NOON }))
    ctx.bus.emit({ type: 'fill', at: NOON, fill: fillOf(A, { side: 'BUY', price: 0.5, size: 10, timestamp: NOON }) })
    run(riskInput(A, { fair: 0.53, now: NOON + 1 }))
    clock.advance(3000)
    expect(run(riskInput(A, { fair: 0.53, now: clock.now() })).bid.spreadMultiplier).toBe(1)

    run(riskInput(B, { fair: 0.5, now: clock.now() }))
    const fill = fillOf(B, { side: 'SELL', price: 0.5, size: 10, timestamp: clock.now() })
    ctx.bus.emit({ type: 'fill', at: clock.now(), fill })
    run(riskInput(B, { fair: 0.55, now: clock.now() + 1 })) // sold at 0.50, now worth 0.55: −0.05
    clock.advance(3000)
    expect(run(riskInput(B, { fair: 0.55, now: clock.now() })).ask.spreadMultiplier).toBe(2)
  })

  test('the soft-cap widening and the markout penalty compound on the adding side', async () => {
    const { run, clock, ctx } = await setup({ markout_horizons: [3] })
    run(riskInput(A, { fair: 0.5, now: NOON }))
    ctx.bus.emit({ type: 'fill', at: NOON, fill: fillOf(A, { side: 'BUY', price: 0.5, size: 400, timestamp: NOON }) })
    run(riskInput(A, { q: 400, fair: 0.49, now: NOON + 1 }))
    clock.advance(3000)
    // 400 × 0.49 = 196 USD = 1.96%: soft cap on the bid (×1.5, size ×0.5), markout ×1.4 on both sides.
    const v = run(riskInput(A, { q: 400, fair: 0.49, now: clock.now() }))
    expect(v.bid).toEqual({ allowed: true, spreadMultiplier: expect.closeTo(2.1, 12), sizeMultiplier: 0.5 })
    expect(v.ask).toEqual({ allowed: true, spreadMultiplier: expect.closeTo(1.4, 12), sizeMultiplier: 1 })
  })

  test('status updates of one trade are measured once; a FAILED trade stops; a late fill skips past horizons', async () => {
    const { run, clock, ctx, markoutEvents } = await setup()
    run(riskInput(A, { fair: 0.5, now: NOON }))
    const fill = fillOf(A, { side: 'BUY', price: 0.5, size: 10, timestamp: NOON })
    ctx.bus.emit({ type: 'fill', at: NOON, fill })
    ctx.bus.emit({ type: 'fill', at: NOON, fill: { ...fill, status: 'MINED' } })
    ctx.bus.emit({ type: 'fill', at: NOON, fill: { ...fill, status: 'CONFIRMED' } })
    const failing = fillOf(A, { side: 'BUY', price: 0.5, size: 10, timestamp: NOON })
    ctx.bus.emit({ type: 'fill', at: NOON, fill: failing })
    clock.advance(5000)
    ctx.bus.emit({ type: 'fill', at: clock.now(), fill: { ...failing, status: 'FAILED' } })
    // Back-filled 5 s late (e.g. after a reconnect): the 3 s horizon is gone, 10 s and 30 s stay on time.
    const late = fillOf(A, { side: 'BUY', price: 0.5, size: 10, timestamp: NOON })
    ctx.bus.emit({ type: 'fill', at: clock.now(), fill: late })
    clock.advance(60_000)

    const by = (id: string) => markoutEvents().filter((e) => e.tradeId === id)
    expect(by(fill.tradeId).map((e) => e.horizonSec)).toEqual([3, 10, 30])
    expect(by(failing.tradeId).map((e) => e.horizonSec)).toEqual([3])
    expect(by(late.tradeId).map((e) => [e.horizonSec, e.at - NOON])).toEqual([
      [10, 10_000],
      [30, 30_000],
    ])
  })

  test('a horizon is skipped while the market has not been marked since the fill (pulled before the risk stage)', async () => {
    const { run, clock, ctx, markoutEvents } = await setup()
    run(riskInput(A, { fair: 0.6, now: NOON - 5000 })) // the last mark, 5 s before the fill
    const fill = fillOf(A, { side: 'BUY', price: 0.5, size: 10, timestamp: NOON })
    ctx.bus.emit({ type: 'fill', at: NOON, fill })
    clock.advance(3000) // no risk run since the fill: the 3 s markout would be 0.60 − 0.50 against the old fair
    expect(markoutEvents()).toHaveLength(0)
    run(riskInput(A, { fair: 0.48, now: clock.now() }))
    clock.advance(7000)
    expect(markoutEvents().map((e) => [e.horizonSec, e.markout])).toEqual([[10, expect.closeTo(-0.02, 12)]])
  })

  test('stop() cancels pending measurements and stops listening', async () => {
    const { run, clock, ctx, markoutEvents, handler } = await setup()
    run(riskInput(A, { fair: 0.5, now: NOON }))
    ctx.bus.emit({ type: 'fill', at: NOON, fill: fillOf(A, { side: 'BUY', price: 0.5, size: 10, timestamp: NOON }) })
    await handler.stop?.()
    ctx.bus.emit({ type: 'fill', at: NOON, fill: fillOf(A, { side: 'BUY', price: 0.5, size: 10, timestamp: NOON }) })
    clock.advance(60_000)
    expect(markoutEvents()).toHaveLength(0)
  })
})
