import { describe, expect, test } from 'bun:test'
import { createManualClock } from '../../../pipeline/clock.ts'
import { createMemoryLogger } from '../../../pipeline/logger.ts'
import { createOrderBudget, PRIORITY } from './rate-budget.ts'

function setup(tier?: Parameters<typeof createOrderBudget>[0]['tier']) {
  const clock = createManualClock()
  const { log, lines } = createMemoryLogger()
  const deferred: number[] = []
  const budget = createOrderBudget({
    clock,
    log,
    safety: 1,
    random: () => 0.5,
    onDeferred: (_b, n) => deferred.push(n),
    ...(tier ? { tier } : {}),
  })
  return { clock, lines, budget, deferred }
}

const settle = () => new Promise((r) => setTimeout(r, 0))

describe('per-signer order budget', () => {
  test('Standard tier by default: a burst of 60 orders, then 40 a second; 120 cancels, then 80 a second', async () => {
    const { budget, clock } = setup()
    expect(await budget.acquire('orders', 60, { priority: PRIORITY.initial, maxWaitMs: 0 })).toBe(0)
    expect(await budget.acquire('orders', 1, { priority: PRIORITY.initial, maxWaitMs: 0 })).toBeGreaterThan(0)
    clock.advance(1000)
    expect(await budget.acquire('orders', 40, { priority: PRIORITY.initial, maxWaitMs: 0 })).toBe(0)
    expect(budget.burst('cancels')).toBe(120)
    // Never admitted whole: the caller must split.
    expect(await budget.acquire('cancels', 121, { priority: PRIORITY.protect, maxWaitMs: 10_000 })).toBe(
      Number.POSITIVE_INFINITY,
    )
  })

  test('when tokens are short they go by priority, not arrival: initial placements first, then the requote furthest off', async () => {
    const { budget, clock, deferred } = setup({
      name: 'tiny',
      orders: { perSec: 10, burst: 10 },
      cancels: { perSec: 10, burst: 10 },
    })
    await budget.acquire('orders', 10, { priority: PRIORITY.initial, maxWaitMs: 0 })
    const order: string[] = []
    const wait = (name: string, p: Promise<number>) => p.then((w) => order.push(`${name}:${w === 0 ? 'ok' : 'late'}`))
    const near = wait(
      'requote near',
      budget.acquire('orders', 5, { priority: PRIORITY.requote, distance: 1, maxWaitMs: 5000 }),
    )
    const far = wait(
      'requote far',
      budget.acquire('orders', 5, { priority: PRIORITY.requote, distance: 4, maxWaitMs: 5000 }),
    )
    const first = wait('initial', budget.acquire('orders', 5, { priority: PRIORITY.initial, maxWaitMs: 5000 }))
    clock.advance(500)
    await settle()
    clock.advance(500)
    await settle()
    clock.advance(500)
    await Promise.all([near, far, first])
    expect(order).toEqual(['initial:ok', 'requote far:ok', 'requote near:ok'])
    // One that cannot be served within its wait is deferred, nothing taken, and counted.
    expect(await budget.acquire('orders', 10, { priority: PRIORITY.requote, maxWaitMs: 10 })).toBeGreaterThan(10)
    expect(deferred).toEqual([10])
  })

  test('a 429 blocks the bucket for Retry-After; a protective cancel waits it out, a requote is deferred at once', async () => {
    const { budget, clock } = setup()
    expect(budget.onThrottled('cancels', '2')).toBe(2000)
    expect(await budget.acquire('cancels', 1, { priority: PRIORITY.requoteCancel, maxWaitMs: 5000 })).toBe(2000)
    let granted = false
    const p = budget.acquire('cancels', 1, { priority: PRIORITY.protect, maxWaitMs: 5000, throughBackoff: true })
    void p.then(() => {
      granted = true
    })
    clock.advance(1999)
    await settle()
    expect(granted).toBe(false)
    clock.advance(100)
    expect(await p).toBe(0)
  })

  test('headers set the tokens left (never above our count) and the tier; a malformed one is logged by name and ignored', () => {
    const { budget, lines } = setup()
    budget.onHeaders('orders', new Headers({ 'Poly-RateLimit-Tier': 'standard', 'Poly-RateLimit-Remaining': '12' }))
    expect(budget.state('orders').tokens).toBe(12)
    budget.onHeaders('orders', new Headers({ 'Poly-RateLimit-Remaining': 'lots', 'Poly-RateLimit-Reset': 'soon' }))
    expect(budget.state('orders').tokens).toBe(12)
    expect(
      lines.filter((l) => l.includes('rate-limit header malformed: poly-ratelimit-remaining="lots"')),
    ).toHaveLength(1)
    expect(lines.filter((l) => l.includes('rate-limit header malformed: poly-ratelimit-reset="soon"'))).toHaveLength(1)
    // Negative after a cancel-all: the bucket waits until it refills past zero.
    budget.onHeaders('cancels', new Headers({ 'Poly-RateLimit-Remaining': '-40' }))
    expect(budget.waitMs('cancels', 40)).toBe(Math.ceil(80 / 0.08))
    // An unknown, larger tier: its burst comes from Poly-RateLimit-Limit.
    budget.onHeaders('orders', new Headers({ 'Poly-RateLimit-Tier': 'pro', 'Poly-RateLimit-Limit': '600' }))
    expect(budget.burst('orders')).toBe(600)
    expect(budget.state('orders').perSec).toBe(400)
  })

  test('a configured tier is kept whatever the headers name', () => {
    const { budget } = setup({
      name: 'configured',
      orders: { perSec: 400, burst: 600 },
      cancels: { perSec: 800, burst: 1200 },
    })
    budget.onHeaders('orders', new Headers({ 'Poly-RateLimit-Tier': 'standard', 'Poly-RateLimit-Limit': '60' }))
    expect(budget.burst('orders')).toBe(600)
  })

  test('nothing holds a healthy account to 15 batches a second: a larger tier is spent at its own rate', async () => {
    const { budget, clock } = setup({
      name: 'large',
      orders: { perSec: 600, burst: 900 },
      cancels: { perSec: 1200, burst: 1800 },
    })
    let batches = 0
    // Ten seconds of batches of 15, as many as admitted every 10 ms.
    for (let t = 0; t < 10_000; t += 10) {
      while ((await budget.acquire('orders', 15, { priority: PRIORITY.requote, maxWaitMs: 0 })) === 0) batches++
      clock.advance(10)
    }
    // The burst (60 batches) plus 600 orders a second: 40 batches a second, not 15.
    expect(batches).toBeGreaterThanOrEqual(60 + 10 * 39)
  })
})
