import { afterEach, describe, expect, test } from 'bun:test'
import { type Clock, createManualClock, type ManualClock, realClock } from '../../../pipeline/clock.ts'
import { createStaticBook, createTestContext, testMarket } from '../../../pipeline/testing.ts'
import type { Market, OrderIntent } from '../../../schemas/domain.ts'
import type { BookPair } from '../../../stages/io.ts'
import { createExecutor, type Executor } from './executor.ts'
import { createFastSigner } from './fast-signer.ts'
import { createHeartbeat } from './heartbeat.ts'
import { createOrderFactory } from './order-factory.ts'
import { createOrderBudget, type TierLimits } from './rate-budget.ts'
import { startWireServer, WIRE_KEY, type WireServer, wirePort } from './wire-server.testing.ts'

/**
 * The execute plugin's parts against a loopback server that answers in production's wire format (§7): what the
 * simulator does not model yet (per-signer buckets and their headers, the heartbeat's stale-id answer, exchange
 * modes). The real CCv2 client and the raw trading requests go over HTTP; only the clock is sometimes manual.
 */

const servers: WireServer[] = []
afterEach(() => {
  for (const s of servers.splice(0)) s.stop()
})
function server(opts: Parameters<typeof startWireServer>[0] = {}): WireServer {
  const s = startWireServer(opts)
  servers.push(s)
  return s
}

const m = testMarket()
const book = (tokenId: string) => createStaticBook({ tokenId, bids: [[0.4, 100]], asks: [[0.44, 100]], tickSize: 0.01 })
const books: BookPair = { yes: book(m.yesTokenId), no: book(m.noTokenId) }
const quote = { fair: 0.42, reservation: 0.42, halfSpread: 0.02, bid: 0.4, ask: 0.44 }
const bids = (n: number, from = 0.38, market: Market = m): OrderIntent[] =>
  Array.from({ length: n }, (_, i) => ({
    tokenId: market.yesTokenId,
    side: 'BUY' as const,
    price: Math.round((from - i * 0.01) * 100) / 100,
    size: 10,
    layer: i,
    quoteSide: 'bid' as const,
  }))

function rig(
  srv: WireServer,
  opts: { clock?: Clock; tier?: TierLimits; postOnly?: boolean; maxBudgetWaitMs?: number } = {},
) {
  const clock = opts.clock ?? createManualClock()
  const ctx = createTestContext({ stage: 'execute', plugin: 'clob', clock })
  const budget = createOrderBudget({
    clock,
    log: ctx.log,
    random: () => 0.5,
    ...(opts.tier ? { tier: opts.tier } : {}),
  })
  const port = wirePort(srv, { clock, onHeaders: (b, h) => budget.onHeaders(b, h) })
  const waiting: number[] = []
  const inner = createOrderFactory({
    signer: createFastSigner(WIRE_KEY),
    funder: undefined,
    signatureType: 0,
    chainId: 137,
  })
  const factory = {
    ...inner,
    build(...args: Parameters<typeof inner.build>) {
      const b = inner.build(...args)
      srv.state.ids.set(b.order.signature, b.id)
      return b
    },
  }
  const ex: Executor = createExecutor({
    port,
    factory,
    clock,
    log: ctx.log,
    events: ctx.events,
    account: ctx.account,
    metrics: {
      orderSent: () => {},
      fill: () => {},
      inventory: () => {},
      rateLimited: () => {},
      collateralFree: () => {},
      marketsWaiting: (n) => waiting.push(n),
    },
    budget,
    apiKey: 'k',
    rules: () => ({
      requoteMidTicks: 1,
      requoteQueueLevels: 0,
      orderMaxAgeMs: 3_600_000,
      postOnly: opts.postOnly ?? true,
    }),
    markDirty: (id) => ctx.dirty.push(id),
    notFoundGraceMs: 15_000,
    maxBudgetWaitMs: opts.maxBudgetWaitMs ?? 0,
  })
  return { ctx, ex, port, budget, clock, waiting }
}

