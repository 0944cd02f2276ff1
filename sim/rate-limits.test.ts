// Per-signer token buckets (protocol doc §7.2), over raw HTTP so the Poly-RateLimit-* headers are visible.
import { afterEach, describe, expect, test } from 'bun:test'
import { Side } from '@polymarket/clob-client-v2'
import type { ApiCreds } from './auth.ts'
import { createManualClock, type ManualClock, type Simulator } from './index.ts'
import { alice, bob, clobClient, deriveCreds, l2Fetch, orderBody, startTestSimulator } from './testing.ts'

const MARKET = { slug: 'rl', question: 'Rate limits?', tick_size: 0.01 }
let sim: Simulator
let clock: ManualClock

async function start(production: Record<string, unknown> = {}) {
  clock = createManualClock(Date.now())
  sim = await startTestSimulator({ markets: [MARKET], production }, { clock })
  const creds = await deriveCreds(sim.urls.clob, alice)
  const client = clobClient(sim.urls.clob, alice, creds)
  const yes = sim.markets[0]?.tokens[0] ?? ''
  // Resting BUYs far from any book, each a distinct order (random salt).
  const body = (price = 0.1) => orderBody(client, creds, { tokenID: yes, price, size: 5, side: Side.BUY })
  return { creds, client, yes, body }
}

const admin = (path: string, body: unknown) =>
  fetch(`${sim.urls.admin}${path}`, { method: 'POST', body: JSON.stringify(body) }).then((r) => r.json())

const post = (creds: ApiCreds, path: string, body: unknown, method = 'POST') =>
  l2Fetch(sim.urls.clob, alice, creds, method, path, body)

afterEach(async () => {
  await sim?.stop()
})

