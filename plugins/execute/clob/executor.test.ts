import { describe, expect, test } from 'bun:test'
import type { SignedOrder } from '@polymarket/clob-client-v2'
import { createManualClock } from '../../../pipeline/clock.ts'
import { createTestContext, testMarket } from '../../../pipeline/testing.ts'
import type { OrderIntent } from '../../../schemas/domain.ts'
import type { BookPair } from '../../../stages/io.ts'
import { orderFromAmounts } from './amounts.ts'
import { type Collateral, createCollateral } from './collateral.ts'
import { type CancelResult, ExchangeError, type ExchangePort } from './exchange-port.ts'
import { createExecutor } from './executor.ts'
import { createFastSigner } from './fast-signer.ts'
import { createOrderFactory } from './order-factory.ts'
import type { SubmitOutcome } from './order-state.ts'
import { createOrderBudget } from './rate-budget.ts'
import { type WireOrder, type WireTrade, WireTradeSchema } from './user-channel-wire.ts'

const m = testMarket()
const KEY = `0x${'11'.repeat(32)}`
const emptyBook = {
  tokenId: '',
  state: 'fresh' as const,
  stateReason: '',
  tickSize: 0.01,
  updatedAt: 0,
  bestBid: () => undefined,
  bestAsk: () => undefined,
  bids: () => [],
  asks: () => [],
  levelsAhead: () => 0,
}
const books: BookPair = { yes: emptyBook, no: emptyBook }
const quote = { fair: 0.5, reservation: 0.5, halfSpread: 0.01, bid: 0.49, ask: 0.51 }
const ask = (price: number): OrderIntent => ({
  tokenId: m.noTokenId,
  side: 'BUY',
  price,
  size: 10,
  layer: 0,
  quoteSide: 'ask',
})
const bids = (n: number, from = 0.3): OrderIntent[] =>
  Array.from({ length: n }, (_, i) => ({
    tokenId: m.yesTokenId,
    side: 'BUY' as const,
    price: Math.round((from - i * 0.01) * 100) / 100,
    size: 10,
    layer: i,
    quoteSide: 'bid' as const,
  }))

/** A scripted exchange: records calls; each call's behaviour comes from the queues. */
function fakePort() {
  const posts: number[] = []
  /** Orders resting at each DELETE /cancel-all. */
  const cancelAlls: number[] = []
  /** Every order posted, as signed. */
  const signed: SignedOrder[] = []
  const cancels: string[][] = []
  const resting = new Set<string>()
  const script = {
    post: [] as ('ok' | 'reject' | 'ambiguous' | 'late' | '429')[],
    cancel: [] as ('ok' | 'ambiguous' | 'not-canceled' | '429')[],
  }
  /** Every call in the order it started and ended. */
  const calls: string[] = []
  /** What GET /data/order answers per id (undefined: not found). */
  const lookups = new Map<string, WireOrder>()
  /** Ids whose GET /data/order fails (a 5xx or a timeout). */
  const failLookup = new Set<string>()
  /** Ids the exchange answers "not canceled" for. */
  const refuseCancel = new Set<string>()
  /** Runs while a cancel is in flight (after it was sent, before it is answered). */
  const hooks: { duringCancel?: (ids: readonly string[]) => void; land?: () => void } = {}
  const hash = (o: SignedOrder) => o.signature // unique per order, stands in for the id in this fake
  const ids = new Map<string, string>()
  const port: ExchangePort = {
    async postOrders(orders): Promise<SubmitOutcome[]> {
      posts.push(orders.length)
      signed.push(...orders)
      calls.push('post')
      const mode = script.post.shift() ?? 'ok'
      if (mode === 'ambiguous') throw new ExchangeError('timeout', 'ambiguous')
      if (mode === '429') throw new ExchangeError('Too Many Requests', 'rate-limited', 429)
      if (mode === 'late') {
        // Timed out here; the exchange takes the orders when the test calls `hooks.land`.
        const late = new Promise<unknown>((resolve) => {
          hooks.land = () => {
            const list = orders.map((o) => ids.get(hash(o)) ?? '')
            for (const id of list) resting.add(id)
            resolve(list.map((id) => ({ success: true, orderID: id, errorMsg: '', status: 'live' })))
          }
        })
        throw new ExchangeError('timeout', 'ambiguous', undefined, late)
      }
      return orders.map((o) => {
        const id = ids.get(hash(o)) ?? ''
        // As the exchange answers a balance refusal: success true, no order id, an error message.
        if (mode === 'reject') {
          return {
            kind: 'response',
            httpStatus: 200,
            body: { success: true, orderID: '', errorMsg: 'not enough balance / allowance' },
          }
        }
        resting.add(id)
        return { kind: 'response', httpStatus: 200, body: { success: true, orderID: id, errorMsg: '', status: 'live' } }
      })
    },
    async cancelOrders(list): Promise<CancelResult> {
      cancels.push([...list])
      calls.push('cancel sent')
      hooks.duringCancel?.(list)
      await Bun.sleep(1)
      calls.push('cancel answered')
      const mode = script.cancel.shift() ?? 'ok'
      if (mode === 'ambiguous') throw new ExchangeError('timeout', 'ambiguous')
      if (mode === '429') throw new ExchangeError('Too Many Requests', 'rate-limited', 429)
      if (mode === 'not-canceled') {
        return { canceled: [], notCanceled: Object.fromEntries(list.map((id) => [id, 'already canceled or matched'])) }
      }
      const refused = list.filter((id) => refuseCancel.has(id))
      const canceled = list.filter((id) => !refuseCancel.has(id))
      for (const id of canceled) resting.delete(id)
      return { canceled, notCanceled: Object.fromEntries(refused.map((id) => [id, 'already canceled or matched'])) }
    },
    async cancelAll() {
      cancelAlls.push(resting.size)
      const all = [...resting]
      resting.clear()
      return { canceled: all, notCanceled: {} }
    },
    async getOrder(id) {
      if (failLookup.has(id)) throw new ExchangeError('GET /data/order: 502', 'ambiguous', 502)
      return lookups.get(id)
    },
    async openOrders() {
      return [...resting].map(wire)
    },
    async trades() {
      return []
    },
    async heartbeat() {
      return 'hb'
    },
    async positions() {
      return []
    },
    async collateral() {
      return 10_000
    },
    async tokenBalance() {
      return 0
    },
    async refreshBalance() {},
  }
  return {
    port,
    posts,
    cancelAlls,
    signed,
    cancels,
    resting,
    script,
    ids,
    calls,
    lookups,
    failLookup,
    refuseCancel,
    hooks,
  }
}

