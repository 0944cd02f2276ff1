// Both WebSocket channels through a plain WebSocket client, compared field-by-field with the wire fixtures
// (tests/fixtures/wire/, whose shapes tests/captures/ checks against the real captures).
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { OrderType, Side } from '@polymarket/clob-client-v2'
import type { Wallet } from 'ethers'
import type { ApiCreds } from './auth.ts'
import type { Simulator } from './index.ts'
import { alice, bob, clobClient, deriveCreds, startTestSimulator } from './testing.ts'

const FIX = join(import.meta.dir, '../tests/fixtures/wire')
type Obj = Record<string, unknown>
const fixture = (name: string) => JSON.parse(readFileSync(join(FIX, name), 'utf8')) as Obj
const keys = (o: unknown) => Object.keys(o as Obj).sort()

let sim: Simulator
let yes: string
let no: string
let cid: string
let aliceCreds: ApiCreds
let bobCreds: ApiCreds
const client = (w: Wallet, c: ApiCreds) => clobClient(sim.urls.clob, w, c)

type Conn = { ws: WebSocket; frames: string[]; closed: Promise<number> }

async function connect(path: string, first?: object): Promise<Conn> {
  const ws = new WebSocket(`${sim.urls.ws}${path}`)
  const frames: string[] = []
  ws.onmessage = (e) => frames.push(String(e.data))
  const closed = new Promise<number>((r) => {
    ws.onclose = (e) => r(e.code)
  })
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve()
    ws.onerror = () => reject(new Error('ws error'))
  })
  if (first) ws.send(JSON.stringify(first))
  return { ws, frames, closed }
}

/** Events (frames may be arrays) seen so far, flattened. */
function events(c: Conn): Obj[] {
  return c.frames.flatMap((f) => {
    if (f === 'PONG') return []
    const v = JSON.parse(f) as Obj | Obj[]
    return Array.isArray(v) ? v : [v]
  })
}

async function waitFor<T>(fn: () => T | undefined, what: string, ms = 3000): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const v = fn()
    if (v !== undefined) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await Bun.sleep(5)
  }
}

const find = (c: Conn, pred: (e: Obj) => boolean) => events(c).find(pred)

beforeAll(async () => {
  sim = await startTestSimulator({
    trade_mined_after: '40ms',
    trade_confirmed_after: '80ms',
    markets: [{ slug: 'ws', question: 'WS?', tick_size: 0.01 }],
  })
  ;[yes, no] = sim.markets[0]!.tokens
  cid = sim.markets[0]!.conditionId
  aliceCreds = await deriveCreds(sim.urls.clob, alice)
  bobCreds = await deriveCreds(sim.urls.clob, bob)
})

afterAll(async () => {
  await sim.stop()
})