describe('per-signer token buckets', () => {
  test('every evaluated request carries the Standard tier headers; batches cost one token per order', async () => {
    const { creds, body } = await start()
    const one = await post(creds, '/order', await body())
    expect(one.status).toBe(200)
    expect(one.headers.get('Poly-RateLimit-Tier')).toBe('standard')
    expect(one.headers.get('Poly-RateLimit-Limit')).toBe('60')
    expect(one.headers.get('Poly-RateLimit-Remaining')).toBe('59')
    expect(one.headers.get('Poly-RateLimit-Reset')).toBe('1')
    const batch = await post(creds, '/orders', await Promise.all(Array.from({ length: 15 }, () => body())))
    expect(batch.status).toBe(200)
    expect(batch.headers.get('Poly-RateLimit-Remaining')).toBe('44')
    // Cancels draw on their own bucket (burst 120).
    const ids = sim.openOrders(alice.address).map((o) => o.id)
    const cancel = await post(creds, '/orders', ids.slice(0, 3), 'DELETE')
    expect(cancel.headers.get('Poly-RateLimit-Limit')).toBe('120')
    expect(cancel.headers.get('Poly-RateLimit-Remaining')).toBe('117')
  })

  test('over the limit: 429 with Retry-After, nothing placed; the bucket refills on the simulator clock', async () => {
    const { creds, body } = await start()
    await admin('/faults', { rate_limit_exhaust: { address: alice.address, bucket: 'order' } })
    const refused = await post(creds, '/order', await body())
    expect(refused.status).toBe(429)
    expect(refused.headers.get('Retry-After')).toBe('1')
    expect(await refused.json()).toEqual({ error: 'Too Many Requests' })
    expect(sim.openOrders(alice.address)).toHaveLength(0)
    // 250 ms refill 10 tokens: a batch of 15 is refused whole (all or nothing), a batch of 10 fits.
    clock.advance(250)
    const orders = await Promise.all(Array.from({ length: 15 }, () => body()))
    const whole = await post(creds, '/orders', orders)
    expect(whole.status).toBe(429)
    expect(sim.openOrders(alice.address)).toHaveLength(0)
    const fits = await post(creds, '/orders', orders.slice(0, 10))
    expect(fits.status).toBe(200)
    expect(sim.openOrders(alice.address)).toHaveLength(10)
    // Another signer is not affected.
    const bobCreds = await deriveCreds(sim.urls.clob, bob)
    const bobBody = await orderBody(clobClient(sim.urls.clob, bob, bobCreds), bobCreds, {
      tokenID: sim.markets[0]?.tokens[0] ?? '',
      price: 0.1,
      size: 5,
      side: Side.BUY,
    })
    const bobRes = await l2Fetch(sim.urls.clob, bob, bobCreds, 'POST', '/order', bobBody)
    expect(bobRes.status).toBe(200)
    expect(bobRes.headers.get('Poly-RateLimit-Remaining')).toBe('59')
  })

  test('a batch costing more than the burst is never admitted, whatever the wait', async () => {
    const { creds } = await start()
    const ids = Array.from({ length: 121 }, (_, i) => `0x${i.toString(16).padStart(64, '0')}`)
    const res = await post(creds, '/orders', ids, 'DELETE')
    expect(res.status).toBe(429)
    expect(res.headers.get('Retry-After')).toBeNull()
    expect(((await res.json()) as { error: string }).error).toContain('burst')
    const fits = await post(creds, '/orders', ids.slice(0, 120), 'DELETE')
    expect(fits.status).toBe(200)
  })

  test('cancel-all costs 1 up front plus 1 per order cancelled and may leave the bucket negative', async () => {
    const { creds, body } = await start()
    await post(creds, '/orders', await Promise.all(Array.from({ length: 15 }, () => body())))
    await post(creds, '/orders', await Promise.all(Array.from({ length: 5 }, () => body())))
    expect(sim.openOrders(alice.address)).toHaveLength(20)
    await admin('/faults', { rate_limit_exhaust: { address: alice.address, bucket: 'cancel' } })
    clock.advance(25) // 2 tokens: enough for the up-front token only
    const all = await post(creds, '/cancel-all', undefined, 'DELETE')
    expect(all.status).toBe(200)
    expect(((await all.json()) as { canceled: string[] }).canceled).toHaveLength(20)
    expect(all.headers.get('Poly-RateLimit-Remaining')).toBe('-19')
    const next = await post(creds, '/order', { orderID: '0x00' }, 'DELETE')
    expect(next.status).toBe(429)
    expect(next.headers.get('Retry-After')).toBe('1')
    clock.advance(250)
    expect((await post(creds, '/order', { orderID: '0x00' }, 'DELETE')).status).toBe(200)
  })

  test('warning mode admits over the limit with Poly-RateLimit-Warning; off sends no headers', async () => {
    const warn = await start({ rate_limits: { mode: 'warn' } })
    await admin('/faults', { rate_limit_exhaust: { address: alice.address } })
    const res = await post(warn.creds, '/order', await warn.body())
    expect(res.status).toBe(200)
    expect(res.headers.get('Poly-RateLimit-Warning')).toBe('true')
    await sim.stop()

    const off = await start({ rate_limits: 'off' })
    await admin('/faults', { rate_limit_exhaust: { address: alice.address } })
    const free = await post(off.creds, '/order', await off.body())
    expect(free.status).toBe(200)
    expect(free.headers.get('Poly-RateLimit-Tier')).toBeNull()
  })

  test('an account tier set through the admin endpoint changes the bucket and the headers', async () => {
    const { creds, body } = await start()
    const view = (await admin(`/accounts/${alice.address}`, { tier: 'advanced' })) as { tier: string }
    expect(view.tier).toBe('advanced')
    const res = await post(creds, '/order', await body())
    expect(res.headers.get('Poly-RateLimit-Tier')).toBe('advanced')
    expect(res.headers.get('Poly-RateLimit-Limit')).toBe('150')
    // Run time relaxation: the whole simulator to `off`.
    await admin('/production', { rate_limits: { mode: 'off' } })
    const free = await post(creds, '/order', await body())
    expect(free.headers.get('Poly-RateLimit-Tier')).toBeNull()
  })
})
