import { describe, expect, test } from 'bun:test'
import { startTimeVol, timeVolSigma, updateTimeVol } from './time-weighted-vol.ts'

const W = 600_000

describe('time-weighted vol', () => {
  test('hand-computed: 0.50 for one window, then 0.52 for one window', () => {
    const s = startTimeVol(0.5, 0)
    updateTimeVol(s, 0.52, 600_000, W) // 0.50 held [0, 600 s]: mean 0.50, var 0
    expect(s.mean).toBe(0.5)
    expect(timeVolSigma(s)).toBe(0)
    updateTimeVol(s, 0.52, 1_200_000, W) // 0.52 held 600 s: w = 1 − e⁻¹
    const w = 1 - Math.exp(-1)
    expect(s.mean).toBeCloseTo(0.5 + w * 0.02, 12) // 0.512642
    expect(s.variance).toBeCloseTo((1 - w) * w * 0.0004, 15) // 9.30177e-5
    expect(timeVolSigma(s)).toBeCloseTo(0.0096446, 6)
  })

  test('a flickering level barely moves σ; the same moves held for long do', () => {
    const flicker = startTimeVol(0.5, 0)
    const held = startTimeVol(0.5, 0)
    let t = 0
    for (let i = 0; i < 100; i++) {
      t += 6_000
      updateTimeVol(flicker, 0.6, t, W)
      updateTimeVol(flicker, 0.5, t + 10, W) // 0.60 for 10 ms
      updateTimeVol(held, i % 2 === 0 ? 0.6 : 0.5, t, W) // each mid held 6 s
    }
    // 0.60 for 1/600 of the time: σ ≈ 0.1·√(1/600) ≈ 0.004; a per-update estimator would see ≈ 0.05.
    expect(timeVolSigma(flicker)).toBeLessThan(0.005)
    expect(timeVolSigma(held)).toBeGreaterThan(0.04)
  })

  test('time that does not move forward credits nothing', () => {
    const s = startTimeVol(0.5, 1000)
    updateTimeVol(s, 0.9, 1000, W)
    updateTimeVol(s, 0.5, 500, W)
    updateTimeVol(s, 0.5, 1000, W)
    expect(timeVolSigma(s)).toBe(0)
    expect(s.mean).toBe(0.5)
  })
})
