import { expect, test } from 'bun:test'
import { createSendBudget } from './send-budget.ts'

test('a bucket refills over 10 s and a 429 pauses every kind, doubling until a success', () => {
  const b = createSendBudget({ post: 2, cancel: 10, read: 10 }, { baseMs: 1000, maxMs: 4000 })
  expect(b.take('post', 0)).toBe(0)
  expect(b.take('post', 0)).toBe(0)
  expect(b.take('post', 0)).toBe(5000) // 2 per 10 s: one token every 5 s
  expect(b.take('post', 5000)).toBe(0)
  b.rateLimited(5000)
  expect(b.take('cancel', 5000)).toBe(1000)
  b.rateLimited(5000)
  expect(b.backoffLeft(5000)).toBe(2000)
  b.rateLimited(5000)
  b.rateLimited(5000)
  expect(b.backoffLeft(5000)).toBe(4000) // capped
  b.succeeded()
  expect(b.strikes).toBe(0)
  expect(b.take('cancel', 9000)).toBe(0)
})