describe('market channel', () => {
  test('book dump, price_change, best_bid_ask, last_trade_price, PING and dynamic subscriptions', async () => {
    const m = await connect('/ws/market', { assets_ids: [yes, no], type: 'market', custom_feature_enabled: true })
    const dump = await waitFor(() => m.frames[0], 'book dump')
    const books = JSON.parse(dump) as Obj[]
    expect(Array.isArray(books)).toBe(true)
    expect(books.map((b) => b.asset_id)).toEqual([yes, no])
    expect(keys(books[0])).toEqual(keys(fixture('ws_book_deep.json')))

    const a = client(alice, aliceCreds)
    await a.createAndPostOrder({ tokenID: yes, price: 0.4, size: 10, side: Side.BUY }, undefined, OrderType.GTC, true)
    await a.createAndPostOrder({ tokenID: yes, price: 0.42, size: 10, side: Side.BUY }, undefined, OrderType.GTC, true)
    const pc = await waitFor(() => find(m, (e) => e.event_type === 'price_change'), 'price_change')
    const realPc = fixture('ws_market_price_change_msg.json')
    expect(keys(pc)).toEqual(keys(realPc))
    const entries = pc.price_changes as Obj[]
    expect(keys(entries[0])).toEqual(keys((realPc.price_changes as Obj[])[0]))
    // A YES bid at 0.4 is also a NO ask at 0.6, in the same message.
    expect(entries.map((e) => [e.asset_id, e.price, e.side, e.size])).toEqual([
      [yes, '0.4', 'BUY', '10'],
      [no, '0.6', 'SELL', '10'],
    ])
    expect(entries[0]).toMatchObject({ best_bid: '0.4', best_ask: '1' })
    expect(entries[1]).toMatchObject({ best_bid: '0', best_ask: '0.6' })
    expect(entries[0]?.hash).toMatch(/^[0-9a-f]{40}$/)
    const bba = await waitFor(() => find(m, (e) => e.event_type === 'best_bid_ask' && e.best_bid === '0.42'), 'bba')
    expect(keys(bba)).toEqual(keys(fixture('ws_market_best_bid_ask_msg.json')))

    m.ws.send('PING')
    await waitFor(() => (m.frames.includes('PONG') ? true : undefined), 'PONG')

    // Unsubscribe NO: later entries carry only YES.
    m.ws.send(JSON.stringify({ operation: 'unsubscribe', assets_ids: [no] }))
    await Bun.sleep(20)
    m.frames.length = 0
    sim.setBalances(bob.address, undefined, { [yes]: 50 })
    const b = client(bob, bobCreds)
    await b.createAndPostOrder({ tokenID: yes, price: 0.42, size: 5, side: Side.SELL })
    const ltp = await waitFor(() => find(m, (e) => e.event_type === 'last_trade_price'), 'last_trade_price')
    const realLtp = fixture('ws_market_last_trade_msg.json')
    expect(keys(ltp)).toEqual([...keys(realLtp), 'transaction_hash'].sort())
    expect(ltp).toMatchObject({ asset_id: yes, price: '0.42', size: '5', side: 'SELL' })
    const afterBook = await waitFor(() => find(m, (e) => e.event_type === 'book'), 'book after trade')
    expect(afterBook.asset_id).toBe(yes)
    expect(events(m).some((e) => e.asset_id === no)).toBe(false)

    // Subscribe again: a single asset dump arrives as one object, not an array.
    m.frames.length = 0
    m.ws.send(JSON.stringify({ operation: 'subscribe', assets_ids: [no] }))
    const single = await waitFor(() => m.frames[0], 'single dump')
    expect((JSON.parse(single) as Obj).event_type).toBe('book')
    m.ws.close()
    await a.cancelAll()
  })

  test('tick_size_change when the price trades beyond 0.96', async () => {
    const m = await connect('/ws/market', { assets_ids: [yes], type: 'market' })
    sim.setBalances(bob.address, undefined, { [yes]: 50 })
    await client(bob, bobCreds).createAndPostOrder({ tokenID: yes, price: 0.97, size: 5, side: Side.SELL })
    await client(alice, aliceCreds).createAndPostOrder({ tokenID: yes, price: 0.97, size: 5, side: Side.BUY })
    const tsc = await waitFor(() => find(m, (e) => e.event_type === 'tick_size_change'), 'tick_size_change')
    expect(keys(tsc)).toEqual(keys(fixture('ws_market_tick_size_msg.json')))
    expect(tsc).toMatchObject({ old_tick_size: '0.01', new_tick_size: '0.001', asset_id: yes })
    m.ws.close()
    // Bring the price back inside the band so later tests see the normal tick.
    await client(bob, bobCreds).createAndPostOrder({ tokenID: yes, price: 0.5, size: 5, side: Side.SELL })
    await client(alice, aliceCreds).createAndPostOrder({ tokenID: yes, price: 0.5, size: 5, side: Side.BUY })
  })
})

