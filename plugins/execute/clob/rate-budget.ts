import type { Clock } from '../../../pipeline/clock.ts'
import type { Logger } from '../../../pipeline/logger.ts'
import { parseRetryAfter } from './request-budget.ts'

/**
 * The per-signer trading budget (protocol §7.2): each signer has an **order** bucket (POST /order 1, POST /orders
 * one per order) and a **cancel** bucket (DELETE /order 1, DELETE /orders one per id, cancel-all 1 + one per
 * order cancelled). A batch is admitted only whole, so one costing more than the burst never is: callers split by
 * `burst()`. The tier (Standard by default: orders 40/s burst 60, cancels 80/s burst 120) is refined from the
 * `Poly-RateLimit-*` headers of every trading answer, or fixed by config. A 429 blocks the bucket for
 * `Retry-After` (or an exponential back-off) and empties it.
 *
 * When tokens are short they go by priority, not by arrival: protective cancels first, then requote cancels, then
 * a market's first placement, then requotes, furthest from where they should be first. A waiter that cannot be
 * served within its wait is deferred (nothing taken) and told how long the budget needs.
 */

export type BucketName = 'orders' | 'cancels'

export interface BucketLimit {
  /** Tokens refilled per second. */
  readonly perSec: number
  /** Capacity: the largest batch ever admitted. */
  readonly burst: number
}

export interface TierLimits {
  readonly name: string
  readonly orders: BucketLimit
  readonly cancels: BucketLimit
}

/** The lowest tier, as third-party clients transcribe it (§7.2): the safe assumption until headers say more. */
export const STANDARD_TIER: TierLimits = {
  name: 'standard',
  orders: { perSec: 40, burst: 60 },
  cancels: { perSec: 80, burst: 120 },
}

/** Tiers whose figures are known, by the `Poly-RateLimit-Tier` spelling (lower case). */
export const KNOWN_TIERS: Readonly<Record<string, TierLimits>> = { standard: STANDARD_TIER }

/** Lower goes first. */
export const PRIORITY = {
  /** Pulls, halts, markets gone: risk-reducing cancels. */
  protect: 0,
  /** A requote's cancels (they also reduce what rests). */
  requoteCancel: 1,
  /** A market with nothing resting on that side yet. */
  initial: 2,
  /** Replacing quotes that moved; ties broken by `distance`. */
  requote: 3,
} as const

export interface Want {
  readonly priority: number
  /** Within a priority, larger first (ticks between where the quote rests and where it should be). */
  readonly distance?: number
  /** Longest wait for the tokens; 0 = now or never. */
  readonly maxWaitMs: number
  /** Wait out a 429 back-off too (protective cancels); otherwise a back-off defers at once. */
  readonly throughBackoff?: boolean
}

export interface BucketState {
  readonly bucket: BucketName
  readonly tokens: number
  readonly burst: number
  readonly perSec: number
  readonly blockedForMs: number
  readonly waiters: number
  readonly deferredOrders: number
  readonly total429: number
}

export interface OrderBudget {
  /** Takes `cost` tokens, waiting in priority order up to `want.maxWaitMs`. 0 when taken, else ms still needed. */
  acquire(bucket: BucketName, cost: number, want: Want): Promise<number>
  /** Gives back tokens taken for a request that was never sent. */
  refund(bucket: BucketName, cost: number): void
  /** ms until `cost` tokens could be taken, ignoring the queue (0 = now). */
  waitMs(bucket: BucketName, cost?: number): number
  /** The largest batch the bucket admits. */
  burst(bucket: BucketName): number
  /** `Poly-RateLimit-*` headers of a trading answer for `bucket`. */
  onHeaders(bucket: BucketName, headers: Headers): void
  /** A 429 for `bucket`; `retryAfter` is the header or body value. Returns the back-off in ms. */
  onThrottled(bucket: BucketName, retryAfter?: string | number | null): number
  onSuccess(bucket: BucketName): void
  state(bucket: BucketName): BucketState
  tier(): TierLimits
  /** Fraction of the refill rate we allow ourselves (instances sharing the signer's buckets use it too). */
  safety(): number
}

export interface OrderBudgetOptions {
  readonly clock: Clock
  readonly log: Logger
  /** Fixed by config: headers then only correct the tokens left, never the limits. */
  readonly tier?: TierLimits
  /** Fraction of the refill rate we allow ourselves. Default 0.9. */
  readonly safety?: number
  readonly backoffBaseMs?: number
  readonly backoffMaxMs?: number
  readonly random?: () => number
  /** Orders deferred (not sent now for lack of tokens). */
  readonly onDeferred?: (bucket: BucketName, orders: number) => void
}

