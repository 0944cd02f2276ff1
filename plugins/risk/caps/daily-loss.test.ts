import { describe, expect, test } from 'bun:test'
import { A, B, fillOf, NOON, riskInput, setup } from './test-inputs.ts'

// Capital 10 000 USD and DAILY_LOSS_LIMIT_PCT 1.0 (percent) → the day halts at a 100 USD loss. The inventory caps
// are moved out of the way (soft 50%, hard 100%) so only the loss limit acts.
const NO_CAPS = { soft_cap: 0.5, hard_cap: 1 }
const NEXT_DAY = Date.UTC(2026, 0, 2)

async function longA(config: Record<string, unknown> = {}) {
  const s = await setup({ ...NO_CAPS, ...config })
  // 1000 YES of A bought at 0.50: unrealized = 1000 × (fair − 0.50).
  s.ctx.account.applyFill(fillOf(A, { side: 'BUY', price: 0.5, size: 1000, timestamp: NOON }))
  const runA = (fair: number) => s.run(riskInput(A, { fair, position: s.ctx.account.position(A), now: s.clock.now() }))
  const runB = () => s.run(riskInput(B, { fair: 0.5, now: s.clock.now() }))
  const globalEvents = () => s.riskEvents().filter((e) => e.conditionId === undefined)
  return { ...s, runA, runB, globalEvents }
}

