import { expect, test } from 'bun:test'
import fc from 'fast-check'
import { createManualClock } from '../../../pipeline/clock.ts'
import { createTestContext, testMarket } from '../../../pipeline/testing.ts'
import { createLiveness } from './freshness.ts'
import { createMarketData } from './market-data.ts'
import { decodeEvent } from './wire.ts'

/**
 * Property: no market-channel frame, however malformed, crashes the decoder or the books, or leaves a book that
 * says it is fresh while being wrong (crossed, off the tick grid, a price outside (0, 1), a size ≤ 0). A bad
 * frame ends in a named failure (`schema` / `unknown_event` with a message), never an exception.
 */
const MARKET = testMarket({ conditionId: `0x${'cd'.repeat(32)}`, yesTokenId: '101', noTokenId: '202', tickSize: 0.01 })
const TOKENS = [MARKET.yesTokenId, MARKET.noTokenId]
const RUNS = 400

const priceText = fc.oneof(
  fc.integer({ min: 1, max: 99 }).map((c) => (c / 100).toFixed(2)),
  fc.constantFrom('0', '1', '0.005', '-0.1', '1.5', 'NaN', '', '1e-3', '0x10', ' 0.5'),
  fc.double().map(String),
)
const sizeText = fc.oneof(
  fc.integer({ min: 0, max: 5000 }).map(String),
  fc.constantFrom('-1', '0', 'abc', '1e309', '', '  '),
  fc.double().map(String),
)
const side = fc.constantFrom('BUY', 'SELL', 'buy', 'bid', '', 'X')
const asset = fc.constantFrom(...TOKENS, '999', '')
const ts = fc.oneof(
  fc.integer({ min: 1_700_000_000_000, max: 1_900_000_000_000 }).map(String),
  fc.constantFrom('', 'x', '-1'),
)
const level = fc.record({ price: priceText, size: sizeText })

const bookFrame = fc.record({
  event_type: fc.constant('book'),
  asset_id: asset,
  market: fc.constant(MARKET.conditionId),
  bids: fc.array(level, { maxLength: 6 }),
  asks: fc.array(level, { maxLength: 6 }),
  timestamp: ts,
  hash: fc.option(fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), maxLength: 40 }), { nil: undefined }),
})
const priceChangeFrame = fc.record({
  event_type: fc.constant('price_change'),
  market: fc.constant(MARKET.conditionId),
  timestamp: ts,
  price_changes: fc.array(
    fc.record({ asset_id: asset, price: priceText, size: sizeText, side, best_bid: priceText, best_ask: priceText }),
    { maxLength: 4 },
  ),
})
const otherFrame = fc.record({
  event_type: fc.constantFrom(
    'tick_size_change',
    'last_trade_price',
    'best_bid_ask',
    'market_resolved',
    'new_market',
    'nope',
  ),
  asset_id: asset,
  market: fc.constant(MARKET.conditionId),
  old_tick_size: priceText,
  new_tick_size: fc.constantFrom('0.01', '0.001', '0.1', '0', 'x'),
  price: priceText,
  size: sizeText,
  side,
  best_bid: priceText,
  best_ask: priceText,
  timestamp: ts,
})
/** A valid-looking event with one field replaced by anything at all. */
const mutated = fc
  .tuple(fc.oneof(bookFrame, priceChangeFrame, otherFrame), fc.string({ maxLength: 12 }), fc.anything())
  .map(([o, k, v]) => ({ ...o, [k === '' ? 'event_type' : k]: v }))
const frameText = fc.oneof(
  fc.oneof(bookFrame, priceChangeFrame, otherFrame, mutated).map((o) => JSON.stringify(o)),
  fc.array(fc.oneof(bookFrame, priceChangeFrame, mutated), { maxLength: 4 }).map((a) => JSON.stringify(a)),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 60 }),
  fc.constantFrom('PONG', '[]', '{}', 'null', '[null]', '{"event_type":"book"'),
)

function goodSnapshot(now: number): string {
  const bids = [0.4, 0.41, 0.42].map((p) => ({ price: p.toFixed(2), size: '100' }))
  const asks = [0.48, 0.47, 0.46].map((p) => ({ price: p.toFixed(2), size: '100' }))
  return JSON.stringify(
    TOKENS.map((t) => ({
      event_type: 'book',
      asset_id: t,
      market: MARKET.conditionId,
      bids,
      asks,
      timestamp: String(now),
    })),
  )
}

test(`the market channel: ${RUNS} random and mutated frame sequences never crash or corrupt a fresh book`, () => {
  let frames = 0
  let freshChecked = 0
  fc.assert(
    fc.property(fc.array(frameText, { minLength: 1, maxLength: 25 }), (texts) => {
      const clock = createManualClock(1_800_000_000_000)
      const ctx = createTestContext({ stage: 'book', plugin: 'clob-ws', clock })
      const data = createMarketData({
        clock: ctx.clock,
        log: ctx.log,
        metrics: ctx.metrics,
        markDirty: ctx.markDirty,
        requestSnapshot: () => {},
        cancelSnapshot: () => {},
        verifyHash: false,
        checkBestBidAsk: true,
        tradeWindowMs: 60_000,
        snapshotWaitMs: 5000,
      })
      data.track([MARKET])
      const live = createLiveness('0', 15_000)
      live.opened(clock.now())
      data.attach(TOKENS, live)
      data.ingestFrame(goodSnapshot(clock.now()))
      for (const book of data.books()) expect(book.state).toBe('fresh')
      for (const text of texts) {
        clock.advance(10)
        frames++
        data.ingestFrame(text)
        for (const book of data.books()) {
          if (book.state !== 'fresh') continue
          freshChecked++
          const bids = book.bids()
          const asks = book.asks()
          for (const l of [...bids, ...asks]) {
            expect(l.price).toBeGreaterThan(0)
            expect(l.price).toBeLessThan(1)
            expect(l.size).toBeGreaterThan(0)
            expect(Math.abs(l.price / book.tickSize - Math.round(l.price / book.tickSize))).toBeLessThan(1e-6)
          }
          const bb = book.bestBid()
          const ba = book.bestAsk()
          if (bb && ba) expect(bb.price).toBeLessThan(ba.price)
        }
      }
    }),
    { numRuns: RUNS, seed: 20261204 },
  )
  // The property bites only if books stay fresh through some of the garbage: most frames must be refused cleanly.
  expect(freshChecked).toBeGreaterThan(frames / 2)
  console.log(`market channel: ${RUNS} sequences, ${frames} frames tried, ${freshChecked} fresh books checked`)
}, 60_000)

test(`decodeEvent: ${RUNS * 5} arbitrary values end in an event or a named failure, never an exception`, () => {
  let tried = 0
  fc.assert(
    fc.property(fc.oneof(fc.anything(), mutated, bookFrame, priceChangeFrame, otherFrame), (raw) => {
      tried++
      const r = decodeEvent(raw)
      if (!r.ok) {
        expect(['schema', 'unknown_event']).toContain(r.kind)
        expect(typeof r.message).toBe('string')
        expect(r.message.length).toBeGreaterThan(0)
      } else expect(typeof r.event.event_type).toBe('string')
    }),
    { numRuns: RUNS * 5, seed: 7 },
  )
  console.log(`decodeEvent: ${tried} inputs tried`)
}, 60_000)