describe('user channel', () => {
  test('order events and the maker view of a complementary-token fill through MATCHED, MINED, CONFIRMED', async () => {
    const u = await connect('/ws/user', { auth: aliceCreds, markets: [cid], type: 'user' })
    await Bun.sleep(20)
    const a = client(alice, aliceCreds)
    const placed = await a.createAndPostOrder(
      { tokenID: no, price: 0.4, size: 10, side: Side.BUY },
      undefined,
      OrderType.GTC,
      true,
    )
    const placement = await waitFor(() => find(u, (e) => e.type === 'PLACEMENT'), 'PLACEMENT')
    expect(keys(placement)).toEqual(keys(fixture('ws_user_order_msg.json')))
    expect(placement).toMatchObject({ id: placed.orderID, owner: aliceCreds.apiKey, price: '0.4', status: 'LIVE' })

    // Bob buys YES at 0.6: matched against Alice's BUY NO at 0.4 by minting.
    await client(bob, bobCreds).createAndPostOrder({ tokenID: yes, price: 0.6, size: 5, side: Side.BUY })
    const trade = await waitFor(
      () =>
        find(
          u,
          (e) => e.event_type === 'trade' && (e.maker_orders as Obj[]).some((o) => o.order_id === placed.orderID),
        ),
      'trade',
    )
    // The batch fixture's trade carries transaction_hash like the real 2024 capture (protocol doc §1.6).
    const realTrade = (JSON.parse(readFileSync(join(FIX, 'ws_user_batch_msg.json'), 'utf8')) as Obj[])[1]
    expect(keys(trade)).toEqual(keys(realTrade))
    expect(trade).toMatchObject({
      trader_side: 'MAKER',
      status: 'MATCHED',
      owner: aliceCreds.apiKey,
      trade_owner: bobCreds.apiKey,
      asset_id: yes,
      side: 'BUY',
      price: '0.6',
      size: '5',
    })
    const mine = (trade.maker_orders as Obj[]).find((o) => o.owner === aliceCreds.apiKey)
    expect(mine).toMatchObject({
      asset_id: no,
      price: '0.4',
      matched_amount: '5',
      order_id: placed.orderID,
      side: 'BUY',
    })
    const update = await waitFor(() => find(u, (e) => e.type === 'UPDATE'), 'UPDATE')
    expect(update).toMatchObject({ size_matched: '5', status: 'LIVE' })
    const statuses = await waitFor(() => {
      const s = events(u)
        .filter((e) => e.event_type === 'trade' && e.id === trade.id)
        .map((e) => e.status)
      return s.length >= 3 ? s : undefined
    }, 'trade lifecycle')
    expect(statuses).toEqual(['MATCHED', 'MINED', 'CONFIRMED'])
    const trades = await a.getTrades({ id: String(trade.id) })
    // REST spells it prefixed (§7.4); the user channel keeps the plain form.
    expect(trades[0]?.status).toBe('TRADE_STATUS_CONFIRMED')

    await a.cancelAll()
    const cancel = await waitFor(() => find(u, (e) => e.type === 'CANCELLATION'), 'CANCELLATION')
    expect(keys(cancel)).toEqual([...keys(fixture('ws_user_order_cancellation.json')), 'event_type'].sort())
    expect(cancel.status).toBe('CANCELED')
    u.ws.close()
  })

  test('bad credentials close the socket', async () => {
    const u = await connect('/ws/user', { auth: { ...aliceCreds, secret: 'nope' }, markets: [], type: 'user' })
    expect(await u.closed).toBe(4001)
  })
})

describe('faults on the wire', () => {
  test('silent sockets stop answering PING; a drop closes every socket', async () => {
    const m = await connect('/ws/market', { assets_ids: [yes], type: 'market' })
    await waitFor(() => m.frames[0], 'dump')
    const admin = (body: object) => fetch(`${sim.urls.admin}/faults`, { method: 'POST', body: JSON.stringify(body) })
    await admin({ ws_silent: true })
    m.ws.send('PING')
    await Bun.sleep(50)
    expect(m.frames).not.toContain('PONG')
    await admin({ ws_silent: false, ws_drop: true })
    expect(await m.closed).toBe(1001)
    await admin({ reset: true })
  })

  test('malformed and duplicated frames', async () => {
    const admin = (body: object) => fetch(`${sim.urls.admin}/faults`, { method: 'POST', body: JSON.stringify(body) })
    await admin({ ws_duplicate_rate: 1 })
    const m = await connect('/ws/market', { assets_ids: [yes], type: 'market' })
    await waitFor(() => (m.frames.length >= 2 ? true : undefined), 'duplicated dump')
    expect(m.frames[0]).toBe(m.frames[1])
    await admin({ reset: true, ws_malformed_rate: 1 })
    m.ws.send(JSON.stringify({ operation: 'subscribe', assets_ids: [no] }))
    const bad = await waitFor(() => m.frames[2], 'malformed frame')
    expect(() => JSON.parse(bad)).toThrow()
    await admin({ reset: true })
    m.ws.close()
  })
})
