import { afterEach, describe, expect, test } from 'bun:test'
import { createManualClock } from '../pipeline/clock.ts'
import { formatIssues } from '../pipeline/config/errors.ts'
import { loadConfigText } from '../pipeline/config/load.ts'
import { type Daemon, startDaemon } from '../pipeline/daemon.ts'
import { createMemoryLogger } from '../pipeline/logger.ts'
import { nullExchange as exchange } from './fixtures/null-exchange.ts'
import { probe, probes, testBuiltins, testConfigYaml } from './fixtures/test-plugins.ts'

/** The engine alone: markets driven through all ten stages by the small plugins in fixtures/test-plugins.ts. */

const cid = (n: number) => `0x${n.toString(16).padStart(64, '0')}`
const running: Daemon[] = []

async function boot(name: string, edit: (yaml: string) => string = (y) => y, markets = 2, stopWaitMs?: number) {
  const p = probe(name)
  p.rows = Array.from({ length: markets }, (_, i) => ({
    token1: String(100 + i * 2),
    token2: String(101 + i * 2),
    condition_id: cid(i + 1),
  }))
  for (let i = 0; i < markets; i++) p.mids.set(cid(i + 1), 0.5)
  const res = await loadConfigText(edit(testConfigYaml(name)), `${import.meta.dir}/engine.yaml`, {
    builtins: testBuiltins,
    env: {},
  })
  if (!res.ok) throw new Error(formatIssues('engine.yaml', res.issues))
  const { log, lines } = createMemoryLogger()
  const clock = createManualClock()
  const daemon = await startDaemon({
    loaded: res.loaded,
    builtins: testBuiltins,
    log,
    exchange,
    clock,
    ...(stopWaitMs ? { stopWaitMs } : {}),
  })
  running.push(daemon)
  await daemon.quotes.idle()
  return { daemon, p, lines, clock }
}

afterEach(async () => {
  for (const d of running.splice(0)) await d.stop('test end')
  probes.clear()
})

