import { afterEach, describe, expect, test } from 'bun:test'
import { createManualClock } from '../../../pipeline/clock.ts'
import { createTestContext, testMarket } from '../../../pipeline/testing.ts'
import { loadClobClient } from './client.ts'
import { createClobPort } from './exchange-port.ts'
import { createExecutor } from './executor.ts'
import { createFastSigner } from './fast-signer.ts'
import { createOrderFactory } from './order-factory.ts'
import { createOrderBudget } from './rate-budget.ts'
import { createTradingHttp } from './trading-http.ts'

/**
 * The REST side of protocol doc §7.4 through the real client and port: a loopback CLOB that answers
 * `/data/orders`, `/data/order/<id>` and `/data/trades` with the prefixed statuses production sends.
 */

const m = testMarket()
const KEY = `0x${'42'.repeat(32)}`
const API_KEY = '00000000-0000-0000-0000-0000000000c1'
const ORDER_ID = `0x${'0d'.repeat(32)}`

function restClob(state: { orderStatus: string; listed: boolean; tradeStatus: string }, maker: string) {
  const order = () => ({
    id: ORDER_ID,
    status: state.orderStatus,
    owner: API_KEY,
    maker_address: maker,
    market: m.conditionId,
    asset_id: m.yesTokenId,
    side: 'BUY',
    original_size: '10',
    size_matched: state.orderStatus === 'ORDER_STATUS_CANCELED' ? '4' : '0',
    price: '0.4',
    outcome: 'Yes',
    expiration: '0',
    order_type: 'GTC',
    associate_trades: [],
    created_at: 1760000000,
  })
  const trade = () => ({
    id: 'trade-r1',
    taker_order_id: `0x${'ee'.repeat(32)}`,
    market: m.conditionId,
    asset_id: m.yesTokenId,
    side: 'SELL',
    size: '4',
    fee_rate_bps: '0',
    price: '0.4',
    status: state.tradeStatus,
    match_time: '1760000100',
    last_update: '1760000100',
    outcome: 'Yes',
    bucket_index: 0,
    owner: API_KEY,
    maker_address: maker,
    transaction_hash: '0x',
    trader_side: 'MAKER',
    maker_orders: [
      {
        order_id: ORDER_ID,
        owner: API_KEY,
        maker_address: maker,
        matched_amount: '4',
        price: '0.4',
        fee_rate_bps: '0',
        asset_id: m.yesTokenId,
        outcome: 'Yes',
        side: 'BUY',
      },
    ],
  })
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    fetch(req) {
      const path = new URL(req.url).pathname
      if (path === '/data/orders') return Response.json({ data: state.listed ? [order()] : [], next_cursor: 'LTE=' })
      if (path === `/data/order/${ORDER_ID}`) return Response.json(order())
      if (path === '/data/trades') return Response.json({ data: [trade()], next_cursor: 'LTE=' })
      return Response.json({ error: `not here: ${path}` }, { status: 404 })
    },
  })
  return { url: `http://127.0.0.1:${server.port}`, stop: () => server.stop(true) }
}

const stops: (() => void)[] = []
afterEach(() => {
  for (const s of stops.splice(0)) s()
})

describe('prefixed statuses on REST, through the client (protocol doc §7.4)', () => {
  test('open orders, the trade back-fill and an order lookup all read ORDER_STATUS_* / TRADE_STATUS_*', async () => {
    const signer = createFastSigner(KEY)
    const state = {
      orderStatus: 'ORDER_STATUS_LIVE',
      listed: true,
      tradeStatus: 'TRADE_STATUS_MATCHED_NOT_BROADCASTED',
    }
    const clob = restClob(state, signer.address)
    stops.push(clob.stop)
    const clock = createManualClock(Date.UTC(2026, 0, 1))
    const ctx = createTestContext({ stage: 'execute', plugin: 'clob', clock })
    const { client, creds } = await loadClobClient({
      host: clob.url,
      chainId: 137,
      signer,
      credentials: {
        privateKey: KEY,
        funder: undefined,
        signatureType: 0,
        apiKey: API_KEY,
        apiSecret: Buffer.from('secret').toString('base64'),
        apiPassphrase: 'pass',
      },
    })
    const trading = createTradingHttp({ host: clob.url, creds, signer })
    const port = createClobPort({ client, clock, dataApiUrl: clob.url, timeoutMs: 5000, trading })
    const ex = createExecutor({
      port,
      factory: createOrderFactory({ signer, funder: undefined, signatureType: 0, chainId: 137 }),
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
        marketsWaiting: () => {},
      },
      budget: createOrderBudget({ clock, log: ctx.log, random: () => 0.5 }),
      apiKey: API_KEY,
      rules: () => ({ requoteMidTicks: 1, requoteQueueLevels: 2, orderMaxAgeMs: 12_000, postOnly: true }),
      markDirty: () => {},
      notFoundGraceMs: 15_000,
      maxBudgetWaitMs: 0,
    })
    await ex.setMarkets([m])

    // Open orders: ORDER_STATUS_LIVE is live (before: an unrecognised word, the order stayed pending).
    ex.adopt(await port.openOrders())
    expect(ex.tracked().map((o) => [o.id, o.status])).toEqual([[ORDER_ID, 'live']])

    // Back-fill: a match not yet broadcast is a fill (before: dropped), counted once as it settles.
    for (const t of await port.trades(0)) ex.onTrade(t)
    state.tradeStatus = 'TRADE_STATUS_CONFIRMED'
    for (const t of await port.trades(0)) ex.onTrade(t)
    expect(ctx.account.token(m.yesTokenId).shares).toBe(4)
    expect(ctx.account.fills().map((f) => f.status)).toEqual(['CONFIRMED'])
    expect(ex.tracked()[0]).toMatchObject({ status: 'partially_filled', filled: 4 })

    // The order leaves the open list; its lookup answers ORDER_STATUS_CANCELED: cancelled, fills kept.
    state.listed = false
    state.orderStatus = 'ORDER_STATUS_CANCELED'
    clock.advance(10_000)
    await ex.reconcileOpen(await port.openOrders())
    expect(ex.tracked()[0]).toMatchObject({ status: 'cancelled', filled: 4 })
  })
})
