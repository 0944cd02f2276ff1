import { expect, test } from 'bun:test'
import { restBookHash, wsBookHash } from './hash.ts'
import { FIXTURES } from './test-support/fixture-server.ts'
import { BookEventSchema } from './wire.ts'

// The hash of a real server book is reproduced in tests/captures/book-hash.test.ts; these check the same
// rules on the project's own deep book (tests/fixtures/wire/ws_book_deep.json).

test('a book event hash is reproduced (REST summary order, min_order_size 5, neg_risk false)', async () => {
  const raw = await Bun.file(`${FIXTURES}/ws_book_deep.json`).json()
  const ev = BookEventSchema.parse(raw)
  expect(wsBookHash(ev, 5, false)).toBe(raw.hash)
  // Any other market metadata gives another hash: the check can fail.
  expect(wsBookHash(ev, 15, false)).not.toBe(ev.hash)
  expect(wsBookHash(ev, 5, true)).not.toBe(ev.hash)
  // A book event without tick_size / last_trade_price cannot be verified.
  expect(wsBookHash({ ...ev, tick_size: undefined }, 5, false)).toBeUndefined()
})

test('a REST /book body hashes in its own key order', async () => {
  const raw = await Bun.file(`${FIXTURES}/ws_book_deep.json`).json()
  const { event_type: _drop, ...summary } = raw
  const ordered = {
    market: summary.market,
    asset_id: summary.asset_id,
    timestamp: summary.timestamp,
    hash: summary.hash,
    bids: summary.bids,
    asks: summary.asks,
    min_order_size: '5',
    tick_size: summary.tick_size,
    neg_risk: false,
    last_trade_price: summary.last_trade_price,
  }
  expect(restBookHash(ordered)).toBe(raw.hash)
  expect(restBookHash({ ...ordered, min_order_size: '15' })).not.toBe(raw.hash)
})
