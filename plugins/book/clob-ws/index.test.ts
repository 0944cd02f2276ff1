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

const CAPTURED_TOKEN = '350977769852917329387037893294763093471844346281449484439085576212613048126'
const YES = '71321045679252212594626385532706912750332728571942532289631379312455583992563'
const NO = '52114319501245915516055106046884209969926127482827954674443846427813813222426'
const CAPTURED = testMarket({
  conditionId: '0x6bd56627aa21311850825edb27e53434a0e17a4f782be0086bc07f71eee00d0d',
  yesTokenId: CAPTURED_TOKEN,
  noTokenId: '22',
})
const DD22 = testMarket({
  conditionId: '0xdd22472e552920b8438158ea7238bfadfa4f736aa4cee91a6b86c39ead110917',
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
  captured = await Bun.file(`${FIXTURES}/ws_book_snapshot_captured.json`).json()
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
    server.change(YES, 'BUY', '0.5', '0', false) // lost
    server.change(YES, 'BUY', '0.48', '75') // reveals it: feed best bid 0.49, local 0.50
    await waitFor(() => server.restRequests.includes(YES), 'REST /book')
    await waitFor(() => fresh(h, DD22), 'book re-seeded')
    expect(await metric('mm_seq_gaps_total', { token_id: YES })).toBe(1)
    expect(await metric('mm_snapshot_reload_total', { token_id: YES })).toBe(1)
    const out = h.run({ market: DD22 })
    if (isPull(out)) throw new Error(out.pull)
    const model = server.restBook(YES) as { bids: Level[]; asks: Level[] }
    expect(out.yes.bids()).toEqual(levels(model.bids).reverse())
    expect(out.yes.asks()).toEqual(levels(model.asks).reverse())
    expect(out.yes.bestBid()).toEqual({ price: 0.49, size: 350 })
    // And it keeps tracking afterwards.
    server.change(YES, 'SELL', '0.51', '10')
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
    server.change(YES, 'BUY', '0.49', '999')
    clock.advance(500) // past backoff_min (250 ms, jitter ≤ 1×) and connect_stagger since the first open
    await waitFor(() => server.connections() === 2, 'reconnect')
    await waitFor(() => fresh(h, DD22), 'fresh after reconnect')
    const subs = server.received.filter((t) => t.includes('"type":"market"'))
    expect(subs).toHaveLength(2)
    expect(await metric('mm_ws_reconnects_total', { channel: 'market' })).toBe(1)
    const out = h.run({ market: DD22 })
    if (isPull(out)) throw new Error(out.pull)
    expect(out.yes.bids(2)).toEqual([
      { price: 0.5, size: 200 },
      { price: 0.49, size: 999 },
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
    const h = await start([DD22], { audit_rate: 0 }) // only the re-seed asks REST here
    await waitFor(() => fresh(h, DD22), 'books fresh')
    server.silent = true
    clock.advance(16_000)
    expect(fresh(h, DD22)).toBe(false)
    server.change(YES, 'BUY', '0.49', '777') // never reaches the client
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
    expect(out.yes.bids(2)[1]).toEqual({ price: 0.49, size: 777 })
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
    await waitFor(() => server.connections() >= 1, 'first connection')
    clock.advance(500) // the next open waits connect_stagger
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
    server.change(YES, 'SELL', '0.53', '1') // a good frame after the bad ones
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

describe('connections (§7.6: ~500 tokens a socket, 429 when many open at once)', () => {
  const delays = () =>
    ctx.lines.filter((l) => l.includes('reconnecting in')).map((l) => Number(/in (\d+)ms/.exec(l)?.[1]))

  test('socket opens are staggered, at start and after a mass reconnect', async () => {
    const h = await start([DD22, CAPTURED], { max_tokens_per_connection: 2, connect_stagger: '1s' })
    await waitFor(() => server.connections() === 1, 'first socket')
    await Bun.sleep(30)
    expect(server.upgrades()).toBe(1) // the second waits its turn
    clock.advance(1000)
    await waitFor(() => server.connections() === 2, 'second socket, one stagger later')
    await waitFor(() => fresh(h, DD22) && fresh(h, CAPTURED), 'both fresh')
    server.dropAll()
    await waitFor(() => delays().length === 2, 'both reconnects scheduled')
    clock.advance(1000) // both back-offs (≤ 250 ms) and the stagger since the last open are over: one goes
    await waitFor(() => server.upgrades() === 3, 'one reopened')
    await Bun.sleep(30)
    expect(server.upgrades()).toBe(3)
    clock.advance(1000)
    await waitFor(() => server.upgrades() === 4, 'the other, a stagger later')
    await waitFor(() => fresh(h, DD22) && fresh(h, CAPTURED), 'both fresh again')
  })

  test('an upgrade answered 429 backs off at least 2 s with jitter, holds the other opens, then connects', async () => {
    server.refuseUpgrades = 1
    const h = await start([DD22, CAPTURED], { max_tokens_per_connection: 2 })
    await waitFor(() => delays().length === 1, 'the 429 seen')
    expect(ctx.lines.some((l) => l.includes('market ws 0: upgrade answered 429'))).toBe(true)
    const delay = delays()[0] as number
    expect(delay).toBeGreaterThanOrEqual(2000)
    expect(delay).toBeLessThan(4000)
    clock.advance(1500) // well past backoff_min and the stagger: yet nobody opens while the gate is held
    await Bun.sleep(30)
    expect(server.upgrades()).toBe(1)
    clock.advance(delay - 1500)
    await waitFor(() => server.upgrades() === 2, 'retried after the wait')
    clock.advance(500) // connect_stagger
    await waitFor(() => server.connections() === 2, 'both sockets open')
    await waitFor(() => fresh(h, DD22) && fresh(h, CAPTURED), 'both fresh')
  })

  test('repeated drops do not push the back-off out: quoting is back within backoff_min each time', async () => {
    const h = await start([DD22])
    for (let i = 0; i < 8; i++) {
      await waitFor(() => fresh(h, DD22), `fresh before drop ${i}`)
      clock.advance(6_000) // a working connection, dropped every 6 s (the drill's rhythm)
      const before = delays().length
      server.dropAll()
      await waitFor(() => delays().length === before + 1, `reconnect ${i} scheduled`)
      clock.advance(250)
    }
    expect(Math.max(...delays())).toBeLessThanOrEqual(250)
  })

  test('drops right after each reconnect escalate the back-off only up to its cap (10 s)', async () => {
    const h = await start([DD22])
    for (let i = 0; i < 10; i++) {
      await waitFor(() => fresh(h, DD22), `fresh before drop ${i}`)
      const before = delays().length
      server.dropAll()
      await waitFor(() => delays().length === before + 1, `reconnect ${i} scheduled`)
      clock.advance(Math.max(500, delays().at(-1) as number)) // the back-off, and the stagger since the last open
    }
    expect(Math.max(...delays())).toBeLessThanOrEqual(10_000)
    expect(Math.max(...delays())).toBeGreaterThan(2_000) // it did escalate
  })

  test('at most 500 tokens per market socket', () => {
    expect(plugin.config.safeParse({ max_tokens_per_connection: 500 }).success).toBe(true)
    const over = plugin.config.safeParse({ max_tokens_per_connection: 501 })
    expect(over.success).toBe(false)
    expect(over.error?.issues[0]?.path).toEqual(['max_tokens_per_connection'])
  })
})

describe('REST /book audit of fresh books (§7.6: a socket that PONGs but sends nothing)', () => {
  /** Manual time in small steps, letting socket and HTTP round trips land in between. */
  async function step(ms: number, times: number, until?: () => boolean): Promise<void> {
    for (let i = 0; i < times && !until?.(); i++) {
      clock.advance(ms)
      await Bun.sleep(4)
    }
  }
  type AuditHandler = Handler & { audit(): import('./audit.ts').BookAuditStatus }

  test('a frozen feed: the audit finds the book behind REST, reconnects the socket, and the book is right again', async () => {
    const h = (await start([DD22], { audit_every: '5s' })) as AuditHandler
    await waitFor(() => fresh(h, DD22), 'books fresh')
    server.freeze()
    await step(250, 60) // 15 s frozen on a quiet book: PINGs answered, audits agree, nothing to do
    expect(server.received.filter((t) => t === 'PING').length).toBeGreaterThan(0)
    expect(fresh(h, DD22)).toBe(true)
    expect(server.connections()).toBe(1)
    server.change(YES, 'BUY', '0.49', '777') // the exchange moves; the frozen socket says nothing
    await step(250, 200, () => server.connections() === 2)
    expect(server.connections()).toBe(2)
    await step(250, 40, () => fresh(h, DD22))
    const out = h.run({ market: DD22 })
    if (isPull(out)) throw new Error(out.pull)
    expect(out.yes.bids(2)[1]).toEqual({ price: 0.49, size: 777 })
    expect(await metric('mm_book_audit_mismatches_total', { action: 'reconnect' })).toBe(1)
    expect(await metric('mm_book_audit_checks_total', { result: 'disagree' })).toBe(2)
    expect(ctx.lines.some((l) => l.includes('book audit:') && l.includes('reconnecting its socket'))).toBe(true)
    expect(h.audit()).toMatchObject({ enabled: true, mismatches: 1, reconnects: 1 })
  })

  test('a book that misses one change on a live socket is re-seeded, the socket kept', async () => {
    const h = (await start([DD22], { audit_every: '5s' })) as AuditHandler
    await waitFor(() => fresh(h, DD22), 'books fresh')
    server.change(YES, 'BUY', '0.45', '5', false) // lost below the top: no best_bid/best_ask check can see it
    for (let i = 0; i < 40 && (await metric('mm_book_audit_mismatches_total')) === 0; i++) {
      server.change(NO, 'SELL', '0.6', String(10 + i)) // the socket keeps carrying data for the other token
      await step(250, 1)
    }
    await step(250, 20, () => fresh(h, DD22) && h.run({ market: DD22 }) !== undefined && serverHas045(h))
    expect(await metric('mm_book_audit_mismatches_total', { action: 'reseed' })).toBe(1)
    expect(await metric('mm_book_audit_mismatches_total', { action: 'reconnect' })).toBe(0)
    expect(server.connections()).toBe(1)
    expect(serverHas045(h)).toBe(true)
  })

  function serverHas045(h: Handler): boolean {
    const out = h.run({ market: DD22 })
    return !isPull(out) && out.yes.bids().some((l) => l.price === 0.45 && l.size === 5)
  }

  test('within audit_rate, least recently checked first; every book agrees; the pass and its bound are reported', async () => {
    const h = (await start([DD22, CAPTURED], { audit_rate: 1, audit_every: '1s' })) as AuditHandler
    await waitFor(() => fresh(h, DD22) && fresh(h, CAPTURED), 'books fresh')
    const before = server.restRequests.length
    await step(100, 120) // 12 s
    const audits = server.restRequests.slice(before)
    expect(audits.length).toBeGreaterThanOrEqual(9)
    expect(audits.length).toBeLessThanOrEqual(12) // 1 a second
    // Round robin: each window of 4 consecutive audits covers the 4 books.
    for (let i = 0; i + 4 <= audits.length; i += 4) expect(new Set(audits.slice(i, i + 4)).size).toBe(4)
    const a = h.audit()
    expect(a.checks.agree).toBeGreaterThanOrEqual(8)
    expect(a.checks.disagree + a.mismatches).toBe(0)
    expect(a.last_pass_s).not.toBeNull()
    expect(a.last_pass_s as number).toBeLessThanOrEqual(a.pass_bound_s)
    expect(a.pass_bound_s).toBe(4 + 10 + 1) // 4 books at 1/s, + reseed_timeout + audit_grace
    expect(await metric('mm_book_audit_pass_seconds')).toBeGreaterThan(0)
    expect(ctx.health.components.get('book-audit')?.reason).toContain('4 fresh books; last pass')
    expect(ctx.health.components.get('book-audit')?.up).toBe(true)
    for (const tb of h.books()) expect((tb as unknown as { agreedAt: number }).agreedAt).toBeGreaterThan(0)
  })

  test('no agreement with REST within audit_max_age: the book is not fresh (no quotes) until REST agrees again', async () => {
    const h = (await start([DD22], { audit_every: '5s', audit_max_age: '20s' })) as AuditHandler
    await waitFor(() => fresh(h, DD22), 'books fresh')
    server.restStatus = 503
    await step(500, 44) // 22 s: every audit fails
    const out = h.run({ market: DD22 })
    expect(isPull(out) && out.pull).toContain('no agreement with REST /book for')
    expect(ctx.dirty).toContain(DD22.conditionId)
    expect(await metric('mm_book_audit_checks_total', { result: 'error' })).toBeGreaterThan(0)
    expect(server.connections()).toBe(1)
    server.restStatus = undefined
    await step(250, 40, () => fresh(h, DD22))
    expect(fresh(h, DD22)).toBe(true)
  })
})
