import { describe, expect, test } from 'bun:test'
import { createHealth } from '../../../pipeline/health.ts'
import { testMarket } from '../../../pipeline/testing.ts'
import { combineRiskVerdicts } from '../../../stages/combine.ts'
import type { RiskVerdict } from '../../../stages/io.ts'
import { CapsConfigSchema } from './config.ts'
import { A, B, books, NOON, riskInput, setup } from './test-inputs.ts'

const OPEN = { allowed: true, spreadMultiplier: 1, sizeMultiplier: 1 }
const ACTIVE_OTHER: RiskVerdict = { state: 'ACTIVE', reason: '', bid: OPEN, ask: OPEN }

describe('caps: inventory caps through the plugin (capital 10 000 USD)', () => {
  test('soft cap, long 400 at 0.50 (2%): only the bid is widened ×1.5 and shrunk ×0.5; short mirrors it', async () => {
    const { run } = await setup()
    const long = run(riskInput(A, { q: 400, fair: 0.5, now: NOON }))
    expect(long.state).toBe('ACTIVE')
    expect(long.bid).toEqual({ allowed: true, spreadMultiplier: 1.5, sizeMultiplier: 0.5 })
    expect(long.ask).toEqual(OPEN)
    expect(long.reason).toContain('soft cap')

    const short = run(riskInput(B, { q: -400, fair: 0.5, now: NOON }))
    expect(short.state).toBe('ACTIVE')
    expect(short.ask).toEqual({ allowed: true, spreadMultiplier: 1.5, sizeMultiplier: 0.5 })
    expect(short.bid).toEqual(OPEN)
  })

  test('hard cap, long 700 at 0.50 (3.5%): REDUCING, only the ask may quote, and it survives combining', async () => {
    const { run } = await setup()
    const v = run(riskInput(A, { q: 700, fair: 0.5, now: NOON }))
    expect(v.state).toBe('REDUCING')
    expect(v.bid.allowed).toBe(false)
    // The ask is scaled from the 1570 USD full side down to the 350 USD held, so it cannot flip the position.
    expect(v.ask).toEqual({ allowed: true, spreadMultiplier: 1, sizeMultiplier: 350 / 1570 })
    const combined = combineRiskVerdicts([ACTIVE_OTHER, v])
    expect(combined.state).toBe('REDUCING')
    expect(combined.bid.allowed).toBe(false)
    expect(combined.ask.allowed).toBe(true)

    const short = run(riskInput(B, { q: -700, fair: 0.5, now: NOON }))
    expect(short.state).toBe('REDUCING')
    expect(short.ask.allowed).toBe(false)
    expect(short.bid).toEqual({ allowed: true, spreadMultiplier: 1, sizeMultiplier: 350 / 1570 })
  })

  test('340 NO at YES fair 0.10 are 306 USD of exposure (3.06%): REDUCING, the ask blocked, the gauge says −306', async () => {
    const { run, gauge } = await setup()
    const v = run(riskInput(A, { q: -340, fair: 0.1, now: NOON }))
    expect(v.state).toBe('REDUCING')
    expect(v.ask.allowed).toBe(false)
    expect(await gauge('mm_exposure_usd', A.conditionId)).toBeCloseTo(-306, 9)
    expect(v.reason).toContain('exposure -306.00 USD = 3.06% of capital')
  })

  test('a transition is logged and emitted once, not on every run; leaving it is reported too', async () => {
    const { run, riskEvents, ctx, gauge } = await setup()
    for (let i = 0; i < 3; i++) run(riskInput(A, { q: 700, fair: 0.5, now: NOON + i }))
    expect(riskEvents()).toHaveLength(1)
    expect(riskEvents()[0]).toMatchObject({ conditionId: A.conditionId, state: 'REDUCING' })
    expect(riskEvents()[0]?.reason).toContain('hard cap')
    expect(ctx.lines.filter((l) => l.includes('ACTIVE → REDUCING'))).toHaveLength(1)
    expect(await gauge('mm_risk_state', A.conditionId)).toBe(1)
    expect(await gauge('mm_exposure_usd', A.conditionId)).toBe(350)

    run(riskInput(A, { q: 0, fair: 0.5, now: NOON + 10 }))
    run(riskInput(A, { q: 0, fair: 0.5, now: NOON + 11 }))
    expect(riskEvents()).toHaveLength(2)
    expect(riskEvents()[1]).toMatchObject({ conditionId: A.conditionId, state: 'ACTIVE' })
    expect(riskEvents()[1]?.reason).toContain('cleared')
    expect(await gauge('mm_risk_state', A.conditionId)).toBe(0)
  })

  test('reconfigure applies new caps in place', async () => {
    const { run, handler } = await setup()
    expect(run(riskInput(A, { q: 400, fair: 0.5, now: NOON })).bid.sizeMultiplier).toBe(0.5)
    expect(handler.reconfigure?.(CapsConfigSchema.parse({ soft_cap: 0.025 }))).toBe(true)
    expect(run(riskInput(A, { q: 400, fair: 0.5, now: NOON + 1 })).bid).toEqual(OPEN)
  })
})

