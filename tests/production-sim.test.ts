import { afterEach, describe, expect, test } from 'bun:test'
import type { Market, OrderIntent } from '../schemas/domain.ts'
import { loadScenario } from '../sim/index.ts'
import { ScenarioSchema } from '../sim/scenario.ts'
import { postFaults, type Rig, startRig, staticBooks, until } from './execute-sim/harness.ts'

/**
 * The executor against the simulator in its production-strict defaults (protocol doc §7): heartbeat answers lost,
 * the per-signer token buckets, exchange restart windows and restricted modes, Protocol V2 markets. Each of these
 * failed on the daemon before production was modelled (a lost heartbeat answer cost every order; cancel-all at stop
 * could never be admitted with 120+ orders resting; a 425 left orders rejected; V2 orders were signed for the V2
 * exchange and refused).
 */

const rigs: Rig[] = []
afterEach(async () => {
  for (const r of rigs.splice(0)) await r.close()
})
async function rig(opts: Parameters<typeof startRig>[0] = {}): Promise<Rig> {
  const r = await startRig(opts)
  rigs.push(r)
  return r
}

const QUOTE = { fair: 0.42, reservation: 0.42, halfSpread: 0.02, bid: 0.4, ask: 0.44 }

/** `n` resting BUYs of the YES token, one tick apart below 0.30 (far from the touch: nothing fills). */
function ladder(m: Market, n: number, size = 5): OrderIntent[] {
  return Array.from({ length: n }, (_, i) => ({
    tokenId: m.yesTokenId,
    side: 'BUY' as const,
    price: Math.round((0.3 - i * m.tickSize) / m.tickSize) * m.tickSize,
    size,
    layer: i,
    quoteSide: 'bid' as const,
  }))
}

async function place(r: Rig, m: Market, orders: OrderIntent[]) {
  return r.plugin.run({ market: m, books: staticBooks(m, 0.4, 0.44), quote: QUOTE, orders, now: Date.now() })
}

const openOf = (r: Rig) => r.sim.openOrders(r.address)

describe('production behaviour, against the simulator', () => {
  test('a heartbeat answer lost: the next beat is stale, recovered at once, and the exchange cancels nothing', async () => {
    const scenario = ScenarioSchema.parse({ ...baseScenario(), heartbeat_timeout: 2500 })
    const r = await rig({ sim: { scenario }, config: { heartbeat_every: '500ms' } })
    const m = r.markets[0] as Market
    await place(r, m, ladder(m, 2))
    expect(openOf(r)).toHaveLength(2)
    await postFaults(r.sim, { heartbeat_lose: 1 })
    await Bun.sleep(4000) // past the 2.5 s dead-man deadline, had the daemon kept sending the stale id
    expect(openOf(r)).toHaveLength(2)
    expect(r.ctx.health.components.get('heartbeat')?.up).toBe(true)
  }, 15_000)

  test('150 orders rest (more than a cancel-all can ever be admitted for): stop cancels them all in batches', async () => {
    const scenario = ScenarioSchema.parse({ ...baseScenario(), generate: { markets: 10, seed: 3 } })
    const r = await rig({ sim: { scenario } })
    const markets = r.markets.slice(-10)
    for (const m of markets) await place(r, m, ladder(m, 15))
    await until('150 resting', () => openOf(r).length === 150, 15_000)
    const rejected = r.plugin.liveOrders().filter((o) => o.status === 'rejected')
    expect(rejected).toEqual([]) // placed within the order bucket: no 429 turned into a rejection
    await r.plugin.stop?.()
    expect(openOf(r)).toEqual([])
  }, 30_000)

  test('a drained order bucket: 429 with Retry-After is honoured, nothing is rejected, the orders go out after', async () => {
    const r = await rig()
    const m = r.markets[0] as Market
    await postFaults(r.sim, { rate_limit_exhaust: { address: r.address, bucket: 'order' } })
    const first = await place(r, m, ladder(m, 3))
    expect(first.placed).toBe(0)
    await until(
      'placed once the bucket refilled',
      async () => (await place(r, m, ladder(m, 3))).placed + openOf(r).length >= 3 && openOf(r).length === 3,
      10_000,
    )
    expect(r.plugin.liveOrders().filter((o) => o.status === 'rejected')).toEqual([])
    expect(openOf(r)).toHaveLength(3)
  }, 20_000)

  test('a matching-engine restart (425), then cancel-only: sending pauses, nothing rejected, no duplicate after', async () => {
    const r = await rig()
    const m = r.markets[0] as Market
    await postFaults(r.sim, { exchange_mode: { mode: 'restarting', for_ms: 1500 } })
    const during = await place(r, m, ladder(m, 2))
    expect(during.placed).toBe(0)
    expect(openOf(r)).toEqual([])
    await until(
      'placed after the restart',
      async () => {
        await place(r, m, ladder(m, 2))
        return openOf(r).length === 2
      },
      10_000,
    )
    await postFaults(r.sim, { exchange_mode: { mode: 'cancel_only', for_ms: 1500 } })
    // The wanted ladder changes: cancels go out, the new orders wait for the mode to end.
    await place(r, m, ladder(m, 1))
    await until('cancel went out in cancel-only', () => openOf(r).length === 1, 5000)
    await until(
      'back to normal, still one order (no duplicate)',
      async () => {
        await place(r, m, ladder(m, 1))
        return openOf(r).length === 1
      },
      5000,
    )
    expect(r.plugin.liveOrders().filter((o) => o.status === 'rejected')).toEqual([])
  }, 30_000)

  test('a Protocol V2 market: orders are signed for ExchangeV3 and rest', async () => {
    const r = await rig()
    const v2 = r.markets.find((m) => m.protocol === 'v2')
    if (!v2) throw new Error('the default scenario serves a V2 market')
    const out = await place(r, v2, ladder(v2, 2))
    expect(out.placed).toBe(2)
    expect(openOf(r).filter((o) => o.asset_id === v2.yesTokenId)).toHaveLength(2)
    expect(r.plugin.liveOrders().filter((o) => o.status === 'rejected')).toEqual([])
  })
})

function baseScenario() {
  return { ...loadScenario('default'), flow: false }
}