describe('heartbeat against the production answers (§7.3)', () => {
  test('an answer lost on the way: the next beat is stale, and is sent again at once with the id the exchange names', async () => {
    const srv = server()
    const ctx = createTestContext({ clock: realClock })
    const status: boolean[] = []
    const hb = createHeartbeat({
      port: wirePort(srv, { clock: realClock, timeoutMs: 300 }),
      clock: realClock,
      log: ctx.log,
      everyMs: 5000,
      onStatus: (up) => status.push(up),
    })
    expect(await hb.beat()).toBe(true)
    // Accepted (the id rotates) but the answer never arrives: that beat times out.
    srv.state.dropHeartbeatAnswers = 1
    expect(await hb.beat()).toBe(false)
    // The next beat carries the id before the rotation: 400 {error_msg, heartbeat_id}, through CCv2's wrapping.
    const t0 = Date.now()
    expect(await hb.beat()).toBe(true)
    expect(Date.now() - t0).toBeLessThan(1000)
    expect(srv.state.heartbeatsStale).toBe(1)
    expect(srv.state.heartbeatsAccepted).toBe(3)
    // And the chain holds: the beat after needs no recovery.
    expect(await hb.beat()).toBe(true)
    expect(srv.state.heartbeatsStale).toBe(1)
    expect(status).toEqual([true, false, true, true])
  })
})

describe('heartbeat and the dead-man switch', () => {
  test('a lost answer costs no order: the chain is recovered before the exchange would cancel', async () => {
    const srv = server({ heartbeatTimeoutMs: 1200 })
    const { ex, clock } = rig(srv)
    await ex.setMarkets([m])
    await ex.run({ market: m, books, quote, orders: bids(2), now: clock.now() })
    const ctx = createTestContext({ clock: realClock })
    const hb = createHeartbeat({
      port: wirePort(srv, { clock: realClock, timeoutMs: 250 }),
      clock: realClock,
      log: ctx.log,
      everyMs: 300,
      onStatus: () => {},
    })
    hb.start()
    await Bun.sleep(400)
    srv.state.dropHeartbeatAnswers = 1
    await Bun.sleep(2000)
    hb.stop()
    expect(srv.state.heartbeatsStale).toBeGreaterThanOrEqual(1)
    expect(srv.state.heartbeatExpired).toBe(0)
    expect(srv.state.resting.size).toBe(2)
  }, 10_000)
})

describe('heartbeat answer without an id', () => {
  test('is said by name, keeps quoting up, and the next beat learns the current id at once', async () => {
    const srv = server()
    const ctx = createTestContext({ clock: realClock })
    const status: boolean[] = []
    const hb = createHeartbeat({
      port: wirePort(srv, { clock: realClock }),
      clock: realClock,
      log: ctx.log,
      everyMs: 5000,
      onStatus: (up) => status.push(up),
    })
    srv.state.heartbeatAnswersWithoutId = 1
    expect(await hb.beat()).toBe(true)
    expect(ctx.lines.filter((l) => l.includes('heartbeat answer without heartbeat_id'))).toHaveLength(1)
    expect(await hb.beat()).toBe(true)
    expect(await hb.beat()).toBe(true)
    expect(srv.state.heartbeatsStale).toBe(1)
    expect(status).toEqual([true, true, true])
  })
})

