/**
 * A self-imposed request budget under Polymarket's published limits (protocol §2.5), so the exchange's
 * throttle is never what paces us. Token buckets, one per published window, sized so that no sliding window
 * of that length ever sees more than `safety` × the limit: capacity = L·s·f and refill = L·s·(1−f) per window
 * (a bucket that starts full grants at most capacity + refill·W in any window W). A 429 blocks the endpoint
 * class for Retry-After when the server sends it, otherwise for an exponential back-off, and drains its
 * buckets. Pure apart from the injected clock and random source.
 *
 * These are the Cloudflare limits per IP. Orders and cancels are budgeted per signer in rate-budget.ts (§7.2),
 * which binds long before these windows do; the executor spends this budget on the ledger (`/data/order`).
 */

export type Endpoint =
  | 'post-order'
  | 'post-orders'
  | 'delete-order'
  | 'delete-orders'
  | 'cancel-all'
  | 'cancel-market-orders'
  | 'data-orders'
  | 'data-trades'
  | 'book'
  | 'books'
  | 'price'
  | 'midpoint'
  | 'tick-size'
  | 'api-keys'
  | 'balance-allowance'
  | 'clob-other'

export interface WindowLimit {
  readonly limit: number
  readonly windowMs: number
}

const S10 = 10_000
const M10 = 600_000

/** Published limits per endpoint class (DOCS rate-limits). Every CLOB request also counts against CLOB general. */
export const PUBLISHED_LIMITS: Readonly<Record<Endpoint, readonly WindowLimit[]>> = {
  'post-order': [
    { limit: 3500, windowMs: S10 },
    { limit: 36_000, windowMs: M10 },
  ],
  'post-orders': [
    { limit: 1000, windowMs: S10 },
    { limit: 15_000, windowMs: M10 },
  ],
  'delete-order': [
    { limit: 3000, windowMs: S10 },
    { limit: 30_000, windowMs: M10 },
  ],
  'delete-orders': [
    { limit: 1000, windowMs: S10 },
    { limit: 15_000, windowMs: M10 },
  ],
  'cancel-all': [
    { limit: 250, windowMs: S10 },
    { limit: 6000, windowMs: M10 },
  ],
  'cancel-market-orders': [
    { limit: 1000, windowMs: S10 },
    { limit: 1500, windowMs: M10 },
  ],
  'data-orders': [{ limit: 500, windowMs: S10 }],
  'data-trades': [{ limit: 500, windowMs: S10 }],
  book: [{ limit: 1500, windowMs: S10 }],
  books: [{ limit: 500, windowMs: S10 }],
  price: [{ limit: 1500, windowMs: S10 }],
  midpoint: [{ limit: 1500, windowMs: S10 }],
  'tick-size': [{ limit: 200, windowMs: S10 }],
  'api-keys': [{ limit: 100, windowMs: S10 }],
  'balance-allowance': [{ limit: 200, windowMs: S10 }],
  'clob-other': [],
}

export const CLOB_GENERAL_LIMIT: WindowLimit = { limit: 9000, windowMs: S10 }

/** Endpoint class of a CLOB request. `path` without host or query. */
export function endpointFor(method: string, path: string): Endpoint {
  const m = method.toUpperCase()
  if (path === '/order') return m === 'DELETE' ? 'delete-order' : 'post-order'
  if (path === '/orders') return m === 'DELETE' ? 'delete-orders' : 'post-orders'
  if (path === '/cancel-all') return 'cancel-all'
  if (path === '/cancel-market-orders') return 'cancel-market-orders'
  if (path === '/data/orders' || path.startsWith('/data/order/')) return 'data-orders'
  if (path === '/data/trades') return 'data-trades'
  if (path === '/book') return 'book'
  if (path === '/books') return 'books'
  if (path === '/price' || path === '/prices') return 'price'
  if (path === '/midpoint' || path === '/midpoints') return 'midpoint'
  if (path === '/tick-size') return 'tick-size'
  if (path.startsWith('/auth/')) return 'api-keys'
  if (path.startsWith('/balance-allowance')) return 'balance-allowance'
  return 'clob-other'
}

export interface RequestBudgetOptions {
  /** Fraction of each published limit we allow ourselves. Default 0.8. */
  readonly safety?: number
  /** Share of the budget available as an instant burst. Default 0.25. */
  readonly burstFraction?: number
  /** First back-off after a 429 without Retry-After (ms). Default 1 000. */
  readonly backoffBaseMs?: number
  /** Longest back-off (ms). Default 60 000. */
  readonly backoffMaxMs?: number
  /** Override limits per endpoint (tests, or when Polymarket raises them). */
  readonly limits?: Partial<Record<Endpoint, readonly WindowLimit[]>>
  readonly general?: WindowLimit
  /** [0, 1) source for back-off jitter; default Math.random. */
  readonly random?: () => number
}

export type Grant = { readonly ok: true } | { readonly ok: false; readonly waitMs: number; readonly reason: string }

