import { describe, expect, test } from 'bun:test'
import type { OrderIntent } from '../../../schemas/domain.ts'
import { fitBuysToCollateral } from './fit-buys.ts'

const order = (tokenId: string, side: 'BUY' | 'SELL', price: number, size: number, layer = 0): OrderIntent => ({
  tokenId,
  side,
  price,
  size,
  layer,
  quoteSide: (tokenId === 'Y') === (side === 'BUY') ? 'bid' : 'ask',
})

describe('fitBuysToCollateral', () => {
  test('BUYs within what is free and every SELL go out unchanged', () => {
    // 0.5 × 100 + 0.4 × 50 = 70 of 100 free.
    const intents = [order('Y', 'BUY', 0.5, 100), order('N', 'BUY', 0.4, 50), order('Y', 'SELL', 0.6, 1000)]
    const r = fitBuysToCollateral(intents, 100, 5)
    expect(r.orders).toEqual(intents)
    expect(r.cut).toEqual([])
    expect(r.leftUsd).toBeCloseTo(30, 9)
  })

  test('the nearest BUYs keep their size; the next is cut to what is left, the rest dropped', () => {
    const intents = [
      order('Y', 'BUY', 0.5, 100), // 50 → 50 left
      order('N', 'BUY', 0.45, 100), // 45 → 5 left
      order('Y', 'SELL', 0.62, 30), // not pUSD: untouched
      order('Y', 'BUY', 0.49, 100, 1), // 5 / 0.49 = 10.204… → 10.20 shares (4.998) → 0.002 left
      order('N', 'BUY', 0.44, 100, 1), // 0.002 buys nothing: dropped
    ]
    const r = fitBuysToCollateral(intents, 100, 5)
    expect(r.orders.map((o) => [o.tokenId, o.side, o.price, o.size])).toEqual([
      ['Y', 'BUY', 0.5, 100],
      ['N', 'BUY', 0.45, 100],
      ['Y', 'SELL', 0.62, 30],
      ['Y', 'BUY', 0.49, 10.2],
    ])
    expect(r.cut.map((c) => [c.intent.price, c.size])).toEqual([
      [0.49, 10.2],
      [0.44, 0],
    ])
    expect(r.leftUsd).toBeCloseTo(0.002, 9)
  })

  test('a cut under the minimum order size is dropped, and a cheaper BUY after it may still take the rest', () => {
    // 2 USD at 0.5 is 4 shares (< 5): dropped. At 0.3: 6.66 shares (1.998 USD) ≥ 5: sent.
    const r = fitBuysToCollateral([order('Y', 'BUY', 0.5, 10), order('N', 'BUY', 0.3, 10)], 2, 5)
    expect(r.orders.map((o) => [o.price, o.size])).toEqual([[0.3, 6.66]])
    expect(r.cut.map((c) => [c.intent.price, c.size])).toEqual([
      [0.5, 0],
      [0.3, 6.66],
    ])
  })

  test('a notional exactly equal to what is free fits despite float noise', () => {
    const r = fitBuysToCollateral([order('Y', 'BUY', 0.57, 33)], 0.57 * 33, 5)
    expect(r.orders.map((o) => o.size)).toEqual([33])
    expect(r.cut).toEqual([])
  })

  test('nothing free (reservations above the balance): every BUY dropped, SELLs still sent', () => {
    const intents = [order('Y', 'BUY', 0.5, 10), order('Y', 'SELL', 0.6, 10)]
    const r = fitBuysToCollateral(intents, -12.5, 0)
    expect(r.orders.map((o) => o.side)).toEqual(['SELL'])
    expect(r.cut.map((c) => c.size)).toEqual([0])
    expect(r.leftUsd).toBe(0)
  })
})
