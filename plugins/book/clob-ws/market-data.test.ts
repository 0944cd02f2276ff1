import { beforeEach, describe, expect, test } from 'bun:test'
import { createManualClock, type ManualClock } from '../../../pipeline/clock.ts'
import { createTestContext, type TestContext, testMarket } from '../../../pipeline/testing.ts'
import { createLiveness } from './freshness.ts'
import { createMarketData, type MarketData } from './market-data.ts'
import { FIXTURES } from './test-support/fixture-server.ts'
import { BookSummarySchema } from './wire.ts'

const fixtureText = (name: string) => Bun.file(`${FIXTURES}/${name}`).text()
const fixture = async (name: string) => JSON.parse(await fixtureText(name)) as Record<string, unknown>

const CAPTURED_TOKEN = '33020244695722882397200486995945992468289922673842098884282668541748403691869'
const CAPTURED = testMarket({
  conditionId: '0x8655d998b19d9d64fec6db4004c45bc5428d336a36a4ba99248780f19276eff7',
  yesTokenId: CAPTURED_TOKEN,
  noTokenId: '1',
})
const YES = '72856886316346290022620740284512248423221995782091084030232563289485462890695'
const NO = '81393628224043659583148564308139715176355413730459312238617369919087315118971'
const DD22 = testMarket({
  conditionId: '0x57330d1db194b90b696c4e3cca4d12c44e0e84636a0c2fbfb9e7a816f4d82fe4',
  yesTokenId: YES,
  noTokenId: NO,
})

let ctx: TestContext
let clock: ManualClock
let data: MarketData
let requested: string[]
let cancelled: string[]

function setup(over: { checkBestBidAsk?: boolean } = {}) {
  clock = createManualClock()
  ctx = createTestContext({ stage: 'book', plugin: 'clob-ws', clock })
  requested = []
  cancelled = []
  data = createMarketData({
    clock: ctx.clock,
    log: ctx.log,
    metrics: ctx.metrics,
    markDirty: ctx.markDirty,
    requestSnapshot: (id) => requested.push(id),
    cancelSnapshot: (id) => cancelled.push(id),
    verifyHash: true,
    checkBestBidAsk: over.checkBestBidAsk ?? true,
    tradeWindowMs: 60_000,
    snapshotWaitMs: 5000,
  })
  data.track([CAPTURED, DD22])
  const live = createLiveness('0', 15_000)
  live.opened(ctx.clock.now())
  data.attach([CAPTURED_TOKEN, '1', YES, NO], live)
}

async function metric(name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = await ctx.metrics.registry.getSingleMetric(name)?.get()
  const v = m?.values.find((x) => Object.entries(labels).every(([k, val]) => x.labels[k] === val))
  return v?.value ?? 0
}

function priceChange(
  asset: string,
  price: string,
  size: string,
  side: string,
  bb: string,
  ba: string,
  ts = 1765432101001,
) {
  return JSON.stringify({
    event_type: 'price_change',
    market: DD22.conditionId,
    timestamp: String(ts),
    price_changes: [{ asset_id: asset, price, size, side, best_bid: bb, best_ask: ba }],
  })
}

