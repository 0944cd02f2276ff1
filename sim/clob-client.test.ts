// Drives the real @polymarket/clob-client-v2 against the simulator over loopback.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { type ApiKeyCreds, AssetType, OrderType, Side } from '@polymarket/clob-client-v2'
import type { Wallet } from 'ethers'
import type { Simulator } from './index.ts'
import { alice, bob, carol, clobClient, startTestSimulator } from './testing.ts'

let sim: Simulator
let yes: string
let no: string
let negYes: string

const l1 = (w: Wallet) => clobClient(sim.urls.clob, w)
const l2 = (w: Wallet, creds: ApiKeyCreds) => clobClient(sim.urls.clob, w, creds)

let aliceCreds: ApiKeyCreds
let bobCreds: ApiKeyCreds

beforeAll(async () => {
  sim = await startTestSimulator(
    {
      markets: [
        { slug: 'plain', question: 'Plain?', tick_size: 0.01 },
        { slug: 'neg', question: 'Neg risk?', tick_size: 0.001, neg_risk: true },
      ],
    },
    { pageSize: 2 },
  )
  ;[yes, no] = sim.markets[0]!.tokens
  negYes = sim.markets[1]!.tokens[0]
  aliceCreds = await l1(alice).createOrDeriveApiKey()
  bobCreds = await l1(bob).createOrDeriveApiKey()
})

afterAll(async () => {
  await sim.stop()
})

