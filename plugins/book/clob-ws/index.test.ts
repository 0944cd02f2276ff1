import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import { createManualClock, type ManualClock } from '../../../pipeline/clock.ts'
import { createTestContext, createTestPlugin, type TestContext, testMarket } from '../../../pipeline/testing.ts'
import type { Market } from '../../../schemas/domain.ts'
import { isPull } from '../../../stages/io.ts'
import plugin from './index.ts'
import { FIXTURES, type FixtureServer, type Level, startFixtureServer, waitFor } from './test-support/fixture-server.ts'

/**
 * The plugin against a loopback server replaying the fixtures. Sockets and HTTP are real; time (PING, staleness,
 * dead connections, back-off) runs on a manual clock, so the tests step through it instead of waiting.
 */

const CAPTURED_TOKEN = '33020244695722882397200486995945992468289922673842098884282668541748403691869'
const YES = '72856886316346290022620740284512248423221995782091084030232563289485462890695'
const NO = '81393628224043659583148564308139715176355413730459312238617369919087315118971'
const CAPTURED = testMarket({
  conditionId: '0x8655d998b19d9d64fec6db4004c45bc5428d336a36a4ba99248780f19276eff7',
  yesTokenId: CAPTURED_TOKEN,
  noTokenId: '22',
})
const DD22 = testMarket({
  conditionId: '0x57330d1db194b90b696c4e3cca4d12c44e0e84636a0c2fbfb9e7a816f4d82fe4',
  yesTokenId: YES,
  noTokenId: NO,
})

let server: FixtureServer
let clock: ManualClock
let ctx: TestContext
let captured: { bids: Level[]; asks: Level[] }

type Handler = Awaited<ReturnType<typeof createTestPlugin<'book', typeof plugin.config>>> & {
  connections(): readonly { liveness: { live: boolean } }[]
}

beforeEach(async () => {
  server = startFixtureServer()
  captured = await Bun.file(`${FIXTURES}/ws_book_deep.json`).json()
  server.seed(CAPTURED_TOKEN, CAPTURED.conditionId, captured.bids, captured.asks)
  server.seed('22', CAPTURED.conditionId, [{ price: '0.92', size: '10' }], [{ price: '0.93', size: '10' }])
  const book = await Bun.file(`${FIXTURES}/ws_market_book_msg.json`).json()
  server.seed(YES, DD22.conditionId, book.bids, book.asks)
  server.seed(NO, DD22.conditionId, [{ price: '0.48', size: '100' }], [{ price: '0.49', size: '80' }])
  clock = createManualClock()
  ctx = createTestContext({
    stage: 'book',
    plugin: 'clob-ws',
    clock,
    exchange: { wsUrl: server.wsBase, clobUrl: server.clobUrl },
  })
})

afterEach(async () => {
  ctx.abort.abort()
  await server.stop()
})

async function start(markets: Market[], cfg: Record<string, unknown> = {}): Promise<Handler> {
  const h = (await createTestPlugin(plugin, cfg, ctx)) as Handler
  await h.track(markets)
  return h
}

function fresh(h: Handler, m: Market): boolean {
  return !isPull(h.run({ market: m }))
}

async function metric(name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = await ctx.metrics.registry.getSingleMetric(name)?.get()
  const v = m?.values.find((x) => Object.entries(labels).every(([k, val]) => x.labels[k] === val))
  return v?.value ?? 0
}

const levels = (ls: Level[]) => ls.map((l) => ({ price: Number(l.price), size: Number(l.size) }))

