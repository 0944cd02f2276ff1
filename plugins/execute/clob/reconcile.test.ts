import { afterEach, describe, expect, test } from 'bun:test'
import { realClock } from '../../../pipeline/clock.ts'
import { createTestContext, testMarket } from '../../../pipeline/testing.ts'
import type { Fill } from '../../../schemas/domain.ts'
import { createCollateral } from './collateral.ts'
import { createExecutor } from './executor.ts'
import { createFastSigner } from './fast-signer.ts'
import { createOrderFactory } from './order-factory.ts'
import { createOrderBudget } from './rate-budget.ts'
import { createReconciler } from './reconcile.ts'
import { startWireServer, WIRE_KEY, type WireServer, wirePort } from './wire-server.testing.ts'

/** Agreement with the exchange at start and after, against a loopback server in production's wire format. */

const servers: WireServer[] = []
afterEach(() => {
  for (const s of servers.splice(0)) s.stop()
})

const m = testMarket()
const API_KEY = 'k'

function rig() {
  const srv = startWireServer()
  servers.push(srv)
  const clock = realClock
  const ctx = createTestContext({ stage: 'execute', plugin: 'clob', clock })
  const budget = createOrderBudget({ clock, log: ctx.log })
  const port = wirePort(srv, { clock, onHeaders: (b, h) => budget.onHeaders(b, h) })
  const collateral = createCollateral({ now: () => clock.now(), marginUsd: () => 0 })
  const executor = createExecutor({
    port,
    factory: createOrderFactory({
      signer: createFastSigner(WIRE_KEY),
      funder: undefined,
      signatureType: 0,
      chainId: 137,
    }),
    clock,
    log: ctx.log,
    events: ctx.events,
    account: ctx.account,
    metrics: {
      orderSent: () => {},
      fill: () => {},
      inventory: () => {},
      rateLimited: () => {},
      collateralFree: () => {},
      marketsWaiting: () => {},
    },
    budget,
    apiKey: API_KEY,
    rules: () => ({ requoteMidTicks: 1, requoteQueueLevels: 0, orderMaxAgeMs: 60_000, postOnly: true }),
    markDirty: () => {},
    notFoundGraceMs: 15_000,
    maxBudgetWaitMs: 0,
    collateral,
  })
  const drift = new Map<string, number>()
  const rec = createReconciler({
    port,
    executor,
    account: ctx.account,
    clock,
    log: ctx.log,
    user: '0xuser',
    markets: () => [m],
    setDrift: (t, d) => drift.set(t, d),
    collateral,
    startRetryBaseMs: 20,
  })
  const fills: Fill[] = []
  ctx.events.on('fill', (e) => fills.push(e.fill))
  return { srv, ctx, port, executor, rec, fills, drift }
}

/** Our taker BUY of `size` YES shares, matched `agoSec` seconds ago, as /data/trades lists it. */
function takerBuy(id: string, size: number, matchSec: number, status = 'CONFIRMED') {
  return {
    id,
    taker_order_id: `0xorder-${id}`,
    market: m.conditionId,
    asset_id: m.yesTokenId,
    side: 'BUY',
    size: String(size),
    price: '0.4',
    fee_rate_bps: '0',
    status,
    match_time: String(matchSec),
    owner: API_KEY,
    trader_side: 'TAKER',
    maker_orders: [],
  }
}

