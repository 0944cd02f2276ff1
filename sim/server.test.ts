import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { OrderType, Side } from '@polymarket/clob-client-v2'
import type { Wallet } from 'ethers'
import type { ApiCreds } from './auth.ts'
import { createManualClock, type ManualClock, type Simulator } from './index.ts'
import { alice, bob, clobClient, deriveCreds, l2Headers, startTestSimulator } from './testing.ts'

const FIX = join(import.meta.dir, '../tests/fixtures/wire')
const fixture = (name: string) => JSON.parse(readFileSync(join(FIX, name), 'utf8'))

let sim: Simulator
let clock: ManualClock
let creds: ApiCreds
let yes: string
let no: string
let cid: string

beforeAll(async () => {
  clock = createManualClock(Date.now())
  sim = await startTestSimulator(
    {
      heartbeat_timeout: '15s',
      markets: [
        { slug: 'one', question: 'One?', tick_size: 0.01 },
        { slug: 'two', question: 'Two?', tick_size: 0.001, neg_risk: true },
      ],
    },
    { clock },
  )
  ;[yes, no] = sim.markets[0]!.tokens
  cid = sim.markets[0]!.conditionId
  creds = await deriveCreds(sim.urls.clob, alice)
})

afterAll(async () => {
  await sim.stop()
})

const post = (path: string, body: string, headers: Record<string, string> = {}) =>
  fetch(`${sim.urls.clob}${path}`, { method: 'POST', body, headers })
const signedPost = (path: string, body: string) => post(path, body, l2Headers(alice.address, creds, 'POST', path, body))
const client = (w: Wallet, c: ApiCreds) => clobClient(sim.urls.clob, w, c)

describe('bad input gets real status codes and error bodies', () => {
  test('auth failures', async () => {
    const r1 = await post('/order', '{}')
    expect(r1.status).toBe(401)
    expect(await r1.json()).toEqual({ error: 'Unauthorized/Invalid api key' })
    const r2 = await fetch(`${sim.urls.clob}/auth/derive-api-key`)
    expect(r2.status).toBe(401)
    expect(await r2.json()).toEqual({ error: 'Invalid L1 Request headers' })
    // HMAC computed over another path is refused (the signed path is the pathname).
    const h = l2Headers(alice.address, creds, 'GET', '/data/trades')
    const r3 = await fetch(`${sim.urls.clob}/data/orders`, { headers: h })
    expect(r3.status).toBe(401)
    // Query strings are not part of the signed path.
    const h2 = l2Headers(alice.address, creds, 'GET', '/data/orders')
    const r4 = await fetch(`${sim.urls.clob}/data/orders?next_cursor=MA==`, { headers: h2 })
    expect(r4.status).toBe(200)
    expect(await r4.json()).toEqual({ data: [], next_cursor: 'LTE=', limit: 100, count: 0 })
  })

  test('malformed and wrong-shape bodies', async () => {
    const r1 = await signedPost('/order', '{"order":')
    expect(r1.status).toBe(400)
    expect(await r1.json()).toEqual({ error: 'Invalid order payload' })
    const r2 = await signedPost('/order', JSON.stringify({ order: { salt: 'x' }, owner: creds.apiKey }))
    expect(r2.status).toBe(400)
    expect(((await r2.json()) as { error: string }).error).toBe('Invalid order payload')
    const r3 = await signedPost('/orders', JSON.stringify(Array.from({ length: 16 }, () => ({}))))
    expect(r3.status).toBe(400)
    expect(((await r3.json()) as { error: string }).error).toContain('max 15')
    const r4 = await post('/books', '[{"token_id": 5}]')
    expect(r4.status).toBe(400)
    const r5 = await post('/order', 'x'.repeat(2 * 1024 * 1024))
    expect(r5.status).toBe(413)
  })

  test('unknown tokens, paths, methods and cursors', async () => {
    const get = (p: string) => fetch(`${sim.urls.clob}${p}`)
    expect(await (await get('/book?token_id=abc')).json()).toEqual({ error: 'Invalid token id' })
    const r = await get('/book?token_id=123')
    expect(r.status).toBe(404)
    expect(await r.json()).toEqual({ error: 'No orderbook exists for the requested token id' })
    expect((await get('/nope')).status).toBe(404)
    expect((await fetch(`${sim.urls.clob}/book`, { method: 'DELETE' })).status).toBe(405)
    expect((await get('/markets?next_cursor=%%%')).status).toBe(400)
    expect((await get('/markets/0xdead')).status).toBe(404)
    expect(await (await get('/version')).json()).toEqual({ version: 2 })
    expect(typeof (await (await get('/time')).json())).toBe('number')
  })
})