describe('the quote plane', () => {
  test('every selected market goes through all ten stages to execute and persist', async () => {
    const { p, daemon } = await boot('all-stages')
    expect(p.executed.map((e) => e.conditionId).sort()).toEqual([cid(1), cid(2)])
    const orders = p.executed[0]?.orders ?? []
    expect(orders.map((o) => `${o.side} ${o.price}`)).toEqual(['BUY 0.48', 'BUY 0.48'])
    const types = new Set(p.events.map((e) => e.type))
    expect(types.has('selection')).toBe(true)
    expect(types.has('quote')).toBe(true)
    expect(daemon.quotes.state(cid(1))?.quote?.bid).toBeCloseTo(0.48)
  })

  test('1,000 rapid updates to one market give a bounded number of computations, the last on the latest state', async () => {
    const { p, daemon } = await boot('coalesce')
    p.fairRuns.length = 0
    for (let i = 1; i <= 1000; i++) {
      p.mids.set(cid(1), 0.3 + i * 0.0001)
      daemon.quotes.markDirty(cid(1))
    }
    await daemon.quotes.idle()
    const runs = p.fairRuns.filter((r) => r.conditionId === cid(1))
    expect(runs.length).toBeGreaterThanOrEqual(1)
    expect(runs.length).toBeLessThanOrEqual(2)
    expect(runs.at(-1)?.mid).toBeCloseTo(0.4, 6)
  })

  test('updates during a slow execute coalesce into one more computation on the newest state', async () => {
    const { p, daemon, clock } = await boot('slow')
    p.slowExecuteMs = 100
    p.fairRuns.length = 0
    daemon.quotes.markDirty(cid(1))
    await Bun.sleep(0)
    for (let i = 0; i < 20; i++) {
      p.mids.set(cid(1), 0.6 + i * 0.01)
      daemon.quotes.markDirty(cid(1))
    }
    for (let i = 0; i < 5; i++) {
      clock.advance(100)
      await Bun.sleep(0)
    }
    await daemon.quotes.idle()
    const runs = p.fairRuns.filter((r) => r.conditionId === cid(1))
    expect(runs.length).toBe(2)
    expect(runs.at(-1)?.mid).toBeCloseTo(0.79, 6)
  })

  test('a slow market never delays the others', async () => {
    const { p, daemon, clock } = await boot('isolation-speed')
    p.slowExecuteMs = 10_000
    p.executed.length = 0
    daemon.quotes.markDirty(cid(1))
    await Bun.sleep(0)
    p.slowExecuteMs = 0
    p.mids.set(cid(2), 0.7)
    daemon.quotes.markDirty(cid(2))
    await Bun.sleep(1)
    expect(p.executed.map((e) => e.conditionId)).toEqual([cid(2)])
    clock.advance(10_000)
    await daemon.quotes.idle()
  })

  test('a throwing stage pulls only that market, is counted, and the daemon keeps quoting the others', async () => {
    const { p, daemon, lines, clock } = await boot('errors')
    p.throwFairFor = new Set([cid(1)])
    p.executed.length = 0
    daemon.quotes.markAllDirty()
    await daemon.quotes.idle()
    expect(p.pulled.find((x) => x.conditionId === cid(1))?.reason).toBe('stage error in fair-value/test-fair')
    expect(p.executed.map((e) => e.conditionId)).toEqual([cid(2)])
    expect(lines.some((l) => l.includes(cid(1)) && l.includes('fair exploded'))).toBe(true)
    const metrics = await daemon.registry.metrics()
    expect(metrics).toContain('mm_stage_errors_total{stage="fair-value",plugin="test-fair"} 1')
    p.throwFairFor.clear()
    daemon.quotes.markDirty(cid(1))
    await daemon.quotes.idle()
    expect(daemon.quotes.state(cid(1))?.pulledFor).toBe('stage error in fair-value/test-fair') // still cooling down
    clock.advance(500)
    await daemon.quotes.idle()
    expect(daemon.quotes.state(cid(1))?.pulledFor).toBeUndefined()
  })

  test('a plugin that keeps throwing backs off: bounded computations and one error line, not a hot loop', async () => {
    const { p, daemon, lines, clock } = await boot('error-backoff')
    p.throwFairFor = new Set([cid(1)])
    const before = p.pulled.length
    for (let i = 0; i < 200; i++) {
      daemon.quotes.markDirty(cid(1))
      await Bun.sleep(0)
    }
    await daemon.quotes.idle()
    expect(p.pulled.length - before).toBe(1)
    // Each cool-down doubles: 500 ms, 1 s, 2 s … one retry per expiry while the market stays dirty.
    for (const ms of [500, 1000, 2000]) {
      daemon.quotes.markDirty(cid(1))
      clock.advance(ms)
      await daemon.quotes.idle()
    }
    expect(daemon.quotes.state(cid(1))?.computations).toBeLessThanOrEqual(6)
    expect(lines.filter((l) => l.startsWith('[error]') && l.includes('fair exploded'))).toHaveLength(1)
  })

  test('a HALTED verdict pulls the market even if the layer would quote', async () => {
    const { p } = await boot(
      'halted',
      (y) => y.replace('{ use: test-risk }', '{ use: test-risk, with: { state: HALTED } }'),
      1,
    )
    expect(p.executed).toHaveLength(0)
    expect(p.pulled[0]?.reason).toStartWith('risk HALTED')
  })

  test('a blocked side is dropped by the engine whatever the layer returns', async () => {
    const { p } = await boot(
      'blocked',
      (y) => y.replace('[ { use: test-risk } ]', '[ { use: test-risk }, { use: test-risk, with: { block: bid } } ]'),
      1,
    )
    expect(p.executed[0]?.orders.map((o) => o.quoteSide)).toEqual(['ask'])
  })

  test('a book that is not fresh pulls quotes with the reason', async () => {
    const { p, daemon } = await boot('stale')
    p.mids.delete(cid(2))
    daemon.quotes.markDirty(cid(2))
    await daemon.quotes.idle()
    expect(daemon.quotes.state(cid(2))?.pulledFor).toBe('no book yet')
  })

  test('a component going down pulls every market; coming back quotes again', async () => {
    const { p, daemon } = await boot('health')
    daemon.health.set('market-data', false, 'socket silent')
    await daemon.quotes.idle()
    expect(p.pulled.filter((x) => x.reason === 'market-data down: socket silent')).toHaveLength(2)
    p.executed.length = 0
    daemon.health.set('market-data', true)
    await daemon.quotes.idle()
    expect(p.executed).toHaveLength(2)
  })
})

