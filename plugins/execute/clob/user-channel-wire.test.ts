import { describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { tradeToFills } from './fills.ts'
import { parseUserFrame, toMs } from './user-channel-wire.ts'

const FIX = join(import.meta.dir, '../../../tests/fixtures/wire')
const fixture = (name: string) => readFileSync(join(FIX, name), 'utf8')
const OURS = '7f3e2a10-5b6c-4d8e-9f01-23456789abcd'
const us = (key: string) => ({ apiKeys: [key], funder: `0x${'ab'.repeat(20)}` })

describe('user channel frames', () => {
  test('every order fixture parses as an order event with its status', () => {
    const cases: [string, string, string][] = [
      ['ws_user_order_placement.json', 'PLACEMENT', 'LIVE'],
      ['ws_user_order_update.json', 'UPDATE', 'LIVE'],
      ['ws_user_order_matched.json', 'UPDATE', 'MATCHED'],
      ['ws_user_order_cancellation.json', 'CANCELLATION', 'CANCELED'],
      ['ws_user_order_venue_cancel.json', 'CANCELLATION', 'INVALID'],
      ['ws_user_order_msg.json', 'PLACEMENT', 'LIVE'],
    ]
    for (const [file, type, status] of cases) {
      const { events, rejected } = parseUserFrame(fixture(file))
      expect(rejected).toEqual([])
      const e = events[0]
      expect(e?.kind).toBe('order')
      if (e?.kind === 'order') {
        expect(e.order.type).toBe(type)
        expect(e.order.status).toBe(status)
      }
    }
  })

  test('a killed FOK with an empty size_matched parses, matched as 0', () => {
    const { events } = parseUserFrame(fixture('ws_user_order_fok_killed.json'))
    const e = events[0]
    expect(e?.kind === 'order' && e.order.size_matched).toBe(0)
    expect(e?.kind === 'order' && e.order.status.startsWith('CANCELED')).toBe(true)
  })

  test('a batch frame yields the order and the trade in order', () => {
    const { events } = parseUserFrame(fixture('ws_user_batch_msg.json'))
    expect(events.map((e) => e.kind)).toEqual(['order', 'trade'])
  })

  test('PONG and malformed frames yield no events; bad objects are reported, not thrown', () => {
    expect(parseUserFrame('PONG').events).toEqual([])
    expect(parseUserFrame('{"event_type":"trade","id":').rejected.length).toBe(1)
    const r = parseUserFrame(JSON.stringify([{ event_type: 'trade', id: 'x' }, { event_type: 'order' }]))
    expect(r.events).toEqual([])
    expect(r.rejected.length).toBe(2)
  })

  test('timestamps in ms, seconds and ISO all become ms', () => {
    expect(toMs('1725958682125')).toBe(1725958682125)
    expect(toMs('1725958681')).toBe(1725958681000)
    expect(toMs('2024-01-01T00:00:00Z')).toBe(Date.UTC(2024, 0, 1))
    expect(toMs('')).toBeUndefined()
  })
})

describe('our fills in a trade', () => {
  test('taker trade: the top level is our fill', () => {
    const { events } = parseUserFrame(fixture('ws_user_trade.json'))
    const e = events[0]
    if (e?.kind !== 'trade') throw new Error('expected a trade')
    const fills = tradeToFills(e.trade, us(OURS), 0)
    expect(fills).toHaveLength(1)
    expect(fills[0]).toMatchObject({ role: 'TAKER', side: 'BUY', price: 0.42, size: 15, status: 'CONFIRMED' })
    expect(fills[0]?.timestamp).toBe(Date.UTC(2025, 10, 20, 14, 30))
    // The maker in the same trade is someone else: not ours.
    expect(tradeToFills(e.trade, us('c0ffee00-1111-4222-8333-444455556666'), 0).map((f) => f.role)).toEqual(['MAKER'])
  })

  test('maker trade: our maker_orders entries, including a complementary-token one at 1 − p', () => {
    const yes = '111'
    const no = '222'
    const trade = {
      event_type: 'trade',
      id: 't1',
      taker_order_id: '0xtaker',
      market: '0xm',
      asset_id: yes,
      side: 'BUY',
      size: '20',
      price: '0.518',
      status: 'MATCHED',
      match_time: '1725958681',
      owner: OURS,
      trade_owner: 'someone-else',
      trader_side: 'MAKER',
      maker_orders: [
        { order_id: '0xa', owner: OURS, matched_amount: '5', price: '0.518', asset_id: yes, fee_rate_bps: '0' },
        { order_id: '0xb', owner: OURS, matched_amount: '7', price: '0.482', asset_id: no, fee_rate_bps: '0' },
        { order_id: '0xc', owner: 'other', matched_amount: '8', price: '0.518', asset_id: yes, fee_rate_bps: '0' },
      ],
    }
    const { events } = parseUserFrame(JSON.stringify(trade))
    const e = events[0]
    if (e?.kind !== 'trade') throw new Error('expected a trade')
    const fills = tradeToFills(e.trade, us(OURS), 0)
    expect(fills.map((f) => [f.orderId, f.tokenId, f.side, f.price, f.size, f.role])).toEqual([
      ['0xa', yes, 'SELL', 0.518, 5, 'MAKER'], // same token: the other side of a taker BUY
      ['0xb', no, 'BUY', 0.482, 7, 'MAKER'], // complementary token: both bought (mint)
    ])
    expect(fills.every((f) => f.timestamp === 1725958681000)).toBe(true)
  })

  test('REST /data/trades items parse with the same schema', () => {
    const page = JSON.parse(fixture('http_trades_page.json')) as { data: unknown[] }
    const { events } = parseUserFrame(JSON.stringify(page.data))
    expect(events.map((e) => e.kind)).toEqual(['trade'])
    const e = events[0]
    if (e?.kind !== 'trade') throw new Error('expected a trade')
    expect(tradeToFills(e.trade, us(OURS), 0)[0]).toMatchObject({ status: 'MINED', size: 12, role: 'TAKER' })
  })
})

describe('production spellings (protocol doc §7.4, §7.6)', () => {
  const base = {
    id: 't9',
    taker_order_id: '0xtaker',
    market: '0xm',
    asset_id: '111',
    side: 'BUY',
    size: '10',
    price: '0.5',
    match_time: '1760000000',
    owner: OURS,
    trade_owner: OURS,
    trader_side: 'TAKER',
    maker_orders: [],
  }

  test('REST trades with prefixed statuses are fills with the plain status', () => {
    for (const [wire, plain] of [
      ['TRADE_STATUS_MATCHED', 'MATCHED'],
      ['TRADE_STATUS_MATCHED_NOT_BROADCASTED', 'MATCHED_NOT_BROADCASTED'],
      ['TRADE_STATUS_MINED', 'MINED'],
      ['TRADE_STATUS_CONFIRMED', 'CONFIRMED'],
      ['TRADE_STATUS_RETRYING', 'RETRYING'],
      ['TRADE_STATUS_FAILED', 'FAILED'],
    ] as const) {
      const { events, rejected } = parseUserFrame(JSON.stringify([{ ...base, status: wire }]))
      expect(rejected).toEqual([])
      const e = events[0]
      if (e?.kind !== 'trade') throw new Error('expected a trade')
      expect(e.trade.status).toBe(plain)
      expect(e.trade.unknownStatus).toBeUndefined()
      expect(tradeToFills(e.trade, us(OURS), 0).map((f) => f.status)).toEqual([plain])
    }
  })

  test('orders with prefixed statuses read as the plain status', () => {
    const order = { id: '0xo', asset_id: '111', market: '0xm', side: 'BUY', price: '0.5', original_size: '10' }
    for (const [wire, plain] of [
      ['ORDER_STATUS_LIVE', 'LIVE'],
      ['ORDER_STATUS_MATCHED', 'MATCHED'],
      ['ORDER_STATUS_CANCELED', 'CANCELED'],
      ['ORDER_STATUS_CANCELED_MARKET_RESOLVED', 'CANCELED_MARKET_RESOLVED'],
      ['LIVE', 'LIVE'],
    ] as const) {
      const e = parseUserFrame(JSON.stringify({ ...order, status: wire, size_matched: '0' })).events[0]
      expect(e?.kind === 'order' && e.order.status).toBe(plain)
    }
  })

  test('"" for an absent decimal, side or trader side does not lose the trade', () => {
    const frame = {
      ...base,
      event_type: 'trade',
      status: 'MATCHED',
      fee_rate_bps: '',
      trader_side: '',
      maker_orders: [
        {
          order_id: '0xa',
          owner: OURS,
          matched_amount: '5',
          price: '0.5',
          asset_id: '111',
          side: '',
          fee_rate_bps: '',
        },
      ],
    }
    const { events, rejected } = parseUserFrame(JSON.stringify(frame))
    expect(rejected).toEqual([])
    const e = events[0]
    if (e?.kind !== 'trade') throw new Error('expected a trade')
    expect(e.trade.fee_rate_bps).toBe(0)
    expect(tradeToFills(e.trade, us(OURS), 0).map((f) => [f.role, f.side, f.size])).toEqual([
      ['TAKER', 'BUY', 10],
      ['MAKER', 'SELL', 5],
    ])
  })
})
