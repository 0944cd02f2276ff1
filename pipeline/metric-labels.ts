/**
 * Reasons as metric labels: free text (an exchange's error message, a pull's explanation) becomes one of a
 * small fixed set, so a label never grows a series per message. The text itself goes to the log.
 */

export const REJECTION_KINDS = [
  'balance',
  'post_only_crosses',
  'tick_size',
  'min_size',
  'market_closed',
  'rate_limited',
  'exchange_paused',
  'invalid_order',
  'server_error',
  'network',
  'other',
] as const
export type RejectionKind = (typeof REJECTION_KINDS)[number]

const REJECTION_PATTERNS: readonly [RegExp, RejectionKind][] = [
  [/balance|allowance/i, 'balance'],
  [/cross/i, 'post_only_crosses'],
  [/tick/i, 'tick_size'],
  [/min(imum)?[ _-]?(order[ _-]?)?size|size.*(lower|below|small)/i, 'min_size'],
  [/closed|not (accepting|active)|resolved|orderbook.*(not|does not) exist/i, 'market_closed'],
  [/429|rate[ _-]?limit|too many/i, 'rate_limited'],
  [/425|cancel[ _-]?only|paused|trading (is )?disabled|restart/i, 'exchange_paused'],
  [/\b5\d\d\b|internal server|bad gateway|unavailable/i, 'server_error'],
  [/timeout|timed out|ECONN|network|socket|fetch failed/i, 'network'],
  [/invalid|signature|nonce|expir|duplicate|not valid/i, 'invalid_order'],
]

export function rejectionKind(reason: string): RejectionKind {
  for (const [re, kind] of REJECTION_PATTERNS) if (re.test(reason)) return kind
  return 'other'
}

export const CANCEL_KINDS = ['requote', 'pull', 'stop', 'stray', 'other'] as const
export type CancelKind = (typeof CANCEL_KINDS)[number]

/** The executor's cancel reasons: 'requote', a market's pull reason, the stop reason, an unwanted unknown order. */
export function cancelKind(reason: string): CancelKind {
  if (reason === 'requote') return 'requote'
  if (/^(SIGINT|SIGTERM|stop|start failed|shutdown)|stopping|halt/i.test(reason)) return 'stop'
  if (/unknown|no longer wanted|stray|earlier run|not track/i.test(reason)) return 'stray'
  if (reason.length > 0) return 'pull'
  return 'other'
}

/** The quote plane's pull kinds (its `kind` argument). */
export const PULL_KINDS = [
  'market',
  'health',
  'book',
  'fair-value',
  'spread',
  'skew',
  'risk',
  'layer',
  'error',
] as const