describe('heartbeats', () => {
  test('missing heartbeats cancel every order of the account after the timeout', async () => {
    const a = client(alice, creds)
    const placed = await a.createAndPostOrder(
      { tokenID: yes, price: 0.3, size: 10, side: Side.BUY },
      undefined,
      OrderType.GTC,
      true,
    )
    expect(placed.success).toBe(true)
    // No heartbeat sent yet: the switch is not armed.
    clock.advance(60_000)
    expect(sim.openOrders(alice.address)).toHaveLength(1)
    const hb = await a.postHeartbeat()
    clock.advance(9_000)
    await a.postHeartbeat(hb.heartbeat_id)
    clock.advance(14_000)
    expect(sim.openOrders(alice.address)).toHaveLength(1)
    clock.advance(2_000)
    expect(sim.openOrders(alice.address)).toHaveLength(0)
    expect(sim.balances(alice.address).reservedUsdc).toBe(0)
  })
})

describe('Gamma, Data API and CLOB market shapes', () => {
  test('Gamma /markets with repeated clob_token_ids and condition_ids uses the real field names', async () => {
    const t2 = sim.markets[1]!.tokens[1]
    const res = await fetch(`${sim.urls.gamma}/markets?clob_token_ids=${yes}&clob_token_ids=${t2}`)
    const rows = (await res.json()) as Array<Record<string, unknown>>
    expect(rows).toHaveLength(2)
    const real = fixture('gamma_market.json') as Record<string, unknown>
    // `version` (and positionIds on v2) are §7.1 fields newer than the 2024 capture.
    for (const k of Object.keys(rows[0]!)) if (k !== 'version') expect(real).toHaveProperty(k)
    expect(rows[0]!.version).toBe('v1')
    for (const k of ['clobTokenIds', 'outcomes', 'outcomePrices']) expect(typeof rows[0]![k]).toBe(typeof real[k])
    expect(JSON.parse(rows[0]!.clobTokenIds as string)).toEqual([yes, no])
    expect(rows[1]!.negRisk).toBe(true)
    expect(rows[1]!.orderPriceMinTickSize).toBe(0.001)
    const byCond = await (await fetch(`${sim.urls.gamma}/markets?condition_ids=${cid}`)).json()
    expect(byCond).toHaveLength(1)
  })

  test('CLOB /markets/<id> has the real key set', async () => {
    const m = (await (await fetch(`${sim.urls.clob}/markets/${cid}`)).json()) as {
      tokens: Array<{ token_id: string }>
    }
    const real = fixture('clob_market_closed_binary_accepting_true.json')
    expect(Object.keys(m).sort()).toEqual(Object.keys(real).sort())
    expect(m.tokens.map((t) => t.token_id)).toEqual([yes, no])
  })

  test('Data API positions and trades after a fill', async () => {
    const bobCreds = await deriveCreds(sim.urls.clob, bob)
    const b = client(bob, bobCreds)
    const a = client(alice, creds)
    await b.createAndPostOrder({ tokenID: no, price: 0.6, size: 20, side: Side.BUY })
    // Alice buys YES at 0.4 against Bob's resting BUY NO at 0.6: the pair is minted. deferExec: on this manual clock
    // the trade is never broadcast, and CCv2 would poll /data/trades for its hash for 30 s (§7.6).
    const r = await a.createAndPostOrder(
      { tokenID: yes, price: 0.4, size: 20, side: Side.BUY },
      undefined,
      OrderType.GTC,
      false,
      true,
    )
    expect(r.status).toBe('matched')
    const pos = (await (await fetch(`${sim.urls.dataApi}/positions?user=${alice.address}`)).json()) as Array<
      Record<string, unknown>
    >
    const real = fixture('data_api_positions_response.json')[0] as Record<string, unknown>
    expect(Object.keys(pos[0]!).sort()).toEqual(Object.keys(real).sort())
    expect(pos[0]).toMatchObject({ asset: yes, conditionId: cid, size: 20, avgPrice: 0.4 })
    const trades = (await (await fetch(`${sim.urls.dataApi}/trades?user=${alice.address}`)).json()) as Array<
      Record<string, unknown>
    >
    const realT = fixture('data_api_trades_response.json')[0] as Record<string, unknown>
    for (const k of Object.keys(realT)) expect(trades[0]).toHaveProperty(k)
    expect(trades[0]).toMatchObject({ asset: yes, side: 'BUY', size: 20, price: 0.4 })
    expect((await fetch(`${sim.urls.dataApi}/positions`)).status).toBe(400)
  })
})

