import { describe, expect, test } from 'bun:test'
import { parseCsv } from './parse-csv.ts'

describe('parseCsv', () => {
  test('splits records and fields, with line numbers', () => {
    expect(parseCsv('a,b\n1,2\n')).toEqual([
      { line: 1, cells: ['a', 'b'] },
      { line: 2, cells: ['1', '2'] },
    ])
  })

  test('quoted fields hold commas, quotes and newlines; the record after keeps its real line', () => {
    const text = 'token1,Liquidity,note\n"123","$12,345.67","say ""hi""\nthere"\r\n456,7,x'
    expect(parseCsv(text)).toEqual([
      { line: 1, cells: ['token1', 'Liquidity', 'note'] },
      { line: 2, cells: ['123', '$12,345.67', 'say "hi"\nthere'] },
      { line: 4, cells: ['456', '7', 'x'] },
    ])
  })

  test('blank lines are empty records, a BOM is dropped, no trailing newline is fine', () => {
    expect(parseCsv('\uFEFFa\n\nb')).toEqual([
      { line: 1, cells: ['a'] },
      { line: 2, cells: [''] },
      { line: 3, cells: ['b'] },
    ])
  })

  test('empty fields and an empty quoted last field are kept', () => {
    expect(parseCsv('a,,""')).toEqual([{ line: 1, cells: ['a', '', ''] }])
  })

  test('an unterminated quote is an error naming its line', () => {
    expect(() => parseCsv('a\n"b,c\nd')).toThrow('line 2: unterminated quoted field')
  })
})
