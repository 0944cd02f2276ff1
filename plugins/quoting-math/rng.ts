/**
 * Deterministic randomness for quoting. `createRng` is a seeded stream (mulberry32) for tests and generators;
 * `hashUnit` maps a key to a fixed value in [0, 1), so a jittered size stays the same while its level does not
 * move (a fresh random size on every requote would make execute churn orders that did not change).
 */

/** mulberry32: tiny, fast, good enough for jitter and property tests (not for anything secret). */
export function createRng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** FNV-1a 32-bit hash of a string, for turning ids into seeds. */
export function hashString(s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

/** A value in [0, 1) fixed by (seed, a, b, c): the same key always gives the same value. */
export function hashUnit(seed: number, a: number, b: number, c: number): number {
  let h = seed >>> 0
  h = Math.imul(h ^ (a >>> 0), 0x85ebca6b)
  h = Math.imul(h ^ (h >>> 13) ^ (b >>> 0), 0xc2b2ae35)
  h = Math.imul(h ^ (h >>> 16) ^ (c >>> 0), 0x27d4eb2f)
  h ^= h >>> 15
  h = Math.imul(h, 0x2c1b3c6d)
  h ^= h >>> 12
  return (h >>> 0) / 4294967296
}