describe('trading calls as raw requests', () => {
  test('a postOnly:false batch that matched is answered at once (no 30 s /data/trades poll), not left ambiguous', async () => {
    const srv = server()
    srv.state.matchPosts = true
    const { ex, ctx } = rig(srv, { postOnly: false, clock: realClock })
    await ex.setMarkets([m])
    const r = await ex.run({ market: m, books, quote, orders: bids(2), now: Date.now() })
    expect(r.placed).toBe(2)
    expect(srv.state.requests.filter((x) => x === 'GET /data/trades')).toEqual([])
    expect(ex.tracked().map((o) => o.status)).not.toContain('unknown')
    expect(ctx.lines.some((l) => l.includes('ambiguous'))).toBe(false)
  })

  test('the budget learns the tokens left from Poly-RateLimit-Remaining, and honours Retry-After on a 429', async () => {
    const srv = server()
    const { ex, budget, clock, ctx } = rig(srv)
    await ex.setMarkets([m])
    // Something else (another process of this signer) spent most of the bucket.
    srv.setTokens('orders', 10, 0)
    await ex.run({ market: m, books, quote, orders: bids(2), now: clock.now() })
    expect(budget.state('orders').tokens).toBeLessThanOrEqual(8)
    srv.setTokens('orders', 0, 1)
    const posts = () => srv.state.requests.filter((x) => x === 'POST /orders').length
    await ex.run({ market: m, books, quote, orders: bids(4), now: clock.now() })
    expect(srv.state.throttled).toBe(1)
    expect(ex.tracked().some((o) => o.status === 'rejected')).toBe(false)
    // Two more orders at 1 a second: Retry-After 2 s, and nothing is sent before.
    const before = posts()
    await ex.run({ market: m, books, quote, orders: bids(4), now: clock.now() })
    expect(posts()).toBe(before)
    expect(ex.status().buckets.orders.blockedForMs).toBeGreaterThan(1000)
    expect(ctx.lines.some((l) => l.includes('rate limited (429) on orders: backing off 2000 ms'))).toBe(true)
    ;(clock as ManualClock).advance(2000)
    srv.setTokens('orders', 60)
    await ex.run({ market: m, books, quote, orders: bids(4), now: clock.now() })
    expect(posts()).toBe(before + 1)
    expect(srv.state.resting.size).toBe(4)
  })
})

describe('stop under the Standard tier (§7.2)', () => {
  test('150 resting orders: cancelled by id in batches that fit the cancel bucket, never one cancel-all', async () => {
    const srv = server()
    for (let i = 0; i < 150; i++) {
      const id = `0x${i.toString(16).padStart(64, '0')}`
      srv.state.resting.set(id, {
        id,
        market: m.conditionId,
        asset_id: m.yesTokenId,
        side: 'BUY',
        price: '0.3',
        original_size: '10',
        size_matched: '0',
        status: 'ORDER_STATUS_LIVE',
      })
    }
    const { ex } = rig(srv, { clock: realClock })
    await ex.setMarkets([m])
    expect(await ex.cancelEverything('stop', 8000)).toBe(0)
    expect(srv.state.resting.size).toBe(0)
    expect(srv.state.cancelAlls).toBe(0)
    expect(srv.state.throttled).toBe(0)
    expect(Math.max(...srv.state.batchSizes.cancels)).toBeLessThanOrEqual(120)
  }, 15_000)
})