describe('books from the fixtures, level by level', () => {
  beforeEach(() => setup())

  test('a deep book: every level, best first, and the server hash matches', async () => {
    const raw = await fixture('ws_book_deep.json')
    data.ingestFrame(await fixtureText('ws_book_deep.json'))
    const tb = data.token(CAPTURED_TOKEN)
    if (!tb) throw new Error('not tracked')
    expect(tb.state).toBe('fresh')
    expect(tb.tickSize).toBe(0.01)
    const wireBids = (raw.bids as { price: string; size: string }[]).map((l) => ({ price: +l.price, size: +l.size }))
    const wireAsks = (raw.asks as { price: string; size: string }[]).map((l) => ({ price: +l.price, size: +l.size }))
    // On the wire the best level is last; the view is best first.
    expect(tb.bids()).toEqual(wireBids.reverse())
    expect(tb.asks()).toEqual(wireAsks.reverse())
    expect(tb.bestBid()).toEqual({ price: 0.32, size: 3832 })
    expect(tb.bestAsk()).toEqual({ price: 0.35, size: 2777.5 })
    expect(ctx.dirty).toContain(CAPTURED.conditionId)
    data.tick()
    expect(await metric('mm_book_hash_checks_total', { result: 'match' })).toBe(1)
  })

  test('a book whose levels arrive best first is still sorted; then a batch of price changes', async () => {
    data.ingestFrame(await fixtureText('ws_market_book_msg.json'))
    const yes = data.token(YES)
    expect(yes?.bids()).toEqual([
      { price: 0.4, size: 120 },
      { price: 0.39, size: 260 },
    ])
    expect(yes?.asks()).toEqual([
      { price: 0.41, size: 95 },
      { price: 0.42, size: 180 },
    ])
    // The NO book, then a consistent two-token batch: YES ask 0.41 taken, YES bid 0.41 placed; NO ask 0.49.
    data.ingestFrame(
      JSON.stringify({
        event_type: 'book',
        asset_id: NO,
        market: DD22.conditionId,
        bids: [{ price: '0.48', size: '100' }],
        asks: [{ price: '0.5', size: '70' }],
        timestamp: '1765432100000',
      }),
    )
    data.ingestFrame(
      JSON.stringify([
        JSON.parse(priceChange(YES, '0.41', '0', 'SELL', '0.4', '0.42')),
        await fixture('ws_market_price_change_msg.json'),
        JSON.parse(priceChange(NO, '0.49', '100', 'SELL', '0.48', '0.49')),
      ]),
    )
    expect(yes?.state).toBe('fresh')
    expect(yes?.bids()).toEqual([
      { price: 0.41, size: 70 },
      { price: 0.4, size: 120 },
      { price: 0.39, size: 260 },
    ])
    expect(yes?.asks()).toEqual([{ price: 0.42, size: 180 }])
    expect(data.token(NO)?.asks()).toEqual([
      { price: 0.49, size: 100 },
      { price: 0.5, size: 70 },
    ])
    expect(await metric('mm_seq_gaps_total')).toBe(0)
  })

  test('last trades feed rolling statistics', async () => {
    data.ingestFrame(await fixtureText('ws_market_last_trade_msg.json'))
    data.ingestFrame(
      JSON.stringify({ ...(await fixture('ws_market_last_trade_msg.json')), side: 'SELL', size: '75.0', price: '0.5' }),
    )
    const t = data.token(YES)?.trades
    expect(t?.tradesPerMin).toBe(2)
    expect(t?.imbalance).toBeCloseTo((30 - 75) / 105)
    expect(t?.lastPrice).toBe(0.5)
    data.tick()
    expect(await metric('mm_trades_per_min', { token_id: YES })).toBe(2)
  })
})

