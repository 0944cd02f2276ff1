import { expect, test } from 'bun:test'
import fc from 'fast-check'
import { createAccount } from '../../../pipeline/account.ts'
import { tradeToFills } from './fills.ts'
import { TRADE_STATUSES } from './statuses.ts'
import { parseUserFrame, tradeTime } from './user-channel-wire.ts'

/**
 * Property: any user-channel frame ends as validated events plus named rejections, one per item: never an
 * exception, never an event whose fields the executor could not read (a trade without id, status or size).
 */
const RUNS = 2000
const dec = fc.oneof(
  fc.integer({ min: 0, max: 1000 }).map(String),
  fc.constantFrom('', '-1', 'x', '1e5', '0.5'),
  fc.double().map(String),
)
const maker = fc.record({
  order_id: fc.string({ maxLength: 8 }),
  owner: fc.string({ maxLength: 6 }),
  asset_id: fc.string({ maxLength: 6 }),
  matched_amount: dec,
  price: dec,
  side: fc.constantFrom('BUY', 'SELL', 'buy', ''),
  outcome: fc.constantFrom('Yes', 'No'),
})
const trade = fc.record({
  event_type: fc.constantFrom('trade', 'TRADE', undefined),
  type: fc.constantFrom('TRADE', undefined),
  id: fc.string({ maxLength: 10 }),
  taker_order_id: fc.string({ maxLength: 10 }),
  market: fc.string({ maxLength: 10 }),
  asset_id: fc.string({ maxLength: 10 }),
  side: fc.constantFrom('BUY', 'SELL', 'sell', 'X'),
  size: dec,
  price: dec,
  status: fc.constantFrom(...TRADE_STATUSES, 'matched', 'UNKNOWN', ''),
  match_time: fc.oneof(dec, fc.integer()),
  maker_orders: fc.array(maker, { maxLength: 3 }),
  trader_side: fc.constantFrom('TAKER', 'MAKER', 'x'),
  owner: fc.string({ maxLength: 6 }),
})
const order = fc.record({
  event_type: fc.constantFrom('order', undefined),
  id: fc.string({ maxLength: 10 }),
  type: fc.constantFrom('PLACEMENT', 'UPDATE', 'CANCELLATION', 'weird'),
  market: fc.string({ maxLength: 10 }),
  asset_id: fc.string({ maxLength: 10 }),
  side: fc.constantFrom('BUY', 'SELL', ''),
  price: dec,
  original_size: dec,
  size_matched: dec,
  status: fc.string({ maxLength: 10 }),
})
const mutated = fc
  .tuple(
    fc.oneof(trade, order),
    fc.constantFrom('id', 'size', 'price', 'status', 'maker_orders', 'side', 'event_type', 'x'),
    fc.anything(),
  )
  .map(([o, k, v]) => ({ ...o, [k]: v }))
const item = fc.oneof(trade, order, mutated, fc.anything())
const frame = fc.oneof(
  item.map((o) => JSON.stringify(o) ?? 'undefined'),
  fc.array(item, { maxLength: 5 }).map((a) => JSON.stringify(a)),
  fc.string({ maxLength: 40 }),
  fc.constantFrom('PONG', 'PING', '', '[', 'null', '[]'),
)

test(`user channel: ${RUNS} random and mutated frames end in events or named rejections`, () => {
  let tried = 0
  let events = 0
  let rejected = 0
  fc.assert(
    fc.property(frame, (text) => {
      tried++
      const r = parseUserFrame(text)
      for (const why of r.rejected) expect(typeof why === 'string' && why.length > 0).toBe(true)
      let parsed: unknown
      try {
        parsed = JSON.parse(text)
      } catch {
        parsed = undefined
      }
      if (Array.isArray(parsed)) expect(r.events.length + r.rejected.length).toBe(parsed.length)
      for (const e of r.events) {
        events++
        if (e.kind === 'trade') {
          expect(e.trade.id.length).toBeGreaterThan(0)
          expect(Number.isFinite(e.trade.size) && Number.isFinite(e.trade.price)).toBe(true)
          const t = tradeTime(e.trade)
          if (t !== undefined) expect(Number.isFinite(t)).toBe(true)
        } else expect(typeof e.order.id).toBe('string')
      }
      rejected += r.rejected.length
    }),
    { numRuns: RUNS, seed: 11 },
  )
  expect(events).toBeGreaterThan(0)
  expect(rejected).toBeGreaterThan(0)
  console.log(`user channel: ${tried} frames tried, ${events} events accepted, ${rejected} rejected by name`)
}, 60_000)

/**
 * Found by this property: the trade schema accepts any finite number, so a frame with a negative size or a price
 * outside (0, 1) became a fill and moved the account (a BUY of −5 shares at 1.7 was counted). tradeToFills now
 * leaves such entries out by name.
 */
test('user channel: no frame moves the account by a fill with size ≤ 0 or a price outside (0, 1)', () => {
  fc.assert(
    fc.property(fc.array(frame, { maxLength: 6 }), (texts) => {
      const account = createAccount()
      for (const text of texts) {
        for (const e of parseUserFrame(text).events) {
          if (e.kind !== 'trade') continue
          for (const f of tradeToFills(
            e.trade,
            { apiKeys: [e.trade.owner], funder: `0x${'ab'.repeat(20)}` },
            0,
            () => true,
          )) {
            account.applyFill(f)
            expect(f.size).toBeGreaterThan(0)
            expect(f.price).toBeGreaterThan(0)
            expect(f.price).toBeLessThan(1)
          }
        }
      }
    }),
    { numRuns: RUNS, seed: 12 },
  )
}, 60_000)
