// Seeded xoshiro128** PRNG: deterministic, fast, and independent of Math.random so the same seed replays exactly.
export type Prng = {
  next(): number
  int(maxExclusive: number): number
  range(min: number, max: number): number
  normal(): number
  exponential(mean: number): number
  chance(p: number): boolean
  fork(label: string): Prng
}

function splitmix32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x9e3779b9) >>> 0
    let z = a
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0
    return (z ^ (z >>> 16)) >>> 0
  }
}

function hashLabel(label: string): number {
  let h = 2166136261
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 16777619) >>> 0
  return h
}

export function createPrng(seed: number): Prng {
  const sm = splitmix32(seed)
  let s0 = sm()
  let s1 = sm()
  let s2 = sm()
  let s3 = sm()
  if ((s0 | s1 | s2 | s3) === 0) s0 = 1
  const nextU32 = (): number => {
    const result = Math.imul(rotl(Math.imul(s1, 5) >>> 0, 7), 9) >>> 0
    const t = (s1 << 9) >>> 0
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = rotl(s3, 11)
    return result
  }
  let spare: number | undefined
  const prng: Prng = {
    next: () => nextU32() / 4294967296,
    int: (maxExclusive) => Math.floor(prng.next() * maxExclusive),
    range: (min, max) => min + prng.next() * (max - min),
    normal: () => {
      if (spare !== undefined) {
        const s = spare
        spare = undefined
        return s
      }
      let u = 0
      while (u === 0) u = prng.next()
      const v = prng.next()
      const r = Math.sqrt(-2 * Math.log(u))
      spare = r * Math.sin(2 * Math.PI * v)
      return r * Math.cos(2 * Math.PI * v)
    },
    exponential: (mean) => {
      let u = 0
      while (u === 0) u = prng.next()
      return -Math.log(u) * mean
    },
    chance: (p) => prng.next() < p,
    fork: (label) => createPrng((nextU32() ^ hashLabel(label)) >>> 0),
  }
  return prng
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0
}