describe('gaps: a missed price_change is detected and the book re-seeded', () => {
  beforeEach(() => setup())

  test('mismatch → invalid, counted, REST requested; the snapshot plus newer held changes make it whole', async () => {
    data.ingestFrame(await fixtureText('ws_market_book_msg.json'))
    // Missed: YES bid 0.40 → 0 (server best bid is now 0.39). The next change at 0.38 reveals it.
    data.ingestFrame(priceChange(YES, '0.38', '10', 'BUY', '0.39', '0.41', 1765432101005))
    const yes = data.token(YES)
    expect(yes?.state).toBe('invalid')
    expect(yes?.stateReason).toContain('best bid mismatch: local 0.4, feed 0.39')
    expect(await metric('mm_seq_gaps_total', { token_id: YES })).toBe(1)
    expect(requested).toEqual([YES])
    expect(ctx.dirty.at(-1)).toBe(DD22.conditionId)
    // More changes while the snapshot is on its way: held.
    data.ingestFrame(priceChange(YES, '0.42', '300', 'SELL', '0.39', '0.41', 1765432101010))
    data.snapshotStarted(YES)
    expect(yes?.state).toBe('reloading')
    // The snapshot predates the last change (taken at ...008): that change goes on top, the older one does not.
    const snap = {
      market: DD22.conditionId,
      asset_id: YES,
      timestamp: '1765432101008',
      bids: [
        { price: '0.38', size: '10' },
        { price: '0.39', size: '260' },
      ],
      asks: [
        { price: '0.42', size: '180' },
        { price: '0.41', size: '95' },
      ],
      tick_size: '0.01',
    }
    data.applyRestSnapshot(YES, BookSummarySchema.parse(snap), snap)
    expect(yes?.state).toBe('fresh')
    expect(yes?.bids()).toEqual([
      { price: 0.39, size: 260 },
      { price: 0.38, size: 10 },
    ])
    expect(yes?.asks()).toEqual([
      { price: 0.41, size: 95 },
      { price: 0.42, size: 300 },
    ])
    expect(await metric('mm_snapshot_reload_total', { token_id: YES })).toBe(1)
  })

  test('a crossed book, a price outside (0, 1) and an off-grid price each invalidate the book', async () => {
    for (const [price, side, why] of [
      ['0.43', 'BUY', 'crossed'],
      ['1.5', 'BUY', 'outside (0, 1)'],
      ['0.505', 'SELL', 'off the 0.01 tick grid'],
    ] as const) {
      setup()
      data.ingestFrame(await fixtureText('ws_market_book_msg.json'))
      data.ingestFrame(priceChange(YES, price, '10', side, '', ''))
      expect(data.token(YES)?.state).toBe('invalid')
      expect(data.token(YES)?.stateReason).toContain(why)
      expect(await metric('mm_seq_gaps_total', { token_id: YES })).toBe(1)
    }
  })

  test('a best_bid_ask that disagrees re-seeds; one that agrees confirms', async () => {
    data.ingestFrame(await fixtureText('ws_market_book_msg.json'))
    const bba = { ...(await fixture('ws_market_best_bid_ask_msg.json')), asset_id: YES, timestamp: '1765432100001' }
    data.ingestFrame(JSON.stringify({ ...bba, best_bid: '0.4', best_ask: '0.41' }))
    expect(data.token(YES)?.state).toBe('fresh')
    data.ingestFrame(JSON.stringify(bba))
    expect(data.token(YES)?.state).toBe('invalid')
    expect(data.token(YES)?.stateReason).toContain('best_bid_ask')
  })
})

describe('tick size change: a new epoch', () => {
  beforeEach(() => setup())

  test('drops the book, asks for a snapshot, refuses one older than the change, takes the new grid', async () => {
    data.ingestFrame(await fixtureText('ws_market_book_msg.json'))
    data.ingestFrame(
      JSON.stringify({
        ...(await fixture('ws_market_tick_size_msg.json')),
        new_tick_size: '0.001',
        old_tick_size: '0.01',
      }),
    )
    const yes = data.token(YES)
    expect(yes?.state).toBe('invalid')
    expect(yes?.bids()).toEqual([])
    expect(yes?.tickSize).toBe(0.001)
    expect(requested).toEqual([YES])
    const old = {
      market: DD22.conditionId,
      asset_id: YES,
      timestamp: '1765432100000',
      bids: [{ price: '0.5', size: '1' }],
      asks: [],
      tick_size: '0.01',
    }
    data.applyRestSnapshot(YES, BookSummarySchema.parse(old), old)
    expect(yes?.state).toBe('invalid')
    expect(requested).toEqual([YES, YES])
    const next = { ...old, timestamp: '1765432110001', bids: [{ price: '0.505', size: '4' }], tick_size: '0.001' }
    data.applyRestSnapshot(YES, BookSummarySchema.parse(next), next)
    expect(yes?.state).toBe('fresh')
    expect(yes?.bestBid()).toEqual({ price: 0.505, size: 4 })
  })
})

