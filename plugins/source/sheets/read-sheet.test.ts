import { describe, expect, test } from 'bun:test'
import { firstRowOf, selectionFromValues, tabRange } from './read-sheet.ts'
import { spreadsheetIdFrom } from './spreadsheet-id.ts'

describe('spreadsheetIdFrom', () => {
  test('takes the id from a full URL or a bare id', () => {
    const id = '1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789'
    expect(spreadsheetIdFrom(`https://docs.google.com/spreadsheets/d/${id}/edit#gid=0`)).toBe(id)
    expect(spreadsheetIdFrom(`https://docs.google.com/spreadsheets/d/${id}`)).toBe(id)
    expect(spreadsheetIdFrom(` ${id} `)).toBe(id)
    expect(spreadsheetIdFrom('https://example.com/sheet')).toBeUndefined()
    expect(spreadsheetIdFrom('short')).toBeUndefined()
  })
})

describe('read-sheet helpers', () => {
  test('firstRowOf reads the start row of the returned range', () => {
    expect(firstRowOf("'Selected Markets'!A1:H12")).toBe(1)
    expect(firstRowOf('Sheet1!B3:D9')).toBe(3)
    expect(firstRowOf(undefined)).toBe(1)
  })

  test('tabRange quotes the name and doubles quotes inside it', () => {
    expect(tabRange("Bob's Markets")).toBe("'Bob''s Markets'")
  })

  test('row numbers follow the returned range and leading blank rows', () => {
    const out = selectionFromValues(
      { range: 'Sheet1!A3:B8', values: [[], ['token1', 'token2'], ['1', '2']] },
      'where',
      (r) => `row ${r}`,
    )
    expect(out.rows).toEqual([{ token1: '1', token2: '2', origin: 'row 5' }])
  })

  test('a response that is not a value range is an error', () => {
    expect(() => selectionFromValues({ values: 'nope' }, 'Sheet X', String)).toThrow('Sheet X: unexpected response')
  })
})
