import { createManualClock } from '../../../pipeline/clock.ts'
import { createTestContext, createTestPlugin, testMarket } from '../../../pipeline/testing.ts'
import type { BookState, Fill, HealthView, Market, MarketPosition } from '../../../schemas/domain.ts'
import type { AccountShare } from '../../../stages/account-share.ts'
import type { DaemonEvent } from '../../../stages/events.ts'
import { isPull, type RiskInput, type RiskVerdict } from '../../../stages/io.ts'
import { createStaticBook } from '../../quoting-math/static-book.ts'
import plugin, { isCapsHandler } from './index.ts'

/** Builders of risk-stage inputs for the caps tests. */

export const ALL_UP: HealthView = {
  components: new Map(),
  allUp: () => true,
  firstDown: () => undefined,
}

export function books(yes: BookState = 'fresh', no: BookState = 'fresh', reason = '') {
  return {
    yes: createStaticBook({
      tokenId: '1111',
      bids: [[0.49, 100]],
      asks: [[0.51, 100]],
      state: yes,
      stateReason: reason,
    }),
    no: createStaticBook({ tokenId: '2222', bids: [[0.49, 100]], asks: [[0.51, 100]], state: no, stateReason: reason }),
  }
}

/** q = yes − no shares. */
export function positionOf(market: Market, yes: number, no = 0): MarketPosition {
  return {
    conditionId: market.conditionId,
    yes: { tokenId: market.yesTokenId, shares: yes, avgPrice: 0, realizedPnl: 0 },
    no: { tokenId: market.noTokenId, shares: no, avgPrice: 0, realizedPnl: 0 },
    q: yes - no,
  }
}

export function riskInput(
  market: Market,
  opts: {
    fair?: number
    q?: number
    position?: MarketPosition
    capitalUsd?: number
    health?: HealthView
    now: number
    books?: RiskInput['books']
  },
): RiskInput {
  const fair = opts.fair ?? 0.5
  const h = 0.02
  return {
    market,
    books: opts.books ?? books(),
    quote: { fair, reservation: fair, halfSpread: h, bid: fair - h, ask: fair + h },
    position: opts.position ?? positionOf(market, Math.max(0, opts.q ?? 0), Math.max(0, -(opts.q ?? 0))),
    capitalUsd: opts.capitalUsd ?? 10_000,
    health: opts.health ?? ALL_UP,
    now: opts.now,
  }
}

let tradeSeq = 0

export function fillOf(market: Market, f: Partial<Fill> & Pick<Fill, 'side' | 'price' | 'size' | 'timestamp'>): Fill {
  tradeSeq++
  return {
    tradeId: `trade-${tradeSeq}`,
    orderId: `0x${tradeSeq.toString(16).padStart(64, '0')}`,
    conditionId: market.conditionId,
    tokenId: market.yesTokenId,
    feeUsd: 0,
    role: 'MAKER',
    status: 'MATCHED',
    ...f,
  }
}

/** Markets of the tests: A is `testMarket()`, B another market with its own tokens. */
export const A = testMarket()
export const B = testMarket({ conditionId: `0x${'cd'.repeat(32)}`, yesTokenId: '3333', noTokenId: '4444' })

/** 2026-01-01 12:00 UTC: mid-day, twelve hours before the next UTC day. */
export const NOON = Date.UTC(2026, 0, 1, 12)

/** The caps plugin on a test context with a manual clock, started, with every daemon event recorded. */
export async function setup(withConfig: Record<string, unknown> = {}, start = NOON, accountShare?: AccountShare) {
  const clock = createManualClock(start)
  const ctx = createTestContext({
    stage: 'risk',
    plugin: 'caps',
    clock,
    capitalUsd: 10_000,
    ...(accountShare ? { accountShare } : {}),
  })
  const handler = await createTestPlugin(plugin, withConfig, ctx)
  if (!isCapsHandler(handler)) throw new Error('caps handler has no reset/status')
  await handler.start?.()
  const events: DaemonEvent[] = []
  ctx.bus.onAny((e) => events.push(e))
  const run = (input: RiskInput): RiskVerdict => {
    const out = handler.run(input)
    if (isPull(out)) throw new Error(`pulled: ${out.pull}`)
    return out
  }
  const riskEvents = () => events.flatMap((e) => (e.type === 'risk' ? [e] : []))
  const markoutEvents = () => events.flatMap((e) => (e.type === 'markout' ? [e] : []))
  /** Current value of a plugin gauge, optionally for one condition id. */
  const gauge = async (name: string, conditionId?: string) => {
    const metric = ctx.metrics.registry.getSingleMetric(name)
    if (!metric) throw new Error(`no metric ${name}`)
    const { values } = await metric.get()
    return values.find((v) => conditionId === undefined || v.labels.condition_id === conditionId)?.value
  }
  return { clock, ctx, handler, events, run, riskEvents, markoutEvents, gauge }
}
