// REST status spellings (§7.4) and settlement before sale (§7.5), on a manual clock: MATCHED_NOT_BROADCASTED, then
// MATCHED, MINED, CONFIRMED; bought shares are sellable (and in the balance) only once the trade is CONFIRMED.
import { afterEach, describe, expect, test } from 'bun:test'
import { type AssetType, type ClobClient, OrderType, Side } from '@polymarket/clob-client-v2'
import { createManualClock, type ManualClock, type Simulator } from './index.ts'
import { alice, bob, clobClient, deriveCreds, startTestSimulator } from './testing.ts'

let sim: Simulator
let clock: ManualClock

async function start(production: Record<string, unknown> = {}) {
  clock = createManualClock(Date.now())
  sim = await startTestSimulator(
    { markets: [{ slug: 'st', question: 'Settles?', tick_size: 0.01 }], production },
    { clock, pageSize: 500 },
  )
  const a = clobClient(sim.urls.clob, alice, await deriveCreds(sim.urls.clob, alice))
  const b = clobClient(sim.urls.clob, bob, await deriveCreds(sim.urls.clob, bob))
  const yes = sim.markets[0]?.tokens[0] ?? ''
  sim.setBalances(bob.address, undefined, { [yes]: 100 })
  return { a, b, yes }
}

// deferExec: CCv2 would otherwise poll /data/trades (real time) for a hash this manual clock never broadcasts.
const place = async (c: ClobClient, o: { tokenID: string; price: number; size: number; side: Side }) =>
  c.postOrder(await c.createOrder(o), OrderType.GTC, false, true)

afterEach(async () => {
  await sim?.stop()
})

describe('REST statuses', () => {
  test('orders and trades carry the prefixed spellings; a new trade is MATCHED_NOT_BROADCASTED without a hash', async () => {
    const { a, b, yes } = await start()
    const rest = await place(b, { tokenID: yes, price: 0.5, size: 20, side: Side.SELL })
    expect((await b.getOrder(rest.orderID)).status).toBe('ORDER_STATUS_LIVE')
    const r = await place(a, { tokenID: yes, price: 0.5, size: 10, side: Side.BUY })
    expect(r.status).toBe('matched')
    expect(r.transactionsHashes).toEqual([])
    const id = r.tradeIDs?.[0] ?? ''
    const first = (await a.getTrades({ id }))[0]
    expect(first?.status).toBe('TRADE_STATUS_MATCHED_NOT_BROADCASTED')
    expect(first?.transaction_hash).toBe('')
    clock.advance(500)
    const broadcast = (await a.getTrades({ id }))[0]
    expect(broadcast?.status).toBe('TRADE_STATUS_MATCHED')
    expect(broadcast?.transaction_hash).toMatch(/^0x[0-9a-f]{64}$/)
    clock.advance(500)
    expect((await b.getTrades({ id }))[0]?.status).toBe('TRADE_STATUS_MINED')
    clock.advance(2000)
    expect((await b.getTrades({ id }))[0]?.status).toBe('TRADE_STATUS_CONFIRMED')
    expect((await b.getOpenOrders())[0]?.status).toBe('ORDER_STATUS_LIVE')
  })

  test('rest_statuses: plain switches REST back to the plain spellings', async () => {
    const { a, b, yes } = await start({ rest_statuses: 'plain' })
    await place(b, { tokenID: yes, price: 0.5, size: 20, side: Side.SELL })
    const r = await place(a, { tokenID: yes, price: 0.5, size: 10, side: Side.BUY })
    expect((await a.getTrades({ id: r.tradeIDs?.[0] ?? '' }))[0]?.status).toBe('MATCHED')
    expect((await b.getOpenOrders())[0]?.status).toBe('LIVE')
  })
})

describe('settlement before sale', () => {
  test('a SELL sized from an unsettled buy fails with the balance error until the trade is CONFIRMED', async () => {
    const { a, b, yes } = await start()
    await place(b, { tokenID: yes, price: 0.5, size: 20, side: Side.SELL })
    await place(a, { tokenID: yes, price: 0.5, size: 10, side: Side.BUY })
    const balance = async () =>
      ((await a.getBalanceAllowance({ asset_type: 'CONDITIONAL' as AssetType, token_id: yes })) as { balance: string })
        .balance
    expect(await balance()).toBe('0')
    const early = (await place(a, { tokenID: yes, price: 0.6, size: 10, side: Side.SELL })) as unknown as Record<
      string,
      unknown
    >
    expect(JSON.stringify(early)).toContain('not enough balance / allowance')
    clock.advance(1000) // MINED: still not sellable (CONFIRMED is the settlement point by default)
    expect(JSON.stringify(await place(a, { tokenID: yes, price: 0.6, size: 10, side: Side.SELL }))).toContain(
      'not enough balance / allowance',
    )
    clock.advance(2000)
    expect(await balance()).toBe('10000000')
    const later = await place(a, { tokenID: yes, price: 0.6, size: 10, side: Side.SELL })
    expect(later.success).toBe(true)
  })

  test('sellable_after: matched turns the settlement wait off', async () => {
    const { a, b, yes } = await start({ sellable_after: 'matched' })
    await place(b, { tokenID: yes, price: 0.5, size: 20, side: Side.SELL })
    await place(a, { tokenID: yes, price: 0.5, size: 10, side: Side.BUY })
    expect((await place(a, { tokenID: yes, price: 0.6, size: 10, side: Side.SELL })).success).toBe(true)
  })

  test('/balance-allowance/update exists and is rate limited (50 per 10 s)', async () => {
    const { a, yes } = await start()
    const params = { asset_type: 'CONDITIONAL' as AssetType, token_id: yes }
    for (let i = 0; i < 50; i++) await a.updateBalanceAllowance(params)
    const over = (await a.updateBalanceAllowance(params)) as unknown as Record<string, unknown>
    expect(over.status).toBe(429)
    clock.advance(10_001)
    expect(await a.updateBalanceAllowance(params)).not.toHaveProperty('status')
  })

  test('Data API /positions pages at 500 with offset and limit', async () => {
    sim = await startTestSimulator({ generate: { markets: 310, seed: 4 } })
    const acct = sim.engine.account(alice.address)
    for (const m of sim.markets)
      for (const t of m.tokens) acct.positions.set(t, { size: 5, avgPrice: 0.5, totalBought: 5, realizedPnl: 0 })
    const page = async (q: string) =>
      ((await (await fetch(`${sim.urls.dataApi}/positions?user=${alice.address}${q}`)).json()) as unknown[]).length
    expect(await page('&limit=1000')).toBe(500)
    expect(await page('&limit=1000&offset=500')).toBe(120)
    expect(await page('&limit=50&offset=600')).toBe(20)
  })
})