describe('caps: no quotes when the market cannot be quoted safely', () => {
  const halted = (v: RiskVerdict) => {
    expect(v.state).toBe('HALTED')
    expect(v.bid.allowed).toBe(false)
    expect(v.ask.allowed).toBe(false)
  }

  test('a health component down (user channel lost) halts the market with its reason', async () => {
    const { run, clock } = await setup()
    const health = createHealth(() => clock.now())
    health.set('market-data', true)
    health.set('user-channel', false, 'socket closed')
    const v = run(riskInput(A, { now: NOON, health }))
    halted(v)
    expect(v.reason).toBe('user-channel down: socket closed')
    health.set('user-channel', true)
    expect(run(riskInput(A, { now: NOON + 1, health })).state).toBe('ACTIVE')
  })

  test('a stale YES book or an invalid NO book halts the market', async () => {
    const { run } = await setup()
    const stale = run(riskInput(A, { now: NOON, books: books('stale', 'fresh', 'no update for 30s') }))
    halted(stale)
    expect(stale.reason).toBe('YES book stale: no update for 30s')
    const invalid = run(riskInput(A, { now: NOON, books: books('fresh', 'invalid') }))
    halted(invalid)
    expect(invalid.reason).toBe('NO book invalid')
    expect(run(riskInput(A, { now: NOON })).state).toBe('ACTIVE')
  })

  test('closed and not-accepting markets are halted', async () => {
    const { run } = await setup()
    const closed = run(riskInput(testMarket({ closed: true }), { now: NOON }))
    halted(closed)
    expect(closed.reason).toBe('market closed')
    const paused = run(riskInput(testMarket({ acceptingOrders: false }), { now: NOON }))
    halted(paused)
    expect(paused.reason).toBe('market not accepting orders')
  })

  test('time to resolution under min_time_to_resolution (1h) halts; 2h left quotes', async () => {
    const { run } = await setup()
    const soon = run(riskInput(testMarket({ endDate: NOON + 30 * 60_000 }), { now: NOON }))
    halted(soon)
    expect(soon.reason).toBe('30.0 min to resolution < 1h')
    expect(run(riskInput(testMarket({ endDate: NOON + 2 * 3_600_000 }), { now: NOON })).state).toBe('ACTIVE')
    halted(run(riskInput(testMarket({ endDate: NOON - 1 }), { now: NOON })))
  })

  test('a steady halt is reported once; the HALTED state shows in mm_risk_state', async () => {
    const { run, riskEvents, gauge } = await setup()
    for (let i = 0; i < 4; i++) run(riskInput(A, { now: NOON + i, books: books('stale') }))
    expect(riskEvents()).toHaveLength(1)
    expect(riskEvents()[0]).toMatchObject({ state: 'HALTED', reason: 'YES book stale' })
    expect(await gauge('mm_risk_state', A.conditionId)).toBe(2)
  })
})
