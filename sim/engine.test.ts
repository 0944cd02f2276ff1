import { describe, expect, test } from 'bun:test'
import { createEngine, type EngineEvent, ERR, type PlaceInput } from './engine.ts'
import { buildMarkets, ScenarioSchema } from './scenario.ts'

const M = 1_000_000
const scenario = ScenarioSchema.parse({
  markets: [
    { slug: 'alpha', question: 'Alpha?', tick_size: 0.01, min_order_size: 5 },
    { slug: 'fee', question: 'Fee?', tick_size: 0.01, fee_rate_bps: 1000, fee_exponent: 1 },
  ],
})
const specs = buildMarkets(scenario, 0)
const alpha = specs[0]!
const feeMkt = specs[1]!
const [YES, NO] = alpha.tokens

let idn = 0
function setup(events: EngineEvent[] = []) {
  let t = 1_000_000
  const eng = createEngine({ markets: specs, now: () => t++, onEvent: (e) => events.push(e) })
  const place = (address: string, p: Partial<PlaceInput> & Pick<PlaceInput, 'tokenId' | 'side' | 'price' | 'size'>) =>
    eng.place({
      id: `0x${(++idn).toString(16).padStart(64, '0')}`,
      owner: `key-${address}`,
      address,
      orderType: 'GTC',
      ...p,
    })
  return { eng, place }
}
const px = (p: number) => Math.round(p * 10_000)

