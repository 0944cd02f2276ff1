import { describe, expect, test } from 'bun:test'
import { compareFills, comparePositions, replayPositions } from './invariants.ts'
import type { LedgerFill } from './ledger.ts'

const fill = (
  tradeId: string,
  orderId: string,
  side: 'BUY' | 'SELL',
  size: number,
  status = 'CONFIRMED',
): LedgerFill => ({
  tradeId,
  orderId,
  tokenId: 'yes',
  side,
  size,
  price: 0.5,
  status,
})

describe('fills compared with the exchange by trade id', () => {
  test('the same fills on both sides: nothing lost, doubled or phantom', () => {
    const ex = [fill('t1', 'o1', 'BUY', 10), fill('t1', 'o2', 'SELL', 4), fill('t2', 'o3', 'BUY', 1)]
    const c = compareFills(ex, [...ex].reverse())
    expect([c.lost, c.doubled, c.phantom]).toEqual([[], [], []])
  })

  test('a fill missing from the database is lost; one recorded twice is doubled; one unknown is phantom', () => {
    const ex = [fill('t1', 'o1', 'BUY', 10), fill('t2', 'o2', 'SELL', 4)]
    const db = [fill('t1', 'o1', 'BUY', 10), fill('t1', 'o1-again', 'BUY', 10), fill('t9', 'o9', 'BUY', 3)]
    const c = compareFills(ex, db)
    expect(c.lost.map((f) => f.tradeId)).toEqual(['t2'])
    expect(c.doubled.map((f) => f.orderId)).toEqual(['o1-again'])
    expect(c.phantom.map((f) => f.tradeId)).toEqual(['t9'])
  })

  test('a trade that failed on chain counts nowhere; the database still counting it is a phantom', () => {
    const ex = [fill('t1', 'o1', 'BUY', 10, 'FAILED')]
    expect(compareFills(ex, [fill('t1', 'o1', 'BUY', 10, 'FAILED')]).phantom).toEqual([])
    expect(compareFills(ex, [fill('t1', 'o1', 'BUY', 10, 'MATCHED')]).phantom).toHaveLength(1)
  })

  test('a database status behind the exchange final one is reported', () => {
    const c = compareFills([fill('t1', 'o1', 'BUY', 1)], [fill('t1', 'o1', 'BUY', 1, 'MINED')])
    expect(c.statusBehind).toHaveLength(1)
  })
})

describe('positions', () => {
  test('replayed fills net BUYs against SELLs per token, failed trades excluded', () => {
    const p = replayPositions([
      fill('a', '1', 'BUY', 10),
      fill('b', '2', 'SELL', 4),
      fill('c', '3', 'BUY', 99, 'FAILED'),
    ])
    expect(p.get('yes')).toBe(6)
  })

  test('a difference above the tolerance is a mismatch; an absent token is 0', () => {
    const m = comparePositions(
      new Map([
        ['a', 10],
        ['b', 0.005],
      ]),
      new Map([
        ['a', 10.5],
        ['c', 2],
      ]),
    )
    expect(m.map((x) => x.tokenId).sort()).toEqual(['a', 'c'])
  })
})
