import { describe, expect, test } from 'bun:test'
import type { Fill } from '../../../schemas/domain.ts'
import { createCollateral } from './collateral.ts'

function fill(id: string, side: 'BUY' | 'SELL', price: number, size: number, at: number, extra: Partial<Fill> = {}) {
  return {
    tradeId: id,
    orderId: `o-${id}`,
    conditionId: 'c',
    tokenId: 'Y',
    side,
    price,
    size,
    feeUsd: 0,
    role: 'MAKER',
    status: 'MATCHED',
    timestamp: at,
    ...extra,
  } satisfies Fill
}

function setup(margin = 0) {
  let t = 0
  const c = createCollateral({ now: () => t, marginUsd: () => margin })
  return { c, at: (ms: number) => (t = ms) }
}

describe('collateral', () => {
  test('no budget before the first read', () => {
    const { c } = setup()
    c.onFill(fill('a', 'BUY', 0.5, 10, 0))
    expect(c.balance()).toBeUndefined()
    expect(c.free(0)).toBeUndefined()
  })

  test('between reads a BUY fill spends notional + fee, a SELL fill earns notional − fee; free keeps reservations and the margin out', () => {
    const { c, at } = setup(10)
    c.setBalance({ usd: 1000, startedAt: 10_000, endedAt: 10_100 })
    at(20_000)
    c.onFill(fill('b', 'BUY', 0.4, 100, 20_000, { feeUsd: 0.5 })) // −40.5
    expect(c.balance()).toBeCloseTo(959.5, 9)
    at(21_000)
    c.onFill(fill('s', 'SELL', 0.6, 50, 21_000, { feeUsd: 0.2 })) // +29.8
    c.onFill(fill('s', 'SELL', 0.6, 50, 21_000, { feeUsd: 0.2, status: 'MINED' })) // same fill again: once
    expect(c.balance()).toBeCloseTo(989.3, 9)
    // 989.3 − 200 reserved by resting BUYs − 10 margin.
    expect(c.free(200)).toBeCloseTo(779.3, 9)
    // The BUY failed on chain: its spend is undone.
    c.onFill(fill('b', 'BUY', 0.4, 100, 20_000, { feeUsd: 0.5, status: 'FAILED' }))
    expect(c.balance()).toBeCloseTo(1029.8, 9)
  })

  test('a new read replaces the count; fills it may hold are resolved the safe way', () => {
    const { c, at } = setup()
    c.setBalance({ usd: 500, startedAt: 1_000, endedAt: 1_100 })
    at(5_000)
    c.onFill(fill('old', 'BUY', 0.5, 10, 5_000)) // seen before the next read was sent: in it
    // The read is sent at 10 000 and answered at 10 100; three fills arrive while it is in flight.
    at(10_050)
    c.onFill(fill('b1', 'BUY', 0.5, 10, 10_000)) // matched in [10 000, 11 000): maybe after the read → −5
    c.onFill(fill('b0', 'BUY', 0.2, 10, 9_000)) // matched before 10 000: in the read
    c.onFill(fill('s0', 'SELL', 0.5, 10, 10_000)) // maybe before the answer: not counted until a read has it
    c.setBalance({ usd: 1000, startedAt: 10_000, endedAt: 10_100 })
    expect(c.balance()).toBeCloseTo(995, 9)
    at(11_200)
    c.onFill(fill('s1', 'SELL', 0.6, 10, 11_000, { feeUsd: 0.1 })) // surely after the answer: +5.9
    at(11_300)
    c.onFill(fill('s2', 'SELL', 0.6, 10, 10_000)) // late frame of a match before the answer: not counted
    expect(c.balance()).toBeCloseTo(1000.9, 9)
    // A fill seen before a read was sent is in it, whatever its stamp says (a clock ahead of ours).
    c.setBalance({ usd: 990, startedAt: 12_000, endedAt: 12_100 })
    expect(c.balance()).toBe(990)
  })
})
