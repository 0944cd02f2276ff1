import { describe, expect, test } from 'bun:test'
import { CapsConfigSchema } from './config.ts'
import { checkExposure } from './exposure.ts'

const limits = CapsConfigSchema.parse({}) // soft 0.015, hard 0.03, widen 1.5, shrink 0.5, side 1570 USD
const CAPITAL = 10_000

describe('checkExposure (capital 10 000 USD, soft 1.5%, hard 3%)', () => {
  test('long 400 YES at 0.50 = 200 USD = 2%: soft cap widens and shrinks only the bid (it adds YES)', () => {
    const c = checkExposure(400, 0.5, CAPITAL, limits)
    expect(c.exposureUsd).toBe(200)
    expect(c.qNorm).toBeCloseTo(0.02, 12)
    expect(c.level).toBe('soft')
    expect(c.bid).toEqual({ allowed: true, spreadMultiplier: 1.5, sizeMultiplier: 0.5 })
    expect(c.ask).toEqual({ allowed: true, spreadMultiplier: 1, sizeMultiplier: 1 })
    expect(c.reason).toContain('soft cap')
  })

  test('short 400 (NO-heavy) at 0.50: soft cap restrains only the ask (selling YES adds to a short)', () => {
    const c = checkExposure(-400, 0.5, CAPITAL, limits)
    expect(c.exposureUsd).toBe(-200)
    expect(c.addingSide).toBe('ask')
    expect(c.ask).toEqual({ allowed: true, spreadMultiplier: 1.5, sizeMultiplier: 0.5 })
    expect(c.bid).toEqual({ allowed: true, spreadMultiplier: 1, sizeMultiplier: 1 })
  })

  test('the cap compares USD at fair, not shares: 400 YES at 0.25 = 100 USD = 1% is under the soft cap', () => {
    const c = checkExposure(400, 0.25, CAPITAL, limits)
    expect(c.level).toBe('none')
    expect(c.bid).toEqual(c.ask)
    expect(c.reason).toBe('')
  })

  test('exactly at the soft cap (300 × 0.50 = 150 USD = 1.5%) counts as reached', () => {
    expect(checkExposure(300, 0.5, CAPITAL, limits).level).toBe('soft')
    expect(checkExposure(298, 0.5, CAPITAL, limits).level).toBe('none')
  })

  test('hard cap, long 700 at 0.50 = 350 USD = 3.5%: bid blocked, ask quotes at most the 350 USD held', () => {
    const c = checkExposure(700, 0.5, CAPITAL, limits)
    expect(c.level).toBe('hard')
    expect(c.bid.allowed).toBe(false)
    // A full 1570 USD ask would sell the 350 USD of YES and buy 1220 USD of NO: 12.2% short, past the cap.
    expect(c.ask).toEqual({ allowed: true, spreadMultiplier: 1, sizeMultiplier: 350 / 1570 })
    expect(c.reason).toContain('only the ask (reducing) side quotes, size ×0.223')
  })

  test('hard cap, short 600 at 0.50 = 300 USD = 3%: ask blocked, bid quotes at most the 300 USD held', () => {
    const c = checkExposure(-600, 0.5, CAPITAL, limits)
    expect(c.level).toBe('hard')
    expect(c.ask.allowed).toBe(false)
    expect(c.bid).toEqual({ allowed: true, spreadMultiplier: 1, sizeMultiplier: 300 / 1570 })
  })

  test('a position worth more than a full side leaves the reducing side at full size', () => {
    // 3200 × 0.50 = 1600 USD ≥ 1570 USD: all of the side is still only reducing.
    const c = checkExposure(3200, 0.5, CAPITAL, limits)
    expect(c.ask).toEqual({ allowed: true, spreadMultiplier: 1, sizeMultiplier: 1 })
    expect(c.reason).not.toContain('size ×')
    expect(checkExposure(700, 0.5, CAPITAL, { ...limits, side_size_usd: 700 }).ask.sizeMultiplier).toBe(0.5)
  })

  test('long NO is valued at 1 − fair: 340 NO at YES fair 0.10 = 306 USD = 3.06% reaches the hard cap', () => {
    // q·fair would say 34 USD (0.34%, no cap at all) for shares worth 306 USD.
    const c = checkExposure(-340, 0.1, CAPITAL, limits)
    expect(c.exposureUsd).toBeCloseTo(-306, 9)
    expect(c.qNorm).toBeCloseTo(0.0306, 12)
    expect(c.level).toBe('hard')
    expect(c.ask.allowed).toBe(false)
    // Long YES at the same fair is still worth the YES fair: 340 × 0.10 = 34 USD, no cap.
    expect(checkExposure(340, 0.1, CAPITAL, limits).level).toBe('none')
  })

  test('flat: nothing applies', () => {
    const c = checkExposure(0, 0.5, CAPITAL, limits)
    expect(c.level).toBe('none')
    expect(c.addingSide).toBeUndefined()
  })
})