describe('caps: daily loss limit (UTC day, percent of capital)', () => {
  test('1.0 means 1% (100 USD): a 99 USD loss quotes, a 110 USD loss halts every market with the reason', async () => {
    const { runA, runB, ctx, gauge, globalEvents } = await longA()
    expect(runB().state).toBe('ACTIVE')
    expect(runA(0.45).state).toBe('ACTIVE') // −50
    expect(await gauge('mm_daily_pnl_usd')).toBeCloseTo(-50, 9)
    expect(runA(0.401).state).toBe('ACTIVE') // −99
    ctx.dirty.length = 0

    const a = runA(0.39) // −110
    expect(a.state).toBe('HALTED')
    expect(a.bid.allowed || a.ask.allowed).toBe(false)
    expect(a.reason).toContain('daily loss limit: PnL -110.00 USD')
    expect(a.reason).toBe(
      'daily loss limit: PnL -110.00 USD since 2026-01-01T00:00:00Z ≤ -100.00 USD (1% of 10000 USD capital)',
    )
    // Every other market is asked to requote at once, and halts with the same reason.
    expect(ctx.dirty).toEqual([B.conditionId])
    const b = runB()
    expect(b.state).toBe('HALTED')
    expect(b.reason).toBe(a.reason)
    expect(globalEvents()).toEqual([
      { type: 'risk', at: NOON, conditionId: undefined, state: 'HALTED', reason: a.reason },
    ])
    expect(await gauge('mm_risk_global_state')).toBe(2)
  })

  test('holdings carried into the run: 1000 YES seeded at 0.30, first marked at 0.60, fair 0.25 → −350 USD halts', async () => {
    const s = await setup(NO_CAPS)
    s.ctx.account.setHoldings(A.yesTokenId, 1000, 0.3)
    const runA = (fair: number) =>
      s.run(riskInput(A, { fair, position: s.ctx.account.position(A), now: s.clock.now() }))
    // The +300 gained before the run (0.30 → 0.60) is not today's.
    expect(runA(0.6).state).toBe('ACTIVE')
    expect(await s.gauge('mm_daily_pnl_usd')).toBeCloseTo(0, 9)
    expect(runA(0.55).state).toBe('ACTIVE') // 1000 × (0.55 − 0.60) = −50
    expect(await s.gauge('mm_daily_pnl_usd')).toBeCloseTo(-50, 9)
    const v = runA(0.25) // 1000 × (0.25 − 0.60) = −350
    expect(v.state).toBe('HALTED')
    expect(v.reason).toContain('PnL -350.00 USD')
  })

  test('carried holdings sold at fair the next day: realized +300 against the seed, the day PnL stays 0', async () => {
    const s = await setup(NO_CAPS)
    s.ctx.account.setHoldings(A.yesTokenId, 1000, 0.3)
    const runA = (fair: number) =>
      s.run(riskInput(A, { fair, position: s.ctx.account.position(A), now: s.clock.now() }))
    runA(0.6)
    s.clock.advance(NEXT_DAY + 3_600_000 - NOON)
    expect(runA(0.6).state).toBe('ACTIVE') // the day starts at the 0.60 mark: unrealized +300 is the baseline
    s.ctx.account.applyFill(fillOf(A, { side: 'SELL', price: 0.6, size: 1000, timestamp: s.clock.now() }))
    expect(s.ctx.account.position(A).q).toBe(0)
    // Realized 1000 × (0.60 − 0.30) = +300, unrealized +300 → 0: the day's PnL is +300 − 300 = 0.
    expect(runA(0.6).state).toBe('ACTIVE')
    expect(await s.gauge('mm_daily_pnl_usd')).toBeCloseTo(0, 9)
  })

  test('the halt latches: a recovery of the fair value does not lift it', async () => {
    const { runA, runB } = await longA()
    runA(0.39)
    expect(runA(0.6).state).toBe('HALTED')
    expect(runB().state).toBe('HALTED')
  })

  test('realized losses count: bought at 0.50, sold at 0.39 → −110 USD halts though flat', async () => {
    const { runA, ctx, clock } = await longA()
    ctx.account.applyFill(fillOf(A, { side: 'SELL', price: 0.39, size: 1000, timestamp: clock.now() }))
    expect(ctx.account.position(A).q).toBe(0)
    expect(runA(0.5).state).toBe('HALTED')
  })

  test('a 0.5 percent limit halts at 50 USD, not before', async () => {
    const { runA } = await longA({ daily_loss_limit_pct: 0.5 })
    expect(runA(0.451).state).toBe('ACTIVE') // −49
    expect(runA(0.449).state).toBe('HALTED') // −51
  })

  test('00:00 UTC lifts the halt (timer on the injected clock) and moves the baseline to the marks', async () => {
    const { runA, runB, clock, ctx, globalEvents } = await longA()
    runB()
    runA(0.39)
    clock.advance(NEXT_DAY - 1 - NOON)
    expect(runA(0.39).state).toBe('HALTED') // 23:59:59.999
    ctx.dirty.length = 0
    clock.advance(1)
    expect(globalEvents().at(-1)).toEqual({
      type: 'risk',
      at: NEXT_DAY,
      conditionId: undefined,
      state: 'ACTIVE',
      reason: 'new UTC day 2026-01-02',
    })
    expect(ctx.dirty.sort()).toEqual([A.conditionId, B.conditionId].sort())
    // Yesterday's −110 is yesterday's: today starts at 0 at the 0.39 mark.
    expect(runA(0.39).state).toBe('ACTIVE')
    expect(runB().state).toBe('ACTIVE')
    expect(runA(0.3).state).toBe('ACTIVE') // −90 today
    expect(runA(0.28).state).toBe('HALTED') // −110 today
  })

  test('a clock that jumps past midnight without firing timers rolls the day on the next run', async () => {
    const { runA, clock } = await longA()
    runA(0.39)
    clock.set(NEXT_DAY + 5 * 3_600_000)
    expect(runA(0.39).state).toBe('ACTIVE')
  })

  test('realized losses of yesterday do not count today', async () => {
    const { runA, ctx, clock } = await longA()
    ctx.account.applyFill(fillOf(A, { side: 'SELL', price: 0.39, size: 1000, timestamp: clock.now() }))
    expect(runA(0.5).state).toBe('HALTED')
    clock.advance(NEXT_DAY - NOON)
    expect(runA(0.5).state).toBe('ACTIVE')
  })

  test('explicit reset() lifts the halt and counts from 0; a new 100 USD loss halts again', async () => {
    const { runA, handler, globalEvents, ctx } = await longA()
    runA(0.39)
    ctx.dirty.length = 0
    const r = handler.reset('checked by operator')
    expect(r.wasHalted).toBe(true)
    expect(r.pnlUsdBefore).toBeCloseTo(-110, 9)
    expect(globalEvents().at(-1)).toMatchObject({ state: 'ACTIVE', reason: 'reset: checked by operator' })
    expect(ctx.dirty).toEqual([A.conditionId])
    expect(runA(0.39).state).toBe('ACTIVE')
    expect(runA(0.3).state).toBe('ACTIVE') // −90 since the reset
    const again = runA(0.28) // −110 since the reset
    expect(again.state).toBe('HALTED')
    expect(again.reason).toContain('PnL -110.00 USD since 2026-01-01T12:00:00Z')
    expect(handler.status()).toMatchObject({ state: 'HALTED' })
  })

  test('reset() without a halt changes no state and says so', async () => {
    const { runA, handler, globalEvents } = await longA()
    runA(0.45)
    expect(handler.reset().wasHalted).toBe(false)
    expect(globalEvents()).toHaveLength(0)
  })

  test('a reload carries the halt to the new instance the same day, not the next day', async () => {
    const { runA, handler } = await longA()
    runA(0.39)
    const state = handler.snapshot?.()

    const same = await setup(NO_CAPS)
    same.handler.restore?.(state)
    expect(same.handler.status().state).toBe('HALTED')
    expect(same.run(riskInput(B, { now: same.clock.now() })).state).toBe('HALTED')

    const tomorrow = await setup(NO_CAPS, NEXT_DAY + 1000)
    tomorrow.handler.restore?.(state)
    expect(tomorrow.run(riskInput(B, { now: tomorrow.clock.now() })).state).toBe('ACTIVE')
  })
})
