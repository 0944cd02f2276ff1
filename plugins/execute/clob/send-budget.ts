/**
 * A self-imposed request budget under the exchange's published limits (protocol doc §2.5), one token bucket per
 * kind of call, plus a shared back-off after a 429: the exchange throttles by account, so one 429 slows every
 * kind. The back-off doubles on each 429 in a row and resets on the next success.
 */

export type CallKind = 'post' | 'cancel' | 'read'

export interface BudgetLimits {
  /** Requests per 10 s, per kind. */
  readonly post: number
  readonly cancel: number
  readonly read: number
}

export interface SendBudget {
  /** Takes one token when the call may go now and returns 0; otherwise returns the ms to wait (nothing taken). */
  take(kind: CallKind, now: number): number
  /** ms until the 429 back-off ends (0 when none). */
  backoffLeft(now: number): number
  rateLimited(now: number): void
  succeeded(): void
  /** How many 429s in a row (0 after a success). */
  readonly strikes: number
}

export interface BackoffOptions {
  readonly baseMs: number
  readonly maxMs: number
}

export function createSendBudget(limits: BudgetLimits, backoff: BackoffOptions = { baseMs: 1000, maxMs: 30_000 }) {
  const buckets = new Map<CallKind, { tokens: number; at: number; cap: number; perMs: number }>()
  for (const kind of ['post', 'cancel', 'read'] as const) {
    const cap = Math.max(1, limits[kind])
    buckets.set(kind, { tokens: cap, at: Number.NaN, cap, perMs: cap / 10_000 })
  }
  let until = 0
  let strikes = 0
  const budget: SendBudget = {
    get strikes() {
      return strikes
    },
    take(kind, now) {
      const wait = until - now
      if (wait > 0) return wait
      const b = buckets.get(kind)
      if (!b) return 0
      if (!Number.isNaN(b.at)) b.tokens = Math.min(b.cap, b.tokens + (now - b.at) * b.perMs)
      b.at = now
      if (b.tokens >= 1) {
        b.tokens -= 1
        return 0
      }
      return Math.ceil((1 - b.tokens) / b.perMs)
    },
    backoffLeft: (now) => Math.max(0, until - now),
    rateLimited(now) {
      strikes++
      const ms = Math.min(backoff.maxMs, backoff.baseMs * 2 ** (strikes - 1))
      until = Math.max(until, now + ms)
    },
    succeeded() {
      strikes = 0
    },
  }
  return budget
}
