import { describe, expect, test } from 'bun:test'
import { createManualClock } from '../../../pipeline/clock.ts'
import { createTestContext, testMarket } from '../../../pipeline/testing.ts'
import { createExecutor } from './executor.ts'
import { createFastSigner } from './fast-signer.ts'
import { takerFeeUsd, tradeToFills } from './fills.ts'
import { createOrderFactory } from './order-factory.ts'
import { createOrderBudget } from './rate-budget.ts'
import { parseUserFrame, type WireTrade, WireTradeSchema } from './user-channel-wire.ts'

const m = testMarket({ feeExponent: 2 })
const signer = createFastSigner(`0x${'11'.repeat(32)}`)
/** Our funder (a proxy wallet), in the checksummed form the factory uses. */
const FUNDER = createFastSigner(`0x${'22'.repeat(32)}`).address
const OUR_KEY = '00000000-0000-0000-0000-00000000000a'
/** Another API key of the same account (rotated, or an earlier run's). */
const OTHER_KEY_OF_OURS = '00000000-0000-0000-0000-00000000000b'
const STRANGER = `0x${'cd'.repeat(20)}`

function trade(over: Record<string, unknown>, makers: Record<string, unknown>[] = []): WireTrade {
  return WireTradeSchema.parse({
    id: 'trade-1',
    taker_order_id: '0xtaker',
    market: m.conditionId,
    asset_id: m.yesTokenId,
    side: 'BUY',
    size: '40',
    price: '0.6',
    fee_rate_bps: '1000',
    status: 'MATCHED',
    match_time: '1760000000',
    owner: OUR_KEY,
    trade_owner: 'someone-else',
    trader_side: 'MAKER',
    maker_orders: makers.map((x) => ({
      order_id: '0xours',
      owner: OTHER_KEY_OF_OURS,
      maker_address: FUNDER.toLowerCase(),
      matched_amount: '10',
      price: '0.6',
      asset_id: m.yesTokenId,
      side: 'SELL',
      fee_rate_bps: '',
      ...x,
    })),
    ...over,
  })
}

const us = { apiKeys: [OUR_KEY], funder: FUNDER }

describe('which fills of a trade are ours (protocol doc §7.6)', () => {
  test('a maker entry with our funder as maker_address is ours whatever API key owns it', () => {
    const fills = tradeToFills(trade({}, [{}, { order_id: '0xtheirs', owner: 'x', maker_address: STRANGER }]), us, 0)
    expect(fills.map((f) => [f.orderId, f.role, f.side, f.size])).toEqual([['0xours', 'MAKER', 'SELL', 10]])
  })

  test('a maker entry owned by our API key is ours whatever address it names; a stranger is not', () => {
    const mine = trade({}, [{ owner: OUR_KEY, maker_address: STRANGER }])
    expect(tradeToFills(mine, us, 0)).toHaveLength(1)
    const theirs = trade({}, [{ owner: 'x', maker_address: STRANGER }])
    expect(tradeToFills(theirs, us, 0)).toHaveLength(0)
    expect(tradeToFills(theirs, us, 0, (id) => id === '0xours')).toHaveLength(1)
  })

  test('taker side: ours by our key, by our funder on a taker view, or by a tracked order', () => {
    const byKey = trade({ trade_owner: OUR_KEY, trader_side: 'TAKER' })
    expect(tradeToFills(byKey, us, 0).map((f) => f.role)).toEqual(['TAKER'])
    const byFunder = trade({
      trade_owner: OTHER_KEY_OF_OURS,
      owner: OTHER_KEY_OF_OURS,
      trader_side: 'TAKER',
      maker_address: FUNDER,
    })
    expect(tradeToFills(byFunder, us, 0).map((f) => f.role)).toEqual(['TAKER'])
    // On a maker's view the top-level maker_address is the receiver's own: it says nothing of the taker.
    const makerView = trade({ trade_owner: 'someone-else', maker_address: FUNDER })
    expect(tradeToFills(makerView, us, 0)).toHaveLength(0)
    expect(tradeToFills(trade({ trade_owner: 'x' }), us, 0, (id) => id === '0xtaker')).toHaveLength(1)
  })
})

