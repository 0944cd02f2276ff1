import { describe, expect, test } from 'bun:test'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { decodeEvent } from '../../plugins/book/clob-ws/wire.ts'
import { buildMarket, GammaMarketSchema } from '../../plugins/enrich/gamma/gamma-market.ts'
import { submitEvent } from '../../plugins/execute/clob/order-state.ts'
import { parseUserFrame } from '../../plugins/execute/clob/user-channel-wire.ts'

/** The parsers read every real capture they are meant for, with the meaning the captures carry. */
export function decodeTests(captures: string): void {
  const text = (name: string) => readFileSync(join(captures, name), 'utf8')
  const json = (name: string) => JSON.parse(text(name)) as Record<string, unknown>

  describe('real market-channel captures decode', () => {
    test('book, best_bid_ask, tick size, last trade, new_market, resolved and price_change', () => {
      for (const name of [
        'ws_book_snapshot_captured.json',
        'ws_market_book_msg.json',
        'ws_market_best_bid_ask_msg.json',
        'ws_market_tick_size_msg.json',
        'ws_market_last_trade_msg.json',
        'ws_market_new_market_msg.json',
        'ws_market_resolved_msg.json',
        'ws_market_price_change_msg.json',
      ]) {
        const r = decodeEvent(json(name))
        if (!r.ok) throw new Error(`${name}: ${r.message}`)
      }
    })
  })

  describe('real user-channel captures parse', () => {
    test('every order capture is an order event with its type and status', () => {
      const cases: [string, string, string][] = [
        ['ws_user_order_placement.json', 'PLACEMENT', 'LIVE'],
        ['ws_user_order_update.json', 'UPDATE', 'LIVE'],
        ['ws_user_order_matched.json', 'UPDATE', 'MATCHED'],
        ['ws_user_order_cancellation.json', 'CANCELLATION', 'CANCELED'],
        ['ws_user_order_venue_cancel.json', 'CANCELLATION', 'INVALID'],
        ['ws_user_order_msg.json', 'PLACEMENT', 'LIVE'],
      ]
      for (const [file, type, status] of cases) {
        const { events, rejected } = parseUserFrame(text(file))
        expect(rejected).toEqual([])
        const e = events[0]
        expect(e?.kind === 'order' && [e.order.type, e.order.status]).toEqual([type, status])
      }
    })

    test('the killed FOK, the batch frame, the trade and the REST trades page', () => {
      const fok = parseUserFrame(text('ws_user_order_fok_killed.json')).events[0]
      expect(fok?.kind === 'order' && fok.order.size_matched).toBe(0)
      expect(parseUserFrame(text('ws_user_batch_msg.json')).events.map((e) => e.kind)).toEqual(['order', 'trade'])
      expect(parseUserFrame(text('ws_user_trade.json')).events.map((e) => e.kind)).toEqual(['trade'])
      const page = json('http_trades_page.json') as { data: unknown[] }
      expect(parseUserFrame(JSON.stringify(page.data)).events.map((e) => e.kind)).toEqual(['trade'])
    })

    test('the recorded batch answer: accepted, refused for balance, refused for crossing', () => {
      const raw: unknown = JSON.parse(text('http_batch_order_response.json'))
      if (!Array.isArray(raw)) throw new Error('the batch answer is not a list')
      expect(raw.map((body) => submitEvent({ kind: 'response', httpStatus: 200, body }, 'BUY'))).toEqual([
        { kind: 'submit-accepted', status: 'live' },
        { kind: 'submit-rejected', reason: 'not enough balance / allowance: the balance is not enough' },
        { kind: 'submit-rejected', reason: 'invalid post-only order: order crosses book' },
      ])
    })
  })

  describe('real Gamma markets', () => {
    test('every gamma_market capture parses, legacy ones included', () => {
      const files = readdirSync(captures).filter((f) => f.startsWith('gamma_market'))
      expect(files.length).toBeGreaterThan(5)
      for (const f of files) expect(GammaMarketSchema.safeParse(json(f)).success).toBe(true)
    })

    test('the open BTC market builds the Market its fields say', () => {
      // The capture predates Gamma's `version` field (§7.1): it is a V1 market, read as one.
      const g = GammaMarketSchema.parse({ version: 'v1', ...(json('gamma_market.json') as object) })
      const [token1 = '', token2 = ''] = g.clobTokenIds ?? []
      expect(buildMarket({ token1, token2, origin: 'r' }, g)).toMatchObject({
        kind: 'market',
        market: {
          conditionId: '0x78443f961b9a65869dcb39359de9960165c7e5cbad0904eac7f29cd77872a63b',
          question: 'Bitcoin Up or Down - March 12, 5:20AM-5:25AM ET',
          tickSize: 0.01,
          minOrderSize: 5,
          endDate: Date.UTC(2026, 2, 12, 9, 25),
          rewardsMinSize: 50,
          rewardsMaxSpread: 4.5,
          feeRateBps: 1000,
        },
      })
    })

    test('the closed legacy market is not tradable even when reopened', () => {
      const g = GammaMarketSchema.parse({ ...json('gamma_market_closed_zero_zero_legacy.json'), closed: false })
      const [token1 = '', token2 = ''] = g.clobTokenIds ?? []
      expect(buildMarket({ token1, token2, origin: 'r' }, g)).toMatchObject({ kind: 'excluded', severity: 'unusable' })
    })
  })
}
