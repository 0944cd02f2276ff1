import { expect, test } from 'bun:test'
import { createTradeWindow } from './trade-stats.ts'

test('counts trades per minute over the window and forgets old ones', () => {
  const w = createTradeWindow(60_000)
  for (let i = 0; i < 30; i++) w.record(i * 1000, 0.5, 10, i % 2 === 0 ? 'BUY' : 'SELL')
  expect(w.stats(30_000).tradesPerMin).toBe(30)
  expect(w.stats(30_000).imbalance).toBeCloseTo(0)
  // 45 s later, trades at t < 15 s have left the window.
  expect(w.stats(75_000).count).toBe(14)
  expect(w.stats(200_000)).toMatchObject({ tradesPerMin: 0, imbalance: 0, lastPrice: 0.5, lastSide: 'SELL' })
})

test('signed imbalance follows the taker side and size', () => {
  const w = createTradeWindow(10_000)
  w.record(0, 0.51, 30, 'BUY')
  w.record(1, 0.5, 10, 'SELL')
  expect(w.stats(2).imbalance).toBeCloseTo(0.5)
  expect(w.stats(2).tradesPerMin).toBe(12)
  expect(w.stats(2).lastPrice).toBe(0.5)
})

test('a burst larger than the ring grows it without losing trades', () => {
  const w = createTradeWindow(60_000)
  for (let i = 0; i < 1000; i++) w.record(i, 0.5, 1, 'BUY')
  expect(w.stats(1000).count).toBe(1000)
  expect(w.stats(1000).imbalance).toBe(1)
})