describe('clob-ws against a replaying server', () => {
  test('subscribes as the protocol says, books match the captured snapshot level by level, quotes allowed', async () => {
    const h = await start([CAPTURED, DD22])
    await waitFor(() => fresh(h, CAPTURED) && fresh(h, DD22), 'books fresh')
    expect(JSON.parse(server.received[0] ?? '')).toEqual({
      assets_ids: [CAPTURED_TOKEN, '22', YES, NO],
      type: 'market',
      custom_feature_enabled: true,
    })
    const out = h.run({ market: CAPTURED })
    if (isPull(out)) throw new Error(out.pull)
    expect(out.yes.bids()).toEqual(levels(captured.bids).reverse())
    expect(out.yes.asks()).toEqual(levels(captured.asks).reverse())
    expect(ctx.health.components.get('market-data')?.up).toBe(true)
    expect(await metric('mm_ws_connected', { channel: 'market', shard: '0' })).toBe(1)
    expect(server.restRequests).toEqual([])
  })

  test('one price_change lost on the wire: detected, counted, re-seeded from REST /book, whole again', async () => {
    const h = await start([DD22])
    await waitFor(() => fresh(h, DD22), 'books fresh')
    server.change(YES, 'BUY', '0.4', '0', false) // lost
    server.change(YES, 'BUY', '0.38', '75') // reveals it: feed best bid 0.39, local 0.40
    await waitFor(() => server.restRequests.includes(YES), 'REST /book')
    await waitFor(() => fresh(h, DD22), 'book re-seeded')
    expect(await metric('mm_seq_gaps_total', { token_id: YES })).toBe(1)
    expect(await metric('mm_snapshot_reload_total', { token_id: YES })).toBe(1)
    const out = h.run({ market: DD22 })
    if (isPull(out)) throw new Error(out.pull)
    const model = server.restBook(YES) as { bids: Level[]; asks: Level[] }
    expect(out.yes.bids()).toEqual(levels(model.bids).reverse())
    expect(out.yes.asks()).toEqual(levels(model.asks).reverse())
    expect(out.yes.bestBid()).toEqual({ price: 0.39, size: 260 })
    // And it keeps tracking afterwards.
    server.change(YES, 'SELL', '0.41', '10')
    await waitFor(() => {
      const next = h.run({ market: DD22 })
      return !isPull(next) && next.yes.bestAsk()?.size === 10
    }, 'the next change applied')
    expect(await metric('mm_seq_gaps_total', { token_id: YES })).toBe(1)
  })

  test('a killed connection: quotes pulled, reconnect with back-off, resubscribe, fresh snapshot, counted', async () => {
    const h = await start([DD22])
    await waitFor(() => fresh(h, DD22), 'books fresh')
    server.dropAll()
    await waitFor(() => !fresh(h, DD22), 'pulled after the drop')
    const pulled = h.run({ market: DD22 })
    expect(isPull(pulled) && pulled.pull).toContain('connection lost')
    expect(ctx.health.components.get('market-data')?.up).toBe(false)
    expect(await metric('mm_ws_connected', { channel: 'market', shard: '0' })).toBe(0)
    // Meanwhile the book moved on the server; the new connection must bring the new state.
    server.change(YES, 'BUY', '0.39', '999')
    clock.advance(300) // past backoff_min (250 ms, jitter ≤ 1×)
    await waitFor(() => server.connections() === 2, 'reconnect')
    await waitFor(() => fresh(h, DD22), 'fresh after reconnect')
    const subs = server.received.filter((t) => t.includes('"type":"market"'))
    expect(subs).toHaveLength(2)
    expect(await metric('mm_ws_reconnects_total', { channel: 'market' })).toBe(1)
    const out = h.run({ market: DD22 })
    if (isPull(out)) throw new Error(out.pull)
    expect(out.yes.bids(2)).toEqual([
      { price: 0.4, size: 120 },
      { price: 0.39, size: 999 },
    ])
    expect(ctx.health.components.get('market-data')?.up).toBe(true)
  })

  test('a silent socket makes books stale (quotes pulled) and the next frame makes them fresh again', async () => {
    const h = await start([DD22])
    await waitFor(() => fresh(h, DD22), 'books fresh')
    server.silent = true
    const dirtyBefore = ctx.dirty.length
    clock.advance(16_000) // stale_after 15 s; PINGs go unanswered
    const out = h.run({ market: DD22 })
    expect(isPull(out) && out.pull).toContain('no data from the market channel')
    expect(ctx.dirty.length).toBeGreaterThan(dirtyBefore)
    expect(ctx.health.components.get('market-data')?.up).toBe(false)
    await waitFor(() => server.received.includes('PING'), 'PING sent')
    server.silent = false
    clock.advance(10_000) // next PING is answered with PONG
    await waitFor(() => fresh(h, DD22), 'fresh after PONG')
    expect(server.connections()).toBe(1)
    expect(ctx.health.components.get('market-data')?.up).toBe(true)
  })

  test('changes lost while the socket was silent: re-seeded from REST once it speaks, not trusted as they were', async () => {
    const h = await start([DD22])
    await waitFor(() => fresh(h, DD22), 'books fresh')
    server.silent = true
    clock.advance(16_000)
    expect(fresh(h, DD22)).toBe(false)
    server.change(YES, 'BUY', '0.39', '777') // never reaches the client
    clock.advance(3_000) // past snapshot_wait, yet no REST while silent: a snapshot now could miss what follows
    await Bun.sleep(20)
    expect(server.restRequests).toEqual([])
    server.silent = false
    clock.advance(2_000) // the PING at 20 s is answered
    await waitFor(() => fresh(h, DD22), 'fresh again')
    expect(server.restRequests.sort()).toEqual([YES, NO].sort())
    const out = h.run({ market: DD22 })
    if (isPull(out)) throw new Error(out.pull)
    const model = server.restBook(YES) as { bids: Level[]; asks: Level[] }
    expect(out.yes.bids()).toEqual(levels(model.bids).reverse())
    expect(out.yes.bids(2)[1]).toEqual({ price: 0.39, size: 777 })
    expect(server.connections()).toBe(1)
  })

  test('a socket silent past dead_after is dropped and replaced', async () => {
    const h = await start([DD22], { dead_after: '20s' })
    await waitFor(() => fresh(h, DD22), 'books fresh')
    server.silent = true
    clock.advance(22_000)
    server.silent = false
    clock.advance(1_000)
    await waitFor(() => server.connections() === 2, 'new connection')
    await waitFor(() => fresh(h, DD22), 'fresh on the new connection')
    expect(await metric('mm_ws_reconnects_total', { channel: 'market' })).toBe(1)
  })

  test('adding a market subscribes on the open socket; removing one unsubscribes; no reconnect', async () => {
    const h = await start([DD22])
    await waitFor(() => fresh(h, DD22), 'first market fresh')
    await h.track([DD22, CAPTURED])
    await waitFor(() => fresh(h, CAPTURED), 'added market fresh')
    expect(server.connections()).toBe(1)
    const op = server.received.map((t) => (t.startsWith('{') ? JSON.parse(t) : {})).find((m) => m.operation)
    expect(op).toMatchObject({ operation: 'subscribe', assets_ids: [CAPTURED_TOKEN, '22'] })
    await h.track([CAPTURED])
    await waitFor(() => server.received.some((t) => t.includes('"unsubscribe"')), 'unsubscribe')
    expect(isPull(h.run({ market: DD22 }))).toBe(true)
    expect(server.connections()).toBe(1)
  })

  test('tokens above the per-connection cap go to another connection', async () => {
    const h = await start([DD22, CAPTURED], { max_tokens_per_connection: 2 })
    await waitFor(() => fresh(h, DD22) && fresh(h, CAPTURED), 'both fresh')
    expect(server.connections()).toBe(2)
    expect(h.connections()).toHaveLength(2)
  })

  test('without an initial dump the books come from REST /book after snapshot_wait', async () => {
    server.dumpOnSubscribe = false
    const h = await start([DD22])
    await waitFor(() => server.received.length > 0, 'subscribed')
    expect(fresh(h, DD22)).toBe(false)
    clock.advance(5_000)
    await waitFor(() => fresh(h, DD22), 'fresh from REST')
    expect(server.restRequests.sort()).toEqual([YES, NO].sort())
  })

  test('garbage on the socket is counted; books stay fresh and unchanged', async () => {
    const h = await start([DD22])
    await waitFor(() => fresh(h, DD22), 'books fresh')
    server.sendRaw('not json')
    server.sendRaw(JSON.stringify({ event_type: 'surprise' }))
    server.sendRaw(await Bun.file(`${FIXTURES}/ws_last_trade.json`).text()) // no event_type
    server.change(YES, 'SELL', '0.43', '1') // a good frame after the bad ones
    await waitFor(() => ctx.lines.some((l) => l.includes('surprise')), 'logged')
    await waitFor(() => {
      const out = h.run({ market: DD22 })
      return !isPull(out) && out.yes.asks().length === 3
    }, 'good frame applied')
    clock.advance(1_000)
    expect(await metric('mm_ws_parse_errors_total', { kind: 'json' })).toBe(1)
    expect(await metric('mm_ws_parse_errors_total', { kind: 'unknown_event' })).toBe(1)
  })

  test('stop closes every connection', async () => {
    const h = await start([DD22])
    await waitFor(() => fresh(h, DD22), 'books fresh')
    await h.stop?.()
    await waitFor(() => !fresh(h, DD22), 'stale after stop')
    clock.advance(60_000)
    await Bun.sleep(20)
    expect(server.connections()).toBe(1)
  })
})

describe('configuration', () => {
  test('defaults parse; inconsistent timings are refused with the field named', () => {
    const ok = plugin.config.parse({})
    expect(ok).toMatchObject({
      ping_interval: 10_000,
      stale_after: 15_000,
      dead_after: 30_000,
      max_tokens_per_connection: 200,
    })
    const bad = plugin.config.safeParse({ ping_interval: '20s' })
    expect(bad.success).toBe(false)
    expect(bad.error?.issues[0]?.path).toEqual(['stale_after'])
    expect(plugin.config.safeParse({ surprise: 1 }).success).toBe(false)
  })
})
