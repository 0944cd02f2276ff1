import { describe, expect, test } from 'bun:test'
import type { OrderIntent } from '../../../schemas/domain.ts'
import { fitSellsToHoldings } from './fit-sells.ts'

const order = (tokenId: string, side: 'BUY' | 'SELL', price: number, size: number, layer = 0): OrderIntent => ({
  tokenId,
  side,
  price,
  size,
  layer,
  quoteSide: side === 'SELL' ? 'ask' : 'bid',
})
const free = (m: Record<string, number>) => (t: string) => m[t] ?? 0

describe('fitSellsToHoldings', () => {
  test('SELLs within what is free and every BUY go out unchanged', () => {
    const intents = [order('Y', 'SELL', 0.6, 20), order('Y', 'SELL', 0.61, 20, 1), order('Y', 'BUY', 0.5, 1000)]
    const r = fitSellsToHoldings(intents, free({ Y: 40 }), 5)
    expect(r.orders).toEqual(intents)
    expect(r.cut).toEqual([])
  })

  test('the nearest SELL keeps its size; a farther one is cut to the rest, then dropped under the minimum', () => {
    const intents = [
      order('Y', 'SELL', 0.6, 20),
      order('Y', 'SELL', 0.61, 20, 1),
      order('Y', 'SELL', 0.62, 20, 2),
      order('N', 'SELL', 0.4, 10),
    ]
    const r = fitSellsToHoldings(intents, free({ Y: 27.456, N: 4 }), 5)
    expect(r.orders.map((o) => [o.tokenId, o.price, o.size])).toEqual([
      ['Y', 0.6, 20],
      ['Y', 0.61, 7.45],
    ])
    expect(r.cut.map((c) => [c.intent.price, c.size])).toEqual([
      [0.61, 7.45],
      [0.62, 0],
      [0.4, 0],
    ])
  })

  test('shares offered by orders that may rest (negative free) leave nothing to sell', () => {
    const r = fitSellsToHoldings([order('Y', 'SELL', 0.6, 10)], free({ Y: -3 }), 0)
    expect(r.orders).toEqual([])
    expect(r.cut.map((c) => c.size)).toEqual([0])
  })
})
