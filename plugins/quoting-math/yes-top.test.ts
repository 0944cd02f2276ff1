import { describe, expect, test } from 'bun:test'
import { bookPair } from './test-inputs.ts'
import { microprice, yesTop } from './yes-top.ts'

describe('yesTop', () => {
  test('mirrors the NO book: a NO bid at p is a YES ask at 1 − p, a NO ask at p a YES bid at 1 − p', () => {
    // YES 0.48 × 100 / 0.52 × 300; NO bid 0.49 × 50 → YES ask 0.51 × 50 (better); NO ask 0.53 → YES bid 0.47 (worse).
    const top = yesTop(
      bookPair({ bids: [[0.48, 100]], asks: [[0.52, 300]] }, { bids: [[0.49, 50]], asks: [[0.53, 200]] }),
    )
    expect(top.bid).toBe(0.48)
    expect(top.bidSize).toBe(100)
    expect(top.ask).toBeCloseTo(0.51, 12)
    expect(top.askSize).toBe(50)
    // (0.48·50 + 0.51·100) / 150 = 75 / 150
    expect(microprice(top)).toBeCloseTo(0.5, 12)
  })

  test('adds sizes when a native and a mirrored level share a price', () => {
    const top = yesTop(
      bookPair({ bids: [[0.48, 100]], asks: [[0.52, 300]] }, { bids: [[0.49, 50]], asks: [[0.52, 200]] }),
    )
    expect(top.bid).toBe(0.48)
    expect(top.bidSize).toBe(300)
    // (0.48·50 + 0.51·300) / 350 = 177 / 350
    expect(microprice(top)).toBeCloseTo(177 / 350, 12)
  })

  test('reads a YES side from the NO book alone', () => {
    const top = yesTop(bookPair({}, { bids: [[0.4, 10]], asks: [[0.45, 20]] }))
    expect(top.bid).toBeCloseTo(0.55, 12)
    expect(top.ask).toBeCloseTo(0.6, 12)
  })

  test('skips top levels under the minimum size, on both books', () => {
    const books = bookPair(
      {
        bids: [
          [0.49, 5],
          [0.47, 100],
        ],
        asks: [
          [0.51, 3],
          [0.55, 100],
        ],
      },
      {
        bids: [
          [0.5, 4],
          [0.46, 100],
        ],
      },
    )
    const raw = yesTop(books)
    expect(raw.bid).toBe(0.49)
    expect(raw.ask).toBeCloseTo(0.5, 12)
    const filtered = yesTop(books, 10)
    expect(filtered.bid).toBe(0.47)
    expect(filtered.ask).toBeCloseTo(0.54, 12)
  })

  test('a missing side is NaN and has no microprice', () => {
    const top = yesTop(bookPair({ bids: [[0.48, 100]] }))
    expect(Number.isNaN(top.ask)).toBe(true)
    expect(Number.isNaN(microprice(top))).toBe(true)
  })
})
