import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { realClock } from '../pipeline/clock.ts'
import { wsBase } from '../pipeline/exchange.ts'
import { createTestContext, createTestPlugin, type TestContext, testMarket } from '../pipeline/testing.ts'
import plugin from '../plugins/book/clob-ws/index.ts'
import type { TokenBook } from '../plugins/book/clob-ws/token-book.ts'
import type { Level, Market } from '../schemas/domain.ts'
import type { MarketState } from '../sim/engine.ts'
import { type Simulator, startSimulator } from '../sim/index.ts'
import { bookSummary } from '../sim/wire.ts'
import { isPull } from '../stages/io.ts'

/**
 * The clob-ws book plugin against the real simulator (default scenario, fixed seed, real time): books built from
 * the market channel must agree with the exchange's own books, survive the simulator's fault switches, and follow
 * a tick size change. The synthetic flow is stopped before each comparison so that "equal" has a fixed meaning.
 */

const ADDR = '0x00000000000000000000000000000000000a11ce'
const CFG = {
  ping_interval: '200ms',
  stale_after: '700ms',
  dead_after: '5s',
  backoff_min: '50ms',
  backoff_max: '200ms',
  snapshot_wait: '300ms',
}

let sim: Simulator
let ctx: TestContext
let handler: Handler
let markets: Market[]

type Handler = Awaited<ReturnType<typeof createTestPlugin<'book', typeof plugin.config>>> & {
  data: { token(id: string): TokenBook | undefined; readonly counters: { levels: number } }
}

async function waitFor(cond: () => boolean | Promise<boolean>, what: string, limitMs = 4000): Promise<void> {
  const start = performance.now()
  while (!(await cond())) {
    if (performance.now() - start > limitMs) throw new Error(`timed out waiting for ${what}`)
    await Bun.sleep(10)
  }
}

/** Sum of a metric over the series whose labels include `labels`. */
async function metric(name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = await ctx.metrics.registry.getSingleMetric(name)?.get()
  const match = (l: Record<string, unknown>) => Object.entries(labels).every(([k, v]) => l[k] === v)
  return (m?.values ?? []).reduce((s, v) => (match(v.labels) ? s + v.value : s), 0)
}