describe('bad input is counted and never corrupts a book', () => {
  beforeEach(() => setup())

  test('non-JSON, unknown events, unknown assets and event_type-less frames leave the book fresh and equal', async () => {
    data.ingestFrame(await fixtureText('ws_market_book_msg.json'))
    const before = { bids: data.token(YES)?.bids(), asks: data.token(YES)?.asks() }
    data.ingestFrame('{"event_type":"book", "asset_id": ')
    data.ingestFrame('PONG?')
    data.ingestFrame(JSON.stringify({ event_type: 'price_bump', asset_id: YES }))
    data.ingestFrame(priceChange('999', '0.3', '5', 'BUY', '0.3', '0.4'))
    data.ingestFrame(JSON.stringify(42))
    data.ingestFrame(await fixtureText('ws_user_batch_msg.json'))
    const yes = data.token(YES)
    expect(yes?.state).toBe('fresh')
    expect({ bids: yes?.bids(), asks: yes?.asks() }).toEqual(before)
    data.tick()
    expect(await metric('mm_ws_parse_errors_total', { kind: 'json' })).toBe(2)
    expect(await metric('mm_ws_parse_errors_total', { kind: 'unknown_event' })).toBe(3) // price_bump + order + trade
    expect(await metric('mm_ws_parse_errors_total', { kind: 'unknown_asset' })).toBe(1)
    expect(await metric('mm_ws_parse_errors_total', { kind: 'schema' })).toBe(1)
    expect(ctx.lines.some((l) => l.includes('not JSON'))).toBe(true)
  })

  test('a negative size or a word for a price is refused; the book is not changed and is re-seeded', async () => {
    data.ingestFrame(await fixtureText('ws_market_book_msg.json'))
    const before = data.token(YES)?.bids()
    data.ingestFrame(priceChange(YES, '0.4', '-120', 'BUY', '0.4', '0.41'))
    expect(data.token(YES)?.bids()).toEqual(before ?? [])
    expect(data.token(YES)?.state).toBe('invalid')
    expect(data.token(YES)?.stateReason).toContain('malformed')
    expect(requested).toEqual([YES])
    setup()
    data.ingestFrame(await fixtureText('ws_market_book_msg.json'))
    data.ingestFrame(priceChange(YES, 'abc', '1', 'BUY', '0.4', '0.41'))
    expect(data.token(YES)?.bids()).toEqual(before ?? [])
    data.tick()
    expect(await metric('mm_ws_parse_errors_total', { kind: 'schema' })).toBe(1)
  })

  test('1,000 garbage frames are logged a handful of times, not 1,000', () => {
    for (let i = 0; i < 1000; i++) data.ingestFrame(`garbage ${i}`)
    expect(ctx.lines.filter((l) => l.includes('not JSON')).length).toBe(1)
  })
})

describe('lifecycle of a token book', () => {
  beforeEach(() => setup())

  test('a resolved market is never quoted again', async () => {
    data.ingestFrame(await fixtureText('ws_market_book_msg.json'))
    data.ingestFrame(JSON.stringify({ ...(await fixture('ws_market_resolved_msg.json')), assets_ids: [YES, NO] }))
    expect(data.token(YES)?.state).toBe('invalid')
    expect(data.token(YES)?.stateReason).toContain('resolved')
    data.ingestFrame(await fixtureText('ws_market_book_msg.json'))
    expect(data.token(YES)?.state).toBe('invalid')
  })

  test('untracked markets are forgotten', () => {
    const diff = data.track([DD22])
    expect(diff.removed.map((m) => m.conditionId)).toEqual([CAPTURED.conditionId])
    expect(data.token(CAPTURED_TOKEN)).toBeUndefined()
    expect(cancelled).toContain(CAPTURED_TOKEN)
  })

  test('without a WS dump the book asks REST after snapshot_wait', () => {
    expect(requested).toEqual([])
    clock.advance(4999)
    data.tick()
    expect(requested).toEqual([])
    clock.advance(1)
    data.tick()
    expect(requested.sort()).toEqual([CAPTURED_TOKEN, '1', YES, NO].sort())
  })
})

describe('tick size change and snapshots on the new grid', () => {
  beforeEach(() => setup())

  test('a snapshot stamped before the change but already on the new grid is taken', async () => {
    data.ingestFrame(await fixtureText('ws_market_book_msg.json'))
    data.ingestFrame(
      JSON.stringify({
        ...(await fixture('ws_market_tick_size_msg.json')),
        new_tick_size: '0.001',
        old_tick_size: '0.01',
      }),
    )
    const snap = {
      market: DD22.conditionId,
      asset_id: YES,
      timestamp: '1765432109999',
      bids: [{ price: '0.501', size: '3' }],
      asks: [{ price: '0.503', size: '3' }],
      tick_size: '0.001',
    }
    data.applyRestSnapshot(YES, BookSummarySchema.parse(snap), snap)
    expect(data.token(YES)?.state).toBe('fresh')
    expect(data.token(YES)?.bestAsk()).toEqual({ price: 0.503, size: 3 })
  })
})

