import { describe, expect, test } from 'bun:test'
import { createMemoryLogger } from '../../../pipeline/logger.ts'
import {
  normalizeOrderStatus,
  normalizeTradeStatus,
  orderStatusWord,
  reportUnknownStatus,
  TRADE_STATUSES,
} from './statuses.ts'

describe('status spellings (protocol doc §7.4)', () => {
  test('trade statuses: plain and TRADE_STATUS_ prefixed, any case, are the same status', () => {
    for (const s of TRADE_STATUSES) {
      expect(normalizeTradeStatus(s)).toEqual({ status: s, raw: s, known: true })
      expect(normalizeTradeStatus(`TRADE_STATUS_${s}`).status).toBe(s as never)
      expect(normalizeTradeStatus(`trade_status_${s.toLowerCase()}`).known).toBe(true)
    }
  })

  test('an unknown trade status is kept as a match not settled, flagged unknown', () => {
    expect(normalizeTradeStatus('TRADE_STATUS_REORGED')).toEqual({
      status: 'MATCHED',
      raw: 'TRADE_STATUS_REORGED',
      known: false,
    })
  })

  test('order statuses: ORDER_STATUS_ prefix removed, cancel reasons kept, meaning read either way', () => {
    expect(normalizeOrderStatus('ORDER_STATUS_LIVE')).toBe('LIVE')
    expect(normalizeOrderStatus('order_status_canceled_market_resolved')).toBe('CANCELED_MARKET_RESOLVED')
    expect(orderStatusWord('ORDER_STATUS_CANCELED_MARKET_RESOLVED')).toBe('CANCELED')
    expect(orderStatusWord("CANCELED_order couldn't be fully filled")).toBe('CANCELED')
    expect(orderStatusWord('ORDER_STATUS_MATCHED')).toBe('MATCHED')
    expect(orderStatusWord('ORDER_STATUS_INVALID')).toBe('INVALID')
    expect(orderStatusWord('ORDER_STATUS_DELAYED')).toBe('DELAYED')
    expect(orderStatusWord('live')).toBe('LIVE')
    expect(orderStatusWord('ORDER_STATUS_PAUSED')).toBeUndefined()
  })

  test('an unknown spelling is logged by name, once a minute per spelling', () => {
    const { log, lines } = createMemoryLogger()
    reportUnknownStatus(log, 'trade', 'TRADE_STATUS_REORGED', 0)
    reportUnknownStatus(log, 'trade', 'TRADE_STATUS_REORGED', 30_000)
    reportUnknownStatus(log, 'order', 'ORDER_STATUS_PAUSED', 30_000)
    reportUnknownStatus(log, 'trade', 'TRADE_STATUS_REORGED', 61_000)
    expect(lines.filter((l) => l.includes('unknown trade status "TRADE_STATUS_REORGED"'))).toHaveLength(2)
    expect(lines.filter((l) => l.includes('unknown order status "ORDER_STATUS_PAUSED"'))).toHaveLength(1)
  })
})
