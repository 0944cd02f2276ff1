import { expect, test } from 'bun:test'
import { APPLIED, applyChecked, INCONSISTENT, REFUSED, topProblem } from './integrity.ts'
import { ASK, BID, createOrderBook } from './order-book.ts'

function book() {
  const b = createOrderBook(0.01)
  b.set(BID, 49, 100)
  b.set(BID, 50, 200)
  b.set(ASK, 52, 250)
  b.set(ASK, 51, 150)
  return b
}

test('an entry that agrees with the feed top applies', () => {
  const b = book()
  const p = { reason: '' }
  expect(applyChecked(b, BID, 0.5, 300, 0.5, 0.51, true, p)).toBe(APPLIED)
  expect(b.bestBid()).toEqual({ price: 0.5, size: 300 })
})

test('a top that disagrees with the feed is inconsistent, with the reason', () => {
  const b = book()
  const p = { reason: '' }
  // The feed says best bid 0.5 after a new 0.49 level: fine. It says 0.51 after a 0.49 change: we missed one.
  expect(applyChecked(b, BID, 0.49, 10, 0.51, 0.52, true, p)).toBe(INCONSISTENT)
  expect(p.reason).toContain('best bid mismatch: local 0.5, feed 0.51')
})

test('out of range and off grid prices are refused and leave the book unchanged', () => {
  const b = book()
  const p = { reason: '' }
  expect(applyChecked(b, BID, 1.2, 10, Number.NaN, Number.NaN, true, p)).toBe(REFUSED)
  expect(p.reason).toContain('outside (0, 1)')
  expect(applyChecked(b, BID, 0, 10, Number.NaN, Number.NaN, true, p)).toBe(REFUSED)
  expect(applyChecked(b, ASK, 0.515, 10, Number.NaN, Number.NaN, true, p)).toBe(REFUSED)
  expect(p.reason).toContain('off the 0.01 tick grid')
  expect(b.levelCount()).toBe(4)
})

test('a crossing change is inconsistent even without feed tops', () => {
  const b = book()
  const p = { reason: '' }
  expect(applyChecked(b, BID, 0.51, 10, Number.NaN, Number.NaN, false, p)).toBe(INCONSISTENT)
  expect(p.reason).toContain('crossed')
})

test('empty sides read as 0 and 1; empty feed values are not checked', () => {
  const b = createOrderBook(0.01)
  expect(topProblem(b, 0, 1)).toBe('')
  expect(topProblem(b, Number.NaN, Number.NaN)).toBe('')
  expect(topProblem(b, 0.3, Number.NaN)).toContain('best bid mismatch')
})
