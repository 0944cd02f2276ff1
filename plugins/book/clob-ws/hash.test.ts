import { expect, test } from 'bun:test'
import { restBookHash, wsBookHash } from './hash.ts'
import { BookEventSchema } from './wire.ts'

test('the captured 2026 book event hash is reproduced (REST summary order, min_order_size 5, neg_risk false)', async () => {
  const raw = await Bun.file('/work/shared/fixtures/polymarket/ws_book_snapshot_captured.json').json()
  const ev = BookEventSchema.parse(raw)
  expect(wsBookHash(ev, 5, false)).toBe('ed47eb91f3c7985fac1cb18cb7c19535eddd3c0a')
  // Any other market metadata gives another hash: the check can fail.
  expect(wsBookHash(ev, 15, false)).not.toBe(ev.hash)
  expect(wsBookHash(ev, 5, true)).not.toBe(ev.hash)
  // A book event without tick_size / last_trade_price cannot be verified.
  expect(wsBookHash({ ...ev, tick_size: undefined }, 5, false)).toBeUndefined()
})

test('a REST /book body hashes in its own key order', async () => {
  const raw = await Bun.file('/work/shared/fixtures/polymarket/ws_book_snapshot_captured.json').json()
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
  expect(restBookHash(ordered)).toBe('ed47eb91f3c7985fac1cb18cb7c19535eddd3c0a')
})
