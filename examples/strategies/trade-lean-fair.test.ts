import { describe, expect, test } from 'bun:test'
import { createTestPlugin, testMarket } from '../../pipeline/testing.ts'
import { bookPair } from '../../plugins/quoting-math/test-inputs.ts'
import type { FairValueInput, MarketTrades, TokenTrades } from '../../stages/io.ts'
import plugin from './trade-lean-fair.ts'

const tape = (lastPrice: number, lastAt: number): TokenTrades => ({
  lastPrice,
  lastSide: 'BUY',
  lastAt,
  tradesPerMin: 1,
  imbalance: 1,
  count: 1,
})
const books = bookPair({ bids: [[0.4, 100]], asks: [[0.6, 100]] })
const input = (trades: MarketTrades, now = 10_000): FairValueInput => ({
  market: testMarket(),
  books,
  trades,
  fills: [],
  now,
})

describe('trade-lean-fair (README worked example)', () => {
  test('leans toward a recent YES trade, a recent NO trade read at 1 − p, and ignores an old one', async () => {
    const h = await createTestPlugin(plugin, { lean: 0.5, max_age_ms: 5000 })
    expect(h.run(input({ yes: tape(0.58, 9000), no: undefined }))).toEqual({ fair: 0.54 })
    expect((h.run(input({ yes: tape(0.58, 1000), no: tape(0.6, 9500) })) as { fair: number }).fair).toBeCloseTo(
      0.45,
      12,
    )
    expect(h.run(input({ yes: tape(0.58, 1000), no: undefined }))).toEqual({ fair: 0.5 })
  })
})
