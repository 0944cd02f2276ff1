import { describe, expect, test } from 'bun:test'
import { diffSelection, formatSelectionChange, formatSelectionStatus } from './selection-log.ts'
import { testMarket } from './testing.ts'

const cid = (n: number) => `0x${n.toString(16).padStart(64, '0')}`
const a = testMarket({ conditionId: cid(1), yesTokenId: '11', noTokenId: '12', question: 'A?' })
const b = testMarket({ conditionId: cid(2), yesTokenId: '21', noTokenId: '22', question: 'B?' })
const c = testMarket({ conditionId: cid(3), yesTokenId: '31', noTokenId: '32', question: 'C?' })
const status = { activeMarkets: 2, marketMappings: 2, tradingStrategies: 2 }

describe('diffSelection', () => {
  test('splits by conditionId into added, removed and unchanged', () => {
    const bRefreshed = { ...b, tickSize: 0.001 }
    const d = diffSelection([a, b], [bRefreshed, c])
    expect(d.added).toEqual([c])
    expect(d.removed).toEqual([a])
    expect(d.unchanged).toEqual([bRefreshed])
  })

  test('condition ids compare case-insensitively', () => {
    const upper = { ...a, conditionId: a.conditionId.toUpperCase().replace('0X', '0x') }
    expect(diffSelection([a], [upper]).added).toEqual([])
  })

  test('from nothing everything is added', () => {
    expect(diffSelection([], [a, b])).toEqual({ added: [a, b], removed: [], unchanged: [] })
  })
})

describe('formatSelectionChange', () => {
  test('initial load says how many markets came from the sheet', () => {
    const lines = formatSelectionChange({ diff: diffSelection([], [a, b]), initial: true, status })
    expect(lines[0]).toBe('Initial market selection: 2 markets loaded from sheet')
    expect(lines).toContain('Market selection update complete:')
    expect(lines).toContain('   - Active markets: 2')
  })

  test('a change prints the original wording with added and removed tokens and the status summary', () => {
    const lines = formatSelectionChange({
      diff: diffSelection([a, b], [b, c]),
      initial: false,
      status: { activeMarkets: 2, marketMappings: 4, tradingStrategies: 2 },
    })
    expect(lines).toEqual([
      'MARKET SELECTION CHANGE DETECTED - Updating trading configuration',
      "Markets ADDED: ['31']",
      '   + 31 C?',
      "Markets REMOVED: ['11']",
      '   - 11 A?',
      'Market selection update complete:',
      '   - Active markets: 2',
      '   - Market mappings: 4',
      '   - Trading strategies: 2',
    ])
  })

  test('only removals: no ADDED line', () => {
    const lines = formatSelectionChange({ diff: diffSelection([a, b], [b]), initial: false, status })
    expect(lines.some((l) => l.startsWith('Markets ADDED'))).toBe(false)
    expect(lines).toContain("Markets REMOVED: ['11']")
  })

  test('no change after the first load prints nothing; the status line is separate', () => {
    expect(formatSelectionChange({ diff: diffSelection([a], [a]), initial: false, status })).toEqual([])
    expect(formatSelectionStatus(status)).toBe(
      'Market selection status: Active markets: 2, Market mappings: 2, Trading strategies: 2',
    )
  })

  test('initial load from a file names the file source', () => {
    const lines = formatSelectionChange({ diff: diffSelection([], [a]), initial: true, status, source: 'markets.csv' })
    expect(lines[0]).toBe('Initial market selection: 1 markets loaded from markets.csv')
  })
})