async function faults(patch: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${sim.urls.admin}/faults`, { method: 'POST', body: JSON.stringify(patch) })
  expect(res.status).toBe(200)
}

const fresh = (m: Market) => !isPull(handler.run({ market: m }))
const allFresh = () => markets.every(fresh)

function local(tokenId: string): TokenBook {
  const tb = handler.data.token(tokenId)
  if (!tb) throw new Error(`token ${tokenId} not tracked`)
  return tb
}

function simState(m: Market): MarketState {
  const s = sim.engine.market(m.conditionId)
  if (!s) throw new Error(`market ${m.conditionId} unknown to the simulator`)
  return s
}

/** The simulator's book of one token, best first, in the plugin's Level shape. */
function simLevels(m: Market, outcome: 0 | 1): { bids: Level[]; asks: Level[]; tick: number } {
  const s = bookSummary(simState(m), outcome, 0)
  const conv = (ls: { price: string; size: string }[]) =>
    ls.map((l) => ({ price: Number(l.price), size: Number(l.size) })).reverse()
  return { bids: conv(s.bids), asks: conv(s.asks), tick: Number(s.tick_size) }
}

function sameAsSim(m: Market): boolean {
  for (const outcome of [0, 1] as const) {
    const tb = local(outcome === 0 ? m.yesTokenId : m.noTokenId)
    const want = simLevels(m, outcome)
    if (tb.tickSize !== want.tick) return false
    if (JSON.stringify(tb.bids()) !== JSON.stringify(want.bids)) return false
    if (JSON.stringify(tb.asks()) !== JSON.stringify(want.asks)) return false
  }
  return true
}

/** Stop the flow, let the last frames arrive, and require every book fresh and equal to the simulator's. */
async function expectQuietAndEqual(): Promise<void> {
  sim.flow.stop()
  await waitFor(() => allFresh() && markets.every(sameAsSim), 'books fresh and equal to the simulator')
  for (const m of markets) {
    const yes = local(m.yesTokenId)
    const no = local(m.noTokenId)
    const s = simState(m)
    // The admin view's YES-space top agrees as well (NO is its mirror).
    expect(yes.bestBid()?.price).toBe(s.book.bestBid / 10_000)
    expect(yes.bestAsk()?.price).toBe(s.book.bestAsk / 10_000)
    expect(no.bestAsk()?.price).toBeCloseTo(1 - s.book.bestBid / 10_000, 9)
    expect(no.state).toBe('fresh')
  }
}

beforeAll(async () => {
  sim = await startSimulator({ scenario: 'default', seed: 42, port: 0 })
  markets = sim.markets.map((s) =>
    testMarket({
      conditionId: s.conditionId,
      question: s.question,
      yesTokenId: s.tokens[0],
      noTokenId: s.tokens[1],
      tickSize: s.tickSize,
      minOrderSize: s.minOrderSize,
      negRisk: s.negRisk,
    }),
  )
  ctx = createTestContext({
    stage: 'book',
    plugin: 'clob-ws',
    clock: realClock,
    exchange: { wsUrl: wsBase(sim.urls.ws), clobUrl: sim.urls.clob },
  })
  handler = (await createTestPlugin(plugin, CFG, ctx)) as Handler
  await handler.track(markets)
  await waitFor(allFresh, 'every book fresh')
})

afterAll(async () => {
  ctx.abort.abort()
  await sim.stop()
})

describe('clob-ws against the simulator', () => {
  test('synthetic flow for a while: no false gaps, every book equal to the exchange', async () => {
    expect(markets).toHaveLength(sim.markets.length) // every market of the scenario, the V2 one included
    expect(markets.length).toBeGreaterThanOrEqual(5)
    const levelsBefore = handler.data.counters.levels
    await Bun.sleep(2500)
    expect(handler.data.counters.levels - levelsBefore).toBeGreaterThan(50) // the flow really moved the books
    expect(ctx.lines.filter((l) => l.includes('invalid'))).toEqual([])
    expect(await metric('mm_seq_gaps_total')).toBe(0)
    await expectQuietAndEqual()
    expect(await metric('mm_seq_gaps_total')).toBe(0)
    await Bun.sleep(1100) // counters reach Prometheus on the plugin's 1 s tick
    // Every frame the simulator sent was understood, and its book hashes are the ones the plugin recomputes.
    expect(await metric('mm_ws_parse_errors_total')).toBe(0)
    expect(await metric('mm_book_hash_checks_total', { result: 'mismatch' })).toBe(0)
    expect(await metric('mm_book_hash_checks_total', { result: 'match' })).toBeGreaterThanOrEqual(8)
  })

  test("an account's cancel-all of several levels at once: no false gap, books follow", async () => {
    sim.flow.stop()
    const m = markets[3] as Market // rain-tomorrow: a 4-tick spread to place into
    const s = simState(m)
    await waitFor(() => sameAsSim(m), 'quiet book')
    const bid = s.book.bestBid
    const ask = s.book.bestAsk
    expect(ask - bid).toBeGreaterThanOrEqual(3 * s.tick)
    let n = 0
    const place = (tokenId: string, price: number) =>
      sim.engine.place({
        id: `0x${(++n).toString(16).padStart(64, '0')}`,
        owner: 'alice-key',
        address: ADDR,
        tokenId,
        side: 'BUY',
        price,
        size: 10_000_000,
        orderType: 'GTC',
        postOnly: true,
      })
    // Two new best asks (BUY NO at 1 − p) and two new best bids, each its own level.
    for (const r of [
      place(m.noTokenId, 10_000 - (ask - s.tick)),
      place(m.noTokenId, 10_000 - (ask - 2 * s.tick)),
      place(m.yesTokenId, bid + s.tick),
    ]) {
      if (!r.ok) throw new Error(r.errorMsg)
    }
    await waitFor(() => sameAsSim(m), 'own orders in the local book')
    expect(local(m.yesTokenId).bestAsk()?.price).toBeCloseTo((ask - 2 * s.tick) / 10_000, 9)
    expect(sim.engine.cancelAll(ADDR)).toHaveLength(3)
    await waitFor(() => sameAsSim(m), 'cancel-all in the local book')
    expect(local(m.yesTokenId).bestAsk()?.price).toBeCloseTo(ask / 10_000, 9)
    expect(ctx.lines.filter((l) => l.includes('invalid'))).toEqual([])
    expect(await metric('mm_seq_gaps_total')).toBe(0)
    expect(local(m.yesTokenId).state).toBe('fresh')
  })

  test('a dropped connection: reconnect, resubscribe, fresh snapshots, books equal again', async () => {
    sim.flow.start()
    const reloadsBefore = await metric('mm_snapshot_reload_total')
    expect(await metric('mm_ws_reconnects_total')).toBe(0)
    await faults({ ws_drop: true, ws_channel: 'market' })
    await waitFor(() => markets.every((m) => !fresh(m)), 'quotes pulled after the drop')
    expect(local(markets[0]?.yesTokenId ?? '').stateReason).toContain('connection lost')
    await waitFor(() => sim.hub.counts().market === 1, 'reconnected')
    await waitFor(allFresh, 'fresh after reconnect')
    expect(await metric('mm_ws_reconnects_total')).toBe(1)
    // The books came from the resubscription's dump, not from REST.
    expect(await metric('mm_snapshot_reload_total')).toBe(reloadsBefore)
    await expectQuietAndEqual()
    expect(await metric('mm_seq_gaps_total')).toBe(0)
  })

  test('a silent socket: books stale (quotes pulled), then fresh and equal again once it talks', async () => {
    sim.flow.start()
    await faults({ ws_silent: true, ws_channel: 'market' })
    await waitFor(() => markets.every((m) => !fresh(m)), 'stale while silent')
    for (const m of markets) {
      expect(local(m.yesTokenId).state).toBe('stale')
      const out = handler.run({ market: m })
      expect(isPull(out) && out.pull).toContain('no data from the market channel')
    }
    await Bun.sleep(500) // the flow keeps changing the books while nothing is sent
    await faults({ ws_silent: false })
    await waitFor(allFresh, 'fresh once the socket talks again')
    await expectQuietAndEqual()
    expect(sim.hub.counts().market).toBe(1)
  })

  test('a trade beyond 0.96 changes the tick: new grid, fresh book on it, equal to the exchange', async () => {
    sim.flow.stop()
    const m = markets[3] as Market
    const s = simState(m)
    expect(s.tick).toBe(100)
    await waitFor(() => sameAsSim(m), 'quiet book')
    const asks = s.book.levels(1)
    // Sweep the asks up to the first one above 0.96 so that the last trade prints beyond it.
    const through = asks.find((l) => l.price > 9600)
    if (!through) throw new Error('no ask above 0.96')
    const size = asks.filter((l) => l.price <= through.price).reduce((t, l) => t + l.total, 0)
    sim.setBalances(ADDR, 100_000)
    const r = sim.engine.place({
      id: `0x${'f'.repeat(64)}`,
      owner: 'alice-key',
      address: ADDR,
      tokenId: m.yesTokenId,
      side: 'BUY',
      price: through.price,
      size,
      orderType: 'FAK',
    })
    if (!r.ok) throw new Error(r.errorMsg)
    expect(s.tick).toBe(10)
    await waitFor(() => local(m.yesTokenId).tickSize === 0.001 && local(m.noTokenId).tickSize === 0.001, 'new tick')
    await waitFor(() => fresh(m) && sameAsSim(m), 'fresh on the new grid')
    // Levels on the finer grid are accepted from now on.
    const bid = s.book.bestBid
    const q = sim.engine.place({
      id: `0x${'e'.repeat(64)}`,
      owner: 'alice-key',
      address: ADDR,
      tokenId: m.yesTokenId,
      side: 'BUY',
      price: bid + 10,
      size: 10_000_000,
      orderType: 'GTC',
      postOnly: true,
    })
    if (!q.ok) throw new Error(q.errorMsg)
    await waitFor(() => local(m.yesTokenId).bestBid()?.price === (bid + 10) / 10_000, 'a fine-grid level')
    expect(await metric('mm_seq_gaps_total')).toBe(0)
    expect(sameAsSim(m)).toBe(true)
  })
})
