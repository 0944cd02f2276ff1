import { describe, expect, test } from 'bun:test'
import { createRng, hashString, hashUnit } from './rng.ts'

describe('rng', () => {
  test('a seed gives the same stream; another seed another stream; values in [0, 1)', () => {
    const a = createRng(42)
    const b = createRng(42)
    const c = createRng(43)
    const xs = Array.from({ length: 1000 }, () => a())
    expect(Array.from({ length: 1000 }, () => b())).toEqual(xs)
    expect(c()).not.toBe(xs[0])
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true)
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.05)
  })

  test('hashUnit is fixed by its key and spread over [0, 1)', () => {
    expect(hashUnit(1, 2, 3, 4)).toBe(hashUnit(1, 2, 3, 4))
    expect(hashUnit(1, 2, 3, 4)).not.toBe(hashUnit(1, 2, 3, 5))
    const xs = Array.from({ length: 2000 }, (_, i) => hashUnit(7, hashString('m'), i % 6, i))
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true)
    expect(xs.filter((x) => x < 0.5).length).toBeGreaterThan(900)
    expect(xs.filter((x) => x < 0.5).length).toBeLessThan(1100)
  })
})