describe('what the engine enforces whatever the plugins do', () => {
  test("a fair value that is not a probability is refused as that plugin's error", async () => {
    const { p, daemon, lines } = await boot('nan-fair')
    p.fairOverride = new Map([[cid(1), Number.NaN]])
    p.executed.length = 0
    daemon.quotes.markDirty(cid(1))
    await daemon.quotes.idle()
    expect(p.executed).toHaveLength(0)
    expect(daemon.quotes.state(cid(1))?.pulledFor).toBe('stage error in fair-value/test-fair')
    expect(lines.some((l) => l.includes('invalid output: fair value NaN is not a probability in (0, 1)'))).toBe(true)
  })

  test('an order off the tick grid never reaches execute', async () => {
    const { p, daemon, lines } = await boot('off-grid')
    p.badOrderPrice = 0.455
    p.executed.length = 0
    daemon.quotes.markAllDirty()
    await daemon.quotes.idle()
    expect(p.executed).toHaveLength(0)
    expect(lines.some((l) => l.includes('BUY 10 @ 0.455 (layer 0): price off the 0.01 tick grid'))).toBe(true)
  })

  test('a failed pull is retried when the cool-down ends, even if the market stays silent', async () => {
    const { p, daemon, clock } = await boot('pull-retry')
    p.throwFairFor = new Set([cid(1)])
    p.failPulls = 1
    p.pulled.length = 0
    daemon.quotes.markDirty(cid(1))
    await daemon.quotes.idle()
    expect(p.pulled).toHaveLength(0) // the first pull failed
    clock.advance(500) // nothing marks the market dirty; the retry comes from the cool-down alone
    await Bun.sleep(0)
    await daemon.quotes.idle()
    expect(p.pulled.map((x) => x.conditionId)).toEqual([cid(1)])
  })

  test('a market removed and added back while computing is never computed twice at once', async () => {
    const { p, daemon, clock } = await boot('re-add')
    p.slowExecuteMs = 50
    p.maxConcurrentExecutes = 0
    daemon.quotes.markDirty(cid(1))
    await Bun.sleep(0)
    const markets = daemon.universe.markets()
    daemon.quotes.setMarkets(markets.filter((m) => m.conditionId !== cid(1)))
    daemon.quotes.setMarkets(markets)
    daemon.quotes.markDirty(cid(1))
    for (let i = 0; i < 6; i++) {
      clock.advance(50)
      await Bun.sleep(0)
    }
    await daemon.quotes.idle()
    expect(p.maxConcurrentExecutes).toBe(1)
  })
})

describe('restart', () => {
  test("today's realized PnL of earlier runs is restored before quoting, so the daily loss limit sees it", async () => {
    probe('restart').realizedEarlier = -420.5
    const { daemon, lines, clock } = await boot('restart')
    const dayStart = Math.floor(clock.now() / 86_400_000) * 86_400_000
    expect(daemon.account.realizedSince(dayStart)).toBe(-420.5)
    expect(daemon.account.token('100').shares).toBe(0) // positions untouched
    expect(lines).toContain("[info] today's realized PnL from earlier runs (test-persist): -420.50 USD")
  })
})