describe('"" decimals are absent, not errors of the frame (§7.6)', () => {
  beforeEach(() => setup())

  test('a price_change entry without price/size changes nothing and spoils nothing; the rest of the frame applies', async () => {
    data.ingestFrame(await fixtureText('ws_market_book_msg.json')) // YES: bid 0.40×120, ask 0.41×95
    data.ingestFrame(
      JSON.stringify({
        event_type: 'price_change',
        market: DD22.conditionId,
        timestamp: '1765432101001',
        price_changes: [
          { asset_id: YES, price: '', size: '', side: 'BUY', best_bid: '0.4', best_ask: '0.41' },
          { asset_id: YES, price: '0.39', size: '75', side: 'BUY', best_bid: '0.4', best_ask: '' },
        ],
      }),
    )
    const yes = data.token(YES)
    expect(yes?.state).toBe('fresh')
    expect(yes?.bids()).toEqual([
      { price: 0.4, size: 120 },
      { price: 0.39, size: 75 },
    ])
    expect(requested).toEqual([])
    data.tick()
    expect(await metric('mm_ws_parse_errors_total', { kind: 'schema' })).toBe(0)
    expect(await metric('mm_seq_gaps_total', { token_id: YES })).toBe(0)
  })

  test('an entry without a level whose stated top disagrees still re-seeds the book', async () => {
    data.ingestFrame(await fixtureText('ws_market_book_msg.json'))
    data.ingestFrame(priceChange(YES, '', '', 'SELL', '0.5', '0.52'))
    expect(data.token(YES)?.state).toBe('invalid')
    expect(requested).toEqual([YES])
  })

  test('"" in a book, a REST /book, a last trade and a tick size change', async () => {
    data.ingestFrame(
      JSON.stringify({
        event_type: 'book',
        asset_id: YES,
        market: DD22.conditionId,
        bids: [
          { price: '0.48', size: '100' },
          { price: '', size: '5' },
        ],
        asks: [
          { price: '0.5', size: '' },
          { price: '0.52', size: '70' },
        ],
        timestamp: '1703875200000',
        tick_size: '',
        last_trade_price: '',
      }),
    )
    const yes = data.token(YES)
    expect(yes?.state).toBe('fresh')
    expect(yes?.tickSize).toBe(DD22.tickSize)
    expect(yes?.bids()).toEqual([{ price: 0.48, size: 100 }])
    expect(yes?.asks()).toEqual([{ price: 0.52, size: 70 }])
    data.ingestFrame(
      JSON.stringify({
        event_type: 'last_trade_price',
        asset_id: YES,
        market: DD22.conditionId,
        price: '',
        size: '',
        side: 'BUY',
        fee_rate_bps: '',
        timestamp: '1703875200001',
      }),
    )
    expect(yes?.trades.tradesPerMin).toBe(0)
    const summary = BookSummarySchema.parse({
      market: DD22.conditionId,
      asset_id: NO,
      timestamp: '1703875200002',
      bids: [{ price: '0.47', size: '1' }],
      asks: [],
      min_order_size: '',
      tick_size: '',
    })
    data.applyRestSnapshot(NO, summary, summary as unknown as Record<string, unknown>)
    expect(data.token(NO)?.state).toBe('fresh')
    expect(data.token(NO)?.minOrderSize).toBe(DD22.minOrderSize)
    data.ingestFrame(
      JSON.stringify({
        event_type: 'tick_size_change',
        asset_id: YES,
        market: DD22.conditionId,
        old_tick_size: '0.01',
        new_tick_size: '',
        timestamp: '1703875200003',
      }),
    )
    expect(yes?.state).toBe('invalid')
    expect(requested).toEqual([YES])
    data.tick()
    expect(await metric('mm_ws_parse_errors_total', { kind: 'schema' })).toBe(0)
  })
})
