import type { Fill, LiveOrder, MarketPosition, YesQuote } from '../../../schemas/domain.ts'
import type { DaemonEvent, DaemonEventOf } from '../../../stages/events.ts'

/** Event builders shared by this folder's tests, the kill -9 child and the CLI tests. */

export const CONDITION_A = `0x${'a1'.repeat(32)}`
export const CONDITION_B = `0x${'b2'.repeat(32)}`

export function liveOrder(overrides: Partial<LiveOrder> = {}): LiveOrder {
  return {
    id: '0xorder1',
    conditionId: CONDITION_A,
    tokenId: '1111',
    side: 'BUY',
    price: 0.45,
    size: 100,
    layer: 0,
    quoteSide: 'bid',
    status: 'live',
    filled: 0,
    createdAt: Date.UTC(2026, 0, 1, 12),
    quotedMid: 0.46,
    ...overrides,
  }
}

export function orderEvent(order: Partial<LiveOrder> = {}, at = Date.UTC(2026, 0, 1, 12)): DaemonEventOf<'order'> {
  return { type: 'order', at, order: liveOrder(order) }
}

export function fill(overrides: Partial<Fill> = {}): Fill {
  return {
    tradeId: 'trade-1',
    orderId: '0xorder1',
    conditionId: CONDITION_A,
    tokenId: '1111',
    side: 'BUY',
    price: 0.45,
    size: 10,
    feeUsd: 0,
    role: 'MAKER',
    status: 'MATCHED',
    timestamp: Date.UTC(2026, 0, 1, 12),
    ...overrides,
  }
}

export function fillEvent(overrides: Partial<Fill> = {}): DaemonEventOf<'fill'> {
  const f = fill(overrides)
  return { type: 'fill', at: f.timestamp, fill: f }
}

export function positionEvent(
  yes: { shares: number; avgPrice: number; realizedPnl?: number },
  no: { shares: number; avgPrice: number; realizedPnl?: number },
  at = Date.UTC(2026, 0, 1, 12),
  conditionId = CONDITION_A,
  tokens: [string, string] = ['1111', '2222'],
): DaemonEventOf<'position'> {
  const position: MarketPosition = {
    conditionId,
    yes: { tokenId: tokens[0], realizedPnl: 0, ...yes },
    no: { tokenId: tokens[1], realizedPnl: 0, ...no },
    q: yes.shares - no.shares,
  }
  return { type: 'position', at, position }
}

export function quoteEvent(fair: number, at: number, conditionId = CONDITION_A): DaemonEventOf<'quote'> {
  const quote: YesQuote = { fair, reservation: fair, halfSpread: 0.02, bid: fair - 0.02, ask: fair + 0.02 }
  return { type: 'quote', at, conditionId, quote }
}

export function selectionEvent(at = Date.UTC(2026, 0, 1)): DaemonEventOf<'selection'> {
  return {
    type: 'selection',
    at,
    added: [CONDITION_A],
    removed: [],
    markets: [
      {
        conditionId: CONDITION_A,
        question: 'Will A happen?',
        yesTokenId: '1111',
        noTokenId: '2222',
        tickSize: 0.01,
        minOrderSize: 5,
        negRisk: false,
        acceptingOrders: true,
        closed: false,
      },
    ],
  }
}

export function markoutEvent(horizonSec: number, markout: number, tradeId = 'trade-1'): DaemonEvent {
  return {
    type: 'markout',
    at: Date.UTC(2026, 0, 1, 12, 0, horizonSec),
    tradeId,
    conditionId: CONDITION_A,
    tokenId: '1111',
    horizonSec,
    markout,
  }
}
