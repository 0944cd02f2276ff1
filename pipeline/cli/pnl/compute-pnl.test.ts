import { describe, expect, test } from 'bun:test'
import type { StoredFill } from '../../../plugins/persist/sqlite/queries.ts'
import { computeDailyPnl } from './compute-pnl.ts'

const A = `0x${'a1'.repeat(32)}`
const day = { date: '2026-01-02', start: Date.UTC(2026, 0, 2), end: Date.UTC(2026, 0, 3) }
const at = (hour: number) => Date.UTC(2026, 0, 2, hour)

function fill(over: Partial<StoredFill> & Pick<StoredFill, 'tradeId' | 'side' | 'price' | 'size'>): StoredFill {
  return {
    orderId: `0x${over.tradeId}`,
    conditionId: A,
    tokenId: '1111',
    feeUsd: 0,
    rebateUsd: 0,
    role: 'MAKER',
    status: 'CONFIRMED',
    timestamp: at(10),
    mode: 'live',
    account: '0x00000000000000000000000000000000000000aa',
    ...over,
  }
}

describe('daily PnL with V2 fees (protocol doc §7.5)', () => {
  test('a taker BUY fee paid in shares: fewer shares held, the fee on its own line', () => {
    const pnl = computeDailyPnl({
      day,
      fills: [
        // 100 YES at 0.50 as taker; fee 100 · 0.04 · (0.5 · 0.5)^1 = 1 USD = 2 shares.
        fill({ tradeId: 't1', side: 'BUY', price: 0.5, size: 100, role: 'TAKER', feeUsd: 1, timestamp: at(9) }),
        fill({ tradeId: 't2', side: 'SELL', price: 0.6, size: 98, timestamp: at(11) }),
      ],
      markets: new Map([[A, { conditionId: A, question: 'A?', yesTokenId: '1111', noTokenId: '2222' }]]),
      fairs: new Map([[A, { fair: 0.7, at: at(12) }]]),
    })
    const row = pnl.markets[0]
    expect(row).toMatchObject({ yesShares: 0, unrealizedUsd: 0, feesUsd: 1, realizedUsd: 9.8, netRealizedUsd: 8.8 })
  })
})