describe('positions', () => {
  test('a fill moves the position, is recorded as a position event and re-quotes that market', async () => {
    const { p, daemon } = await boot('positions')
    p.fairRuns.length = 0
    daemon.account.applyFill({
      tradeId: 't1',
      orderId: 'o1',
      conditionId: cid(1),
      tokenId: '100',
      side: 'BUY',
      price: 0.48,
      size: 10,
      feeUsd: 0,
      role: 'MAKER',
      status: 'MATCHED',
      timestamp: 0,
    })
    await daemon.quotes.idle()
    const positions = p.events.filter((e) => e.type === 'position')
    expect(positions.at(-1)).toMatchObject({ position: { conditionId: cid(1), q: 10, yes: { shares: 10 } } })
    expect(p.fairRuns.map((r) => r.conditionId)).toEqual([cid(1)])
  })
})

describe('the universe plane', () => {
  test('a failing source keeps the current selection', async () => {
    const { p, daemon, lines } = await boot('failing-source')
    p.failSource = 'sheet unreachable'
    expect(await daemon.universe.refresh('test')).toBe(false)
    expect(daemon.universe.markets()).toHaveLength(2)
    expect(lines.some((l) => l.includes('keeping the current 2 markets') && l.includes('sheet unreachable'))).toBe(true)
  })

  test('a plugin failing to follow the selection is retried later, never an unhandled rejection', async () => {
    const { p, daemon, lines } = await boot('failing-track')
    p.failTrack = 'subscribe refused'
    p.rows.pop()
    expect(await daemon.universe.refresh('test')).toBe(false)
    expect(
      lines.some((l) => l.includes('applying the selection (test) failed') && l.includes('subscribe refused')),
    ).toBe(true)
    p.failTrack = undefined
    expect(await daemon.universe.refresh('retry')).toBe(true)
    expect(daemon.universe.markets()).toHaveLength(1)
  })

  test('added and removed markets are applied live with the lines users know', async () => {
    const { p, daemon, lines } = await boot('changes')
    p.rows = [p.rows[0]!, { token1: '900', token2: '901', condition_id: cid(77) }]
    p.mids.set(cid(77), 0.2)
    await daemon.universe.refresh('test')
    await daemon.quotes.idle()
    expect(daemon.universe.markets().map((m) => m.conditionId)).toEqual([cid(1), cid(77)])
    expect(lines.some((l) => l.includes('MARKET SELECTION CHANGE DETECTED'))).toBe(true)
    expect(lines).toContain("[info] Markets ADDED: ['900']")
    expect(lines).toContain("[info] Markets REMOVED: ['102']")
    expect(lines).toContain('[info] Market selection update complete:')
    expect(p.executed.some((e) => e.conditionId === cid(77))).toBe(true)
    const sel = p.events.filter((e) => e.type === 'selection')
    expect(sel.at(-1)).toMatchObject({ added: [cid(77)], removed: [cid(2)] })
  })
})

describe('shutdown', () => {
  test('a source that ignores its abort signal cannot hold orders up: stop cancels after a deadline', async () => {
    const { p, daemon, lines } = await boot('deaf-source', (y) => y, 2, 50)
    p.hangSource = 'deaf'
    void daemon.universe.refresh('hanging')
    await Bun.sleep(0)
    await daemon.stop('SIGTERM')
    expect(p.stopped).toContain('execute')
    expect(lines).toContain('[warn] stopping without waiting longer for the market selection refresh (50 ms)')
  })

  test('a stop during a selection read that never answers is prompt, and no order is sent after it', async () => {
    const { p, daemon } = await boot('stop-during-refresh')
    p.hangSource = true
    const refresh = daemon.universe.refresh('hanging')
    await Bun.sleep(0)
    p.executed.length = 0
    await daemon.stop('SIGINT') // without aborting the read, this would wait for the source's 120 s timeout
    daemon.quotes.markAllDirty()
    await daemon.quotes.idle()
    expect(p.executed).toHaveLength(0)
    expect(await refresh).toBe(false)
  })

  test('stop() stops execute (cancelling orders) before the other plugins', async () => {
    const { p, daemon } = await boot('shutdown')
    await daemon.stop('test')
    expect(p.stopped).toEqual(['execute', 'book'])
  })
})