/** A trade in which our resting SELL of the YES token was the maker, as the user channel sends it. */
function makerSellFill(orderId: string, size: number, price: number): WireTrade {
  return WireTradeSchema.parse({
    id: `trade-${orderId.slice(2, 10)}-${size}`,
    taker_order_id: '0xtaker',
    market: m.conditionId,
    asset_id: m.yesTokenId,
    side: 'BUY',
    size,
    price,
    status: 'MATCHED',
    owner: 'someone-else',
    trader_side: 'MAKER',
    maker_orders: [
      { order_id: orderId, owner: 'k', matched_amount: size, price, asset_id: m.yesTokenId, side: 'SELL' },
    ],
  })
}

function setup(opts: { collateral?: (now: () => number) => Collateral; dryRun?: boolean } = {}) {
  const clock = createManualClock()
  const freeGauge: number[] = []
  const counted = { rejected: [] as string[], cancelled: [] as [string, number][] }
  const ctx = createTestContext({ stage: 'execute', plugin: 'clob', clock })
  const fake = fakePort()
  const inner = createOrderFactory({ signer: createFastSigner(KEY), funder: undefined, signatureType: 0, chainId: 137 })
  const factory = {
    ...inner,
    build(intent: OrderIntent, market: typeof m, now: number, tickSize?: number) {
      const b = inner.build(intent, market, now, tickSize)
      fake.ids.set(b.order.signature, b.id)
      return b
    },
  }
  const ex = createExecutor({
    port: opts.dryRun ? undefined : fake.port,
    factory,
    clock: ctx.clock,
    log: ctx.log,
    events: ctx.events,
    account: ctx.account,
    metrics: {
      orderSent: () => {},
      fill: () => {},
      inventory: () => {},
      rateLimited: () => {},
      collateralFree: (usd) => freeGauge.push(usd),
      marketsWaiting: () => {},
      rejected: (reason) => counted.rejected.push(reason),
      cancelled: (reason, n) => counted.cancelled.push([reason, n]),
    },
    budget: createOrderBudget({ clock: ctx.clock, log: ctx.log, random: () => 0.5 }),
    apiKey: 'k',
    rules: () => ({ requoteMidTicks: 1, requoteQueueLevels: 2, orderMaxAgeMs: 12_000, postOnly: true }),
    markDirty: (id) => ctx.dirty.push(id),
    notFoundGraceMs: 15_000,
    maxBudgetWaitMs: 0,
    ...(opts.collateral ? { collateral: opts.collateral(() => ctx.clock.now()) } : {}),
  })
  return { ctx, fake, ex, clock, freeGauge, counted }
}