describe('admin and faults', () => {
  test('admin sets balances and reads an account', async () => {
    const addr = '0x00000000000000000000000000000000000000aa'
    const r = await fetch(`${sim.urls.admin}/balances`, {
      method: 'POST',
      body: JSON.stringify({ address: addr, usdc: 123.5, tokens: { [yes]: 7 } }),
    })
    expect(r.status).toBe(200)
    const acct = await (await fetch(`${sim.urls.admin}/accounts/${addr}`)).json()
    expect(acct).toMatchObject({ usdc: 123.5, tokens: { [yes]: 7 }, open_orders: [] })
    expect((await fetch(`${sim.urls.admin}/balances`, { method: 'POST', body: '{}' })).status).toBe(400)
  })

  test('route errors fire a set number of times, then stop', async () => {
    const set = (body: object) => fetch(`${sim.urls.admin}/faults`, { method: 'POST', body: JSON.stringify(body) })
    expect(
      (
        await set({
          rest_errors: [
            { path: '/book', status: 503, count: 1 },
            { path: '/mid*', status: 429 },
          ],
        })
      ).status,
    ).toBe(200)
    expect((await fetch(`${sim.urls.clob}/book?token_id=${yes}`)).status).toBe(503)
    expect((await fetch(`${sim.urls.clob}/book?token_id=${yes}`)).status).toBe(200)
    const r = await fetch(`${sim.urls.clob}/midpoint?token_id=${yes}`)
    expect(r.status).toBe(429)
    expect(await r.json()).toEqual({ error: 'Too Many Requests' })
    expect((await set({ bogus: true })).status).toBe(400)
    await set({ reset: true })
    expect((await fetch(`${sim.urls.clob}/midpoint?token_id=${yes}`)).status).not.toBe(429)
  })

  test('a submit can time out after being accepted', async () => {
    await fetch(`${sim.urls.admin}/faults`, {
      method: 'POST',
      body: JSON.stringify({ submit_hang: { count: 1, hang_ms: 1500 } }),
    })
    const a = client(alice, creds)
    const order = await a.createOrder({ tokenID: yes, price: 0.11, size: 10, side: Side.BUY })
    const body = JSON.stringify({
      deferExec: false,
      postOnly: true,
      order: { ...order, salt: Number(order.salt) },
      owner: creds.apiKey,
      orderType: 'GTC',
    })
    const path = '/order'
    const timedOut = await fetch(`${sim.urls.clob}${path}`, {
      method: 'POST',
      body,
      headers: l2Headers(alice.address, creds, 'POST', path, body),
      signal: AbortSignal.timeout(200),
    }).then(
      () => false,
      () => true,
    )
    expect(timedOut).toBe(true)
    expect(sim.openOrders(alice.address).some((o) => o.price === '0.11')).toBe(true)
  })
})