describe('matching', () => {
  test('a crossing BUY YES fills against a resting SELL YES at the maker price and settles', () => {
    const { eng, place } = setup()
    eng.setBalances('0xa', undefined, { [YES]: 100 * M })
    const ask = place('0xa', { tokenId: YES, side: 'SELL', price: px(0.55), size: 100 * M })
    expect(ask.ok).toBe(true)
    const r = place('0xb', { tokenId: YES, side: 'BUY', price: px(0.6), size: 40 * M })
    if (!r.ok) throw new Error(r.errorMsg)
    expect(r.status).toBe('matched')
    expect(r.trades).toHaveLength(1)
    expect(r.trades[0]?.price).toBe(px(0.55))
    const a = eng.findAccount('0xa')!
    const b = eng.findAccount('0xb')!
    expect(b.tokens.get(YES)).toBe(40 * M)
    expect(b.cash).toBe(10_000 * M - 22 * M)
    expect(a.cash).toBe(10_000 * M + 22 * M)
    expect(a.tokens.get(YES)).toBe(60 * M)
    // The rest of the ask still rests with its reservation reduced.
    expect(a.reservedTokens.get(YES)).toBe(60 * M)
    expect(eng.markets[0]?.book.asks[px(0.55)]?.total).toBe(60 * M)
  })

  test('partial fill of the taker rests the remainder and reserves only what rests', () => {
    const { eng, place } = setup()
    eng.setBalances('0xa', undefined, { [YES]: 10 * M })
    place('0xa', { tokenId: YES, side: 'SELL', price: px(0.5), size: 10 * M })
    const r = place('0xb', { tokenId: YES, side: 'BUY', price: px(0.5), size: 30 * M })
    if (!r.ok) throw new Error(r.errorMsg)
    expect(r.order.matched).toBe(10 * M)
    expect(r.order.remaining).toBe(20 * M)
    expect(r.order.resting).toBe(true)
    expect(eng.findAccount('0xb')!.reservedCash).toBe(10 * M)
    expect(eng.markets[0]?.book.bestBid).toBe(px(0.5))
  })

  test('price-time priority: better price first, then earlier order at the same price', () => {
    const { eng, place } = setup()
    for (const who of ['0x1', '0x2', '0x3']) eng.setBalances(who, undefined, { [YES]: 10 * M })
    const first = place('0x1', { tokenId: YES, side: 'SELL', price: px(0.52), size: 10 * M })
    const second = place('0x2', { tokenId: YES, side: 'SELL', price: px(0.52), size: 10 * M })
    const better = place('0x3', { tokenId: YES, side: 'SELL', price: px(0.51), size: 10 * M })
    const r = place('0xb', { tokenId: YES, side: 'BUY', price: px(0.52), size: 15 * M })
    if (!r.ok || !first.ok || !second.ok || !better.ok) throw new Error('rejected')
    expect(better.order.status).toBe('MATCHED')
    expect(first.order.matched).toBe(5 * M)
    expect(second.order.matched).toBe(0)
    expect(r.trades.map((t) => t.price)).toEqual([px(0.51), px(0.52)])
  })

  test('BUY NO rests as a YES ask at 1-p and a BUY YES fills it by minting', () => {
    const { eng, place } = setup()
    const no = place('0xa', { tokenId: NO, side: 'BUY', price: px(0.4), size: 50 * M })
    if (!no.ok) throw new Error(no.errorMsg)
    expect(eng.markets[0]?.book.bestAsk).toBe(px(0.6))
    const r = place('0xb', { tokenId: YES, side: 'BUY', price: px(0.6), size: 50 * M })
    if (!r.ok) throw new Error(r.errorMsg)
    const a = eng.findAccount('0xa')!
    const b = eng.findAccount('0xb')!
    expect(a.tokens.get(NO)).toBe(50 * M)
    expect(b.tokens.get(YES)).toBe(50 * M)
    expect(a.cash).toBe(10_000 * M - 20 * M)
    expect(b.cash).toBe(10_000 * M - 30 * M)
    expect(a.reservedCash).toBe(0)
    // The maker's fill is reported at its own (NO) price.
    expect(r.trades[0]?.makers[0]?.price).toBe(px(0.4))
  })

  test('SELL YES against a resting SELL NO merges: both sellers get collateral', () => {
    const { eng, place } = setup()
    eng.setBalances('0xa', undefined, { [NO]: 20 * M })
    eng.setBalances('0xb', undefined, { [YES]: 20 * M })
    place('0xa', { tokenId: NO, side: 'SELL', price: px(0.3), size: 20 * M })
    expect(eng.markets[0]?.book.bestBid).toBe(px(0.7))
    const r = place('0xb', { tokenId: YES, side: 'SELL', price: px(0.7), size: 20 * M })
    if (!r.ok) throw new Error(r.errorMsg)
    expect(eng.findAccount('0xa')!.cash).toBe(10_000 * M + 6 * M)
    expect(eng.findAccount('0xb')!.cash).toBe(10_000 * M + 14 * M)
    expect(eng.findAccount('0xa')!.tokens.get(NO)).toBe(0)
    expect(eng.findAccount('0xb')!.tokens.get(YES)).toBe(0)
  })

  test('taker pays the fee; maker pays none', () => {
    const { eng, place } = setup()
    const [fy] = feeMkt.tokens
    eng.setBalances('0xa', undefined, { [fy]: 100 * M })
    place('0xa', { tokenId: fy, side: 'SELL', price: px(0.5), size: 100 * M })
    place('0xb', { tokenId: fy, side: 'BUY', price: px(0.5), size: 100 * M })
    // fee = 100 shares * 0.1 * (0.5*0.5)^1 = 2.5 pUSD
    expect(eng.findAccount('0xb')!.cash).toBe(10_000 * M - 50 * M - 2.5 * M)
    expect(eng.findAccount('0xa')!.cash).toBe(10_000 * M + 50 * M)
  })
})