describe('start (issue 14)', () => {
  test('transient 5xx answers at start are waited out with back-off, never a failed start', async () => {
    const { srv, rec, ctx } = rig()
    srv.state.resting.set('0xold', {
      id: '0xold',
      market: m.conditionId,
      asset_id: m.yesTokenId,
      side: 'BUY',
      price: '0.3',
      original_size: '10',
      size_matched: '0',
      status: 'ORDER_STATUS_LIVE',
    })
    srv.state.failNext.set('GET /data/orders', [500])
    srv.state.failNext.set('DELETE /orders', [503, 503, 503])
    srv.state.failNext.set('GET /positions', [500])
    srv.state.failNext.set('GET /data/trades', [502])
    await rec.atStart('cancel', Date.now() - 60_000)
    expect(srv.state.resting.size).toBe(0)
    expect(srv.state.cancelAlls).toBe(0)
    expect(ctx.lines.filter((l) => l.includes('start:') && l.includes('retrying in')).length).toBeGreaterThanOrEqual(6)
  })

  test('fills matched while the daemon was down reach the fill log once, and the seeded holdings are not counted twice', async () => {
    const { srv, rec, ctx, fills } = rig()
    const now = Math.floor(Date.now() / 1000)
    // Bought 10 a minute before the restart, 20 ten minutes before: the Data API holds all 30.
    srv.state.trades = [takerBuy('t2', 10, now - 60), takerBuy('t1', 20, now - 600)]
    srv.state.positions = [{ asset: m.yesTokenId, size: 30, avgPrice: 0.4 }]
    await rec.atStart('cancel', (now - 900) * 1000)
    expect(fills.map((f) => f.tradeId).sort()).toEqual(['t1', 't2'])
    expect(ctx.account.token(m.yesTokenId).shares).toBe(30)
    // The periodic back-fill sees them again (and a later status): still counted once.
    srv.state.trades = [takerBuy('t2', 10, now - 60, 'MINED'), ...srv.state.trades]
    await rec.backfillTrades()
    expect(ctx.account.token(m.yesTokenId).shares).toBe(30)
  })
})

describe('fills missed on the user channel (the drill lost them)', () => {
  test('a periodic reconciliation whose open-orders read fails still back-fills the trades', async () => {
    const { srv, rec, fills } = rig()
    await rec.atStart('cancel')
    const now = Math.floor(Date.now() / 1000)
    srv.state.trades = [takerBuy('missed', 10, now)]
    srv.state.failNext.set('GET /data/orders', [500])
    await expect(rec.periodic()).rejects.toThrow(/open orders/)
    expect(fills.map((f) => f.tradeId)).toEqual(['missed'])
  })

  test('a back-fill answered 429 (after a reconnect, at stop) is tried again instead of given up', async () => {
    const { srv, rec, fills, ctx } = rig()
    await rec.atStart('cancel')
    const now = Math.floor(Date.now() / 1000)
    srv.state.trades = [takerBuy('late', 5, now)]
    srv.state.failNext.set('GET /data/trades', [429, 502])
    expect(await rec.backfillRetrying('user channel back', 4)).toBe(1)
    expect(fills.map((f) => f.tradeId)).toEqual(['late'])
    expect(ctx.lines.filter((l) => l.includes('trade back-fill failed') && l.includes('retrying'))).toHaveLength(2)
  })
})

describe('positions', () => {
  test('Data API /positions is paged past its 500 cap', async () => {
    const { srv, port } = rig()
    srv.state.positions = Array.from({ length: 700 }, (_, i) => ({ asset: String(1000 + i), size: 1, avgPrice: 0.5 }))
    expect((await port.positions('0xuser')).length).toBe(700)
    expect(srv.state.queries.filter((q) => q.startsWith('GET /positions')).length).toBe(2)
  })

  test('a drift that stays the same on two checks is corrected to the exchange; one that moves (Data API lag) is not', async () => {
    const { srv, rec, ctx, drift } = rig()
    ctx.account.setHoldings(m.yesTokenId, 40, 0.4)
    srv.state.positions = [{ asset: m.yesTokenId, size: 25, avgPrice: 0.4 }]
    await rec.checkPositions()
    expect(ctx.account.token(m.yesTokenId).shares).toBe(40)
    expect(drift.get(m.yesTokenId)).toBe(-15)
    srv.state.positions = [{ asset: m.yesTokenId, size: 30, avgPrice: 0.4 }]
    await rec.checkPositions()
    expect(ctx.account.token(m.yesTokenId).shares).toBe(40)
    await rec.checkPositions()
    expect(ctx.account.token(m.yesTokenId).shares).toBe(30)
    expect(drift.get(m.yesTokenId)).toBe(0)
  })

  test('a V2 market reads its token balance as CONDITIONAL-V2', async () => {
    const { srv, port } = rig()
    await port.tokenBalance(m.yesTokenId, 'v2')
    await port.tokenBalance(m.yesTokenId, 'v1')
    const reads = srv.state.queries.filter((q) => q.startsWith('GET /balance-allowance?'))
    expect(reads[0]).toContain('asset_type=CONDITIONAL-V2')
    expect(reads[1]).toContain('asset_type=CONDITIONAL&')
  })
})