describe('scenario faults', () => {
  test('faults listed in the scenario are active from the start', async () => {
    const s = await startTestSimulator({
      markets: [{ slug: 'f', question: 'F?', tick_size: 0.01 }],
      faults: { rest_errors: [{ path: '/time', status: 500, method: 'GET' }] },
    })
    try {
      const r = await fetch(`${s.urls.clob}/time`)
      expect(r.status).toBe(500)
      expect(await r.json()).toEqual({ error: 'Internal server error' })
      expect((await fetch(`${s.urls.clob}/version`)).status).toBe(200)
    } finally {
      await s.stop()
    }
  })
})

/** A market-channel socket subscribed to `token`, once its first frame (the book) has arrived. */
async function marketFrames(s: Simulator, token: string): Promise<{ ws: WebSocket; frames: string[] }> {
  const ws = new WebSocket(`${s.urls.ws}/ws/market`)
  const frames: string[] = []
  ws.onmessage = (e) => frames.push(String(e.data))
  await new Promise((r) => {
    ws.onopen = r
  })
  ws.send(JSON.stringify({ assets_ids: [token], type: 'market', custom_feature_enabled: true }))
  while (frames.length === 0) await Bun.sleep(5)
  return { ws, frames }
}

describe('end of a market', () => {
  test('at its end date a market closes: orders cancelled, REST shows closed, WS sends market_resolved', async () => {
    const clk = createManualClock(Date.UTC(2026, 0, 1))
    const s = await startTestSimulator(
      { markets: [{ slug: 'end', question: 'Ends?', tick_size: 0.01, ends_in: '10s' }] },
      { clock: clk },
    )
    try {
      const [y] = s.markets[0]!.tokens
      const a = clobClient(s.urls.clob, alice, await deriveCreds(s.urls.clob, alice))
      expect((await a.createAndPostOrder({ tokenID: y, price: 0.3, size: 10, side: Side.BUY })).success).toBe(true)
      const { ws, frames } = await marketFrames(s, y!)
      clk.advance(11_000)
      expect(s.openOrders(alice.address)).toEqual([])
      const m = (await (await fetch(`${s.urls.clob}/markets/${s.markets[0]!.conditionId}`)).json()) as Record<
        string,
        unknown
      >
      expect(m).toMatchObject({ closed: true, accepting_orders: false })
      const late = await a.createAndPostOrder({ tokenID: y, price: 0.3, size: 10, side: Side.BUY })
      expect(late.errorMsg).toBe('the market is not yet ready to process new orders')
      for (let i = 0; i < 200 && !frames.some((f) => f.includes('market_resolved')); i++) await Bun.sleep(5)
      const resolved = JSON.parse(frames.find((f) => f.includes('market_resolved')) ?? '{}') as Record<string, unknown>
      const real = JSON.parse(readFileSync(join(FIX, 'ws_market_resolved_msg.json'), 'utf8')) as Record<string, unknown>
      expect(Object.keys(resolved).sort()).toEqual(Object.keys(real).sort())
      ws.close()
    } finally {
      await s.stop()
    }
  })
})

