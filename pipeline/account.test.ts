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

  test('holdings set by reconciliation notify listeners', () => {
    const a = createAccount()
    const changed: string[] = []
    a.onChange((t) => changed.push(t))
    a.setHoldings('2', 12.5, 0.3)
    expect(a.token('2')).toMatchObject({ shares: 12.5, avgPrice: 0.3 })
    expect(changed).toEqual(['2'])
  })
})
