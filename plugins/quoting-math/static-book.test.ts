import { describe, expect, test } from 'bun:test'
import { createStaticBook } from './static-book.ts'

describe('createStaticBook', () => {
  test('sorts levels best first, drops empty ones and counts levels ahead', () => {
    const book = createStaticBook({
      bids: [
        [0.45, 10],
        [0.48, 5],
        [0.47, 0],
      ],
      asks: [
        [0.55, 1],
        [0.52, 2],
        [0.53, 3],
      ],
    })
    expect(book.bestBid()).toEqual({ price: 0.48, size: 5 })
    expect(book.bestAsk()).toEqual({ price: 0.52, size: 2 })
    expect(book.bids().map((l) => l.price)).toEqual([0.48, 0.45])
    expect(book.asks(2).map((l) => l.price)).toEqual([0.52, 0.53])
    expect(book.levelsAhead('bid', 0.45)).toBe(1)
    expect(book.levelsAhead('bid', 0.49)).toBe(0)
    expect(book.levelsAhead('ask', 0.55)).toBe(2)
    expect(book.state).toBe('fresh')
  })

  test('an empty book has no best levels', () => {
    const book = createStaticBook({ state: 'stale', stateReason: 'no update for 30s' })
    expect(book.bestBid()).toBeUndefined()
    expect(book.bestAsk()).toBeUndefined()
    expect(book.stateReason).toBe('no update for 30s')
  })
})