describe('V2 fees (protocol doc §7.5)', () => {
  test('taker fee = shares · rate · (p·(1−p))^exponent; makers pay none', () => {
    expect(takerFeeUsd(1000, 0.6, 40, 1)).toBeCloseTo(40 * 0.1 * 0.24, 12)
    expect(takerFeeUsd(1000, 0.6, 40, 2)).toBeCloseTo(40 * 0.1 * 0.24 ** 2, 12)
    expect(takerFeeUsd(0, 0.6, 40)).toBe(0)
    const [taker] = tradeToFills(
      trade({ trade_owner: OUR_KEY, trader_side: 'TAKER' }),
      { ...us, feeExponent: () => 2 },
      0,
    )
    expect(taker?.feeUsd).toBeCloseTo(40 * 0.1 * 0.24 ** 2, 12)
    const [maker] = tradeToFills(trade({}, [{ fee_rate_bps: '1000' }]), us, 0)
    expect(maker?.feeUsd).toBe(0)
    // The V1 form min(p, 1 − p) would give 40 · 0.1 · 0.4 = 1.6.
    expect(taker?.feeUsd).not.toBeCloseTo(1.6, 3)
  })
})

/** The executor as the plugin builds it, without an exchange (fills need none), our funder as the maker. */
function setup() {
  const clock = createManualClock()
  const ctx = createTestContext({ stage: 'execute', plugin: 'clob', clock })
  const factory = createOrderFactory({ signer, funder: FUNDER, signatureType: 2, chainId: 137 })
  const ex = createExecutor({
    port: undefined,
    factory,
    clock: ctx.clock,
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
    budget: createOrderBudget({ clock: ctx.clock, log: ctx.log, random: () => 0.5 }),
    apiKey: OUR_KEY,
    rules: () => ({ requoteMidTicks: 1, requoteQueueLevels: 2, orderMaxAgeMs: 12_000, postOnly: true }),
    markDirty: () => {},
    notFoundGraceMs: 15_000,
    maxBudgetWaitMs: 0,
  })
  return { ctx, ex }
}

describe('a fill of an untracked order placed under another key of ours', () => {
  test('is booked exactly once: user channel, then the REST back-fill with prefixed statuses', async () => {
    const { ctx, ex } = setup()
    await ex.setMarkets([m])
    const ws = {
      event_type: 'trade',
      type: 'TRADE',
      id: 'trade-7',
      taker_order_id: '0xtaker',
      market: m.conditionId,
      asset_id: m.yesTokenId,
      side: 'BUY',
      size: '40',
      price: '0.6',
      fee_rate_bps: '',
      status: 'MATCHED',
      match_time: '1760000000',
      owner: OUR_KEY,
      trade_owner: 'someone-else',
      trader_side: 'MAKER',
      maker_orders: [
        {
          order_id: '0xours',
          owner: OTHER_KEY_OF_OURS,
          maker_address: FUNDER.toLowerCase(),
          matched_amount: '10',
          price: '0.6',
          asset_id: m.yesTokenId,
          side: 'SELL',
          fee_rate_bps: '',
        },
      ],
    }
    const frame = parseUserFrame(JSON.stringify(ws))
    expect(frame.rejected).toEqual([])
    for (const e of frame.events) if (e.kind === 'trade') ex.onTrade(e.trade)
    expect(ctx.account.token(m.yesTokenId).shares).toBe(-10)
    // The REST back-fill returns the same trade, prefixed, later in its life.
    for (const status of ['TRADE_STATUS_MATCHED', 'TRADE_STATUS_MINED', 'TRADE_STATUS_CONFIRMED']) {
      ex.onTrade(WireTradeSchema.parse({ ...ws, event_type: undefined, type: undefined, status }))
    }
    expect(ctx.account.token(m.yesTokenId).shares).toBe(-10)
    expect(ctx.account.fills().map((f) => [f.tradeId, f.orderId, f.status])).toEqual([
      ['trade-7', '0xours', 'CONFIRMED'],
    ])
    expect(ctx.lines.filter((l) => l.includes('fill MAKER SELL 10 ') && l.includes('@ 0.6'))).toHaveLength(1)
  })

  test('an unknown status spelling books the fill as a match not settled and names the spelling', async () => {
    const { ctx, ex } = setup()
    await ex.setMarkets([m])
    ex.onTrade(trade({ id: 'trade-8', status: 'TRADE_STATUS_SOMETHING_NEW' }, [{}]))
    expect(ctx.account.fills().map((f) => f.status)).toEqual(['MATCHED'])
    expect(ctx.lines.some((l) => l.includes('unknown trade status "TRADE_STATUS_SOMETHING_NEW"'))).toBe(true)
  })
})
