import { afterEach, beforeEach } from 'bun:test'
import { createManualClock, type ManualClock } from '../../../../pipeline/clock.ts'
import { createTestContext, createTestPlugin, type TestContext, testMarket } from '../../../../pipeline/testing.ts'
import type { Market } from '../../../../schemas/domain.ts'
import { isPull } from '../../../../stages/io.ts'
import type { BookAuditStatus } from '../audit.ts'
import plugin from '../index.ts'
import { FIXTURES, type FixtureServer, type Level, startFixtureServer } from './fixture-server.ts'

/**
 * The clob-ws plugin against a loopback server replaying the in-tree fixture books, for every plugin-level test file.
 * Sockets and HTTP are real; time (PING, staleness, dead connections, back-off, audits) runs on a manual clock,
 * so the tests step through it instead of waiting. Call `useReplayHarness()` at the top of a test file.
 */

export const CAPTURED_TOKEN = '33020244695722882397200486995945992468289922673842098884282668541748403691869'
export const YES = '72856886316346290022620740284512248423221995782091084030232563289485462890695'
export const NO = '81393628224043659583148564308139715176355413730459312238617369919087315118971'
export const CAPTURED = testMarket({
  conditionId: '0x8655d998b19d9d64fec6db4004c45bc5428d336a36a4ba99248780f19276eff7',
  yesTokenId: CAPTURED_TOKEN,
  noTokenId: '22',
})
export const DD22 = testMarket({
  conditionId: '0x57330d1db194b90b696c4e3cca4d12c44e0e84636a0c2fbfb9e7a816f4d82fe4',
  yesTokenId: YES,
  noTokenId: NO,
})

export type Handler = Awaited<ReturnType<typeof createTestPlugin<'book', typeof plugin.config>>> & {
  connections(): readonly { liveness: { live: boolean } }[]
  audit(): BookAuditStatus
}

export interface ReplayHarness {
  readonly server: FixtureServer
  readonly clock: ManualClock
  readonly ctx: TestContext
  readonly captured: { bids: Level[]; asks: Level[] }
  start(markets: Market[], cfg?: Record<string, unknown>): Promise<Handler>
  fresh(h: Handler, m: Market): boolean
  /** The first series of a metric whose labels include `labels`; 0 when none. */
  metric(name: string, labels?: Record<string, string>): Promise<number>
  /** Manual time in small steps, letting socket and HTTP round trips land in between; stops once `until`. */
  step(ms: number, times: number, until?: () => boolean): Promise<void>
}

export function useReplayHarness(): ReplayHarness {
  let server: FixtureServer
  let clock: ManualClock
  let ctx: TestContext
  let captured: { bids: Level[]; asks: Level[] }

  beforeEach(async () => {
    server = startFixtureServer()
    captured = await Bun.file(`${FIXTURES}/ws_book_deep.json`).json()
    server.seed(CAPTURED_TOKEN, CAPTURED.conditionId, captured.bids, captured.asks)
    server.seed('22', CAPTURED.conditionId, [{ price: '0.92', size: '10' }], [{ price: '0.93', size: '10' }])
    const book = await Bun.file(`${FIXTURES}/ws_market_book_msg.json`).json()
    server.seed(YES, DD22.conditionId, book.bids, book.asks)
    server.seed(NO, DD22.conditionId, [{ price: '0.48', size: '100' }], [{ price: '0.49', size: '80' }])
    clock = createManualClock()
    ctx = createTestContext({
      stage: 'book',
      plugin: 'clob-ws',
      clock,
      exchange: { wsUrl: server.wsBase, clobUrl: server.clobUrl },
    })
  })

  afterEach(async () => {
    ctx.abort.abort()
    await server.stop()
  })

  return {
    get server() {
      return server
    },
    get clock() {
      return clock
    },
    get ctx() {
      return ctx
    },
    get captured() {
      return captured
    },
    async start(markets, cfg = {}) {
      const h = (await createTestPlugin(plugin, cfg, ctx)) as Handler
      await h.track(markets)
      return h
    },
    fresh: (h, m) => !isPull(h.run({ market: m })),
    async metric(name, labels = {}) {
      const m = await ctx.metrics.registry.getSingleMetric(name)?.get()
      const v = m?.values.find((x) => Object.entries(labels).every(([k, val]) => x.labels[k] === val))
      return v?.value ?? 0
    },
    async step(ms, times, until) {
      for (let i = 0; i < times && !until?.(); i++) {
        clock.advance(ms)
        await Bun.sleep(4)
      }
    },
  }
}
