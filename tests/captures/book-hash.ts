import { describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { restBookHash, wsBookHash } from '../../plugins/book/clob-ws/hash.ts'
import { BookEventSchema } from '../../plugins/book/clob-ws/wire.ts'

/** The server's own hash of a real 2026 book is reproduced, so hash verification agrees with production. */
export function bookHashTests(captures: string): void {
  describe('book hash of a real server book', () => {
    const file = join(captures, 'ws_book_snapshot_captured.json')

    test('the captured 2026 book event hash is reproduced (REST summary order, min_order_size 5, neg_risk false)', async () => {
      const ev = BookEventSchema.parse(await Bun.file(file).json())
      expect(wsBookHash(ev, 5, false)).toBe('ed47eb91f3c7985fac1cb18cb7c19535eddd3c0a')
      expect(wsBookHash(ev, 15, false)).not.toBe(ev.hash)
    })

    test('the same book as a REST /book body hashes to the same value in its own key order', async () => {
      const { event_type: _drop, ...summary } = await Bun.file(file).json()
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
  })
}
