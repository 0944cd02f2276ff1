import { afterEach, describe, expect, test } from 'bun:test'
import { randomBytes } from 'node:crypto'
import { z } from 'zod'
import { createFastSigner } from '../plugins/execute/clob/fast-signer.ts'
import type { Fill, Market, OrderIntent } from '../schemas/domain.ts'
import { loadScenario, startSimulator } from '../sim/index.ts'
import { counterparty, postFaults, type Rig, startRig, staticBooks, until } from './execute-sim/harness.ts'

/**
 * The execute plugin against the simulator over loopback, through @polymarket/clob-client-v2: placing, diffing
 * and cancelling, fills from the user channel, dry run, and the fault switches (dropped user channel, a POST that
 * is processed but never answered, a 429 storm, a SIGKILLed daemon).
 */

const rigs: Rig[] = []
afterEach(async () => {
  for (const r of rigs.splice(0)) await r.close()
})

const QUOTE = { fair: 0.42, reservation: 0.42, halfSpread: 0.02, bid: 0.4, ask: 0.44 }

function twoSided(m: Market, bid: number, noBid: number, size = 10): OrderIntent[] {
  return [
    { tokenId: m.yesTokenId, side: 'BUY', price: bid, size, layer: 0, quoteSide: 'bid' },
    { tokenId: m.noTokenId, side: 'BUY', price: noBid, size, layer: 0, quoteSide: 'ask' },
  ]
}

async function rig(opts: Parameters<typeof startRig>[0] = {}): Promise<Rig> {
  const r = await startRig(opts)
  rigs.push(r)
  return r
}

const openOf = (r: Rig) => r.sim.openOrders(r.address)
const pricesOf = (r: Rig) =>
  openOf(r)
    .map((o) => `${o.asset_id === r.markets[0]?.yesTokenId ? 'YES' : 'NO'} ${o.price}`)
    .sort()