describe('when the budget binds', () => {
  const tiny: TierLimits = { name: 'tiny', orders: { perSec: 1, burst: 2 }, cancels: { perSec: 1, burst: 2 } }

  test('a market that waits for tokens says so in the status and the metric, until its orders go out', async () => {
    const srv = server()
    const { ex, clock, waiting } = rig(srv, { tier: tiny })
    const other = testMarket({ conditionId: `0x${'cd'.repeat(32)}`, yesTokenId: '3333', noTokenId: '4444' })
    await ex.setMarkets([m, other])
    await ex.run({ market: m, books, quote, orders: bids(2), now: clock.now() })
    const held = await ex.run({ market: other, books, quote, orders: bids(2, 0.38, other), now: clock.now() })
    expect(held.placed).toBe(0)
    expect(ex.status().waiting.map((w) => [w.conditionId, w.bucket, w.orders])).toEqual([
      [other.conditionId, 'orders', 2],
    ])
    expect(ex.waitingFor(other.conditionId)?.waitMs).toBeGreaterThan(0)
    expect(waiting.at(-1)).toBe(1)
    ;(clock as ManualClock).advance(2500)
    await ex.run({ market: other, books, quote, orders: bids(2, 0.38, other), now: clock.now() })
    expect(ex.status().waiting).toEqual([])
    expect(waiting.at(-1)).toBe(0)
  })

  test("a market's first placement goes before a requote that asked earlier", async () => {
    const srv = server()
    const { ex, clock } = rig(srv, { tier: tiny, maxBudgetWaitMs: 10_000 })
    const fresh = testMarket({ conditionId: `0x${'cd'.repeat(32)}`, yesTokenId: '3333', noTokenId: '4444' })
    await ex.setMarkets([m, fresh])
    await ex.run({ market: m, books, quote, orders: bids(2), now: clock.now() })
    // The order bucket is empty: m's requote asks first, fresh's initial placement second.
    const requote = ex.run({ market: m, books, quote, orders: bids(2, 0.3), now: clock.now() })
    await Bun.sleep(20)
    const initial = ex.run({ market: fresh, books, quote, orders: bids(2, 0.38, fresh), now: clock.now() })
    await Bun.sleep(20)
    const tokens = () => [...srv.state.resting.values()].map((o) => o.asset_id).sort()
    ;(clock as ManualClock).advance(2500)
    expect((await initial).placed).toBe(2)
    expect(tokens()).toEqual(['3333', '3333'])
    ;(clock as ManualClock).advance(2500)
    expect((await requote).placed).toBe(2)
    expect(tokens()).toEqual(['1111', '1111', '3333', '3333'])
  })

  test('a first placement that was held comes back before the requotes: they yield the refilled tokens to it', async () => {
    // Without queueing (no budget wait), a held first placement retries later; if the requotes of quoted markets
    // took every refill first, a market would stay unquoted for as long as the others keep moving.
    const srv = server()
    const { ex, clock } = rig(srv, { tier: tiny })
    const fresh = testMarket({ conditionId: `0x${'cd'.repeat(32)}`, yesTokenId: '3333', noTokenId: '4444' })
    await ex.setMarkets([m, fresh])
    expect((await ex.run({ market: m, books, quote, orders: bids(2), now: clock.now() })).placed).toBe(2)
    expect((await ex.run({ market: fresh, books, quote, orders: bids(2, 0.38, fresh), now: clock.now() })).placed).toBe(
      0,
    )
    ;(clock as ManualClock).advance(2500)
    // The bucket is full again; m's requote asks first and is held so that fresh's retry gets the tokens.
    const requote = await ex.run({ market: m, books, quote, orders: bids(2, 0.3), now: clock.now() })
    expect(requote.placed).toBe(0)
    expect(ex.waitingFor(m.conditionId)?.bucket).toBe('orders')
    expect((await ex.run({ market: fresh, books, quote, orders: bids(2, 0.38, fresh), now: clock.now() })).placed).toBe(
      2,
    )
    // With no first placement waiting, the requote goes out on the next refill.
    ;(clock as ManualClock).advance(2500)
    expect((await ex.run({ market: m, books, quote, orders: bids(2, 0.3), now: clock.now() })).placed).toBe(2)
  })

  test('a pull is not stuck behind placements: risk-reducing cancels have their own bucket and go first', async () => {
    const srv = server()
    const { ex, clock } = rig(srv, { tier: tiny, maxBudgetWaitMs: 5000 })
    await ex.setMarkets([m])
    await ex.run({ market: m, books, quote, orders: bids(2), now: clock.now() })
    // Placements of another market queue for the order bucket; the pull still goes out now.
    const other = testMarket({ conditionId: `0x${'cd'.repeat(32)}`, yesTokenId: '3333', noTokenId: '4444' })
    await ex.setMarkets([m, other])
    const queued = ex.run({ market: other, books, quote, orders: bids(2, 0.38, other), now: clock.now() })
    await ex.pull(m, 'halt')
    expect(ex.liveOrders(m.conditionId)).toEqual([])
    ;(clock as ManualClock).advance(2500)
    expect((await queued).placed).toBe(2)
  })
})

