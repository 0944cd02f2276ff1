import { describe, expect, test } from 'bun:test'
import { createRequestBudget, endpointFor, parseRetryAfter, type WindowLimit } from './request-budget.ts'

function clock(start = 1_760_000_000_000) {
  let t = start
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms
    },
  }
}

describe('token buckets under the published limits', () => {
  test('a fresh budget grants its burst, then asks to wait for the refill', () => {
    const c = clock()
    // 100 per 10 s at safety 0.8, burst 25 %: capacity 20, refill 60 per 10 s.
    const rb = createRequestBudget(c.now, { limits: { 'post-order': [{ limit: 100, windowMs: 10_000 }] } })
    for (let i = 0; i < 20; i++) expect(rb.tryAcquire('post-order').ok).toBe(true)
    const denied = rb.tryAcquire('post-order')
    expect(denied.ok).toBe(false)
    if (!denied.ok) {
      expect(denied.waitMs).toBe(Math.ceil(10_000 / 60))
      expect(denied.reason).toBe('rate budget')
    }
    c.advance(Math.ceil(10_000 / 60))
    expect(rb.tryAcquire('post-order').ok).toBe(true)
  })

  test('a refused request takes nothing', () => {
    const c = clock()
    const rb = createRequestBudget(c.now, { limits: { 'post-orders': [{ limit: 40, windowMs: 10_000 }] } })
    expect(rb.tryAcquire('post-orders', 8).ok).toBe(true)
    expect(rb.tryAcquire('post-orders', 8).ok).toBe(false)
    expect(rb.state('post-orders').available).toBe(0)
  })

  test('a request larger than a bucket can never be granted', () => {
    const rb = createRequestBudget(clock().now, { limits: { 'cancel-all': [{ limit: 10, windowMs: 10_000 }] } })
    expect(rb.waitMs('cancel-all', 50)).toBe(Number.POSITIVE_INFINITY)
    expect(rb.tryAcquire('cancel-all', 50).ok).toBe(false)
  })

  test('every CLOB request also draws on the general budget', () => {
    const c = clock()
    const rb = createRequestBudget(c.now, { general: { limit: 40, windowMs: 10_000 } })
    let granted = 0
    for (let i = 0; i < 50; i++) if (rb.tryAcquire(i % 2 ? 'book' : 'data-orders').ok) granted += 1
    expect(granted).toBe(8)
  })

  test('property: no sliding window ever sees more than safety × limit', () => {
    const limits: WindowLimit[] = [
      { limit: 100, windowMs: 10_000 },
      { limit: 1500, windowMs: 600_000 },
    ]
    for (const seed of [1, 2, 3]) {
      const c = clock()
      let s = seed
      const rand = () => {
        s = (s * 1103515245 + 12345) % 2 ** 31
        return s / 2 ** 31
      }
      const rb = createRequestBudget(c.now, { safety: 0.8, limits: { 'post-order': limits } })
      const grants: number[] = []
      // Greedy bursts and idle gaps for 40 simulated minutes.
      while (c.now() < 1_760_000_000_000 + 2_400_000) {
        const n = Math.floor(rand() * 30)
        for (let i = 0; i < n; i++) if (rb.tryAcquire('post-order').ok) grants.push(c.now())
        c.advance(rand() < 0.9 ? Math.floor(rand() * 200) : Math.floor(rand() * 20_000))
      }
      expect(grants.length).toBeGreaterThan(1000)
      for (const w of limits) {
        let lo = 0
        for (let hi = 0; hi < grants.length; hi++) {
          while ((grants[hi] as number) - (grants[lo] as number) >= w.windowMs) lo += 1
          expect(hi - lo + 1).toBeLessThanOrEqual(Math.floor(w.limit * 0.8))
        }
      }
    }
  })
})

describe('back-off on 429', () => {
  test('Retry-After in seconds is honoured', () => {
    const c = clock()
    const rb = createRequestBudget(c.now)
    expect(rb.onThrottled('post-orders', '3')).toBe(3000)
    const g = rb.tryAcquire('post-orders')
    expect(g.ok).toBe(false)
    if (!g.ok) expect(g.reason).toBe('backing off after 429')
    c.advance(2999)
    expect(rb.tryAcquire('post-orders').ok).toBe(false)
    c.advance(1)
    expect(rb.tryAcquire('post-orders').ok).toBe(true)
  })

  test('Retry-After as an HTTP date', () => {
    const c = clock(Date.UTC(2026, 0, 1, 12, 0, 0))
    const rb = createRequestBudget(c.now)
    expect(rb.onThrottled('delete-orders', 'Thu, 01 Jan 2026 12:00:07 GMT')).toBe(7000)
  })

  test('without Retry-After: exponential, capped, reset by a success; other endpoints unaffected', () => {
    const c = clock()
    const rb = createRequestBudget(c.now, { backoffBaseMs: 1000, backoffMaxMs: 8000, random: () => 0.5 })
    expect([1, 2, 3, 4, 5].map(() => rb.onThrottled('post-orders'))).toEqual([1000, 2000, 4000, 8000, 8000])
    expect(rb.state('post-orders').consecutive429).toBe(5)
    expect(rb.tryAcquire('book').ok).toBe(true)
    rb.onSuccess('post-orders')
    expect(rb.onThrottled('post-orders')).toBe(1000)
    expect(rb.state('post-orders').total429).toBe(6)
  })

  test('a 429 storm never throws and keeps the endpoint blocked', () => {
    const c = clock()
    const rb = createRequestBudget(c.now, { random: () => 0.99 })
    for (let i = 0; i < 1000; i++) {
      const d = rb.onThrottled('post-order')
      expect(d).toBeLessThanOrEqual(60_000 * 1.2)
      c.advance(10)
    }
    expect(rb.state('post-order').blockedForMs).toBeGreaterThan(0)
  })

  test('parseRetryAfter', () => {
    expect(parseRetryAfter(undefined, 0)).toBeUndefined()
    expect(parseRetryAfter('', 0)).toBeUndefined()
    expect(parseRetryAfter('soon', 0)).toBeUndefined()
    expect(parseRetryAfter(2, 0)).toBe(2000)
    expect(parseRetryAfter(' 1.5 ', 0)).toBe(1500)
  })
})

test('endpointFor maps CLOB paths to their limit classes', () => {
  expect(endpointFor('POST', '/order')).toBe('post-order')
  expect(endpointFor('DELETE', '/order')).toBe('delete-order')
  expect(endpointFor('POST', '/orders')).toBe('post-orders')
  expect(endpointFor('DELETE', '/orders')).toBe('delete-orders')
  expect(endpointFor('DELETE', '/cancel-all')).toBe('cancel-all')
  expect(endpointFor('GET', '/data/order/0xabc')).toBe('data-orders')
  expect(endpointFor('GET', '/data/trades')).toBe('data-trades')
  expect(endpointFor('POST', '/v1/heartbeats')).toBe('clob-other')
})
