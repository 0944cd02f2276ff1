import { describe, expect, test } from 'bun:test'
import { FAULT_KINDS } from './fault-kinds.ts'
import { buildSchedule, killTimes, seededRng } from './schedule.ts'

describe('the fault schedule', () => {
  const opts = { kinds: FAULT_KINDS, count: 120, durationMs: 120_000, marginMs: 10_000 }

  test('holds the requested number of faults, every kind, inside the window, one episode at a time', () => {
    const eps = buildSchedule({ ...opts, rng: seededRng(7) })
    expect(eps.reduce((n, e) => n + e.kinds.length, 0)).toBe(120)
    expect(new Set(eps.flatMap((e) => e.kinds.map((k) => k.name))).size).toBe(FAULT_KINDS.length)
    for (let i = 1; i < eps.length; i++) {
      const prev = eps[i - 1] as (typeof eps)[number]
      expect((eps[i] as (typeof eps)[number]).at).toBeGreaterThanOrEqual(prev.at + prev.durationMs)
    }
    const last = eps.at(-1) as (typeof eps)[number]
    expect(last.at + last.durationMs).toBeLessThanOrEqual(120_000)
  })

  test('the same seed gives the same drill; another seed another one', () => {
    const names = (seed: number) =>
      buildSchedule({ ...opts, rng: seededRng(seed) }).map((e) => `${e.at}:${e.kinds.map((k) => k.name)}`)
    expect(names(3)).toEqual(names(3))
    expect(names(3)).not.toEqual(names(4))
  })

  test('kills fall inside the drill, in order', () => {
    const k = killTimes(5, 1_800_000, seededRng(1))
    expect(k).toHaveLength(5)
    for (let i = 1; i < k.length; i++) expect(k[i] as number).toBeGreaterThan(k[i - 1] as number)
    expect(Math.min(...k)).toBeGreaterThanOrEqual(180_000)
    expect(Math.max(...k)).toBeLessThanOrEqual(1_800_000 * 0.85 + 20_000)
  })
})
