import { describe, expect, test } from 'bun:test'
import { createEngine, type EngineEvent } from './engine.ts'
import { buildMarkets, ScenarioSchema } from './scenario.ts'
import { wsPriceChange } from './wire.ts'

const M = 1_000_000
const specs = buildMarkets(
  ScenarioSchema.parse({ markets: [{ slug: 'alpha', question: 'Alpha?', tick_size: 0.01, min_order_size: 5 }] }),
  0,
)
const alpha = specs[0]
if (!alpha) throw new Error('no market')
const [YES, NO] = alpha.tokens

describe('price_change wire frames', () => {
  test("each entry carries the top of book right after it, not after the whole batch (an account's cancel-all)", () => {
    const events: EngineEvent[] = []
    let t = 1_000
    const eng = createEngine({ markets: specs, now: () => t++, onEvent: (e) => events.push(e) })
    let n = 0
    const place = (tokenId: string, price: number) =>
      eng.place({
        id: `0x${(++n).toString(16).padStart(64, '0')}`,
        owner: 'k',
        address: '0xa',
        tokenId,
        side: 'BUY',
        price,
        size: 10 * M,
        orderType: 'GTC',
        postOnly: true,
      })
    place(YES, 4000) // bid 0.40
    place(NO, 4000) // YES ask 0.60
    place(NO, 4500) // YES ask 0.55
    events.length = 0
    expect(eng.cancelAll('0xa')).toHaveLength(3)
    const pc = events.find((e) => e.type === 'price_change')
    if (pc?.type !== 'price_change') throw new Error('no price_change')
    const frame = wsPriceChange(pc.market, pc.changes, 0)
    const pick = (asset: string) =>
      frame.price_changes
        .filter((e) => e.asset_id === asset)
        .map((e) => [e.side, e.price, e.size, e.best_bid, e.best_ask])
    // Cancelled in placement order: the bid, then the 0.60 ask (0.55 still best), then the 0.55 ask.
    expect(pick(YES)).toEqual([
      ['BUY', '0.4', '0', '0', '0.55'],
      ['SELL', '0.6', '0', '0', '0.55'],
      ['SELL', '0.55', '0', '0', '1'],
    ])
    expect(pick(NO)).toEqual([
      ['SELL', '0.6', '0', '0.45', '1'],
      ['BUY', '0.4', '0', '0.45', '1'],
      ['BUY', '0.45', '0', '0', '1'],
    ])
  })

  test('back-to-back changes of one level merge into one entry; later changes of it are new entries', () => {
    const events: EngineEvent[] = []
    const eng = createEngine({ markets: specs, now: () => 1, onEvent: (e) => events.push(e) })
    let n = 0
    const place = (price: number) =>
      eng.place({
        id: `0x${(++n).toString(16).padStart(64, 'a')}`,
        owner: 'k',
        address: '0xb',
        tokenId: YES,
        side: 'BUY',
        price,
        size: 5 * M,
        orderType: 'GTC',
      })
    eng.batch(() => {
      place(3000)
      place(3000)
      place(3100)
      place(3000)
    })
    const pc = events.find((e) => e.type === 'price_change')
    if (pc?.type !== 'price_change') throw new Error('no price_change')
    expect(pc.changes.map((c) => [c.price, c.total / M, c.bestBid])).toEqual([
      [3000, 10, 3000],
      [3100, 5, 3100],
      [3000, 15, 3100],
    ])
  })
})