describe('real clob-client-v2 against the simulator', () => {
  test('L1: create then derive returns the same deterministic credentials', async () => {
    expect(aliceCreds.key).toMatch(/^[0-9a-f-]{36}$/)
    expect(aliceCreds.secret).toMatch(/=$/)
    expect(aliceCreds.passphrase).toMatch(/^[0-9a-f]{64}$/)
    const again = await l1(alice).createOrDeriveApiKey()
    expect(again).toEqual(aliceCreds)
    expect(bobCreds.key).not.toBe(aliceCreds.key)
  })

  test('orders: createAndPostOrder, postOrders batch, paged getOpenOrders, fills, trades, cancels', async () => {
    const a = l2(alice, aliceCreds)
    const b = l2(bob, bobCreds)
    const first = await a.createAndPostOrder(
      { tokenID: yes, price: 0.45, size: 10, side: Side.BUY },
      undefined,
      OrderType.GTC,
      true,
    )
    expect(first.success).toBe(true)
    expect(first.status).toBe('live')
    expect(first.orderID).toMatch(/^0x[0-9a-f]{64}$/)

    const batch = await a.postOrders(
      await Promise.all(
        [
          { tokenID: yes, price: 0.44, size: 10, side: Side.BUY },
          { tokenID: no, price: 0.4, size: 20, side: Side.BUY },
          { tokenID: negYes, price: 0.123, size: 15, side: Side.BUY },
        ].map(async (o) => ({ order: await a.createOrder(o), orderType: OrderType.GTC })),
      ),
      true,
    )
    expect(batch.map((r) => r.success)).toEqual([true, true, true])

    const open = await a.getOpenOrders()
    expect(open).toHaveLength(4)
    expect(new Set(open.map((o) => o.id)).size).toBe(4)
    const firstOpen = open.find((o) => o.id === first.orderID)
    expect(firstOpen?.price).toBe('0.45')
    expect(firstOpen?.original_size).toBe('10')
    expect(firstOpen?.owner).toBe(aliceCreds.key)
    expect(sim.balances(alice.address).reservedUsdc).toBeCloseTo(4.5 + 4.4 + 8 + 1.845, 6)

    // Bob sells YES into Alice's best bid: a partial fill of her 0.45 order.
    sim.setBalances(bob.address, undefined, { [yes]: 100 })
    const sell = await b.createAndPostOrder({ tokenID: yes, price: 0.45, size: 6, side: Side.SELL })
    expect(sell.success).toBe(true)
    expect(sell.status).toBe('matched')
    expect(sell.transactionsHashes?.length).toBe(1)
    expect(sell.makingAmount).toBe('6')
    expect(sell.takingAmount).toBe('2.7')

    const bobTrades = await b.getTrades()
    expect(bobTrades).toHaveLength(1)
    expect(bobTrades[0]?.trader_side).toBe('TAKER')
    const aliceTrades = await a.getTrades()
    expect(aliceTrades[0]?.trader_side).toBe('MAKER')
    expect(aliceTrades[0]?.maker_orders[0]?.order_id).toBe(first.orderID)
    expect(aliceTrades[0]?.maker_orders[0]?.matched_amount).toBe('6')
    expect((await a.getOrder(first.orderID)).size_matched).toBe('6')
    expect(sim.balances(alice.address).tokens[yes]).toBe(6)

    const bal = await a.getBalanceAllowance({ asset_type: AssetType.COLLATERAL })
    expect(Number(bal.balance) / 1e6).toBeCloseTo(10_000 - 2.7, 6)

    const cancel = await a.cancelOrders([first.orderID, batch[0]!.orderID])
    expect(cancel.canceled.sort()).toEqual([first.orderID, batch[0]!.orderID].sort())
    const again = await a.cancelOrder({ orderID: first.orderID })
    expect(again.not_canceled[first.orderID]).toBe('already canceled or matched')
    const all = await a.cancelAll()
    expect(all.canceled).toHaveLength(2)
    expect(await a.getOpenOrders()).toEqual([])
    expect(sim.balances(alice.address).reservedUsdc).toBe(0)
  })

  test('post-only crossing and balance errors come back with the exact errorMsg', async () => {
    const b = l2(bob, bobCreds)
    sim.setBalances(bob.address, undefined, { [yes]: 100 })
    const ask = await b.createAndPostOrder({ tokenID: yes, price: 0.6, size: 10, side: Side.SELL })
    expect(ask.success).toBe(true)
    const a = l2(alice, aliceCreds)
    const cross = await a.createAndPostOrder(
      { tokenID: yes, price: 0.6, size: 10, side: Side.BUY },
      undefined,
      OrderType.GTC,
      true,
    )
    expect(cross.success).toBe(false)
    expect(cross.errorMsg).toBe('invalid post-only order: order crosses book')
    const broke = await a.createAndPostOrder({ tokenID: yes, price: 0.5, size: 100_000, side: Side.BUY })
    expect(broke.errorMsg).toBe('not enough balance / allowance')
    await b.cancelAll()
  })

  test('heartbeat ids rotate on every accepted beat; a stale id gets 400 with the current id, wrapped by the client', async () => {
    const a = l2(alice, aliceCreds)
    const hb = await a.postHeartbeat()
    expect(typeof hb.heartbeat_id).toBe('string')
    const hb2 = await a.postHeartbeat(hb.heartbeat_id)
    expect(typeof hb2.heartbeat_id).toBe('string')
    expect(hb2.heartbeat_id).not.toBe(hb.heartbeat_id)
    // The stale id: production's body has no `error` key, so CCv2 wraps the whole body under `error` (§7.3).
    const stale = (await a.postHeartbeat(hb.heartbeat_id)) as unknown as Record<string, unknown>
    expect(stale).toEqual({ error: { error_msg: 'Invalid Heartbeat ID', heartbeat_id: hb2.heartbeat_id }, status: 400 })
    const again = await a.postHeartbeat(hb2.heartbeat_id)
    expect(again.heartbeat_id).not.toBe(hb2.heartbeat_id)
  })

  test('wrong HMAC, a signature by another key and a tampered order are rejected', async () => {
    const wrong = l2(alice, { ...aliceCreds, secret: bobCreds.secret })
    const res = await wrong.cancelAll()
    expect(res).toEqual({ error: 'Unauthorized/Invalid api key', status: 401 })

    const a = l2(alice, aliceCreds)
    const c = l1(carol)
    const carolOrder = await c.createOrder(
      { tokenID: yes, price: 0.3, size: 10, side: Side.BUY },
      { tickSize: '0.01', negRisk: false },
    )
    const notMine = await a.postOrder(carolOrder)
    expect(notMine.success).toBe(false)
    expect(notMine).toMatchObject({
      status: 400,
      errorMsg: 'the order signer address has to be the address of the API KEY',
    })

    const good = await a.createOrder({ tokenID: yes, price: 0.3, size: 10, side: Side.BUY })
    const forged = await a.postOrder({ ...good, signature: carolOrder.signature })
    expect(forged.errorMsg).toBe('invalid signature')
    const tampered = await a.postOrder({ ...good, makerAmount: '1000000' })
    expect(tampered.errorMsg).toBe('invalid signature')
    expect(sim.openOrders(alice.address)).toEqual([])
  })

  test('public market data: /book ordering, tick size, neg risk, markets pagination', async () => {
    const c = l1(carol)
    expect(await c.getTickSize(negYes)).toBe('0.001')
    expect(await c.getNegRisk(negYes)).toBe(true)
    const b = l2(bob, bobCreds)
    sim.setBalances(bob.address, undefined, { [yes]: 100 })
    await b.createAndPostOrder({ tokenID: yes, price: 0.7, size: 5, side: Side.SELL })
    await b.createAndPostOrder({ tokenID: yes, price: 0.8, size: 5, side: Side.SELL })
    await b.createAndPostOrder({ tokenID: yes, price: 0.2, size: 5, side: Side.BUY })
    await b.createAndPostOrder({ tokenID: yes, price: 0.1, size: 5, side: Side.BUY })
    const book = await c.getOrderBook(yes)
    expect(book.bids.map((l) => l.price)).toEqual(['0.1', '0.2'])
    expect(book.asks.map((l) => l.price)).toEqual(['0.8', '0.7'])
    const noBook = await c.getOrderBook(no)
    expect(noBook.bids.map((l) => l.price)).toEqual(['0.2', '0.3'])
    expect(noBook.asks.map((l) => l.price)).toEqual(['0.9', '0.8'])
    const hash = book.hash
    expect(await c.getOrderBookHash(book)).toBe(hash)
    const page = await c.getMarkets()
    expect(page.data).toHaveLength(2)
    await b.cancelAll()
  })

  test('market orders (FOK) walk the book through /markets-by-token and /clob-markets', async () => {
    const b = l2(bob, bobCreds)
    sim.setBalances(bob.address, undefined, { [yes]: 100 })
    await b.createAndPostOrder({ tokenID: yes, price: 0.5, size: 10, side: Side.SELL })
    await b.createAndPostOrder({ tokenID: yes, price: 0.52, size: 10, side: Side.SELL })
    const a = l2(alice, aliceCreds)
    const before = sim.balances(alice.address).tokens[yes] ?? 0
    const r = await a.createAndPostMarketOrder({ tokenID: yes, amount: 7.6, side: Side.BUY }, undefined, OrderType.FOK)
    expect(r.success).toBe(true)
    expect(r.status).toBe('matched')
    expect((sim.balances(alice.address).tokens[yes] ?? 0) - before).toBeCloseTo(14.6153, 3)
    const tooBig = await a.createAndPostMarketOrder(
      { tokenID: yes, amount: 500, side: Side.BUY, price: 0.52 },
      undefined,
      OrderType.FOK,
    )
    expect(tooBig.errorMsg).toBe("order couldn't be fully filled, FOK orders are fully filled/killed")
    await b.cancelAll()
  })

  test('a server switched to V1 makes the client retry with a V1 order (order_version_mismatch)', async () => {
    const a = l2(alice, aliceCreds)
    const v2 = await a.createAndPostOrder({ tokenID: yes, price: 0.2, size: 5, side: Side.BUY })
    expect(v2.success).toBe(true)
    await fetch(`${sim.urls.admin}/version`, { method: 'POST', body: JSON.stringify({ version: 1 }) })
    try {
      const v1 = await a.createAndPostOrder({ tokenID: yes, price: 0.21, size: 5, side: Side.BUY })
      expect(v1.success).toBe(true)
      expect(
        sim
          .openOrders(alice.address)
          .map((o) => o.price)
          .sort(),
      ).toEqual(['0.2', '0.21'])
    } finally {
      await fetch(`${sim.urls.admin}/version`, { method: 'POST', body: JSON.stringify({ version: 2 }) })
      await a.cancelAll()
    }
  })

  test('a Safe/proxy signer trades for its funder: the funder holds the orders and the balance', async () => {
    const funder = '0x000000000000000000000000000000000000f00d'
    const proxy = clobClient(sim.urls.clob, carol, await l1(carol).createOrDeriveApiKey(), {
      signatureType: 2,
      funderAddress: funder,
    })
    const r = await proxy.createAndPostOrder({ tokenID: yes, price: 0.25, size: 8, side: Side.BUY })
    expect(r.success).toBe(true)
    expect(sim.openOrders(funder).map((o) => o.id)).toEqual([r.orderID])
    expect(sim.openOrders(carol.address)).toEqual([])
    expect(sim.balances(funder).reservedUsdc).toBe(2)
    const open = await proxy.getOpenOrders()
    expect(open.map((o) => o.maker_address)).toEqual([funder])
    // An EOA order (type 0) must have signer == maker.
    const eoa = await l1(carol).createOrder({ tokenID: yes, price: 0.25, size: 8, side: Side.BUY })
    const res = await proxy.postOrder({ ...eoa, maker: funder })
    expect(res.success).toBe(false)
    await proxy.cancelAll()
    expect(sim.openOrders(funder)).toEqual([])
  })
})
