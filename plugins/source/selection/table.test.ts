import { describe, expect, test } from 'bun:test'
import { mapColumns } from './columns.ts'
import { collectRows, parseSelectionRow } from './rows.ts'
import { rowsFromTable } from './table.ts'

const T1 = '104239898038807136052399800151408521467737075933964991162589336683346093173875'
const T2 = '71183960810705820955071415844881728181970340514894896943812046065452395013351'
const CID = '0x78443f961b9a65869dcb39359de9960165c7e5cbad0904eac7f29cd77872a63b'

describe('mapColumns', () => {
  test('finds columns by name in any order, case-insensitive and trimmed, ignoring extra columns', () => {
    const m = mapColumns(['Question', ' VOLUME_7D ', 'Token2', 'notes', 'token1', 'Volume 30d', 'liquidity'])
    expect(m.index).toEqual({ volume_7d: 1, token2: 2, token1: 4, volume_30d: 5, liquidity: 6 })
    expect(m.missing).toEqual([])
  })

  test('reports missing required columns and duplicates', () => {
    const m = mapColumns(['token2', 'Liquidity', 'liquidity'])
    expect(m.missing).toEqual(['token1'])
    expect(m.duplicated).toEqual(['liquidity'])
    expect(m.index.liquidity).toBe(1)
  })
})

describe('parseSelectionRow', () => {
  test('builds a typed row with formatted numbers parsed', () => {
    const r = parseSelectionRow(
      {
        token1: T1,
        token2: ` ${T2} `,
        condition_id: CID,
        liquidity: '$12,345.67',
        volume_7d: '50,000',
        volume_30d: '',
      },
      'sheet row 2',
    )
    expect(r).toEqual({
      kind: 'row',
      row: { token1: T1, token2: T2, condition_id: CID, liquidity: 12345.67, volume_7d: 50000, origin: 'sheet row 2' },
    })
  })

  test('a row with only empty cells is blank', () => {
    expect(parseSelectionRow({ token1: '', token2: '  ', liquidity: undefined }, 'x')).toEqual({ kind: 'blank' })
  })

  test('lists every problem of a bad row', () => {
    const r = parseSelectionRow({ token1: '', token2: 'abc', liquidity: 'lots', condition_id: '0x12' }, 'x')
    expect(r.kind).toBe('error')
    if (r.kind !== 'error') return
    expect(r.reason).toContain('token1 is missing')
    expect(r.reason).toContain('token2 "abc" is not a token id')
    expect(r.reason).toContain('Liquidity "lots" is not a number')
    expect(r.reason).toContain('condition_id "0x12"')
  })

  test('a token id the sheet turned into scientific notation is explained', () => {
    const r = parseSelectionRow({ token1: '1.04239898038807E+77', token2: T2 }, 'x')
    expect(r.kind === 'error' && r.reason).toContain('format the column as plain text')
  })

  test('token ids as YAML bigints are exact; unsafe floats are refused', () => {
    expect(parseSelectionRow({ token1: BigInt(T1), token2: 22n }, 'x')).toMatchObject({
      kind: 'row',
      row: { token1: T1, token2: '22' },
    })
    expect(parseSelectionRow({ token1: 1.0423989803880714e77, token2: 22 }, 'x').kind).toBe('error')
  })

  test('token1 equal to token2 is an error', () => {
    const r = parseSelectionRow({ token1: '5', token2: '5' }, 'x')
    expect(r.kind === 'error' && r.reason).toContain('same token')
  })
})

describe('collectRows', () => {
  test('skips blank rows, rejects bad and duplicate rows with their origin, keeps the rest', () => {
    const out = collectRows([
      { raw: { token1: '1', token2: '2' }, origin: 'r2' },
      { raw: { token1: '', token2: '' }, origin: 'r3' },
      { raw: { token1: 'x', token2: '4' }, origin: 'r4' },
      { raw: { token1: '2', token2: '9' }, origin: 'r5' },
      { raw: { token1: '7', token2: '8' }, origin: 'r6' },
    ])
    expect(out.rows.map((r) => r.origin)).toEqual(['r2', 'r6'])
    expect(out.rejected).toEqual([
      { origin: 'r4', reason: 'token1 "x" is not a token id (a decimal integer)' },
      { origin: 'r5', reason: 'duplicate of r2 (same token)' },
    ])
  })
})

describe('rowsFromTable', () => {
  test('maps cells by header and labels rows by the caller', () => {
    const out = rowsFromTable(
      'test.csv',
      ['Liquidity', 'token2', 'extra', 'token1'],
      [['1,000', '2', 'zzz', '1'], [], ['5', '4', '', '3']],
      (i) => `test.csv:${i + 2}`,
    )
    expect(out.rows).toEqual([
      { token1: '1', token2: '2', liquidity: 1000, origin: 'test.csv:2' },
      { token1: '3', token2: '4', liquidity: 5, origin: 'test.csv:4' },
    ])
    expect(out.rejected).toEqual([])
  })

  test('throws naming the table and the headers found when token1 is missing', () => {
    expect(() => rowsFromTable("sheet 'Selected Markets'", ['tok1', 'token2'], [], String)).toThrow(
      "sheet 'Selected Markets': missing required column token1 (header row has: tok1, token2)",
    )
    expect(() => rowsFromTable('empty.csv', [], [], String)).toThrow('missing required columns token1, token2')
  })
})
