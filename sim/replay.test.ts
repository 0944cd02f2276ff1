import { afterAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { OrderType, Side } from '@polymarket/clob-client-v2'
import { createManualClock, type Simulator, startSimulator } from './index.ts'
import { recordMarketStream } from './record.ts'
import { parseRecording } from './replay.ts'
import { alice, clobClient, deriveCreds, startTestSimulator } from './testing.ts'

const CID = `0x${'ab'.repeat(32)}`
const YES = '1111111111111111111111111111111111111111'
const NO = '2222222222222222222222222222222222222222'
const dir = mkdtempSync(join(tmpdir(), 'sim-replay-'))

const sims: Simulator[] = []
afterAll(async () => {
  for (const s of sims) await s.stop()
})

function frames(): string {
  const lvl = (price: string, size: string) => ({ price, size })
  const base = { market: CID }
  const lines = [
    [
      {
        ...base,
        event_type: 'book',
        asset_id: YES,
        timestamp: '1000',
        hash: 'x',
        tick_size: '0.01',
        bids: [lvl('0.48', '100'), lvl('0.49', '50')],
        asks: [lvl('0.52', '80'), lvl('0.51', '40')],
      },
      {
        ...base,
        event_type: 'book',
        asset_id: NO,
        timestamp: '1000',
        hash: 'y',
        bids: [lvl('0.48', '80'), lvl('0.49', '40')],
        asks: [lvl('0.52', '100'), lvl('0.51', '50')],
      },
    ],
    {
      ...base,
      event_type: 'last_trade_price',
      asset_id: YES,
      price: '0.49',
      size: '30',
      side: 'SELL',
      timestamp: '2000',
    },
    {
      ...base,
      event_type: 'price_change',
      timestamp: '2001',
      price_changes: [
        { asset_id: YES, price: '0.49', size: '20', side: 'BUY', hash: 'h', best_bid: '0.49', best_ask: '0.51' },
      ],
    },
    {
      ...base,
      event_type: 'price_change',
      timestamp: '3000',
      price_changes: [
        { asset_id: YES, price: '0.49', size: '5', side: 'BUY', hash: 'h', best_bid: '0.49', best_ask: '0.51' },
      ],
    },
    // A NO taker buying at 0.51 is a YES seller at 0.49.
    {
      ...base,
      event_type: 'last_trade_price',
      asset_id: NO,
      price: '0.51',
      size: '25',
      side: 'BUY',
      timestamp: '4000',
    },
    'PONG-is-not-json',
  ]
  return `${lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n')}\n`
}

describe('replay', () => {
  test('recorded books drive /book; the queue ahead advances only on trades at the order price', async () => {
    const path = join(dir, 'frames.jsonl')
    writeFileSync(path, frames())
    expect(parseRecording(frames())).toHaveLength(6)
    const clock = createManualClock(Date.UTC(2026, 3, 1))
    const sim = await startSimulator({ replay: path, clock })
    sims.push(sim)
    expect(sim.markets[0]?.tokens).toEqual([YES, NO])
    const book = (await (await fetch(`${sim.urls.clob}/book?token_id=${YES}`)).json()) as {
      bids: Array<{ price: string; size: string }>
      asks: Array<{ price: string; size: string }>
    }
    expect(book.bids).toEqual([
      { price: '0.48', size: '100' },
      { price: '0.49', size: '50' },
    ])
    expect(book.asks).toEqual([
      { price: '0.52', size: '80' },
      { price: '0.51', size: '40' },
    ])

    const c = clobClient(sim.urls.clob, alice, await deriveCreds(sim.urls.clob, alice))
    const r = await c.createAndPostOrder(
      { tokenID: YES, price: 0.49, size: 10, side: Side.BUY },
      undefined,
      OrderType.GTC,
      true,
    )
    expect(r.status).toBe('live')
    clock.advance(1500) // trade of 30 at 0.49: 20 still ahead
    expect(sim.openOrders(alice.address)[0]?.size_matched).toBe('0')
    clock.advance(1000) // the level shrinks to 5 without a trade: the queue ahead does not move
    expect(sim.openOrders(alice.address)[0]?.size_matched).toBe('0')
    clock.advance(1000) // 25 traded at 0.49: 20 ahead, then 5 of our 10
    expect(sim.openOrders(alice.address)[0]?.size_matched).toBe('5')
    expect(sim.balances(alice.address).tokens[YES]).toBe(5)
    expect(sim.replay?.applied()).toBe(6)
  })

  test('record journals raw frames of a market channel, one per line, and they replay', async () => {
    const sim = await startTestSimulator({ markets: [{ slug: 'rec', question: 'Rec?', tick_size: 0.01 }] })
    sims.push(sim)
    const out = join(dir, 'rec', 'out.jsonl')
    const ctrl = new AbortController()
    const running = recordMarketStream({
      url: `${sim.urls.ws}/ws/market`,
      assets: [...sim.markets[0]!.tokens],
      out,
      signal: ctrl.signal,
      pingMs: 20,
    })
    await Bun.sleep(200)
    ctrl.abort()
    const stats = await running
    expect(stats.frames).toBeGreaterThanOrEqual(1)
    const lines = readFileSync(out, 'utf8').trim().split('\n')
    expect(lines).toHaveLength(stats.frames)
    expect(Array.isArray(JSON.parse(lines[0] ?? ''))).toBe(true)
    expect(parseRecording(lines.join('\n')).map((e) => e.event_type)).toEqual(['book', 'book'])
  })
})
