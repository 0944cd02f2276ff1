// Per-signer trading rate limits (protocol doc §7.2): an order bucket and a cancel bucket per signer address, refilled
// continuously on the simulator's clock. A request is admitted only when its whole cost is in the bucket (batches are
// all or nothing); a cost above the burst can never be admitted. Cancel-all style routes pay 1 up front and 1 per
// order actually cancelled afterwards, which may take the bucket negative.
import type { SimClock } from './clock.ts'
import { type RateLimitMode, TIERS, type TierName } from './production.ts'

export type BucketKind = 'order' | 'cancel'

type Bucket = { tokens: number; updatedMs: number }

export type RateDecision =
  | { admitted: true; headers: Record<string, string> }
  | { admitted: false; status: 429; body: { error: string }; headers: Record<string, string> }

export const RATE_LIMIT_ERROR = 'Too Many Requests'
export const OVER_BURST_ERROR = 'request cost exceeds the rate limit burst; split the batch'

export type RateLimits = ReturnType<typeof createRateLimits>

export function createRateLimits(deps: {
  clock: SimClock
  mode: RateLimitMode
  defaultTier: TierName
  /** Per-address override (admin / scenario accounts). */
  tierOf: (signer: string) => TierName | undefined
}) {
  let mode = deps.mode
  let defaultTier = deps.defaultTier
  const buckets = new Map<string, Bucket>()

  const tierFor = (signer: string): TierName => deps.tierOf(signer) ?? defaultTier
  const spec = (signer: string, kind: BucketKind) => TIERS[tierFor(signer)][kind]

  function bucket(signer: string, kind: BucketKind): Bucket {
    const key = `${signer.toLowerCase()}|${kind}`
    const { rate, burst } = spec(signer, kind)
    const now = deps.clock.now()
    let b = buckets.get(key)
    if (!b) {
      b = { tokens: burst, updatedMs: now }
      buckets.set(key, b)
    }
    const elapsed = Math.max(0, now - b.updatedMs)
    b.tokens = Math.min(burst, b.tokens + (rate * elapsed) / 1000)
    b.updatedMs = now
    return b
  }

  function headers(signer: string, kind: BucketKind, b: Bucket, warn: boolean): Record<string, string> {
    const { rate, burst } = spec(signer, kind)
    const h: Record<string, string> = {
      'Poly-RateLimit-Tier': tierFor(signer),
      'Poly-RateLimit-Limit': String(burst),
      'Poly-RateLimit-Remaining': String(Math.floor(b.tokens)),
      // Seconds until the bucket is full again.
      'Poly-RateLimit-Reset': String(Math.max(0, Math.ceil((burst - b.tokens) / rate))),
    }
    if (warn) h['Poly-RateLimit-Warning'] = 'true'
    return h
  }

  return {
    mode: () => mode,
    defaultTier: () => defaultTier,
    setMode(m: RateLimitMode, tier?: TierName): void {
      mode = m
      if (tier) defaultTier = tier
    },
    tier: tierFor,
    /** Charge `cost` tokens now (all or nothing). */
    take(signer: string, kind: BucketKind, cost: number): RateDecision {
      if (mode === 'off') return { admitted: true, headers: {} }
      const b = bucket(signer, kind)
      const { rate, burst } = spec(signer, kind)
      if (b.tokens >= cost) {
        b.tokens -= cost
        return { admitted: true, headers: headers(signer, kind, b, false) }
      }
      if (mode === 'warn') {
        b.tokens = Math.max(-burst, b.tokens - cost)
        return { admitted: true, headers: headers(signer, kind, b, true) }
      }
      if (cost > burst)
        return {
          admitted: false,
          status: 429,
          body: { error: OVER_BURST_ERROR },
          headers: headers(signer, kind, b, false),
        }
      const wait = Math.max(1, Math.ceil((cost - b.tokens) / rate))
      return {
        admitted: false,
        status: 429,
        body: { error: RATE_LIMIT_ERROR },
        headers: { ...headers(signer, kind, b, false), 'Retry-After': String(wait) },
      }
    },
    /** Charge after the fact (cancel-all: one per order cancelled); the bucket may go negative. */
    charge(signer: string, kind: BucketKind, cost: number): Record<string, string> {
      if (mode === 'off') return {}
      const b = bucket(signer, kind)
      if (cost > 0) b.tokens = Math.max(-spec(signer, kind).burst, b.tokens - cost)
      return headers(signer, kind, b, false)
    },
    /** Admin: empty a signer's bucket(s) now. */
    exhaust(signer: string, kind: BucketKind | 'both'): void {
      for (const k of kind === 'both' ? (['order', 'cancel'] as const) : [kind]) bucket(signer, k).tokens = 0
    },
    remaining(signer: string, kind: BucketKind): number {
      return bucket(signer, kind).tokens
    },
  }
}

/** Cloudflare-style sliding window (§2.5): at most `limit` requests per key in any `windowMs`. */
export function createWindowLimiter(
  clock: SimClock,
  limit: () => number,
  windowMs: () => number,
  enabled: () => boolean,
) {
  const hits = new Map<string, number[]>()
  return {
    /** Undefined when admitted, else the seconds to wait. */
    hit(key: string): number | undefined {
      if (!enabled()) return undefined
      const now = clock.now()
      const span = windowMs()
      const list = (hits.get(key) ?? []).filter((t) => t > now - span)
      if (list.length >= limit()) {
        hits.set(key, list)
        return Math.max(1, Math.ceil(((list[0] ?? now) + span - now) / 1000))
      }
      list.push(now)
      hits.set(key, list)
      return undefined
    },
  }
}
