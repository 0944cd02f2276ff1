import { describe, expect, test } from 'bun:test'
import { FIXTURES as FIX } from './test-support/fixture-server.ts'
import { decodeEvent, isDecimal, isPriceChange, PriceChangeEventSchema, parseDecimal } from './wire.ts'

const fixture = async (name: string) => (await Bun.file(`${FIX}/${name}`).json()) as Record<string, unknown>

describe('decimal strings', () => {
  test('accepts plain non-negative decimals only', () => {
    for (const s of ['0', '0.5', '200', '3149725.72', '0.920', '150.0']) expect(isDecimal(s)).toBe(true)
    for (const s of ['', '-1', '1e3', '0x10', ' 1', '1.', '.5', '1.2.3', 'NaN', 'Infinity', 'abc']) {
      expect(isDecimal(s)).toBe(false)
    }
  })

  test('parses to exactly what Number() gives', () => {
    const samples = ['0.07', '0.57', '3149725.72', '0.920', '1786604072222', '0.0025', '99999999999999999999.5']
    for (let i = 0; i < 20_000; i++) samples.push((i * 7.31).toFixed(i % 7), (i / 9973).toFixed(1 + (i % 12)))
    for (const s of samples) expect(parseDecimal(s)).toBe(Number(s))
  })
})

describe('market events', () => {
  test('the book, best_bid_ask, tick size, last trade and new_market fixtures decode', async () => {
    for (const name of [
      'ws_book_deep.json',
      'ws_market_book_msg.json',
      'ws_market_best_bid_ask_msg.json',
      'ws_market_tick_size_msg.json',
      'ws_market_last_trade_msg.json',
      'ws_market_new_market_msg.json',
      'ws_market_resolved_msg.json',
      'ws_market_price_change_msg.json',
    ]) {
      const r = decodeEvent(await fixture(name))
      if (!r.ok) throw new Error(`${name}: ${r.message}`)
      expect(r.ok).toBe(true)
    }
  })

  test('fixtures without event_type are refused, naming their asset', async () => {
    const r = decodeEvent(await fixture('ws_tick_size_change.json'))
    expect(r.ok).toBe(false)
    if (!r.ok) {
      expect(r.message).toContain('event_type')
      expect(r.assetIds).toHaveLength(1)
    }
  })

  test('all three price_change formats come out batched', () => {
    const flat = decodeEvent({
      event_type: 'price_change',
      asset_id: '1',
      market: '0x1',
      price: '0.5',
      side: 'BUY',
      size: '10',
      hash: 'h',
      timestamp: '5',
    })
    const nested = decodeEvent({
      event_type: 'price_change',
      asset_id: '1',
      market: '0x1',
      changes: [
        { price: '0.5', side: 'BUY', size: '10' },
        { price: '0.6', side: 'SELL', size: '0' },
      ],
      timestamp: '5',
    })
    if (!flat.ok || !nested.ok) throw new Error('old formats refused')
    expect(flat.event).toEqual({
      event_type: 'price_change',
      market: '0x1',
      timestamp: '5',
      price_changes: [{ asset_id: '1', price: '0.5', size: '10', side: 'BUY', hash: 'h' }],
    })
    expect(nested.event.event_type === 'price_change' && nested.event.price_changes).toEqual([
      { asset_id: '1', price: '0.5', size: '10', side: 'BUY' },
      { asset_id: '1', price: '0.6', size: '0', side: 'SELL' },
    ])
  })

  test('"" decimals decode as absent in every event that has them; a timestamp stays required', () => {
    const m = { market: '0x1', asset_id: '1', timestamp: '5' }
    for (const ev of [
      { ...m, event_type: 'book', bids: [{ price: '', size: '' }], asks: [], tick_size: '', last_trade_price: '' },
      { ...m, event_type: 'last_trade_price', price: '', size: '', side: 'SELL', fee_rate_bps: '' },
      { ...m, event_type: 'best_bid_ask', best_bid: '', best_ask: '', spread: '' },
      { ...m, event_type: 'tick_size_change', old_tick_size: '', new_tick_size: '' },
      { ...m, event_type: 'price_change', price: '', size: '', side: 'BUY' },
    ]) {
      const r = decodeEvent(ev)
      if (!r.ok) throw new Error(`${ev.event_type}: ${r.message}`)
    }
    expect(decodeEvent({ ...m, event_type: 'best_bid_ask', timestamp: '' }).ok).toBe(false)
  })

  test('unknown event types are told apart from malformed known ones', () => {
    const u = decodeEvent({ event_type: 'price_bump', asset_id: '1' })
    expect(u.ok === false && u.kind).toBe('unknown_event')
    const bad = decodeEvent({ event_type: 'book', asset_id: '1', market: '0x', bids: [{ price: 'x', size: '1' }] })
    expect(bad.ok === false && bad.kind).toBe('schema')
  })
})

describe('the price_change fast guard', () => {
  const base = {
    event_type: 'price_change',
    market: '0x1',
    timestamp: '1757908892351',
    price_changes: [
      { asset_id: '7', price: '0.5', size: '200', side: 'BUY', hash: 'abc', best_bid: '0.5', best_ask: '1' },
    ],
  }
  const mutations: [string, (o: typeof base & Record<string, unknown>) => void][] = [
    ['unchanged', () => {}],
    ['negative size', (o) => Object.assign(o.price_changes[0] as object, { size: '-5' })],
    ['numeric size', (o) => Object.assign(o.price_changes[0] as object, { size: 5 })],
    ['word price', (o) => Object.assign(o.price_changes[0] as object, { price: 'abc' })],
    ['lowercase side', (o) => Object.assign(o.price_changes[0] as object, { side: 'buy' })],
    ['empty best_ask', (o) => Object.assign(o.price_changes[0] as object, { best_ask: '' })],
    ['empty price and size', (o) => Object.assign(o.price_changes[0] as object, { price: '', size: '' })],
    ['no price', (o) => Object.assign(o.price_changes[0] as object, { price: undefined })],
    ['numeric best_bid', (o) => Object.assign(o.price_changes[0] as object, { best_bid: 0.5 })],
    ['empty timestamp', (o) => Object.assign(o, { timestamp: '' })],
    [
      'no best prices',
      (o) => Object.assign(o.price_changes[0] as object, { best_bid: undefined, best_ask: undefined }),
    ],
    ['null entry', (o) => Object.assign(o, { price_changes: [null] })],
    ['missing asset', (o) => Object.assign(o.price_changes[0] as object, { asset_id: '' })],
    ['numeric hash', (o) => Object.assign(o.price_changes[0] as object, { hash: 1 })],
    ['numeric timestamp', (o) => Object.assign(o, { timestamp: 17 })],
    ['no list', (o) => Object.assign(o, { price_changes: undefined })],
    ['empty list', (o) => Object.assign(o, { price_changes: [] })],
    ['extra field', (o) => Object.assign(o, { extra: 1 })],
  ]
  for (const [name, mutate] of mutations) {
    test(`agrees with the zod schema: ${name}`, () => {
      const o = structuredClone(base) as typeof base & Record<string, unknown>
      mutate(o)
      const json = JSON.parse(JSON.stringify(o))
      expect(isPriceChange(json)).toBe(PriceChangeEventSchema.safeParse(json).success)
    })
  }
})