describe('exchange modes (§7.6)', () => {
  test('a restart (425): sending pauses, nothing is marked rejected, and it resumes without duplicates', async () => {
    const srv = server()
    const { ex, clock } = rig(srv)
    await ex.setMarkets([m])
    srv.state.mode = 'restarting'
    const first = await ex.run({ market: m, books, quote, orders: bids(2), now: clock.now() })
    expect(first.placed).toBe(0)
    expect(ex.tracked().some((o) => o.status === 'rejected')).toBe(false)
    expect(ex.liveOrders()).toEqual([])
    expect(ex.status().exchangeMode).toBe('restarting')
    const posts = () => srv.state.requests.filter((x) => x === 'POST /orders').length
    await ex.run({ market: m, books, quote, orders: bids(2), now: clock.now() })
    expect(posts()).toBe(1)
    srv.state.mode = 'normal'
    ;(clock as ManualClock).advance(1000)
    const resumed = await ex.run({ market: m, books, quote, orders: bids(2), now: clock.now() })
    expect(resumed.placed).toBe(2)
    expect(srv.state.resting.size).toBe(2)
    expect(ex.status().exchangeMode).toBe('normal')
    await ex.run({ market: m, books, quote, orders: bids(2), now: clock.now() })
    expect(srv.state.resting.size).toBe(2)
  })

  test('several markets refused at once by one restart pause once, not once per answer: their cancels go out when it ends', async () => {
    // Seen in the drill: five markets' cancels answered 425 together doubled the pause five times (2 → 30 s), and
    // the orders kept filling for 26 s after the exchange was back.
    const srv = server()
    srv.state.restartRetryAfter = undefined
    const { ex, clock } = rig(srv)
    const ms = Array.from({ length: 5 }, (_, i) =>
      testMarket({ conditionId: `0x${String(i + 1).repeat(64)}`, yesTokenId: `${i + 1}1`, noTokenId: `${i + 1}2` }),
    )
    await ex.setMarkets(ms)
    const bookOf = (x: Market): BookPair => ({ yes: book(x.yesTokenId), no: book(x.noTokenId) })
    for (const x of ms) await ex.run({ market: x, books: bookOf(x), quote, orders: bids(1, 0.38, x), now: clock.now() })
    expect(srv.state.resting.size).toBe(5)
    srv.state.mode = 'restarting'
    const pullAll = () =>
      Promise.all(ms.map((x) => ex.run({ market: x, books: bookOf(x), quote, orders: [], now: clock.now() })))
    await pullAll()
    // The first pause (1 s) ends while the exchange is still restarting: every market's cancel goes out together.
    ;(clock as ManualClock).advance(1000)
    await pullAll()
    expect(srv.state.resting.size).toBe(5)
    srv.state.mode = 'normal'
    ;(clock as ManualClock).advance(2500)
    await pullAll()
    expect(srv.state.resting.size).toBe(0)
    expect(ex.status().exchangeMode).toBe('normal')
  })

  test('cancel-only: what must be cancelled still is, and nothing is posted until it ends', async () => {
    const srv = server()
    const { ex, clock } = rig(srv)
    await ex.setMarkets([m])
    await ex.run({ market: m, books, quote, orders: bids(2), now: clock.now() })
    srv.state.mode = 'cancel-only'
    const r = await ex.run({ market: m, books, quote, orders: bids(2, 0.35), now: clock.now() })
    expect(r.cancelled).toBe(2)
    expect(r.placed).toBe(0)
    expect(srv.state.resting.size).toBe(0)
    expect(ex.status().exchangeMode).toBe('cancel-only')
    const posts = srv.state.requests.filter((x) => x === 'POST /orders').length
    await ex.run({ market: m, books, quote, orders: bids(2, 0.35), now: clock.now() })
    expect(srv.state.requests.filter((x) => x === 'POST /orders').length).toBe(posts)
    expect(ex.tracked().some((o) => o.status === 'rejected')).toBe(false)
  })

  test('post-only mode: post-only orders are still posted', async () => {
    const srv = server()
    srv.state.mode = 'post-only'
    const { ex, clock } = rig(srv, { postOnly: true })
    await ex.setMarkets([m])
    const r = await ex.run({ market: m, books, quote, orders: bids(2), now: clock.now() })
    expect(r.placed).toBe(2)
    expect(srv.state.resting.size).toBe(2)
  })
})
