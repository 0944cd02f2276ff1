import { describe, expect, test } from 'bun:test'
import { isPull } from '../../../stages/io.ts'
import plugin from './index.ts'
import { FIXTURES, type Level, waitFor } from './test-support/fixture-server.ts'
import { CAPTURED, CAPTURED_TOKEN, DD22, NO, useReplayHarness, YES } from './test-support/replay-harness.ts'

/** The plugin against a loopback server replaying the fixtures (see test-support/replay-harness.ts). */

const t = useReplayHarness()

const levels = (ls: Level[]) => ls.map((l) => ({ price: Number(l.price), size: Number(l.size) }))

describe('clob-ws against a replaying server', () => {
  test('subscribes as the protocol says, books match the captured snapshot level by level, quotes allowed', async () => {
    const h = await t.start([CAPTURED, DD22])
    await waitFor(() => t.fresh(h, CAPTURED) && t.fresh(h, DD22), 'books fresh')
    expect(JSON.parse(t.server.received[0] ?? '')).toEqual({
      assets_ids: [CAPTURED_TOKEN, '22', YES, NO],
      type: 'market',
      custom_feature_enabled: true,
    })
    const out = h.run({ market: CAPTURED })
    if (isPull(out)) throw new Error(out.pull)
    expect(out.yes.bids()).toEqual(levels(t.captured.bids).reverse())
    expect(out.yes.asks()).toEqual(levels(t.captured.asks).reverse())
    expect(t.ctx.health.components.get('market-data')?.up).toBe(true)
    expect(await t.metric('mm_ws_connected', { channel: 'market', shard: '0' })).toBe(1)
    expect(t.server.restRequests).toEqual([])
  })

  test('one price_change lost on the wire: detected, counted, re-seeded from REST /book, whole again', async () => {
    const h = await t.start([DD22])
    await waitFor(() => t.fresh(h, DD22), 'books fresh')
    t.server.change(YES, 'BUY', '0.4', '0', false) // lost
    t.server.change(YES, 'BUY', '0.38', '75') // reveals it: feed best bid 0.39, local 0.40
    await waitFor(() => t.server.restRequests.includes(YES), 'REST /book')
    await waitFor(() => t.fresh(h, DD22), 'book re-seeded')
    expect(await t.metric('mm_seq_gaps_total', { token_id: YES })).toBe(1)
    expect(await t.metric('mm_snapshot_reload_total', { token_id: YES })).toBe(1)
    const out = h.run({ market: DD22 })
    if (isPull(out)) throw new Error(out.pull)
    const model = t.server.restBook(YES) as { bids: Level[]; asks: Level[] }
    expect(out.yes.bids()).toEqual(levels(model.bids).reverse())
    expect(out.yes.asks()).toEqual(levels(model.asks).reverse())
    expect(out.yes.bestBid()).toEqual({ price: 0.39, size: 260 })
    // And it keeps tracking afterwards.
    t.server.change(YES, 'SELL', '0.41', '10')
    await waitFor(() => {
      const next = h.run({ market: DD22 })
      return !isPull(next) && next.yes.bestAsk()?.size === 10
    }, 'the next change applied')
    expect(await t.metric('mm_seq_gaps_total', { token_id: YES })).toBe(1)
  })

  test('a killed connection: quotes pulled, reconnect with back-off, resubscribe, fresh snapshot, counted', async () => {
    const h = await t.start([DD22])
    await waitFor(() => t.fresh(h, DD22), 'books fresh')
    t.server.dropAll()
    await waitFor(() => !t.fresh(h, DD22), 'pulled after the drop')
    const pulled = h.run({ market: DD22 })
    expect(isPull(pulled) && pulled.pull).toContain('connection lost')
    expect(t.ctx.health.components.get('market-data')?.up).toBe(false)
    expect(await t.metric('mm_ws_connected', { channel: 'market', shard: '0' })).toBe(0)
    // Meanwhile the book moved on the server; the new connection must bring the new state.
    t.server.change(YES, 'BUY', '0.39', '999')
    t.clock.advance(500) // past backoff_min (250 ms, jitter ≤ 1×) and connect_stagger since the first open
    await waitFor(() => t.server.connections() === 2, 'reconnect')
    await waitFor(() => t.fresh(h, DD22), 'fresh after reconnect')
    const subs = t.server.received.filter((t) => t.includes('"type":"market"'))
    expect(subs).toHaveLength(2)
    expect(await t.metric('mm_ws_reconnects_total', { channel: 'market' })).toBe(1)
    const out = h.run({ market: DD22 })
    if (isPull(out)) throw new Error(out.pull)
    expect(out.yes.bids(2)).toEqual([
      { price: 0.4, size: 120 },
      { price: 0.39, size: 999 },
    ])
    expect(t.ctx.health.components.get('market-data')?.up).toBe(true)
  })

  test('a silent socket makes books stale (quotes pulled) and the next frame makes them fresh again', async () => {
    const h = await t.start([DD22])
    await waitFor(() => t.fresh(h, DD22), 'books fresh')
    t.server.silent = true
    const dirtyBefore = t.ctx.dirty.length
    t.clock.advance(16_000) // stale_after 15 s; PINGs go unanswered
    const out = h.run({ market: DD22 })
    expect(isPull(out) && out.pull).toContain('no data from the market channel')
    expect(t.ctx.dirty.length).toBeGreaterThan(dirtyBefore)
    expect(t.ctx.health.components.get('market-data')?.up).toBe(false)
    await waitFor(() => t.server.received.includes('PING'), 'PING sent')
    t.server.silent = false
    t.clock.advance(10_000) // next PING is answered with PONG
    await waitFor(() => t.fresh(h, DD22), 'fresh after PONG')
    expect(t.server.connections()).toBe(1)
    expect(t.ctx.health.components.get('market-data')?.up).toBe(true)
  })

  test('changes lost while the socket was silent: re-seeded from REST once it speaks, not trusted as they were', async () => {
    const h = await t.start([DD22], { audit_rate: 0 }) // only the re-seed asks REST here
    await waitFor(() => t.fresh(h, DD22), 'books fresh')
    t.server.silent = true
    t.clock.advance(16_000)
    expect(t.fresh(h, DD22)).toBe(false)
    t.server.change(YES, 'BUY', '0.39', '777') // never reaches the client
    t.clock.advance(3_000) // past snapshot_wait, yet no REST while silent: a snapshot now could miss what follows
    await Bun.sleep(20)
    expect(t.server.restRequests).toEqual([])
    t.server.silent = false
    t.clock.advance(2_000) // the PING at 20 s is answered
    await waitFor(() => t.fresh(h, DD22), 'fresh again')
    expect(t.server.restRequests.sort()).toEqual([YES, NO].sort())
    const out = h.run({ market: DD22 })
    if (isPull(out)) throw new Error(out.pull)
    const model = t.server.restBook(YES) as { bids: Level[]; asks: Level[] }
    expect(out.yes.bids()).toEqual(levels(model.bids).reverse())
    expect(out.yes.bids(2)[1]).toEqual({ price: 0.39, size: 777 })
    expect(t.server.connections()).toBe(1)
  })

  test('a socket silent past dead_after is dropped and replaced', async () => {
    const h = await t.start([DD22], { dead_after: '20s' })
    await waitFor(() => t.fresh(h, DD22), 'books fresh')
    t.server.silent = true
    t.clock.advance(22_000)
    t.server.silent = false
    t.clock.advance(1_000)
    await waitFor(() => t.server.connections() === 2, 'new connection')
    await waitFor(() => t.fresh(h, DD22), 'fresh on the new connection')
    expect(await t.metric('mm_ws_reconnects_total', { channel: 'market' })).toBe(1)
  })

  test('adding a market subscribes on the open socket; removing one unsubscribes; no reconnect', async () => {
    const h = await t.start([DD22])
    await waitFor(() => t.fresh(h, DD22), 'first market fresh')
    await h.track([DD22, CAPTURED])
    await waitFor(() => t.fresh(h, CAPTURED), 'added market fresh')
    expect(t.server.connections()).toBe(1)
    const op = t.server.received.map((t) => (t.startsWith('{') ? JSON.parse(t) : {})).find((m) => m.operation)
    expect(op).toMatchObject({ operation: 'subscribe', assets_ids: [CAPTURED_TOKEN, '22'] })
    await h.track([CAPTURED])
    await waitFor(() => t.server.received.some((t) => t.includes('"unsubscribe"')), 'unsubscribe')
    expect(isPull(h.run({ market: DD22 }))).toBe(true)
    expect(t.server.connections()).toBe(1)
  })

  test('tokens above the per-connection cap go to another connection', async () => {
    const h = await t.start([DD22, CAPTURED], { max_tokens_per_connection: 2 })
    await waitFor(() => t.server.connections() >= 1, 'first connection')
    t.clock.advance(500) // the next open waits connect_stagger
    await waitFor(() => t.fresh(h, DD22) && t.fresh(h, CAPTURED), 'both fresh')
    expect(t.server.connections()).toBe(2)
    expect(h.connections()).toHaveLength(2)
  })

  test('without an initial dump the books come from REST /book after snapshot_wait', async () => {
    t.server.dumpOnSubscribe = false
    const h = await t.start([DD22])
    await waitFor(() => t.server.received.length > 0, 'subscribed')
    expect(t.fresh(h, DD22)).toBe(false)
    t.clock.advance(5_000)
    await waitFor(() => t.fresh(h, DD22), 'fresh from REST')
    expect(t.server.restRequests.sort()).toEqual([YES, NO].sort())
  })

  test('garbage on the socket is counted; books stay fresh and unchanged', async () => {
    const h = await t.start([DD22])
    await waitFor(() => t.fresh(h, DD22), 'books fresh')
    t.server.sendRaw('not json')
    t.server.sendRaw(JSON.stringify({ event_type: 'surprise' }))
    t.server.sendRaw(await Bun.file(`${FIXTURES}/ws_last_trade.json`).text()) // no event_type
    t.server.change(YES, 'SELL', '0.53', '1') // a good frame after the bad ones
    await waitFor(() => t.ctx.lines.some((l) => l.includes('surprise')), 'logged')
    await waitFor(() => {
      const out = h.run({ market: DD22 })
      return !isPull(out) && out.yes.asks().length === 3
    }, 'good frame applied')
    t.clock.advance(1_000)
    expect(await t.metric('mm_ws_parse_errors_total', { kind: 'json' })).toBe(1)
    expect(await t.metric('mm_ws_parse_errors_total', { kind: 'unknown_event' })).toBe(1)
  })

  test('stop closes every connection', async () => {
    const h = await t.start([DD22])
    await waitFor(() => t.fresh(h, DD22), 'books fresh')
    await h.stop?.()
    await waitFor(() => !t.fresh(h, DD22), 'stale after stop')
    t.clock.advance(60_000)
    await Bun.sleep(20)
    expect(t.server.connections()).toBe(1)
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