describe('rejections', () => {
  test('post-only that would cross is rejected and changes nothing', () => {
    const { eng, place } = setup()
    eng.setBalances('0xa', undefined, { [YES]: 10 * M })
    place('0xa', { tokenId: YES, side: 'SELL', price: px(0.5), size: 10 * M })
    const r = place('0xb', { tokenId: YES, side: 'BUY', price: px(0.5), size: 10 * M, postOnly: true })
    expect(r).toEqual({ ok: false, errorMsg: ERR.postOnlyCross })
    // A post-only BUY NO at 0.5 is a YES ask at 0.5: it does not cross a YES ask.
    const ok = place('0xb', { tokenId: NO, side: 'BUY', price: px(0.5), size: 10 * M, postOnly: true })
    expect(ok.ok).toBe(true)
    const fak = place('0xb', {
      tokenId: YES,
      side: 'BUY',
      price: px(0.4),
      size: 10 * M,
      postOnly: true,
      orderType: 'FAK',
    })
    expect(fak).toEqual({ ok: false, errorMsg: ERR.postOnlyType })
  })

  test('tick, minimum size, duplicate and unknown token', () => {
    const { eng, place } = setup()
    expect(place('0xb', { tokenId: YES, side: 'BUY', price: 5050, size: 10 * M })).toEqual({
      ok: false,
      errorMsg: ERR.tick,
    })
    expect(place('0xb', { tokenId: YES, side: 'BUY', price: 0, size: 10 * M })).toEqual({
      ok: false,
      errorMsg: ERR.tick,
    })
    expect(place('0xb', { tokenId: YES, side: 'BUY', price: px(0.5), size: 4 * M })).toEqual({
      ok: false,
      errorMsg: ERR.minSize,
    })
    const input = {
      id: '0xdup',
      owner: 'k',
      address: '0xb',
      tokenId: YES,
      side: 'BUY' as const,
      price: px(0.3),
      size: 5 * M,
      orderType: 'GTC' as const,
    }
    expect(eng.place(input).ok).toBe(true)
    expect(eng.place(input)).toEqual({ ok: false, errorMsg: ERR.duplicated })
    expect(place('0xb', { tokenId: '123', side: 'BUY', price: px(0.3), size: 5 * M }).ok).toBe(false)
  })

  test('balance reservation: open orders lock pUSD and shares', () => {
    const { eng, place } = setup()
    eng.setBalances('0xc', 100 * M)
    expect(place('0xc', { tokenId: YES, side: 'BUY', price: px(0.5), size: 150 * M }).ok).toBe(true)
    // 75 of 100 reserved; another 60 at 0.5 needs 30 > 25 free.
    expect(place('0xc', { tokenId: YES, side: 'BUY', price: px(0.5), size: 60 * M })).toEqual({
      ok: false,
      errorMsg: ERR.balance,
    })
    expect(place('0xc', { tokenId: NO, side: 'BUY', price: px(0.4), size: 62.5 * M }).ok).toBe(true)
    expect(eng.findAccount('0xc')!.reservedCash).toBe(100 * M)
    // Selling shares you do not hold is rejected.
    expect(place('0xc', { tokenId: YES, side: 'SELL', price: px(0.9), size: 5 * M })).toEqual({
      ok: false,
      errorMsg: ERR.balance,
    })
    // Cancel frees the reservation.
    expect(eng.cancelAll('0xc')).toHaveLength(2)
    expect(eng.findAccount('0xc')!.reservedCash).toBe(0)
  })

  test('FOK is killed when the book cannot fill it entirely; FAK fills what it can', () => {
    const { eng, place } = setup()
    eng.setBalances('0xa', undefined, { [YES]: 10 * M })
    place('0xa', { tokenId: YES, side: 'SELL', price: px(0.5), size: 10 * M })
    expect(place('0xb', { tokenId: YES, side: 'BUY', price: px(0.5), size: 20 * M, orderType: 'FOK' })).toEqual({
      ok: false,
      errorMsg: ERR.fok,
    })
    const fak = place('0xb', { tokenId: YES, side: 'BUY', price: px(0.5), size: 20 * M, orderType: 'FAK' })
    if (!fak.ok) throw new Error(fak.errorMsg)
    expect(fak.order.matched).toBe(10 * M)
    expect(fak.order.resting).toBe(false)
    expect(eng.findAccount('0xb')!.reservedCash).toBe(0)
  })
})

