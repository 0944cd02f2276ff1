import { describe, expect, test } from 'bun:test'
import { ASK, BID, createOrderBook } from './order-book.ts'

describe('order book', () => {
  test('keeps both sides best first whatever the insertion order', () => {
    const b = createOrderBook(0.01)
    for (const p of [0.48, 0.5, 0.49]) b.set(BID, b.toTicks(p), p * 1000)
    for (const p of [0.53, 0.51, 0.52]) b.set(ASK, b.toTicks(p), p * 1000)
    expect(b.bids().map((l) => l.price)).toEqual([0.5, 0.49, 0.48])
    expect(b.asks().map((l) => l.price)).toEqual([0.51, 0.52, 0.53])
    expect(b.bestBid()).toEqual({ price: 0.5, size: 500 })
    expect(b.bestAsk()).toEqual({ price: 0.51, size: 510 })
    expect(b.bids(2)).toHaveLength(2)
    expect(b.asks(0)).toEqual([])
  })

  test('size replaces the level, zero removes it, removing a missing level is harmless', () => {
    const b = createOrderBook(0.01)
    b.set(BID, 50, 10)
    b.set(BID, 49, 20)
    b.set(BID, 50, 15)
    expect(b.bestBid()).toEqual({ price: 0.5, size: 15 })
    b.set(BID, 50, 0)
    expect(b.bestBid()).toEqual({ price: 0.49, size: 20 })
    b.set(BID, 30, 0)
    b.set(ASK, 70, 0)
    expect(b.levelCount()).toBe(1)
    b.set(BID, 49, 0)
    expect(b.bestBid()).toBeUndefined()
    expect(b.bestBidTicks()).toBe(-1)
  })

  test('a level removed from the middle keeps the order', () => {
    const b = createOrderBook(0.01)
    for (const t of [60, 61, 62, 63, 64]) b.set(ASK, t, t)
    b.set(ASK, 62, 0)
    expect(b.asks().map((l) => l.price)).toEqual([0.6, 0.61, 0.63, 0.64])
    b.set(ASK, 59, 1)
    expect(b.bestAskTicks()).toBe(59)
  })

  test('grid: on-grid prices map to integer ticks, off-grid prices to NaN', () => {
    const b = createOrderBook(0.01)
    expect(b.toTicks(0.57)).toBe(57)
    expect(b.toTicks(0.07)).toBe(7)
    expect(b.toTicks(0.505)).toBeNaN()
    const q = createOrderBook(0.0025)
    expect(q.toTicks(0.0025)).toBe(1)
    expect(q.toTicks(0.5075)).toBe(203)
    expect(q.toTicks(0.501)).toBeNaN()
    const m = createOrderBook(0.001)
    expect(m.toTicks(0.999)).toBe(999)
  })

  test('levelsAhead counts strictly better levels on each side', () => {
    const b = createOrderBook(0.01)
    for (const t of [45, 47, 48, 50]) b.set(BID, t, 1)
    for (const t of [52, 53, 55]) b.set(ASK, t, 1)
    expect(b.levelsAhead('bid', 0.5)).toBe(0)
    expect(b.levelsAhead('bid', 0.48)).toBe(1)
    expect(b.levelsAhead('bid', 0.46)).toBe(3)
    expect(b.levelsAhead('bid', 0.51)).toBe(0)
    expect(b.levelsAhead('ask', 0.52)).toBe(0)
    expect(b.levelsAhead('ask', 0.54)).toBe(2)
    expect(b.levelsAhead('ask', 0.6)).toBe(3)
  })

  test('reset moves to a new grid with an empty book', () => {
    const b = createOrderBook(0.01)
    b.set(BID, 50, 1)
    b.reset(0.001)
    expect(b.levelCount()).toBe(0)
    expect(b.tickSize).toBe(0.001)
    expect(b.toTicks(0.505)).toBe(505)
  })
})