describe('execute clob on the simulator', () => {
  test('places, keeps what still fits, requotes when the mid moves, and stop() leaves nothing open', async () => {
    const r = await rig()
    const m = r.markets[0] as Market
    const first = await r.plugin.run({
      market: m,
      books: staticBooks(m, 0.4, 0.44),
      quote: QUOTE,
      orders: twoSided(m, 0.38, 0.54),
      now: Date.now(),
    })
    expect(first).toEqual({ placed: 2, cancelled: 0, kept: 0 })
    expect(pricesOf(r)).toEqual(['NO 0.54', 'YES 0.38'])
    const ids = openOf(r)
      .map((o) => o.id)
      .sort()
    expect(
      r.plugin
        .liveOrders(m.conditionId)
        .map((o) => o.id)
        .sort(),
    ).toEqual(ids)

    // Same mid, a one-tick change of the wanted price: below every requote threshold, the queue place is kept.
    const calm = await r.plugin.run({
      market: m,
      books: staticBooks(m, 0.4, 0.44),
      quote: QUOTE,
      orders: twoSided(m, 0.39, 0.54),
      now: Date.now(),
    })
    expect(calm).toEqual({ placed: 0, cancelled: 0, kept: 2 })
    expect(
      openOf(r)
        .map((o) => o.id)
        .sort(),
    ).toEqual(ids)

    // The mid moved two ticks: the bid is requoted, the ask (unchanged price) keeps its order.
    const moved = await r.plugin.run({
      market: m,
      books: staticBooks(m, 0.42, 0.46),
      quote: QUOTE,
      orders: twoSided(m, 0.4, 0.54),
      now: Date.now(),
    })
    expect(moved).toEqual({ placed: 1, cancelled: 1, kept: 1 })
    expect(pricesOf(r)).toEqual(['NO 0.54', 'YES 0.4'])

    // The side switched off by risk: its order goes.
    const off = await r.plugin.run({
      market: m,
      books: staticBooks(m, 0.42, 0.46),
      quote: QUOTE,
      orders: twoSided(m, 0.4, 0.54).slice(0, 1),
      now: Date.now(),
    })
    expect(off.cancelled).toBe(1)
    expect(pricesOf(r)).toEqual(['YES 0.4'])

    await r.plugin.stop?.()
    expect(openOf(r)).toEqual([])
    expect(r.plugin.liveOrders()).toEqual([])
  })

  test('a market leaving the selection has its orders cancelled', async () => {
    const r = await rig()
    const [a, b] = r.markets as [Market, Market]
    await r.plugin.run({
      market: a,
      books: staticBooks(a, 0.4, 0.44),
      quote: QUOTE,
      orders: twoSided(a, 0.38, 0.54),
      now: Date.now(),
    })
    await r.plugin.run({
      market: b,
      books: staticBooks(b, 0.2, 0.25),
      quote: QUOTE,
      orders: twoSided(b, 0.18, 0.73),
      now: Date.now(),
    })
    expect(openOf(r).length).toBe(4)
    await r.plugin.track([b])
    expect(openOf(r).every((o) => o.market === b.conditionId)).toBe(true)
    expect(openOf(r).length).toBe(2)
  })

  test('fills from the user channel (same token and complementary token) move positions to the simulator balances', async () => {
    const r = await rig()
    const m = r.markets[0] as Market
    const fills: Fill[] = []
    r.ctx.bus.on('fill', (e) => fills.push(e.fill))
    await r.plugin.run({
      market: m,
      books: staticBooks(m, 0.4, 0.44),
      quote: QUOTE,
      orders: twoSided(m, 0.41, 0.55, 20),
      now: Date.now(),
    })
    const cp = await counterparty(r.sim, 1000, { [m.yesTokenId]: 100 })
    await cp.take(m.yesTokenId, 'SELL', 0.41, 5) // hits our YES bid
    await cp.take(m.noTokenId, 'BUY', 0.59, 6) // mint against our YES bid: we are the complementary maker
    await cp.take(m.yesTokenId, 'BUY', 0.45, 5) // mint against our NO bid at 0.55
    const bal = () => r.sim.balances(r.address).tokens
    await until('positions equal the simulator balances', () => {
      const b = bal()
      return (
        r.ctx.account.token(m.yesTokenId).shares === (b[m.yesTokenId] ?? 0) &&
        r.ctx.account.token(m.noTokenId).shares === (b[m.noTokenId] ?? 0) &&
        (b[m.yesTokenId] ?? 0) === 11
      )
    })
    expect(r.ctx.account.token(m.noTokenId).shares).toBe(5)
    // Every status of every fill is reported, and only MATCHED … CONFIRMED of the same three trades.
    await until('trades confirmed', () => fills.filter((f) => f.status === 'CONFIRMED').length === 3, 6000)
    expect(new Set(fills.map((f) => f.tradeId)).size).toBe(3)
    expect(fills.every((f) => f.role === 'MAKER')).toBe(true)
    const yesOrder = r.plugin.liveOrders(m.conditionId).find((o) => o.tokenId === m.yesTokenId)
    expect(yesOrder?.status).toBe('partially_filled')
    expect(yesOrder?.filled).toBe(11)
  }, 10_000)

  test('SELLs sized before a fill of our SELL: only the shares still free are offered, nothing is rejected', async () => {
    const r = await rig()
    const m = r.markets[0] as Market
    r.sim.setBalances(r.address, undefined, { [m.yesTokenId]: 40 })
    r.ctx.account.setHoldings(m.yesTokenId, 40, 0.4)
    const sell = (price: number): OrderIntent[] => [
      { tokenId: m.yesTokenId, side: 'SELL', price, size: 40, layer: 0, quoteSide: 'ask' },
    ]
    await r.plugin.run({
      market: m,
      books: staticBooks(m, 0.4, 0.44),
      quote: QUOTE,
      orders: sell(0.5),
      now: Date.now(),
    })
    expect(openOf(r).map((o) => [o.side, o.price, o.original_size])).toEqual([['SELL', '0.5', '40']])
    // A taker lifts 10 of our SELL between the quote (sized from 40 held) and the requote's POST.
    const cp = await counterparty(r.sim, 1000)
    await cp.take(m.yesTokenId, 'BUY', 0.5, 10)
    await until('the fill reached the account', () => r.ctx.account.token(m.yesTokenId).shares === 30)
    const report = await r.plugin.run({
      market: m,
      books: staticBooks(m, 0.4, 0.44),
      quote: QUOTE,
      orders: sell(0.52),
      now: Date.now(),
    })
    expect(report).toEqual({ placed: 1, cancelled: 1, kept: 0 })
    expect(openOf(r).map((o) => [o.side, o.price, o.original_size])).toEqual([['SELL', '0.52', '30']])
    expect(r.ctx.lines.filter((l) => l.includes('rejected'))).toEqual([])
  }, 10_000)

  test('BUYs oversubscribing the pUSD balance across markets: fitted nearest the touch first, none rejected', async () => {
    const r = await rig({ sim: { scenario: { ...loadScenario('default'), initial_balance_usd: 100 } } })
    const [a, b] = r.markets as [Market, Market]
    const layers = (m: Market, yesBid: number, noBid: number): OrderIntent[] =>
      [0, 1, 2].flatMap((layer) => [
        { tokenId: m.yesTokenId, side: 'BUY', price: yesBid - layer * 0.01, size: 60, layer, quoteSide: 'bid' },
        { tokenId: m.noTokenId, side: 'BUY', price: noBid - layer * 0.01, size: 60, layer, quoteSide: 'ask' },
      ])
    const wantA = layers(a, 0.38, 0.54)
    const wantB = layers(b, 0.18, 0.73)
    const notional = (os: readonly OrderIntent[]) => os.reduce((s, o) => s + o.price * o.size, 0)
    // 162 + 162.6 USD asked of 100: the exchange would refuse most of it.
    expect(notional(wantA) + notional(wantB)).toBeGreaterThan(300)
    const account = async () =>
      z
        .object({ usdc: z.number(), reserved_usdc: z.number() })
        .parse(await (await fetch(`${r.sim.urls.admin}/accounts/${r.address}`)).json())

    await r.plugin.run({ market: a, books: staticBooks(a, 0.4, 0.44), quote: QUOTE, orders: wantA, now: Date.now() })
    await r.plugin.run({ market: b, books: staticBooks(b, 0.2, 0.25), quote: QUOTE, orders: wantB, now: Date.now() })
    // Market a first: YES 0.38 × 60 (22.8) and NO 0.54 × 60 (32.4) in full, YES 0.37 × 60 (22.2), then NO 0.53 cut
    // to the 22.6 left: 42.64 shares. Nothing is left for market b.
    const sizes = openOf(r)
      .map((o) => `${o.side} ${o.price} ${o.original_size}`)
      .sort()
    expect(sizes).toEqual(['BUY 0.37 60', 'BUY 0.38 60', 'BUY 0.53 42.64', 'BUY 0.54 60'])
    expect(openOf(r).every((o) => o.market === a.conditionId)).toBe(true)
    const acct = await account()
    expect(acct.usdc).toBe(100)
    expect(acct.reserved_usdc).toBeCloseTo(99.9992, 6)
    expect(r.ctx.lines.filter((l) => l.includes('rejected'))).toEqual([])
    expect(r.ctx.lines.filter((l) => l.includes('lack of pUSD')).length).toBe(1)

    // A counterparty sells 20 into our YES 0.38 bid: 7.6 pUSD spent, as much released. Requotes still fit.
    const cp = await counterparty(r.sim, 1000, { [a.yesTokenId]: 100 })
    await cp.take(a.yesTokenId, 'SELL', 0.38, 20)
    await until('the fill reached the account', () => r.ctx.account.token(a.yesTokenId).shares === 20)
    await r.plugin.run({ market: b, books: staticBooks(b, 0.2, 0.25), quote: QUOTE, orders: wantB, now: Date.now() })
    await r.plugin.run({ market: a, books: staticBooks(a, 0.4, 0.44), quote: QUOTE, orders: wantA, now: Date.now() })
    const after = await account()
    expect(after.usdc).toBeCloseTo(92.4, 6)
    expect(after.reserved_usdc).toBeLessThanOrEqual(after.usdc)
    expect(r.ctx.lines.filter((l) => l.includes('rejected'))).toEqual([])
    expect(r.sim.openOrders(r.address).length).toBeGreaterThan(0)
  }, 10_000)

  test('dry run signs and logs every order and sends nothing', async () => {
    const r = await rig({ dryRun: true })
    const m = r.markets[0] as Market
    const report = await r.plugin.run({
      market: m,
      books: staticBooks(m, 0.4, 0.44),
      quote: QUOTE,
      orders: twoSided(m, 0.38, 0.54),
      now: Date.now(),
    })
    expect(report.placed).toBe(2)
    expect(openOf(r)).toEqual([])
    expect(r.ctx.lines.filter((l) => l.includes('[dry run] would place')).length).toBe(2)
    expect(r.plugin.liveOrders(m.conditionId).length).toBe(2)
    const state = (await (await fetch(`${r.sim.urls.admin}/state`)).json()) as { sockets: { user: number } }
    expect(state.sockets.user).toBe(0)
    await r.plugin.stop?.()
    expect(r.plugin.liveOrders()).toEqual([])
  })
})

