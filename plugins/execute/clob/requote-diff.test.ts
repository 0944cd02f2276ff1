import { describe, expect, test } from 'bun:test'
import { testMarket } from '../../../pipeline/testing.ts'
import type { BookView, LiveOrder, OrderIntent } from '../../../schemas/domain.ts'
import type { BookPair } from '../../../stages/io.ts'
import { diffOrders, type RequoteRules } from './requote-diff.ts'

const m = testMarket()
const RULES: RequoteRules = { requoteMidTicks: 1, requoteQueueLevels: 2, orderMaxAgeMs: 12_000 }

function view(tokenId: string, bids: number[], asks: number[]): BookView {
  return {
    tokenId,
    state: 'fresh',
    stateReason: '',
    tickSize: 0.01,
    updatedAt: 0,
    bestBid: () => (bids[0] === undefined ? undefined : { price: bids[0], size: 100 }),
    bestAsk: () => (asks[0] === undefined ? undefined : { price: asks[0], size: 100 }),
    bids: () => bids.map((price) => ({ price, size: 100 })),
    asks: () => asks.map((price) => ({ price, size: 100 })),
    levelsAhead: (side, price) =>
      side === 'bid' ? bids.filter((p) => p > price + 0.005).length : asks.filter((p) => p < price - 0.005).length,
  }
}

/** YES book with bids/asks; NO mirrored. */
function books(bids: number[], asks: number[]): BookPair {
  const r = (x: number) => Math.round(x * 100) / 100
  return {
    yes: view(m.yesTokenId, bids, asks),
    no: view(
      m.noTokenId,
      asks.map((a) => r(1 - a)),
      bids.map((b) => r(1 - b)),
    ),
  }
}

const bid = (price: number, size = 10): OrderIntent => ({
  tokenId: m.yesTokenId,
  side: 'BUY',
  price,
  size,
  layer: 0,
  quoteSide: 'bid',
})
const ask = (price: number, size = 10): OrderIntent => ({
  tokenId: m.noTokenId,
  side: 'BUY',
  price,
  size,
  layer: 0,
  quoteSide: 'ask',
})
const live = (i: OrderIntent, id: string, quotedMid = 0.5, createdAt = 0): LiveOrder => ({
  ...i,
  id,
  conditionId: m.conditionId,
  status: 'live',
  filled: 0,
  createdAt,
  quotedMid,
})

describe('requote rules', () => {
  const book = books([0.49, 0.48, 0.47], [0.51, 0.52])
  test('nothing resting: everything is placed', () => {
    const d = diffOrders({ market: m, books: book, desired: [bid(0.49), ask(0.49)], live: [], now: 0, rules: RULES })
    expect(d.place).toHaveLength(2)
  })

  test('below every threshold a side is left alone even if the wanted price moved a tick', () => {
    const d = diffOrders({
      market: m,
      books: book,
      desired: [bid(0.48)],
      live: [live(bid(0.49), 'a')],
      now: 1000,
      rules: RULES,
    })
    expect(d).toMatchObject({ keep: [{ id: 'a' }], cancel: [], place: [] })
  })

  test('mid moved a tick: the side is requoted; a resting order that still matches keeps its place', () => {
    const moved = books([0.5, 0.49], [0.52, 0.53]) // mid 0.51
    const d = diffOrders({
      market: m,
      books: moved,
      desired: [bid(0.5), bid(0.49)],
      live: [live(bid(0.49), 'a'), live(bid(0.48), 'b')],
      now: 1000,
      rules: RULES,
    })
    expect(d.keep.map((o) => o.id)).toEqual(['a'])
    expect(d.cancel.map((o) => o.id)).toEqual(['b'])
    expect(d.place.map((o) => o.price)).toEqual([0.5])
    expect(d.reasons[0]).toContain('mid moved')
  })

  test('best order two levels behind the touch: requoted', () => {
    const d = diffOrders({
      market: m,
      books: book,
      desired: [bid(0.49)],
      live: [live(bid(0.47), 'a')],
      now: 0,
      rules: RULES,
    })
    expect(d.cancel.map((o) => o.id)).toEqual(['a'])
    expect(d.reasons[0]).toContain('levels behind')
  })

  test('an order older than the max age forces a requote', () => {
    const young = diffOrders({
      market: m,
      books: book,
      desired: [bid(0.48)],
      live: [live(bid(0.49), 'a')],
      now: 11_000,
      rules: RULES,
    })
    expect(young.cancel).toEqual([])
    const old = diffOrders({
      market: m,
      books: book,
      desired: [bid(0.48)],
      live: [live(bid(0.49), 'a')],
      now: 12_000,
      rules: RULES,
    })
    expect(old.cancel.map((o) => o.id)).toEqual(['a'])
    expect(old.place.map((o) => o.price)).toEqual([0.48])
  })

  test('a side switched off (no desired orders) is cancelled; the other side is untouched', () => {
    const d = diffOrders({
      market: m,
      books: book,
      desired: [ask(0.49)],
      live: [live(bid(0.49), 'a'), live(ask(0.49), 'b')],
      now: 0,
      rules: RULES,
    })
    expect(d.cancel.map((o) => o.id)).toEqual(['a'])
    expect(d.keep.map((o) => o.id)).toEqual(['b'])
  })

  test('an adopted order (quoting mid unknown) is re-examined at once', () => {
    const d = diffOrders({
      market: m,
      books: book,
      desired: [bid(0.49)],
      live: [live(bid(0.49), 'a', -1)],
      now: 0,
      rules: RULES,
    })
    expect(d.keep.map((o) => o.id)).toEqual(['a'])
    expect(d.reasons).toHaveLength(1)
  })
})
