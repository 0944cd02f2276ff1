import { afterEach, describe, expect, test } from 'bun:test'
import type { Market } from '../../../schemas/domain.ts'
import { counterparty, postFaults, type Rig, startRig, staticBooks } from '../../../tests/execute-sim/harness.ts'

/** The plugin's stop(): what a SIGTERM leaves behind, against the simulator over loopback. */

const rigs: Rig[] = []
afterEach(async () => {
  for (const r of rigs.splice(0)) await r.close()
})

describe('execute clob stop()', () => {
  test('a fill whose user-channel frame never arrived before stop still counts: positions equal the exchange', async () => {
    const r = await startRig()
    rigs.push(r)
    const m = r.markets[0] as Market
    await r.plugin.run({
      market: m,
      books: staticBooks(m, 0.4, 0.44),
      quote: { fair: 0.42, reservation: 0.42, halfSpread: 0.02, bid: 0.4, ask: 0.44 },
      orders: [
        { tokenId: m.yesTokenId, side: 'BUY', price: 0.41, size: 20, layer: 0, quoteSide: 'bid' },
        { tokenId: m.noTokenId, side: 'BUY', price: 0.55, size: 20, layer: 0, quoteSide: 'ask' },
      ],
      now: Date.now(),
    })
    const cp = await counterparty(r.sim, 1000, { [m.yesTokenId]: 100 })
    // The match happens on the exchange; its frames are lost on the way, as on a socket that dies during shutdown.
    await postFaults(r.sim, { ws_channel: 'user', ws_drop_rate: 1 })
    await cp.take(m.yesTokenId, 'SELL', 0.41, 6)
    expect(r.ctx.account.token(m.yesTokenId).shares).toBe(0)
    await r.plugin.stop?.()
    expect(r.sim.openOrders(r.address)).toEqual([])
    expect(r.sim.balances(r.address).tokens[m.yesTokenId]).toBe(6)
    expect(r.ctx.account.token(m.yesTokenId).shares).toBe(6)
  }, 10_000)
})