describe('admin: market changes for drills', () => {
  test('a tick size change is announced on the market channel and applies to new orders; a close cancels and refuses', async () => {
    const s = await startTestSimulator({ markets: [{ slug: 'adm', question: 'Admin?', tick_size: 0.01 }] })
    try {
      const [y] = s.markets[0]!.tokens
      const id = s.markets[0]!.conditionId
      const a = clobClient(s.urls.clob, alice, await deriveCreds(s.urls.clob, alice))
      const { ws, frames } = await marketFrames(s, y!)
      const admin = (body: unknown) =>
        fetch(`${s.urls.clob}/admin/markets`, { method: 'POST', body: JSON.stringify(body) })
      const early = await a
        .createAndPostOrder({ tokenID: y, price: 0.305, size: 10, side: Side.BUY }, { tickSize: '0.001' })
        .catch((e: unknown) => ({ success: false, errorMsg: String(e) }))
      expect(early.success).not.toBe(true)
      expect((await admin({ condition_id: id, tick_size: 0.02 })).status).toBe(400)
      expect((await admin({ condition_id: '0xnone', tick_size: 0.001 })).status).toBe(404)
      expect((await admin({ condition_id: id, tick_size: 0.001 })).status).toBe(200)
      for (let i = 0; i < 200 && !frames.some((f) => f.includes('tick_size_change')); i++) await Bun.sleep(5)
      const change = JSON.parse(frames.find((f) => f.includes('tick_size_change')) ?? '{}') as Record<string, unknown>
      expect(change).toMatchObject({ old_tick_size: '0.01', new_tick_size: '0.001' })
      // The official client caches a token's tick size: a fresh one sees the new size.
      const b = clobClient(s.urls.clob, alice, await deriveCreds(s.urls.clob, alice))
      const fine = await b.createAndPostOrder(
        { tokenID: y, price: 0.305, size: 10, side: Side.BUY },
        { tickSize: '0.001' },
      )
      expect(fine.success).toBe(true)
      expect((await admin({ condition_id: id, closed: true })).status).toBe(200)
      expect(s.openOrders(alice.address)).toEqual([])
      for (let i = 0; i < 200 && !frames.some((f) => f.includes('market_resolved')); i++) await Bun.sleep(5)
      expect(frames.some((f) => f.includes('market_resolved'))).toBe(true)
      const late = await b.createAndPostOrder(
        { tokenID: y, price: 0.3, size: 10, side: Side.BUY },
        { tickSize: '0.001' },
      )
      expect(late.errorMsg).toBe('the market is not yet ready to process new orders')
      ws.close()
    } finally {
      await s.stop()
    }
  })
})

describe('robustness', () => {
  test('garbage on every route never produces a 5xx', async () => {
    const paths = [
      '/',
      '/book',
      '/books',
      '/midpoint',
      '/midpoints',
      '/price',
      '/prices',
      '/spread',
      '/spreads',
      '/last-trade-price',
      '/last-trades-prices',
      '/tick-size',
      '/neg-risk',
      '/fee-rate',
      '/markets',
      `/markets/${cid}`,
      `/clob-markets/${cid}`,
      `/markets-by-token/${yes}`,
      '/auth/api-key',
      '/auth/derive-api-key',
      '/order',
      '/orders',
      '/cancel-all',
      '/cancel-market-orders',
      '/data/order/0x12',
      '/data/orders',
      '/data/trades',
      '/balance-allowance',
      '/v1/heartbeats',
      '/gamma/markets',
      '/data-api/positions',
      '/data-api/trades',
      '/admin/faults',
      '/admin/balances',
      '/admin/version',
      '/admin/markets',
      '/admin/accounts/0x12',
    ]
    const bodies = [
      '',
      'null',
      '[]',
      '{}',
      '"x"',
      '{"order":{"salt":1}}',
      '[{"token_id":null}]',
      '{'.repeat(500),
      '[1,2,3]',
    ]
    const queries = [
      '',
      `?token_id=${yes}&side=HOLD&asset_type=X&next_cursor=zz&user=0x1`,
      '?token_id=-1&limit=-5&offset=abc',
    ]
    let n = 0
    for (const p of paths)
      for (const method of ['GET', 'POST', 'DELETE'])
        for (const body of method === 'GET' ? [''] : bodies)
          for (const q of queries)
            for (const signed of [false, true]) {
              const headers = signed ? l2Headers(alice.address, creds, method, p, body) : {}
              const res = await fetch(`${sim.urls.clob}${p}${q}`, { method, headers, ...(body ? { body } : {}) })
              if (res.status >= 500) throw new Error(`${method} ${p}${q} ${body} → ${res.status}`)
              await res.arrayBuffer()
              n++
            }
    expect(n).toBeGreaterThan(1000)
  })
})

