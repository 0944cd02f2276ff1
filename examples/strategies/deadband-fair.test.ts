import { describe, expect, test } from 'bun:test'
import { checkPluginConformance } from '../../pipeline/conformance.ts'
import { createStaticBook, createTestPlugin, testMarket } from '../../pipeline/testing.ts'
import plugin from './deadband-fair.ts'

// How a user tests their own plugin: the conformance check, then behaviour on hand-made books.
const book = (tokenId: string, bid: number, ask: number) =>
  createStaticBook({ tokenId, bids: [[bid, 100]], asks: [[ask, 100]] })

const market = testMarket()
const books = (bid: number, ask: number) => ({ yes: book('1111', bid, ask), no: book('2222', 1 - ask, 1 - bid) })

describe('deadband-fair', () => {
  test('conforms to the plugin contract', async () => {
    expect(await checkPluginConformance(plugin)).toEqual([])
  })

  test('holds fair inside the dead-band and follows the mid outside it', async () => {
    const h = await createTestPlugin(plugin, { deadband_ticks: 1 })
    expect(h.run({ market, books: books(0.5, 0.52), now: 0 })).toEqual({ fair: 0.51 })
    // mid 0.515: 0.5 tick away → held
    expect(h.run({ market, books: books(0.51, 0.52), now: 1 })).toEqual({ fair: 0.51 })
    // mid 0.53: 2 ticks away → follows
    const moved = h.run({ market, books: books(0.52, 0.54), now: 2 })
    expect('fair' in moved && moved.fair).toBeCloseTo(0.53, 9)
  })

  test('a reload may widen the dead-band in place', async () => {
    const h = await createTestPlugin(plugin, { deadband_ticks: 1 })
    h.run({ market, books: books(0.5, 0.52), now: 0 })
    expect(h.reconfigure?.({ deadband_ticks: 5 })).toBe(true)
    expect(h.run({ market, books: books(0.53, 0.55), now: 1 })).toEqual({ fair: 0.51 })
  })
})