interface Waiter {
  readonly cost: number
  readonly want: Want
  readonly seq: number
  resolve(waitMs: number): void
  cancelTimer?: () => void
}

interface Bucket {
  limit: BucketLimit
  tokens: number
  last: number
  blockedUntil: number
  consecutive429: number
  total429: number
  deferred: number
  readonly queue: Waiter[]
}

const HEADER = {
  tier: 'poly-ratelimit-tier',
  limit: 'poly-ratelimit-limit',
  remaining: 'poly-ratelimit-remaining',
  reset: 'poly-ratelimit-reset',
  warning: 'poly-ratelimit-warning',
} as const

/** A malformed header is said once this often per header name. */
const MALFORMED_LOG_EVERY_MS = 60_000

const ahead = (a: Waiter, b: Waiter) =>
  a.want.priority - b.want.priority || (b.want.distance ?? 0) - (a.want.distance ?? 0) || a.seq - b.seq

export function createOrderBudget(opts: OrderBudgetOptions): OrderBudget {
  const { clock, log } = opts
  const safety = opts.safety ?? 0.9
  const baseMs = opts.backoffBaseMs ?? 1000
  const maxMs = opts.backoffMaxMs ?? 60_000
  const random = opts.random ?? Math.random
  const fixed = opts.tier
  let tier: TierLimits = fixed ?? STANDARD_TIER
  let seq = 0
  const now = () => clock.now()
  const malformedAt = new Map<string, number>()
  let warnedWarningMode = false
  const unknownTiers = new Set<string>()

  const makeBucket = (limit: BucketLimit): Bucket => ({
    limit,
    tokens: limit.burst,
    last: now(),
    blockedUntil: 0,
    consecutive429: 0,
    total429: 0,
    deferred: 0,
    queue: [],
  })
  const buckets: Record<BucketName, Bucket> = { orders: makeBucket(tier.orders), cancels: makeBucket(tier.cancels) }
  let wake: (() => void) | undefined

  const rate = (b: Bucket) => (b.limit.perSec * safety) / 1000
  function refill(b: Bucket): void {
    const t = now()
    if (t > b.last) {
      b.tokens = Math.min(b.limit.burst, b.tokens + (t - b.last) * rate(b))
      b.last = t
    }
  }
  function need(b: Bucket, cost: number, queued = 0): number {
    refill(b)
    const blocked = Math.max(0, b.blockedUntil - now())
    const short = cost + queued - b.tokens
    return Math.max(blocked, short > 0 ? Math.ceil(short / rate(b)) : 0)
  }

  function pump(): void {
    wake?.()
    wake = undefined
    let next = Number.POSITIVE_INFINITY
    for (const b of Object.values(buckets)) {
      for (;;) {
        const head = b.queue[0]
        if (!head) break
        const wait = need(b, head.cost)
        if (wait > 0) {
          next = Math.min(next, wait)
          break
        }
        b.queue.shift()
        b.tokens -= head.cost
        head.cancelTimer?.()
        head.resolve(0)
      }
    }
    if (Number.isFinite(next)) wake = clock.setTimeout(pump, Math.max(1, next))
  }

  function malformed(name: string, value: string): void {
    const t = now()
    if (t - (malformedAt.get(name) ?? Number.NEGATIVE_INFINITY) < MALFORMED_LOG_EVERY_MS) return
    malformedAt.set(name, t)
    log.warn(`rate-limit header malformed: ${name}=${JSON.stringify(value)}; keeping the current estimate`)
  }
  function numberHeader(headers: Headers, name: string): number | undefined {
    const raw = headers.get(name)
    if (raw === null) return undefined
    const n = Number(raw.trim())
    if (raw.trim() === '' || !Number.isFinite(n)) {
      malformed(name, raw)
      return undefined
    }
    return n
  }

  function setTier(next: TierLimits): void {
    if (next.name === tier.name && next.orders === tier.orders && next.cancels === tier.cancels) return
    log.info(
      `rate-limit tier ${next.name}: orders ${next.orders.perSec}/s burst ${next.orders.burst}, ` +
        `cancels ${next.cancels.perSec}/s burst ${next.cancels.burst}`,
    )
    tier = next
    for (const name of ['orders', 'cancels'] as const) {
      const b = buckets[name]
      refill(b)
      b.limit = next[name]
      b.tokens = Math.min(b.tokens, b.limit.burst)
    }
  }

  return {
    acquire(bucket, cost, want) {
      const b = buckets[bucket]
      const blocked = b.blockedUntil - now()
      if (cost > b.limit.burst) return Promise.resolve(Number.POSITIVE_INFINITY)
      if (blocked > 0 && !want.throughBackoff) {
        b.deferred += cost
        opts.onDeferred?.(bucket, cost)
        return Promise.resolve(blocked)
      }
      return new Promise<number>((resolve) => {
        const w: Waiter = { cost, want, seq: seq++, resolve }
        const at = b.queue.findIndex((x) => ahead(w, x) < 0)
        if (at < 0) b.queue.push(w)
        else b.queue.splice(at, 0, w)
        pump()
        if (!b.queue.includes(w)) return
        const queued = b.queue.slice(0, b.queue.indexOf(w)).reduce((s, x) => s + x.cost, 0)
        const wait = need(b, cost, queued)
        if (want.maxWaitMs <= 0 || wait > want.maxWaitMs) {
          b.queue.splice(b.queue.indexOf(w), 1)
          b.deferred += cost
          opts.onDeferred?.(bucket, cost)
          pump()
          resolve(Math.max(1, wait))
          return
        }
        w.cancelTimer = clock.setTimeout(() => {
          const i = b.queue.indexOf(w)
          if (i < 0) return
          b.queue.splice(i, 1)
          b.deferred += cost
          opts.onDeferred?.(bucket, cost)
          resolve(Math.max(1, need(b, cost)))
          pump()
        }, want.maxWaitMs)
      })
    },
    refund(bucket, cost) {
      const b = buckets[bucket]
      refill(b)
      b.tokens = Math.min(b.limit.burst, b.tokens + cost)
      pump()
    },
    waitMs: (bucket, cost = 1) => need(buckets[bucket], cost),
    burst: (bucket) => buckets[bucket].limit.burst,
    onHeaders(bucket, headers) {
      const b = buckets[bucket]
      const tierName = headers.get(HEADER.tier)
      if (tierName !== null && !fixed) {
        const known = KNOWN_TIERS[tierName.trim().toLowerCase()]
        if (known) setTier(known)
        else if (!unknownTiers.has(tierName)) {
          unknownTiers.add(tierName)
          log.info(`rate-limit tier "${tierName}" has no known figures: limits follow Poly-RateLimit-Limit`)
        }
      }
      const limit = numberHeader(headers, HEADER.limit)
      const remaining = numberHeader(headers, HEADER.remaining)
      const reset = numberHeader(headers, HEADER.reset)
      if (limit !== undefined && limit <= 0) malformed(HEADER.limit, String(limit))
      else if (limit !== undefined && !fixed && tierName !== null && !KNOWN_TIERS[tierName.trim().toLowerCase()]) {
        // A tier we have no figures for: its burst is the header's, its refill scaled like the Standard tier's.
        const base = STANDARD_TIER[bucket]
        if (limit !== b.limit.burst) {
          refill(b)
          b.limit = { burst: limit, perSec: (base.perSec / base.burst) * limit }
          tier = { ...tier, name: tierName, [bucket]: b.limit }
          log.info(
            `rate-limit ${bucket} bucket: burst ${limit}, refill ${b.limit.perSec.toFixed(1)}/s (tier ${tierName})`,
          )
        }
      }
      if (reset !== undefined && reset < 0) malformed(HEADER.reset, String(reset))
      if (remaining !== undefined) {
        // The exchange's count is after this request; ours may still hold requests it has not seen: the lower wins.
        refill(b)
        b.tokens = Math.min(b.tokens, remaining)
      }
      if (headers.get(HEADER.warning)?.trim().toLowerCase() === 'true' && !warnedWarningMode) {
        warnedWarningMode = true
        log.warn('the exchange reports rate-limit warning mode (Poly-RateLimit-Warning): over-limit requests count')
      }
    },
    onThrottled(bucket, retryAfter) {
      const b = buckets[bucket]
      const t = now()
      b.consecutive429 += 1
      b.total429 += 1
      const told = parseRetryAfter(retryAfter, t)
      const exp = Math.min(maxMs, baseMs * 2 ** (b.consecutive429 - 1)) * (0.8 + 0.4 * random())
      const delay = told ?? Math.round(exp)
      b.blockedUntil = Math.max(b.blockedUntil, t + delay)
      refill(b)
      b.tokens = Math.min(b.tokens, 0)
      pump()
      return delay
    },
    onSuccess(bucket) {
      buckets[bucket].consecutive429 = 0
    },
    state(bucket) {
      const b = buckets[bucket]
      refill(b)
      return {
        bucket,
        tokens: b.tokens,
        burst: b.limit.burst,
        perSec: b.limit.perSec,
        blockedForMs: Math.max(0, b.blockedUntil - now()),
        waiters: b.queue.length,
        deferredOrders: b.deferred,
        total429: b.total429,
      }
    },
    tier: () => tier,
    safety: () => safety,
  }
}