describe('wire faults on the manual clock', () => {
  test('delayed frames wait for clock time; dropped frames never arrive while PONG still does', async () => {
    const admin = (body: object) => fetch(`${sim.urls.admin}/faults`, { method: 'POST', body: JSON.stringify(body) })
    await admin({ reset: true, ws_delay_ms: 5000 })
    const ws = new WebSocket(`${sim.urls.ws}/ws/market`)
    const frames: string[] = []
    ws.onmessage = (e) => frames.push(String(e.data))
    await new Promise((r) => {
      ws.onopen = r
    })
    ws.send(JSON.stringify({ assets_ids: [yes], type: 'market' }))
    ws.send('PING')
    for (let i = 0; i < 200 && !frames.includes('PONG'); i++) await Bun.sleep(5)
    expect(frames).toEqual(['PONG'])
    clock.advance(5000)
    for (let i = 0; i < 200 && frames.length < 2; i++) await Bun.sleep(5)
    expect((JSON.parse(frames[1] ?? '{}') as { event_type?: string }).event_type).toBe('book')

    await admin({ reset: true, ws_drop_rate: 1 })
    frames.length = 0
    ws.send(JSON.stringify({ operation: 'subscribe', assets_ids: [no] }))
    ws.send('PING')
    for (let i = 0; i < 200 && !frames.includes('PONG'); i++) await Bun.sleep(5)
    expect(frames).toEqual(['PONG'])
    await admin({ reset: true })
    ws.close()
  })
})

describe('failed settlement', () => {
  test('with trade_fail_rate 1 a trade goes MATCHED → RETRYING → FAILED and balances are restored', async () => {
    await fetch(`${sim.urls.admin}/faults`, {
      method: 'POST',
      body: JSON.stringify({ reset: true, trade_fail_rate: 1 }),
    })
    try {
      const bobCreds = await deriveCreds(sim.urls.clob, bob)
      const b = client(bob, bobCreds)
      const a = client(alice, creds)
      const aliceBefore = sim.balances(alice.address)
      const bobBefore = sim.balances(bob.address)
      await b.createAndPostOrder({ tokenID: no, price: 0.7, size: 10, side: Side.BUY })
      const r = await a.createAndPostOrder(
        { tokenID: yes, price: 0.3, size: 10, side: Side.BUY },
        undefined,
        OrderType.GTC,
        false,
        true,
      )
      expect(r.status).toBe('matched')
      expect(sim.balances(alice.address).usdc).toBeCloseTo(aliceBefore.usdc - 3, 6)
      const id = r.tradeIDs?.[0] ?? ''
      clock.advance(1000)
      expect((await a.getTrades({ id }))[0]?.status).toBe('TRADE_STATUS_RETRYING')
      clock.advance(2000)
      expect((await a.getTrades({ id }))[0]?.status).toBe('TRADE_STATUS_FAILED')
      expect(sim.balances(alice.address).usdc).toBeCloseTo(aliceBefore.usdc, 6)
      expect(sim.balances(alice.address).tokens[yes] ?? 0).toBeCloseTo(aliceBefore.tokens[yes] ?? 0, 6)
      expect(sim.balances(bob.address).usdc).toBeCloseTo(bobBefore.usdc, 6)
      expect(sim.balances(bob.address).tokens[no] ?? 0).toBeCloseTo(bobBefore.tokens[no] ?? 0, 6)
    } finally {
      await fetch(`${sim.urls.admin}/faults`, { method: 'POST', body: JSON.stringify({ reset: true }) })
    }
  })
})

describe('shares credited by hand', () => {
  test('the Data API lists them as holdings, as it lists shares transferred in on chain', async () => {
    const holder = '0x00000000000000000000000000000000000000c1'
    const res = await fetch(`${sim.urls.admin}/balances`, {
      method: 'POST',
      body: JSON.stringify({ address: holder, tokens: { [no]: 250 } }),
    })
    expect(res.ok).toBe(true)
    const rows = (await (await fetch(`${sim.urls.dataApi}/positions?user=${holder}`)).json()) as {
      asset: string
      size: number
      avgPrice: number
    }[]
    expect(rows.map((r) => [r.asset, r.size])).toEqual([[no, 250]])
    expect(rows[0]?.avgPrice).toBeGreaterThan(0)
  })
})
