import { describe, expect, test } from 'bun:test'
import { testMarket } from '../../pipeline/testing.ts'
import { ceilTicks, floorShares, floorTicks, gridSteps, gridTick, onGrid, tickPrice } from './grid.ts'
import { bookPair } from './test-inputs.ts'

describe('grid', () => {
  test('rounds bids down and asks up, exact prices staying put despite float noise', () => {
    expect(floorTicks(0.485, 0.01)).toBe(48)
    expect(ceilTicks(0.485, 0.01)).toBe(49)
    // 0.1 + 0.2 = 0.30000000000000004 and 0.3 / 0.1 = 2.9999999999999996: both are 3 ticks.
    expect(floorTicks(0.1 + 0.2, 0.1)).toBe(3)
    expect(ceilTicks(0.1 + 0.2, 0.1)).toBe(3)
    expect(floorTicks(0.3, 0.1)).toBe(3)
    expect(ceilTicks(0.0075, 0.0025)).toBe(3)
  })

  test('tick counts print as clean prices on every tick size', () => {
    expect(tickPrice(3, 0.1)).toBe(0.3)
    expect(tickPrice(47, 0.01)).toBe(0.47)
    expect(tickPrice(3, 0.0001)).toBe(0.0003)
    expect(tickPrice(3, 0.0025)).toBe(0.0075)
    expect(String(tickPrice(7, 0.1))).toBe('0.7')
    for (const tick of [0.1, 0.01, 0.001, 0.0001, 0.0025]) {
      const n = gridSteps(tick)
      for (let t = 1; t < n; t++) expect(onGrid(tickPrice(t, tick), tick)).toBe(true)
    }
    expect(onGrid(0.485, 0.01)).toBe(false)
  })

  test('gridSteps counts ticks in 1, so 1 − p is on the grid', () => {
    expect(gridSteps(0.01)).toBe(100)
    expect(gridSteps(0.0025)).toBe(400)
    expect(tickPrice(gridSteps(0.01) - 53, 0.01)).toBe(0.47)
  })

  test('shares round down to 2 decimals without float noise rounding them down a cent', () => {
    expect(floorShares(300 / 0.47)).toBe(638.29)
    expect(floorShares(300 / 0.3)).toBe(1000)
    expect(floorShares(0.29)).toBe(0.29)
    expect(floorShares(10.009999)).toBe(10)
    expect(floorShares(-1)).toBe(0)
    expect(floorShares(Number.NaN)).toBe(0)
  })

  test('the book tick (live after tick_size_change) wins over market metadata', () => {
    expect(gridTick(testMarket({ tickSize: 0.01 }), bookPair({}, {}, 0.001))).toBe(0.001)
  })
})