describe('faults', () => {
  test('user channel dropped mid-fill: the fill arrives once, by back-fill after the reconnect', async () => {
    const r = await rig()
    const m = r.markets[0] as Market
    await r.plugin.run({
      market: m,
      books: staticBooks(m, 0.4, 0.44),
      quote: QUOTE,
      orders: twoSided(m, 0.41, 0.55, 20),
      now: Date.now(),
    })
    const cp = await counterparty(r.sim, 1000, { [m.yesTokenId]: 100 })
    await postFaults(r.sim, { ws_channel: 'user', ws_drop_rate: 1 })
    await cp.take(m.yesTokenId, 'SELL', 0.41, 6)
    await Bun.sleep(100)
    expect(r.ctx.account.token(m.yesTokenId).shares).toBe(0) // the trade frames were lost
    await postFaults(r.sim, { reset: true, ws_channel: 'user', ws_drop: true, ws_duplicate_rate: 1 })
    await until('back-filled', () => r.ctx.account.token(m.yesTokenId).shares === 6, 8000)
    await cp.take(m.yesTokenId, 'SELL', 0.41, 5) // duplicated frames: still counted once
    await until('second fill', () => r.ctx.account.token(m.yesTokenId).shares === 11)
    await Bun.sleep(300)
    expect(r.ctx.account.token(m.yesTokenId).shares).toBe(11)
    expect(r.sim.balances(r.address).tokens[m.yesTokenId]).toBe(11)
    expect(r.ctx.health.components.get('user-channel')?.up).toBe(true)
  }, 10_000)

  test('POST /orders processed but never answered: orders are unknown, never re-sent, then resolved', async () => {
    // Lookups slowed down and the user channel's frames dropped, so the test sees the unknown state every time
    // (the channel's PLACEMENT would often settle the orders before the timeout); the late answer settles them.
    const r = await rig({ config: { request_timeout: '400ms', resolve_every: '5s' } })
    const m = r.markets[0] as Market
    await postFaults(r.sim, { submit_hang: { count: 1, hang_ms: 1500 }, ws_channel: 'user', ws_drop_rate: 1 })
    const run = () =>
      r.plugin.run({
        market: m,
        books: staticBooks(m, 0.4, 0.44),
        quote: QUOTE,
        orders: twoSided(m, 0.38, 0.54),
        now: Date.now(),
      })
    await run()
    expect(r.plugin.liveOrders(m.conditionId).map((o) => o.status)).toEqual(['unknown', 'unknown'])
    expect(openOf(r).length).toBe(2) // the exchange did place them
    const again = await run()
    expect(again.placed).toBe(0)
    expect(openOf(r).length).toBe(2)
    await until('unknowns resolved', () => r.plugin.liveOrders(m.conditionId).every((o) => o.status === 'live'), 4000)
    await run()
    expect(openOf(r).length).toBe(2)
  }, 10_000)

  test('a 429 storm backs off without crashing and places once it passes', async () => {
    const r = await rig({ config: { rate_limits: { backoff_max: '1s' } } })
    const m = r.markets[0] as Market
    await postFaults(r.sim, { rest_errors: [{ path: '/orders', method: 'POST', status: 429, count: 2 }] })
    const run = () =>
      r.plugin.run({
        market: m,
        books: staticBooks(m, 0.4, 0.44),
        quote: QUOTE,
        orders: twoSided(m, 0.38, 0.54),
        now: Date.now(),
      })
    // Refused unprocessed: the orders never existed, so none counts as placed (nor as rejected).
    const first = await run()
    expect(first.placed).toBe(0)
    expect(openOf(r).length).toBe(0)
    // During the back-off nothing is sent.
    const during = await run()
    expect(during.placed).toBe(0)
    await until(
      'orders placed after the storm',
      async () => {
        await run()
        return openOf(r).length === 2
      },
      9000,
    )
    expect(r.ctx.lines.some((l) => l.includes('rate limited (429)'))).toBe(true)
  }, 12_000)

  test("SIGKILL: the exchange heartbeat cancels the dead daemon's orders", async () => {
    const scenario = { ...loadScenario('default'), heartbeat_timeout: 1500 }
    const sim = await startSimulator({ scenario, flow: false })
    try {
      const m = { ...(await import('./execute-sim/harness.ts')).marketsOf(sim)[0] } as Market
      const pk = `0x${randomBytes(32).toString('hex')}`
      const address = createFastSigner(pk).address
      const child = Bun.spawn(['bun', `${import.meta.dir}/execute-sim/child.ts`], {
        env: {
          ...process.env,
          PK: pk,
          CLOB: sim.urls.clob,
          WS: sim.urls.ws,
          DATA_API: sim.urls.dataApi,
          MARKET: JSON.stringify(m),
        },
        stdout: 'pipe',
        stderr: 'pipe',
      })
      const reader = child.stdout.getReader()
      let out = ''
      while (!out.includes('READY')) {
        const { value, done } = await reader.read()
        if (done) break
        out += new TextDecoder().decode(value)
      }
      expect(out).toContain('READY 2')
      expect(sim.openOrders(address).length).toBe(2)
      child.kill('SIGKILL')
      await child.exited
      await until('heartbeat expiry cancels', () => sim.openOrders(address).length === 0, 5000)
    } finally {
      await sim.stop()
    }
  }, 10_000)

  test('restart with on_start adopt takes over resting orders; with cancel it clears them', async () => {
    const sim = await startSimulator({ scenario: 'default', flow: false })
    try {
      const pk = `0x${randomBytes(32).toString('hex')}`
      const first = await startRig({ simulator: sim, privateKey: pk, config: { heartbeat: false } })
      const m = first.markets[0] as Market
      await first.plugin.run({
        market: m,
        books: staticBooks(m, 0.4, 0.44),
        quote: QUOTE,
        orders: twoSided(m, 0.38, 0.54),
        now: Date.now(),
      })
      first.plugin.stop = undefined // simulate a crash: nothing cancelled
      expect(sim.openOrders(first.address).length).toBe(2)
      const adopter = await startRig({
        simulator: sim,
        privateKey: pk,
        config: { on_start: 'adopt', heartbeat: false },
      })
      expect(adopter.plugin.liveOrders(m.conditionId).length).toBe(2)
      // Adopted orders that still fit are kept.
      const kept = await adopter.plugin.run({
        market: m,
        books: staticBooks(m, 0.4, 0.44),
        quote: QUOTE,
        orders: twoSided(m, 0.38, 0.54),
        now: Date.now(),
      })
      expect(kept).toEqual({ placed: 0, cancelled: 0, kept: 2 })
      adopter.plugin.stop = undefined // crash again
      const canceller = await startRig({
        simulator: sim,
        privateKey: pk,
        config: { on_start: 'cancel', heartbeat: false },
      })
      expect(sim.openOrders(first.address).length).toBe(0)
      expect(canceller.plugin.liveOrders().length).toBe(0)
      await canceller.close()
    } finally {
      for (const r of rigs.splice(0)) await r.close()
      await sim.stop()
    }
  }, 10_000)
})