/** An order of market m as GET /data/order or the open-orders list shows it. */
function wire(id: string): WireOrder {
  return {
    id,
    asset_id: m.yesTokenId,
    market: m.conditionId,
    side: 'BUY',
    price: 0.3,
    original_size: 10,
    size_matched: 0,
    status: 'LIVE',
  }
}

describe('executor', () => {
  test('posts in batches of at most 15', async () => {
    const { fake, ex } = setup()
    await ex.setMarkets([m])
    const r = await ex.run({ market: m, books, quote, orders: bids(20), now: 0 })
    expect(r.placed).toBe(20)
    expect(fake.posts).toEqual([15, 5])
    expect(ex.liveOrders(m.conditionId).every((o) => o.status === 'live')).toBe(true)
  })

  test('an ambiguous submit leaves orders unknown; they count as resting, so nothing is sent twice', async () => {
    const { fake, ex } = setup()
    await ex.setMarkets([m])
    fake.script.post.push('ambiguous')
    await ex.run({ market: m, books, quote, orders: bids(2), now: 0 })
    expect(ex.liveOrders().map((o) => o.status)).toEqual(['unknown', 'unknown'])
    await ex.run({ market: m, books, quote, orders: bids(2), now: 0 })
    expect(fake.posts).toEqual([2])
  })

  test('a definite rejection is final and the next run places again', async () => {
    const { fake, ex, counted, ctx } = setup()
    await ex.setMarkets([m])
    fake.script.post.push('reject')
    await ex.run({ market: m, books, quote, orders: bids(1), now: 0 })
    expect(ex.liveOrders()).toEqual([])
    expect(ex.tracked()[0]?.status).toBe('rejected')
    // Counted with its reason (mm_orders_rejected_total), and the line names the market and outcome.
    expect(counted.rejected).toEqual(['not enough balance / allowance'])
    expect(ctx.lines.find((l) => l.includes('rejected'))).toContain('BUY 10 "Will the test pass?" YES @ 0.3 rejected')
    await ex.run({ market: m, books, quote, orders: bids(1), now: 0 })
    expect(fake.posts).toEqual([1, 1])
    expect(ex.liveOrders().length).toBe(1)
  })

  test('confirmed cancels are counted with why they were cancelled', async () => {
    const { ex, counted } = setup()
    await ex.setMarkets([m])
    await ex.run({ market: m, books, quote, orders: bids(2), now: 0 })
    await ex.pull(m, 'risk HALTED: daily loss')
    expect(counted.cancelled).toEqual([
      ['risk HALTED: daily loss', 1],
      ['risk HALTED: daily loss', 1],
    ])
  })

  test('an unconfirmed cancel blocks the replacement: exposure never exceeds what was asked', async () => {
    const { fake, ex } = setup()
    await ex.setMarkets([m])
    await ex.run({ market: m, books, quote, orders: bids(2), now: 0 })
    // The requote's cancel, and the one sent again for the orders left unknown by it, both time out.
    fake.script.cancel.push('ambiguous', 'ambiguous')
    const r = await ex.run({ market: m, books, quote, orders: bids(2, 0.2), now: 20_000 })
    expect(r.placed).toBe(0)
    expect(fake.posts).toEqual([2])
    // Both still possibly resting (unknown), never more than two orders open.
    expect(ex.liveOrders().length).toBe(2)
  })

  test('a 429 rejects the batch and pauses sending until the back-off ends', async () => {
    const { fake, ex } = setup()
    await ex.setMarkets([m])
    fake.script.post.push('429')
    await ex.run({ market: m, books, quote, orders: bids(2), now: 0 })
    const again = await ex.run({ market: m, books, quote, orders: bids(2), now: 0 })
    expect(again.placed).toBe(0)
    expect(fake.posts).toEqual([2])
  })

  test('a user-channel cancellation ends the order and asks for a requote', async () => {
    const { ctx, ex } = setup()
    await ex.setMarkets([m])
    await ex.run({ market: m, books, quote, orders: bids(1), now: 0 })
    const o = ex.liveOrders()[0]
    if (!o) throw new Error('no order')
    ex.onUserOrder({
      id: o.id,
      asset_id: o.tokenId,
      market: m.conditionId,
      side: 'BUY',
      price: o.price,
      original_size: o.size,
      size_matched: 0,
      status: 'CANCELED',
      type: 'CANCELLATION',
    })
    expect(ex.liveOrders()).toEqual([])
    expect(ctx.dirty).toContain(m.conditionId)
  })

  test('an order adopted at start is live (its snapshot moves it from pending through live)', async () => {
    const { ex } = setup()
    await ex.setMarkets([m])
    ex.adopt([
      {
        id: `0x${'ad'.repeat(32)}`,
        asset_id: m.yesTokenId,
        market: m.conditionId,
        side: 'BUY',
        price: 0.3,
        original_size: 10,
        size_matched: 0,
        status: 'LIVE',
        type: 'PLACEMENT',
      },
    ])
    expect(ex.liveOrders().map((o) => [o.status, o.quoteSide])).toEqual([['live', 'bid']])
  })

  test('the swap runs step by step: the cancel is answered before the replacement is posted', async () => {
    const { fake, ex, clock } = setup()
    await ex.setMarkets([m])
    await ex.run({ market: m, books, quote, orders: bids(1), now: clock.now() })
    fake.calls.length = 0
    const r = await ex.run({ market: m, books, quote, orders: bids(1, 0.2), now: clock.now() })
    expect(r).toEqual({ placed: 1, cancelled: 1, kept: 0 })
    expect(fake.calls).toEqual(['cancel sent', 'cancel answered', 'post'])
  })

  test('a cancel that is not confirmed: the run diffs again and does not place where the order may still rest', async () => {
    const { ctx, fake, ex, clock } = setup()
    await ex.setMarkets([m])
    await ex.run({ market: m, books, quote, orders: [...bids(1), ask(0.6)], now: clock.now() })
    const oldBid = ex.liveOrders().find((o) => o.quoteSide === 'bid')
    if (!oldBid) throw new Error('no bid')
    fake.refuseCancel.add(oldBid.id)
    // Both sides move: the ask's cancel is confirmed and its replacement goes out; the bid's is refused, so the
    // old bid may still rest and its replacement waits.
    const r = await ex.run({ market: m, books, quote, orders: [...bids(1, 0.2), ask(0.55)], now: clock.now() })
    expect(r.cancelled).toBe(1)
    expect(r.placed).toBe(1)
    expect(fake.posts).toEqual([2, 1])
    expect(ex.liveOrders().map((o) => [o.quoteSide, o.price, o.status])).toEqual([
      ['bid', 0.3, 'unknown'],
      ['ask', 0.55, 'live'],
    ])
    // The lookup finds the old bid cancelled: a requote is asked for, and the replacement goes out.
    fake.lookups.set(oldBid.id, {
      id: oldBid.id,
      asset_id: oldBid.tokenId,
      market: m.conditionId,
      side: 'BUY',
      price: oldBid.price,
      original_size: oldBid.size,
      size_matched: 0,
      status: 'CANCELED',
    })
    ctx.dirty.length = 0
    await ex.resolveUnknowns()
    expect(ctx.dirty).toContain(m.conditionId)
    const after = await ex.run({ market: m, books, quote, orders: [...bids(1, 0.2), ask(0.55)], now: clock.now() })
    expect(after).toEqual({ placed: 1, cancelled: 0, kept: 1 })
    expect(fake.posts).toEqual([2, 1, 1])
  })

  test('a 429 on POST pauses posting only: cancels still go out, and a run is asked for when the back-off ends', async () => {
    const { ctx, fake, ex, clock } = setup()
    await ex.setMarkets([m])
    await ex.run({ market: m, books, quote, orders: bids(1), now: clock.now() })
    fake.script.post.push('429')
    await ex.run({ market: m, books, quote, orders: [...bids(1), ask(0.6)], now: clock.now() })
    expect(fake.posts).toEqual([1, 1])
    expect(ex.liveOrders().map((o) => o.quoteSide)).toEqual(['bid'])
    // Risk pulls the quotes during the back-off: the bid is cancelled all the same, nothing is posted.
    const pulled = await ex.run({ market: m, books, quote, orders: [], now: clock.now() })
    expect(pulled).toEqual({ placed: 0, cancelled: 1, kept: 0 })
    expect(ex.liveOrders()).toEqual([])
    ctx.dirty.length = 0
    clock.advance(999)
    expect(ctx.dirty).toEqual([])
    clock.advance(1)
    expect(ctx.dirty).toEqual([m.conditionId])
  })

  test('a SELL filled while its cancel is in flight: the replacement offers only the shares still held', async () => {
    const { ctx, fake, ex, clock } = setup()
    await ex.setMarkets([m])
    ctx.account.setHoldings(m.yesTokenId, 40, 0.5)
    const sell = (price: number, size: number): OrderIntent => ({
      tokenId: m.yesTokenId,
      side: 'SELL',
      price,
      size,
      layer: 0,
      quoteSide: 'ask',
    })
    await ex.run({ market: m, books, quote, orders: [sell(0.6, 40)], now: clock.now() })
    const old = ex.liveOrders()[0]
    if (!old) throw new Error('no sell')
    // The quote moved (the layer sized the new SELL from 40 held); a taker lifts 10 of the old SELL meanwhile.
    fake.hooks.duringCancel = () => ex.onTrade(makerSellFill(old.id, 10, 0.6))
    await ex.run({ market: m, books, quote, orders: [sell(0.63, 40)], now: clock.now() })
    expect(ctx.account.token(m.yesTokenId).shares).toBe(30)
    const open = ex.liveOrders()
    expect(open.map((o) => [o.side, o.price, o.size])).toEqual([['SELL', 0.63, 30]])
    expect(ex.tracked().filter((o) => o.status === 'rejected')).toEqual([])
  })

  test('a SELL whose shares were all sold since the quote is not sent at all', async () => {
    const { ctx, fake, ex, clock } = setup()
    await ex.setMarkets([m])
    ctx.account.setHoldings(m.yesTokenId, 40, 0.5)
    const sell = (price: number): OrderIntent => ({
      tokenId: m.yesTokenId,
      side: 'SELL',
      price,
      size: 40,
      layer: 0,
      quoteSide: 'ask',
    })
    await ex.run({ market: m, books, quote, orders: [sell(0.6)], now: clock.now() })
    const old = ex.liveOrders()[0]
    if (!old) throw new Error('no sell')
    // Filled but for 2 shares (under the market's minimum of 5) before the cancel lands.
    fake.hooks.duringCancel = () => ex.onTrade(makerSellFill(old.id, 38, 0.6))
    const r = await ex.run({ market: m, books, quote, orders: [sell(0.63), ...bids(1)], now: clock.now() })
    expect(r.placed).toBe(1)
    expect(ex.liveOrders().map((o) => o.side)).toEqual(['BUY'])
    expect(fake.posts).toEqual([1, 1])
  })

  test('shares bought but not settled are not sold: the SELL waits until the trade is confirmed', async () => {
    const { ctx, fake, ex, clock } = setup()
    await ex.setMarkets([m])
    ctx.account.setHoldings(m.yesTokenId, 10, 0.5)
    const buy = (status: string) =>
      WireTradeSchema.parse({
        id: 'trade-buy-20',
        taker_order_id: '0xours',
        market: m.conditionId,
        asset_id: m.yesTokenId,
        side: 'BUY',
        size: 20,
        price: 0.5,
        status,
        owner: 'k',
        trader_side: 'TAKER',
      })
    ex.onTrade(buy('MATCHED'))
    expect(ctx.account.token(m.yesTokenId).shares).toBe(30)
    const sell: OrderIntent = { tokenId: m.yesTokenId, side: 'SELL', price: 0.6, size: 30, layer: 0, quoteSide: 'ask' }
    await ex.run({ market: m, books, quote, orders: [sell], now: clock.now() })
    // Only the 10 settled shares are offered (the exchange would refuse 30 for balance).
    expect(fake.posts).toEqual([1])
    expect(ex.liveOrders().map((o) => o.size)).toEqual([10])
    // The next run wants the same 30: the 10 resting are all that may be sold, so they are kept, not replaced.
    const again = await ex.run({ market: m, books, quote, orders: [sell], now: clock.now() })
    expect(again).toEqual({ placed: 0, cancelled: 0, kept: 1 })
    expect(fake.posts).toEqual([1])
    ex.onTrade(buy('MINED'))
    await ex.run({ market: m, books, quote, orders: [sell], now: clock.now() + 20_000 })
    expect(ex.liveOrders().map((o) => o.size)).toEqual([10]) // mined is not yet settled (§7.5, the strict reading)
    ex.onTrade(buy('CONFIRMED'))
    await ex.run({ market: m, books, quote, orders: [sell], now: clock.now() + 40_000 })
    expect(ex.liveOrders().map((o) => o.size)).toEqual([30])
  })

  test("SELLs never offer more than the exchange's settled balance, less what was sold since it was read", async () => {
    const { ctx, fake, ex, clock } = setup()
    await ex.setMarkets([m])
    ctx.account.setHoldings(m.yesTokenId, 30, 0.5)
    ex.setTokenBalance(m.yesTokenId, 12, clock.now())
    const sell = (price: number): OrderIntent => ({
      tokenId: m.yesTokenId,
      side: 'SELL',
      price,
      size: 30,
      layer: 0,
      quoteSide: 'ask',
    })
    await ex.run({ market: m, books, quote, orders: [sell(0.6)], now: clock.now() })
    const first = ex.liveOrders()[0]
    expect(first?.size).toBe(12)
    // 8 of it sells: 4 settled shares are left, under the 5-share minimum, so the requote offers none.
    ex.onTrade(makerSellFill(first?.id ?? '', 8, 0.6))
    await ex.run({ market: m, books, quote, orders: [sell(0.62)], now: clock.now() })
    expect(ex.liveOrders()).toEqual([])
    expect(fake.posts).toEqual([1])
  })

  test('BUYs of every market share one pUSD budget: each batch is fitted into what is free, nearest the touch first', async () => {
    const b = testMarket({ conditionId: `0x${'cd'.repeat(32)}`, yesTokenId: '3333', noTokenId: '4444' })
    const { ctx, fake, ex, clock, freeGauge } = setup({
      collateral: (now) => {
        const c = createCollateral({ now, marginUsd: () => 1 })
        c.setBalance({ usd: 11, startedAt: now(), endedAt: now() })
        return c
      },
    })
    await ex.setMarkets([m, b])
    // Market a: 0.3 × 10 + 0.29 × 10 = 5.9 of the 10 free (11 − 1 margin). Its submit is ambiguous: the orders are
    // unknown, may rest, so they still reserve.
    fake.script.post.push('ambiguous')
    await ex.run({ market: m, books, quote, orders: bids(2), now: clock.now() })
    expect(ex.liveOrders(m.conditionId).map((o) => o.status)).toEqual(['unknown', 'unknown'])
    expect(ex.reservedUsd()).toBeCloseTo(5.9, 9)
    // Market b wants 0.5 × 10 and 0.4 × 10 = 9 with 4.1 free: the nearer one is cut to 8.2 (4.1 / 0.5), the other
    // dropped (nothing left).
    const buy = (price: number, layer: number): OrderIntent => ({
      tokenId: b.yesTokenId,
      side: 'BUY',
      price,
      size: 10,
      layer,
      quoteSide: 'bid',
    })
    const wantB = [buy(0.5, 0), buy(0.4, 1)]
    const r = await ex.run({ market: b, books, quote, orders: wantB, now: clock.now() })
    expect(r.placed).toBe(1)
    expect(ex.liveOrders(b.conditionId).map((o) => [o.price, o.size])).toEqual([[0.5, 8.2]])
    expect(ctx.lines.filter((l) => l.includes('BUY 10 @ 0.4') && l.includes('dropped')).length).toBe(1)
    expect(freeGauge.at(-1)).toBeCloseTo(4.1, 9)
    // Market a's unknown orders are settled as never placed: their 5.9 comes back, and b (requoted, its order being
    // older than order_max_age by now) quotes in full: 0.5 × 10 + 0.4 × 10 = 9 of 10.
    clock.advance(20_000)
    await ex.resolveUnknowns()
    expect(ex.liveOrders(m.conditionId)).toEqual([])
    const again = await ex.run({ market: b, books, quote, orders: wantB, now: clock.now() })
    expect(again).toEqual({ placed: 2, cancelled: 1, kept: 0 })
    expect(ex.liveOrders(b.conditionId).map((o) => [o.price, o.size])).toEqual([
      [0.5, 10],
      [0.4, 10],
    ])
    expect(ex.collateralFree()).toBeCloseTo(1, 9)
    // Warned once, however many batches were cut.
    expect(ctx.lines.filter((l) => l.includes('lack of pUSD')).length).toBe(1)
  })

  test('a SELL fill earns pUSD for BUYs', async () => {
    const { ctx, ex, clock } = setup({
      collateral: (now) => {
        const c = createCollateral({ now, marginUsd: () => 0 })
        c.setBalance({ usd: 3, startedAt: now(), endedAt: now() })
        return c
      },
    })
    await ex.setMarkets([m])
    ctx.account.setHoldings(m.yesTokenId, 40, 0.5)
    const sell: OrderIntent = { tokenId: m.yesTokenId, side: 'SELL', price: 0.6, size: 40, layer: 0, quoteSide: 'ask' }
    await ex.run({ market: m, books, quote, orders: [sell, ...bids(1)], now: clock.now() })
    expect(ex.collateralFree()).toBeCloseTo(0, 9) // 3 − 0.3 × 10
    const sellId = ex.liveOrders().find((o) => o.side === 'SELL')?.id ?? ''
    clock.advance(1000)
    ex.onTrade(makerSellFill(sellId, 10, 0.6)) // +6
    expect(ex.collateralFree()).toBeCloseTo(6, 9)
    // More BUYs now fit: 0.3 × 10 kept, 0.29 × 10 + 0.28 × 10 = 5.7 of the 6; the 0.3 left buys 1.11 at 0.27,
    // under the minimum of 5: dropped.
    await ex.run({ market: m, books, quote, orders: [{ ...sell, size: 30 }, ...bids(4)], now: clock.now() })
    expect(ex.liveOrders().filter((o) => o.side === 'BUY').length).toBe(3)
    expect(ex.collateralFree()).toBeCloseTo(0.3, 9)
  })

  test('orders are signed on the book tick (it follows tick_size_change) at exactly the tracked price', async () => {
    const { ctx, fake, ex, clock } = setup()
    await ex.setMarkets([m]) // Gamma still says 0.01
    const fine = { ...books, yes: { ...emptyBook, tickSize: 0.001 }, no: { ...emptyBook, tickSize: 0.001 } }
    const buy = (price: number, layer: number): OrderIntent => ({
      tokenId: m.yesTokenId,
      side: 'BUY',
      price,
      size: 10,
      layer,
      quoteSide: 'bid',
    })
    await ex.run({ market: m, books: fine, quote, orders: [buy(0.963, 0), buy(0.9635, 1)], now: clock.now() })
    const sent = fake.signed.map((o) => orderFromAmounts('BUY', o.makerAmount, o.takerAmount).price)
    expect(sent.length).toBe(1)
    expect(sent[0]).toBeCloseTo(0.963, 9)
    expect(ex.liveOrders().map((o) => o.price)).toEqual([0.963])
    // Off the 0.001 grid: it would be signed at another price than tracked, so it is not sent at all.
    expect(ctx.lines.filter((l) => l.includes('@ 0.9635') && l.includes('dropped')).length).toBe(1)
  })

  test('a pull during a 429 back-off on DELETE still cancels: it waits the back-off out instead of dropping it', async () => {
    const { fake, ex, clock } = setup()
    await ex.setMarkets([m])
    await ex.run({ market: m, books, quote, orders: bids(2), now: clock.now() })
    // A requote's cancel gets a 429: DELETE backs off for 1 s, both orders still rest.
    fake.script.cancel.push('429')
    await ex.run({ market: m, books, quote, orders: bids(2, 0.2), now: clock.now() })
    expect(fake.cancels.length).toBe(1)
    expect(ex.liveOrders().length).toBe(2)
    // Risk pulls during the back-off: the cancel waits it out instead of being dropped.
    const pulled = ex.pull(m, 'halt')
    await Bun.sleep(1)
    clock.advance(1000)
    await pulled
    expect(fake.cancels.length).toBe(2)
    expect(ex.liveOrders()).toEqual([])
    expect(fake.resting.size).toBe(0)
  })

  test('a protective cancel answered 429 is retried for the same orders once the back-off ends', async () => {
    const { fake, ex, clock } = setup()
    await ex.setMarkets([m])
    await ex.run({ market: m, books, quote, orders: bids(2), now: clock.now() })
    fake.script.cancel.push('429')
    await ex.pull(m, 'halt')
    expect(fake.cancels.length).toBe(1)
    expect(ex.liveOrders().length).toBe(2)
    clock.advance(1000)
    for (let i = 0; i < 5 && fake.cancels.length < 2; i++) await Bun.sleep(2)
    await Bun.sleep(2)
    expect(fake.cancels.length).toBe(2)
    expect(ex.liveOrders()).toEqual([])
    expect(fake.resting.size).toBe(0)
  })

  test('orders of a market that left the selection are cancelled again by the periodic check when the first cancel failed', async () => {
    const { fake, ex, clock } = setup()
    await ex.setMarkets([m])
    await ex.run({ market: m, books, quote, orders: bids(2), now: clock.now() })
    const ids = ex.liveOrders().map((o) => o.id)
    fake.script.cancel.push('ambiguous')
    await ex.setMarkets([])
    expect(ex.liveOrders().length).toBe(2)
    await ex.reconcileOpen([])
    expect(fake.cancels.length).toBe(2)
    expect(fake.cancels[1]?.sort()).toEqual([...ids].sort())
    expect(ex.liveOrders()).toEqual([])
    expect(fake.resting.size).toBe(0)
  })

  test('a failed lookup does not hold back the others: the next unknown order is still settled', async () => {
    const { fake, ex, clock } = setup()
    await ex.setMarkets([m])
    fake.script.post.push('ambiguous')
    await ex.run({ market: m, books, quote, orders: bids(2), now: clock.now() })
    const [a, b] = ex.liveOrders().map((o) => o.id)
    if (!a || !b) throw new Error('no orders')
    fake.failLookup.add(a)
    fake.lookups.set(b, { ...wire(b), status: 'CANCELED' })
    await ex.resolveUnknowns()
    expect(ex.liveOrders().map((o) => [o.id, o.status])).toEqual([[a, 'unknown']])
  })

  test('unknown orders nobody wants any more get one cancel instead of resting until a lookup', async () => {
    const { fake, ex, clock } = setup()
    await ex.setMarkets([m])
    fake.script.post.push('ambiguous')
    await ex.run({ market: m, books, quote, orders: bids(2), now: clock.now() })
    const ids = ex.liveOrders().map((o) => o.id)
    // The first is refused (the exchange never took it, say): it stays unknown and is not cancelled again.
    const [refused] = ids
    if (!refused) throw new Error('no orders')
    fake.refuseCancel.add(refused)
    const r = await ex.run({ market: m, books, quote, orders: [], now: clock.now() })
    expect(r.cancelled).toBe(1)
    expect(fake.cancels).toEqual([ids])
    expect(ex.liveOrders().map((o) => [o.id, o.status])).toEqual([[refused, 'unknown']])
    await ex.run({ market: m, books, quote, orders: [], now: clock.now() })
    expect(fake.cancels.length).toBe(1)
  })

  test('stop waits for a timed-out POST that lands after the first sweep, and cancels it by id', async () => {
    const { fake, ex, clock } = setup()
    await ex.setMarkets([m])
    fake.script.post.push('late')
    await ex.run({ market: m, books, quote, orders: bids(1), now: clock.now() })
    expect(ex.liveOrders().map((o) => o.status)).toEqual(['unknown'])
    const stopped = ex.cancelEverything('stop', 5000)
    await Bun.sleep(2)
    // The POST lands after the first listing found nothing resting.
    fake.hooks.land?.()
    for (let i = 0; i < 20 && fake.cancels.length < 1; i++) {
      await Bun.sleep(1)
      clock.advance(100)
    }
    expect(await stopped).toBe(0)
    expect(fake.cancels.length).toBe(1)
    expect(fake.cancelAlls).toEqual([])
    expect(fake.resting.size).toBe(0)
  })

  test('a maker fill of an order we track counts even when the trade names another API key', async () => {
    const { ctx, ex, clock } = setup()
    await ex.setMarkets([m])
    ctx.account.setHoldings(m.yesTokenId, 40, 0.5)
    const sell: OrderIntent = { tokenId: m.yesTokenId, side: 'SELL', price: 0.6, size: 40, layer: 0, quoteSide: 'ask' }
    await ex.run({ market: m, books, quote, orders: [sell], now: clock.now() })
    const id = ex.liveOrders()[0]?.id ?? ''
    const trade = makerSellFill(id, 10, 0.6)
    ex.onTrade({ ...trade, maker_orders: trade.maker_orders.map((o) => ({ ...o, owner: 'another-key' })) })
    expect(ctx.account.token(m.yesTokenId).shares).toBe(30)
    // Someone else's maker order in the same trade is not ours.
    const theirs = makerSellFill(`0x${'ee'.repeat(32)}`, 5, 0.6)
    ex.onTrade({ ...theirs, maker_orders: theirs.maker_orders.map((o) => ({ ...o, owner: 'another-key' })) })
    expect(ctx.account.token(m.yesTokenId).shares).toBe(30)
  })

  test('a dry run forgets cancelled orders after a while instead of keeping every order it ever tracked', async () => {
    const { ex, clock } = setup({ dryRun: true })
    await ex.setMarkets([m])
    for (let i = 0; i < 5; i++) {
      await ex.run({ market: m, books, quote, orders: bids(2, 0.3 - i * 0.02), now: clock.now() })
      clock.advance(60_000)
    }
    expect(ex.tracked().length).toBeGreaterThan(2)
    clock.advance(400_000)
    await ex.run({ market: m, books, quote, orders: bids(2, 0.2), now: clock.now() })
    // Only the two this run cancelled are still kept (for late events), beside the two it placed.
    expect(ex.tracked().filter((o) => o.status === 'cancelled').length).toBe(2)
    expect(ex.tracked().length).toBe(4)
  })

  test('stop cancels everything and refuses further runs', async () => {
    const { fake, ex } = setup()
    await ex.setMarkets([m])
    await ex.run({ market: m, books, quote, orders: bids(3), now: 0 })
    expect(await ex.cancelEverything('stop', 1000)).toBe(0)
    expect(fake.resting.size).toBe(0)
    expect((await ex.run({ market: m, books, quote, orders: bids(3), now: 0 })).placed).toBe(0)
  })
})
