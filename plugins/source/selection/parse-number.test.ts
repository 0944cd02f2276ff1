import { describe, expect, test } from 'bun:test'
import { parseNumber } from './parse-number.ts'

describe('parseNumber', () => {
  test.each([
    ['12,345', 12345],
    ['$12,345.67', 12345.67],
    [' 1500 ', 1500],
    ['0.30', 0.3],
    ['1.5e6', 1_500_000],
    ['-3', -3],
    ['-$1,000', -1000],
    ['(1,200.5)', -1200.5],
    ['.5', 0.5],
    ['€7', 7],
  ])('reads %p as %p', (text, expected) => {
    expect(parseNumber(text)).toEqual({ ok: true, value: expected })
  })

  test('empty text and missing cells are "no value", not zero', () => {
    expect(parseNumber('')).toEqual({ ok: true, value: undefined })
    expect(parseNumber('   ')).toEqual({ ok: true, value: undefined })
    expect(parseNumber(undefined)).toEqual({ ok: true, value: undefined })
    expect(parseNumber(null)).toEqual({ ok: true, value: undefined })
  })

  test('numbers and bigints pass through', () => {
    expect(parseNumber(42.5)).toEqual({ ok: true, value: 42.5 })
    expect(parseNumber(10n)).toEqual({ ok: true, value: 10 })
  })

  test.each(['abc', '12,34', '1,2345', '$', '1.2.3', 'N/A', '12 345', '5%', '1e'])('rejects %p', (text) => {
    const r = parseNumber(text)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.error).toContain(text)
  })

  test('rejects non-finite numbers and other types', () => {
    expect(parseNumber(Number.NaN).ok).toBe(false)
    expect(parseNumber(true).ok).toBe(false)
  })
})
