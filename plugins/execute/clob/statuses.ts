import type { Logger } from '../../../pipeline/logger.ts'
import type { TradeStatus } from '../../../schemas/domain.ts'

/**
 * Trade and order statuses as production spells them (protocol doc §1.6, §7.4): plain (`CONFIRMED`, `LIVE`) on
 * the user channel, prefixed (`TRADE_STATUS_CONFIRMED`, `ORDER_STATUS_LIVE`) on REST, in any case. Normalized
 * once, at the wire schemas, to the plain upper-case form; the rest of the daemon sees only that.
 */

export const TRADE_STATUSES = [
  'MATCHED',
  'MATCHED_NOT_BROADCASTED',
  'MINED',
  'CONFIRMED',
  'RETRYING',
  'FAILED',
] as const satisfies readonly TradeStatus[]

/** Order statuses with a meaning; `CANCELED_<reason>` (a killed FOK, a resolved market) counts as CANCELED. */
export const ORDER_STATUSES = ['LIVE', 'MATCHED', 'DELAYED', 'UNMATCHED', 'CANCELED', 'INVALID'] as const
export type OrderStatusWord = (typeof ORDER_STATUSES)[number]

export interface NormalizedTradeStatus {
  /** The status to act on: the known one, or MATCHED (a match not yet settled) for a spelling we do not know. */
  readonly status: TradeStatus
  /** The spelling as received, upper-cased; differs from `status` only by the prefix when known. */
  readonly raw: string
  readonly known: boolean
}

const TRADE_PREFIX = 'TRADE_STATUS_'
const ORDER_PREFIX = 'ORDER_STATUS_'

function unprefixed(value: string, prefix: string): string {
  const s = value.trim().toUpperCase()
  return s.startsWith(prefix) ? s.slice(prefix.length) : s
}

/**
 * An unknown trade status is a trade all the same: it is taken as MATCHED (counted, not settled) rather than
 * dropped, so a fill is never lost to a new spelling; a later known status moves it on, FAILED reverses it.
 */
export function normalizeTradeStatus(value: string): NormalizedTradeStatus {
  const s = unprefixed(value, TRADE_PREFIX)
  const known = (TRADE_STATUSES as readonly string[]).includes(s)
  return { status: known ? (s as TradeStatus) : 'MATCHED', raw: value.trim().toUpperCase(), known }
}

/**
 * Plain upper-case order status. Known words keep any `_<reason>` suffix of a cancel (`CANCELED_MARKET_RESOLVED`);
 * an unknown word is returned as it came (upper-cased, unprefixed), which the order state machine treats as
 * "look it up again", never as a terminal state.
 */
export function normalizeOrderStatus(value: string): string {
  return unprefixed(value, ORDER_PREFIX)
}

/** The meaning of an (already normalized or raw) order status; `undefined` when the word is unknown. */
export function orderStatusWord(value: string): OrderStatusWord | undefined {
  const s = normalizeOrderStatus(value)
  if (s.startsWith('CANCELED') || s.startsWith('CANCELLED')) return 'CANCELED'
  return (ORDER_STATUSES as readonly string[]).includes(s) ? (s as OrderStatusWord) : undefined
}

const REPORT_EVERY_MS = 60_000
const reported = new WeakMap<Logger, Map<string, number>>()

/**
 * One named warning per unknown spelling per minute and logger: a new status in production is visible at once
 * without flooding the log when every message carries it.
 */
export function reportUnknownStatus(log: Logger, what: 'trade' | 'order', spelling: string, now: number): void {
  let seen = reported.get(log)
  if (!seen) reported.set(log, (seen = new Map()))
  const key = `${what}:${spelling}`
  const last = seen.get(key)
  if (last !== undefined && now - last < REPORT_EVERY_MS) return
  if (seen.size > 256) seen.clear()
  seen.set(key, now)
  const action =
    what === 'trade' ? 'fill kept, counted as MATCHED (not settled)' : 'order kept as it was, looked up again'
  log.warn(`unknown ${what} status "${spelling}": ${action}`)
}