describe('events', () => {
  test('a trade emits price_change, trades, MATCHED trade status, then order events; cancel emits CANCELLATION', () => {
    const events: EngineEvent[] = []
    const { eng, place } = setup(events)
    eng.setBalances('0xa', undefined, { [YES]: 10 * M })
    const ask = place('0xa', { tokenId: YES, side: 'SELL', price: px(0.5), size: 10 * M })
    events.length = 0
    place('0xb', { tokenId: YES, side: 'BUY', price: px(0.5), size: 5 * M })
    expect(events.map((e) => (e.type === 'order' ? `order:${e.kind}` : e.type))).toEqual([
      'price_change',
      'trades',
      'trade_status',
      'order:PLACEMENT',
      'order:UPDATE',
    ])
    events.length = 0
    if (!ask.ok) throw new Error('x')
    expect(eng.cancel(ask.order.id, '0xA')).toBeUndefined()
    expect(eng.cancel(ask.order.id, '0xa')).toBe('already canceled or matched')
    expect(events.map((e) => e.type)).toEqual(['price_change', 'order'])
  })

  test('tick size becomes finer when the price trades beyond 0.96', () => {
    const events: EngineEvent[] = []
    const { eng, place } = setup(events)
    eng.setBalances('0xa', undefined, { [YES]: 10 * M })
    place('0xa', { tokenId: YES, side: 'SELL', price: px(0.97), size: 10 * M })
    place('0xb', { tokenId: YES, side: 'BUY', price: px(0.97), size: 10 * M })
    const ev = events.find((e) => e.type === 'tick_size_change')
    expect(ev && ev.type === 'tick_size_change' ? [ev.oldTick, ev.newTick] : []).toEqual([100, 10])
    expect(place('0xb', { tokenId: YES, side: 'BUY', price: px(0.971), size: 10 * M }).ok).toBe(true)
  })

  test('GTD orders need an expiration beyond one minute and are cancelled when it passes', () => {
    const events: EngineEvent[] = []
    const { eng, place } = setup(events)
    const nowSec = Math.floor(eng.now() / 1000)
    expect(
      place('0xb', {
        tokenId: YES,
        side: 'BUY',
        price: px(0.3),
        size: 5 * M,
        orderType: 'GTD',
        expiration: nowSec + 30,
      }),
    ).toEqual({
      ok: false,
      errorMsg: ERR.expiration,
    })
    const r = place('0xb', {
      tokenId: YES,
      side: 'BUY',
      price: px(0.3),
      size: 5 * M,
      orderType: 'GTD',
      expiration: nowSec + 120,
    })
    if (!r.ok) throw new Error(r.errorMsg)
    expect(eng.expire((nowSec + 119) * 1000)).toEqual([])
    expect(eng.expire((nowSec + 120) * 1000)).toEqual([r.order.id])
    expect(r.order.status).toBe('CANCELED')
    expect(eng.findAccount('0xb')!.reservedCash).toBe(0)
  })

  test('batch: several resting orders leave as one price_change with one entry per level', () => {
    const events: EngineEvent[] = []
    const { eng, place } = setup(events)
    eng.batch(() => {
      place('0xb', { tokenId: YES, side: 'BUY', price: px(0.3), size: 5 * M })
      place('0xb', { tokenId: YES, side: 'BUY', price: px(0.3), size: 6 * M })
      place('0xb', { tokenId: NO, side: 'BUY', price: px(0.6), size: 7 * M })
    })
    const pcs = events.filter((e) => e.type === 'price_change')
    expect(pcs).toHaveLength(1)
    const pc = pcs[0]
    expect(pc?.type === 'price_change' ? pc.changes.map((c) => [c.ySide, c.price, c.total]) : []).toEqual([
      [0, px(0.3), 11 * M],
      [1, px(0.4), 7 * M],
    ])
  })
})
