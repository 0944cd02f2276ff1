// The seeded fault schedule: which kind, when, for how long. Pure: the same seed and kinds give the same drill.
import type { FaultKind, Rng } from './fault-kinds.ts'

/** mulberry32: small, seeded, good enough to spread faults. */
export function seededRng(seed: number): Rng {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export interface Episode {
  /** ms after the drill's start. */
  readonly at: number
  readonly durationMs: number
  /** One kind, or two at once (faults rarely come alone). */
  readonly kinds: readonly FaultKind[]
}

/**
 * `count` faults over `durationMs`, one episode at a time (each ended by a reset, so shapes need no "off" value),
 * every kind used about equally, the order shuffled. About one episode in eight is long (5–25 s) when its kind
 * needs time to show (a silent socket, a late feed); the rest last 0.3–2 s. Durations are scaled to fit.
 */
export function buildSchedule(opts: {
  readonly kinds: readonly FaultKind[]
  readonly count: number
  readonly durationMs: number
  readonly rng: Rng
  /** Quiet time at the start (the daemon warming up) and the end (the final checks). */
  readonly marginMs: number
}): Episode[] {
  const { kinds, rng } = opts
  if (kinds.length === 0 || opts.count <= 0) return []
  const bag: FaultKind[] = []
  for (let i = 0; i < opts.count; i++) bag.push(kinds[i % kinds.length] as FaultKind)
  for (let i = bag.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1))
    ;[bag[i], bag[j]] = [bag[j] as FaultKind, bag[i] as FaultKind]
  }
  const groups: FaultKind[][] = []
  for (let i = 0; i < bag.length; i++) {
    const a = bag[i] as FaultKind
    const b = bag[i + 1]
    if (b && rng() < 0.2 && b.name !== a.name) {
      groups.push([a, b])
      i++
    } else groups.push([a])
  }
  const raw = groups.map((g) => {
    if (g.every((k) => k.instant)) return 0
    const long = g.some((k) => k.long) && rng() < 0.125
    return Math.round(long ? 5000 + rng() * 20_000 : 300 + rng() * 1700)
  })
  const gap = 150
  const window = Math.max(1, opts.durationMs - 2 * opts.marginMs)
  const need = raw.reduce((s, d) => s + d + gap, 0)
  const scale =
    need > window ? Math.max(0.05, (window - groups.length * gap) / Math.max(1, need - groups.length * gap)) : 1
  const slot = window / groups.length
  const episodes: Episode[] = []
  let t = opts.marginMs
  for (let i = 0; i < groups.length; i++) {
    const durationMs = Math.round((raw[i] as number) * scale)
    // Spread over the window when there is room; never overlap the previous episode.
    const start = Math.max(t, opts.marginMs + i * slot)
    episodes.push({ at: Math.round(start), durationMs, kinds: groups[i] as FaultKind[] })
    t = start + durationMs + gap
  }
  return episodes
}

/** Kill moments: `n` points between 10 % and 85 % of the drill, at least `minGapMs` apart where possible. */
export function killTimes(n: number, durationMs: number, rng: Rng, minGapMs = 20_000): number[] {
  const lo = durationMs * 0.1
  const hi = durationMs * 0.85
  const out: number[] = []
  for (let i = 0; i < n; i++) {
    const span = (hi - lo) / n
    out.push(Math.round(lo + span * i + rng() * span * 0.6))
  }
  for (let i = 1; i < out.length; i++)
    out[i] = Math.max(out[i] as number, (out[i - 1] as number) + Math.min(minGapMs, (hi - lo) / n))
  return out
}
