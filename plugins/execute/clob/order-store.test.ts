import { describe, expect, test } from 'bun:test'
import { createTrackedOrder, type TrackedOrder } from './order-state.ts'
import { createOrderStore } from './order-store.ts'

const order = (id: string, conditionId: string, side: 'BUY' | 'SELL', price = 0.4, size = 10): TrackedOrder =>
  createTrackedOrder(
    { id, conditionId, tokenId: 't', side, price, size, layer: 0, quoteSide: 'bid', quotedMid: 0.5 },
    0,
  )

describe('order store', () => {
  test("a market's open orders are only its own, in creation order, and terminal ones leave the index", () => {
    const s = createOrderStore()
    s.set('a1', order('a1', 'A', 'BUY'))
    s.set('b1', order('b1', 'B', 'SELL'))
    s.set('a2', order('a2', 'A', 'SELL'))
    expect(s.open('A').map((o) => o.id)).toEqual(['a1', 'a2'])
    expect(s.open('A', 'SELL').map((o) => o.id)).toEqual(['a2'])
    // A change keeps the order's place; a terminal status takes it off the hot path but keeps it by id.
    s.set('a1', { ...(s.get('a1') as TrackedOrder), status: 'live' })
    expect(s.open('A').map((o) => o.id)).toEqual(['a1', 'a2'])
    s.set('a1', { ...(s.get('a1') as TrackedOrder), status: 'cancelled' })
    expect(s.open('A').map((o) => o.id)).toEqual(['a2'])
    expect(s.get('a1')?.status).toBe('cancelled')
    expect(s.openMarkets().sort()).toEqual(['A', 'B'])
    s.set('a2', { ...(s.get('a2') as TrackedOrder), status: 'filled' })
    expect(s.openMarkets()).toEqual(['B'])
    expect(s.size).toBe(3)
  })

  test('the pUSD reserved by open BUYs follows fills, cancels and deletes exactly', () => {
    const s = createOrderStore()
    s.set('x', order('x', 'A', 'BUY', 0.37, 10))
    s.set('y', order('y', 'B', 'BUY', 0.01, 7.5))
    s.set('z', order('z', 'B', 'SELL', 0.9, 100))
    expect(s.reservedBuyUsd()).toBe(3.775)
    s.set('x', { ...(s.get('x') as TrackedOrder), status: 'partially_filled', filled: 4 })
    expect(s.reservedBuyUsd()).toBe(2.295)
    s.set('y', { ...(s.get('y') as TrackedOrder), status: 'cancelled' })
    expect(s.reservedBuyUsd()).toBe(2.22)
    s.delete('x')
    expect(s.reservedBuyUsd()).toBe(0)
  })
})
