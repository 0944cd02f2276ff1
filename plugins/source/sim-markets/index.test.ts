import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { createTestContext, createTestPlugin } from '../../../pipeline/testing.ts'
import { type Simulator, startSimulator } from '../../../sim/index.ts'
import plugin from './index.ts'

let sim: Simulator
const signal = new AbortController().signal

beforeAll(async () => {
  sim = await startSimulator({ scenario: 'jumpy', flow: false })
})
afterAll(async () => {
  await sim.stop()
})

describe('sim-markets source', () => {
  test("lists every open market of the simulator's scenario (jumpy), YES = token1, NO = token2", async () => {
    const ctx = createTestContext({ stage: 'source', plugin: 'sim-markets', exchange: { gammaUrl: sim.urls.gamma } })
    const source = await createTestPlugin(plugin, {}, ctx)
    const out = await source.run({ now: 0, signal })
    expect(out.rejected).toEqual([])
    expect(out.rows.length).toBeGreaterThan(1)
    expect(out.rows.map((r) => [r.token1, r.token2, r.condition_id, r.origin])).toEqual(
      sim.markets.map((m) => [m.tokens[0], m.tokens[1], m.conditionId, `simulator market ${m.slug}`]),
    )
  })

  test('the default scenario: its Protocol V2 market is listed too, from positionIds', async () => {
    const def = await startSimulator({ scenario: 'default', flow: false })
    try {
      const ctx = createTestContext({ stage: 'source', plugin: 'sim-markets', exchange: { gammaUrl: def.urls.gamma } })
      const out = await (await createTestPlugin(plugin, {}, ctx)).run({ now: 0, signal })
      expect(out.rejected).toEqual([])
      const v2 = def.markets.find((m) => m.protocol === 'v2')
      expect(v2).toBeDefined()
      expect(out.rows.some((r) => r.token1 === v2?.tokens[0] && r.token2 === v2?.tokens[1])).toBe(true)
      expect(out.rows).toHaveLength(def.markets.length)
    } finally {
      await def.stop()
    }
  })

  test('against Polymarket it refuses to start, saying what to use instead', async () => {
    const ctx = createTestContext({
      stage: 'source',
      plugin: 'sim-markets',
      exchange: { kind: 'polymarket', gammaUrl: 'https://gamma-api.polymarket.com' },
    })
    await expect(createTestPlugin(plugin, {}, ctx)).rejects.toThrow('it needs exchange.use: sim')
    // A simulator on loopback that the polymarket exchange points at (mm drill) may be listed.
    const local = createTestContext({
      stage: 'source',
      plugin: 'sim-markets',
      exchange: { kind: 'polymarket', gammaUrl: sim.urls.gamma },
    })
    expect((await (await createTestPlugin(plugin, {}, local)).run({ now: 0, signal })).rows.length).toBeGreaterThan(1)
  })

  test('a simulator that does not answer is an error naming the URL (the selection is kept)', async () => {
    const ctx = createTestContext({
      stage: 'source',
      plugin: 'sim-markets',
      exchange: { gammaUrl: 'http://127.0.0.1:1/gamma' },
    })
    const source = await createTestPlugin(plugin, {}, ctx)
    await expect(source.run({ now: 0, signal })).rejects.toThrow(
      'simulator markets http://127.0.0.1:1/gamma/markets?closed=false: cannot fetch',
    )
  })
})
