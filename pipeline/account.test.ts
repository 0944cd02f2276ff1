import { describe, expect, test } from 'bun:test'
import type { Fill } from '../schemas/domain.ts'
import { createAccount } from './account.ts'
import { testMarket } from './testing.ts'

const market = testMarket({ yesTokenId: '1', noTokenId: '2' })
let n = 0
function fill(side: 'BUY' | 'SELL', price: number, size: number, extra: Partial<Fill> = {}): Fill {
  n += 1
  return {
    tradeId: `t${n}`,
    orderId: `o${n}`,
    conditionId: market.conditionId,
    tokenId: '1',
    side,
    price,
    size,
    feeUsd: 0,
    role: 'MAKER',
    status: 'MATCHED',
    timestamp: 1000 * n,
    ...extra,
  }
}

describe('account', () => {
  test('average cost, realized PnL and fees by hand', () => {
    const a = createAccount()
    a.applyFill(fill('BUY', 0.4, 100)) // 100 @ 0.40
    a.applyFill(fill('BUY', 0.5, 100)) // 200 @ 0.45
    a.applyFill(fill('SELL', 0.6, 50, { feeUsd: 0.25 })) // realized 50 × 0.15 − 0.25 = 7.25
    expect(a.token('1')).toMatchObject({ shares: 150, avgPrice: 0.45 })
    expect(a.token('1').realizedPnl).toBeCloseTo(7.25, 9)
    expect(a.realizedSince(0)).toBeCloseTo(7.25, 9)
    expect(a.unrealized(market, 0.5)).toBeCloseTo(150 * 0.05, 9)
  })

  test('net YES exposure is YES shares minus NO shares', () => {
    const a = createAccount()
    a.applyFill(fill('BUY', 0.4, 30))
    a.applyFill(fill('BUY', 0.55, 10, { tokenId: '2' }))
    expect(a.position(market).q).toBe(20)
    // NO is worth 1 − fair: 10 × (0.5 − 0.55) + 30 × (0.5 − 0.4)
    expect(a.unrealized(market, 0.5)).toBeCloseTo(-0.5 + 3, 9)
  })

  test('a trade seen again (reconnect, later status) is counted once', () => {
    const a = createAccount()
    const f = fill('BUY', 0.4, 10)
    expect(a.applyFill(f)).toBe(true)
    expect(a.applyFill(f)).toBe(false)
    expect(a.applyFill({ ...f, status: 'MINED' })).toBe(false)
    expect(a.applyFill({ ...f, status: 'CONFIRMED' })).toBe(false)
    expect(a.token('1').shares).toBe(10)
  })

  test('a trade that fails after it was counted is reversed, exactly', () => {
    const a = createAccount()
    a.applyFill(fill('BUY', 0.4, 100))
    const bad = fill('SELL', 0.6, 40)
    a.applyFill(bad)
    expect(a.token('1').shares).toBe(60)
    expect(a.applyFill({ ...bad, status: 'FAILED' })).toBe(true)
    expect(a.token('1')).toEqual({ tokenId: '1', shares: 100, avgPrice: 0.4, realizedPnl: 0 })
    expect(a.realizedSince(0)).toBe(0)
    // A trade that was never counted and fails changes nothing.
    expect(a.applyFill(fill('BUY', 0.5, 5, { status: 'FAILED' }))).toBe(false)
  })

  test('realized PnL since a time counts only the later closes', () => {
    const a = createAccount()
    a.applyFill(fill('BUY', 0.4, 10, { timestamp: 100 }))
    a.applyFill(fill('SELL', 0.5, 5, { timestamp: 200 })) // +0.5
    a.applyFill(fill('SELL', 0.3, 5, { timestamp: 300 })) // −0.5
    expect(a.realizedSince(0)).toBeCloseTo(0, 9)
    expect(a.realizedSince(250)).toBeCloseTo(-0.5, 9)
  })

  test('realized PnL of selling seeded holdings counts from the seed: 1000 @ 0.30, 400 sold at 0.50 → +80', () => {
    const a = createAccount()
    a.setHoldings('1', 1000, 0.3)
    a.applyFill(fill('SELL', 0.5, 400, { timestamp: 5000 })) // 400 × (0.50 − 0.30) = 80
    expect(a.token('1')).toMatchObject({ shares: 600, avgPrice: 0.3 })
    expect(a.realizedSince(0)).toBeCloseTo(80, 9)
    expect(a.realizedSince(5000)).toBeCloseTo(80, 9)
    expect(a.realizedSince(5001)).toBe(0)
  })

  test('a FAILED reversal keeps the seeded holdings: 100 seeded + 10 + 5, the 5 fails → 110', () => {
    const a = createAccount()
    a.setHoldings('1', 100, 0.4)
    a.applyFill(fill('BUY', 0.5, 10))
    const bad = fill('BUY', 0.6, 5)
    a.applyFill(bad)
    expect(a.token('1').shares).toBe(115)
    expect(a.applyFill({ ...bad, status: 'FAILED' })).toBe(true)
    // (100 × 0.40 + 10 × 0.50) / 110
    expect(a.token('1').shares).toBe(110)
    expect(a.token('1').avgPrice).toBeCloseTo(45 / 110, 12)
  })

  test('a FAILED reversal recomputes the realized PnL of later sales from the seed', () => {
    const a = createAccount()
    a.setHoldings('1', 100, 0.4)
    const bad = fill('BUY', 0.7, 100) // avg → 0.55
    a.applyFill(bad)
    a.applyFill(fill('SELL', 0.6, 50)) // 50 × (0.60 − 0.55) = 2.5
    expect(a.realizedSince(0)).toBeCloseTo(2.5, 9)
    a.applyFill({ ...bad, status: 'FAILED' })
    // Without the bad buy the 50 sold came from 0.40: 50 × 0.20 = 10
    expect(a.token('1')).toMatchObject({ shares: 50, avgPrice: 0.4 })
    expect(a.token('1').realizedPnl).toBeCloseTo(10, 9)
    expect(a.realizedSince(0)).toBeCloseTo(10, 9)
  })

  test('fills older than the retention are forgotten but stay in the position; recent ones are still de-duplicated', () => {
    const a = createAccount({ retentionMs: 10_000 })
    const old = fill('BUY', 0.4, 100, { timestamp: 1_000 })
    a.applyFill(old)
    a.applyFill(fill('SELL', 0.5, 50, { timestamp: 2_000 })) // +5
    const recent = fill('SELL', 0.6, 10, { timestamp: 20_000 }) // +2; 1 000 and 2 000 are now > 10 s old
    a.applyFill(recent)
    expect(a.fills()).toEqual([recent])
    expect(a.token('1')).toMatchObject({ shares: 40, avgPrice: 0.4 })
    expect(a.realizedSince(0)).toBeCloseTo(2, 9) // the forgotten sale's +5 is before any day that is asked for
    expect(a.applyFill({ ...recent, status: 'MINED' })).toBe(false)
    // A reversal rebuilds from the folded-in history: 50 @ 0.40 left.
    expect(a.applyFill({ ...recent, status: 'FAILED' })).toBe(true)
    expect(a.token('1')).toMatchObject({ shares: 50, avgPrice: 0.4 })
    expect(a.token('1').realizedPnl).toBeCloseTo(5, 9)
  })

  test('realized PnL booked from earlier runs counts in realizedSince and leaves positions alone', () => {
    const a = createAccount()
    a.recordRealized(1000, -50)
    a.applyFill(fill('BUY', 0.4, 10, { timestamp: 2000 }))
    a.applyFill(fill('SELL', 0.5, 10, { timestamp: 3000 })) // +1
    expect(a.realizedSince(0)).toBeCloseTo(-49, 9)
    expect(a.realizedSince(1500)).toBeCloseTo(1, 9)
    expect(a.token('1').shares).toBe(0)
  })

  test('holdings set by reconciliation notify listeners', () => {
    const a = createAccount()
    const changed: string[] = []
    a.onChange((t) => changed.push(t))
    a.setHoldings('2', 12.5, 0.3)
    expect(a.token('2')).toMatchObject({ shares: 12.5, avgPrice: 0.3 })
    expect(changed).toEqual(['2'])
  })
})