export interface EndpointState {
  readonly endpoint: Endpoint
  /** ms until the back-off ends (0 when not backing off). */
  readonly blockedForMs: number
  readonly consecutive429: number
  readonly total429: number
  /** Tokens left in the tightest bucket. */
  readonly available: number
}

export interface RequestBudget {
  /** Takes `cost` requests for `endpoint` now if every bucket allows; otherwise takes nothing and says how long to wait. */
  tryAcquire(endpoint: Endpoint, cost?: number): Grant
  /** ms until `cost` requests could be granted (0 = now). Infinity when `cost` exceeds a bucket. */
  waitMs(endpoint: Endpoint, cost?: number): number
  /** A 429 arrived; `retryAfter` is the header (seconds or HTTP date), if any. Returns the back-off in ms. */
  onThrottled(endpoint: Endpoint, retryAfter?: string | number | null): number
  /** A request of this class succeeded: the back-off streak restarts. */
  onSuccess(endpoint: Endpoint): void
  state(endpoint: Endpoint): EndpointState
}

interface Bucket {
  readonly capacity: number
  /** tokens per ms */
  readonly rate: number
  tokens: number
  last: number
}

interface Backoff {
  until: number
  consecutive: number
  total: number
}

/** Retry-After in ms: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | number | null | undefined, now: number): number | undefined {
  if (value === null || value === undefined || value === '') return undefined
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value * 1000 : undefined
  const trimmed = value.trim()
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000
  const at = Date.parse(trimmed)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}

export function createRequestBudget(now: () => number, options: RequestBudgetOptions = {}): RequestBudget {
  const safety = options.safety ?? 0.8
  const burst = options.burstFraction ?? 0.25
  const baseMs = options.backoffBaseMs ?? 1000
  const maxMs = options.backoffMaxMs ?? 60_000
  const random = options.random ?? Math.random
  const limits = { ...PUBLISHED_LIMITS, ...options.limits }

  const makeBucket = (w: WindowLimit): Bucket => {
    const budget = w.limit * safety
    const capacity = Math.max(1, Math.floor(budget * burst))
    return { capacity, rate: Math.max(0, budget - capacity) / w.windowMs, tokens: capacity, last: now() }
  }
  const general = makeBucket(options.general ?? CLOB_GENERAL_LIMIT)
  const buckets = new Map<Endpoint, Bucket[]>()
  const backoffs = new Map<Endpoint, Backoff>()

  const bucketsOf = (e: Endpoint): Bucket[] => {
    let b = buckets.get(e)
    if (!b) {
      b = [...limits[e].map(makeBucket), general]
      buckets.set(e, b)
    }
    return b
  }
  const backoffOf = (e: Endpoint): Backoff => {
    let b = backoffs.get(e)
    if (!b) {
      b = { until: 0, consecutive: 0, total: 0 }
      backoffs.set(e, b)
    }
    return b
  }
  const refill = (b: Bucket, t: number): void => {
    if (t > b.last) {
      b.tokens = Math.min(b.capacity, b.tokens + (t - b.last) * b.rate)
      b.last = t
    }
  }

  const waitMs = (endpoint: Endpoint, cost = 1): number => {
    const t = now()
    let wait = Math.max(0, backoffOf(endpoint).until - t)
    for (const b of bucketsOf(endpoint)) {
      refill(b, t)
      if (cost > b.capacity) return Number.POSITIVE_INFINITY
      if (b.tokens < cost) wait = Math.max(wait, Math.ceil((cost - b.tokens) / b.rate))
    }
    return wait
  }

  return {
    tryAcquire(endpoint, cost = 1) {
      const wait = waitMs(endpoint, cost)
      if (wait > 0) {
        const blocked = backoffOf(endpoint).until > now()
        return { ok: false, waitMs: wait, reason: blocked ? 'backing off after 429' : 'rate budget' }
      }
      for (const b of bucketsOf(endpoint)) b.tokens -= cost
      return { ok: true }
    },
    waitMs,
    onThrottled(endpoint, retryAfter) {
      const t = now()
      const b = backoffOf(endpoint)
      b.consecutive += 1
      b.total += 1
      const told = parseRetryAfter(retryAfter, t)
      // Exponential with ±20 % jitter so several clients do not retry in step.
      const exp = Math.min(maxMs, baseMs * 2 ** (b.consecutive - 1)) * (0.8 + 0.4 * random())
      const delay = told ?? Math.round(exp)
      b.until = Math.max(b.until, t + delay)
      // The exchange says we are over: start refilling from empty.
      for (const bucket of bucketsOf(endpoint)) {
        refill(bucket, t)
        if (bucket !== general) bucket.tokens = 0
      }
      return delay
    },
    onSuccess(endpoint) {
      backoffOf(endpoint).consecutive = 0
    },
    state(endpoint) {
      const t = now()
      const b = backoffOf(endpoint)
      let available = Number.POSITIVE_INFINITY
      for (const bucket of bucketsOf(endpoint)) {
        refill(bucket, t)
        available = Math.min(available, bucket.tokens)
      }
      return {
        endpoint,
        blockedForMs: Math.max(0, b.until - t),
        consecutive429: b.consecutive,
        total429: b.total,
        available,
      }
    },
  }
}
