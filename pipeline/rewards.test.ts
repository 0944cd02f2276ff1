import { describe, expect, test } from 'bun:test'
import { createStaticBook } from '../plugins/quoting-math/static-book.ts'
import type { Market, OrderIntent } from '../schemas/domain.ts'
import { adjustedMid, combineSides, orderScore, rewardsScoreOf } from './rewards.ts'
import { testMarket } from './testing.ts'

const m: Market = testMarket({ rewardsMinSize: 50, rewardsMaxSpread: 3 })
const order = (quoteSide: 'bid' | 'ask', tokenId: string, price: number, size: number): OrderIntent => ({
  tokenId,
  side: 'BUY',
  price,
  size,
  layer: 0,
  quoteSide,
})

describe('liquidity rewards score (protocol doc §5)', () => {
  test('the documented example: mid 0.50, v = 3¢, a bid of 100 at 0.49 scores (2/3)² · 100', () => {
    expect(orderScore(1, 3, 100, 50)).toBeCloseTo((4 / 9) * 100, 9)
    expect(orderScore(3, 3, 100, 50)).toBe(0) // at v: not within it
    expect(orderScore(1, 3, 49, 50)).toBe(0) // under the min size
  })

  test('single-sided: a third inside [0.10, 0.90], nothing outside; two-sided: the smaller side', () => {
    expect(combineSides(90, 0, 0.5)).toBe(30)
    expect(combineSides(90, 0, 0.05)).toBe(0)
    expect(combineSides(90, 60, 0.05)).toBe(60)
    expect(combineSides(90, 60, 0.5)).toBe(60)
  })

  test('the mid is adjusted for size: a 10-share top below the 50-share cutoff is passed over', () => {
    const books = {
      yes: createStaticBook({
        tokenId: m.yesTokenId,
        bids: [
          [0.5, 10],
          [0.48, 100],
        ],
        asks: [[0.52, 200]],
      }),
      no: createStaticBook({ tokenId: m.noTokenId }),
    }
    expect(adjustedMid(books, 50)).toBeCloseTo(0.5, 9) // (0.48 + 0.52) / 2, not (0.50 + 0.52) / 2
    expect(adjustedMid(books, 0)).toBeCloseTo(0.51, 9)
  })

  test('a YES bid and a NO bid (the YES ask) are scored against the adjusted mid, NO priced at 1 − p', () => {
    const books = {
      yes: createStaticBook({ tokenId: m.yesTokenId, bids: [[0.49, 100]], asks: [[0.51, 100]] }),
      no: createStaticBook({ tokenId: m.noTokenId, bids: [[0.49, 100]], asks: [[0.51, 100]] }),
    }
    const two = rewardsScoreOf(m, books, [order('bid', m.yesTokenId, 0.49, 100), order('ask', m.noTokenId, 0.49, 100)])
    expect(two?.mid).toBeCloseTo(0.5, 9)
    expect(two?.bid).toBeCloseTo((4 / 9) * 100, 9)
    expect(two?.ask).toBeCloseTo((4 / 9) * 100, 9)
    expect(two?.score).toBeCloseTo((4 / 9) * 100, 9)
    const one = rewardsScoreOf(m, books, [order('bid', m.yesTokenId, 0.49, 100)])
    expect(one?.score).toBeCloseTo(((4 / 9) * 100) / 3, 9)
    expect(rewardsScoreOf(testMarket(), books, [])).toBeUndefined() // no rewards on the market
  })
})