describe('V2 fees (protocol doc §7.5)', () => {
  test('a taker BUY pays its fee in shares: it holds size − fee / price, the fee realized as a cost', () => {
    const a = createAccount()
    // 100 shares at 0.50 for 50 USD, fee 0.50 USD = 1 share.
    a.applyFill(fill('BUY', 0.5, 100, { role: 'TAKER', feeUsd: 0.5 }))
    expect(a.token('1')).toMatchObject({ shares: 99, avgPrice: 0.5 })
    expect(a.token('1').realizedPnl).toBeCloseTo(-0.5, 12)
    // Selling all 99 flattens the position: nothing is left that the exchange does not hold.
    a.applyFill(fill('SELL', 0.6, 99))
    expect(a.token('1').shares).toBe(0)
    expect(a.token('1').realizedPnl).toBeCloseTo(99 * 0.1 - 0.5, 12)
  })

  test('a taker SELL and a maker BUY keep their size; the fee is USD', () => {
    const a = createAccount()
    a.applyFill(fill('BUY', 0.5, 100, { role: 'MAKER', feeUsd: 0 }))
    a.applyFill(fill('SELL', 0.6, 40, { role: 'TAKER', feeUsd: 0.24 }))
    expect(a.token('1').shares).toBe(60)
    expect(a.token('1').realizedPnl).toBeCloseTo(40 * 0.1 - 0.24, 12)
  })

  test('a FAILED reversal rebuilds with the fee in shares', () => {
    const a = createAccount()
    a.applyFill(fill('BUY', 0.5, 100, { role: 'TAKER', feeUsd: 0.5, tradeId: 'x', orderId: 'ox' }))
    a.applyFill(fill('BUY', 0.4, 10, { role: 'TAKER', feeUsd: 0.2 }))
    a.applyFill(fill('BUY', 0.5, 100, { role: 'TAKER', feeUsd: 0.5, tradeId: 'x', orderId: 'ox', status: 'FAILED' }))
    expect(a.token('1').shares).toBe(9.5)
  })
})
