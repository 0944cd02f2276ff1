import type { LiveOrder, OrderIntent, OrderStatus, TradeStatus } from '../../../schemas/domain.ts'
import { orderStatusWord } from './statuses.ts'

/**
 * Lifecycle of one order, pure: pending (submit in flight) → live → partially_filled → filled | cancelled |
 * rejected, plus unknown when a submit's outcome is ambiguous (timeout, 5xx, dropped connection). An ambiguous
 * outcome is never taken for a rejection: the order id is its EIP-712 hash, known before sending, so later
 * events attach to it, and `GET /data/order/<id>` resolves it. Evidence only moves an order forward; an event
 * that contradicts what is already known is ignored and reported as illegal.
 */

/** Shares below this are rounding noise (amounts have 6 decimals). */
const SIZE_EPS = 1e-6

export interface TrackedOrder extends LiveOrder {
  /** ms of the last state change or fill change. */
  readonly updatedAt: number
  /** Why the order is in its state (exchange message, 'timeout', …); empty when nothing to say. */
  readonly reason: string
  /** ms when a cancel was sent and not yet answered; undefined otherwise. */
  readonly cancelRequestedAt: number | undefined
  /** Latest absolute matched size reported by the exchange (order events, REST). */
  readonly sizeMatchedReported: number
  /** Our matched size per trade id, from trade events; FAILED trades are removed. */
  readonly tradeFills: ReadonlyMap<string, number>
  /** True when `rejected` was inferred (not found after the grace period), not stated by the exchange. */
  readonly rejectionInferred: boolean
}

export type OrderEvent =
  /** The exchange accepted the order (POST /order(s) success). */
  | {
      readonly kind: 'submit-accepted'
      readonly status: 'live' | 'matched' | 'delayed' | 'unmatched'
      /** Shares matched at once, when the response says (status 'matched'). */
      readonly matchedSize?: number
    }
  /** The exchange refused it: the order does not exist. */
  | { readonly kind: 'submit-rejected'; readonly reason: string }
  /** No answer we can trust (timeout, 5xx, dropped connection): the order may or may not exist. */
  | { readonly kind: 'submit-ambiguous'; readonly reason: string }
  /** User-channel `order` event. */
  | {
      readonly kind: 'order-event'
      readonly type: 'PLACEMENT' | 'UPDATE' | 'CANCELLATION'
      /** Exchange status string: LIVE, MATCHED, CANCELED, INVALID, CANCELED_<reason>, any of them prefixed. */
      readonly status: string
      readonly sizeMatched: number
    }
  /** One of our fills on this order (user-channel `trade` or `/data/trades`), by trade id and status. */
  | { readonly kind: 'trade'; readonly tradeId: string; readonly size: number; readonly status: TradeStatus }
  /** `GET /data/order/<id>`: the order as the exchange has it, or `null` when not found. */
  | { readonly kind: 'rest-order'; readonly order: { readonly status: string; readonly sizeMatched: number } | null }
  | { readonly kind: 'cancel-requested' }
  /** The id is in a cancel response's `canceled` list. */
  | { readonly kind: 'cancel-confirmed' }
  /** The id is in `not_canceled` (reason from the exchange), or the cancel call itself failed. */
  | { readonly kind: 'cancel-failed'; readonly reason: string }

export interface TransitionOptions {
  /** An order not found this long after submission is taken as never placed (ms). Default 15 000. */
  readonly notFoundGraceMs?: number
}

export interface Transition {
  readonly order: TrackedOrder
  /** False when the event changed nothing. */
  readonly changed: boolean
  /** Set when the event contradicts what is known and was ignored; for logs and metrics. */
  readonly illegal?: string
}

const TERMINAL: ReadonlySet<OrderStatus> = new Set(['filled', 'cancelled', 'rejected'])
const OPEN: ReadonlySet<OrderStatus> = new Set(['pending', 'unknown', 'live', 'partially_filled'])

export function isTerminal(status: OrderStatus): boolean {
  return TERMINAL.has(status)
}

/** Pending, unknown, live or partially filled: may still rest on the book, so it counts as exposure. */
export function isOpen(status: OrderStatus): boolean {
  return OPEN.has(status)
}

/** Shares still able to fill. */
export function remaining(order: LiveOrder): number {
  return Math.max(0, order.size - order.filled)
}

export interface NewOrder extends OrderIntent {
  readonly id: string
  readonly conditionId: string
  readonly quotedMid: number
}

/** A new order, about to be sent: `pending`. */
export function createTrackedOrder(order: NewOrder, now: number): TrackedOrder {
  return {
    ...order,
    status: 'pending',
    filled: 0,
    createdAt: now,
    updatedAt: now,
    reason: '',
    cancelRequestedAt: undefined,
    sizeMatchedReported: 0,
    tradeFills: new Map(),
    rejectionInferred: false,
  }
}

function tradeSum(fills: ReadonlyMap<string, number>): number {
  let s = 0
  for (const v of fills.values()) s += v
  return s
}

/** Status implied by a fill level for an order known to exist and not cancelled. */
function fillStatus(order: TrackedOrder, filled: number): OrderStatus {
  if (filled >= order.size - SIZE_EPS) return 'filled'
  if (filled > SIZE_EPS) return 'partially_filled'
  return 'live'
}

function same(order: TrackedOrder): Transition {
  return { order, changed: false }
}

function ignore(order: TrackedOrder, why: string): Transition {
  return { order, changed: false, illegal: `${order.status}: ${why}` }
}

function update(order: TrackedOrder, patch: Partial<TrackedOrder>, now: number): Transition {
  const next = { ...order, ...patch }
  const changed =
    next.status !== order.status ||
    next.filled !== order.filled ||
    next.cancelRequestedAt !== order.cancelRequestedAt ||
    next.sizeMatchedReported !== order.sizeMatchedReported ||
    next.tradeFills !== order.tradeFills ||
    next.reason !== order.reason
  return changed ? { order: { ...next, updatedAt: now }, changed: true } : same(order)
}

/**
 * New fill level. An order that exists (pending, unknown or an inferred rejection included: evidence of it) moves
 * to live/partially_filled/filled; a cancelled order keeps its status (fills matched before the cancel arrive
 * late) unless it turns out fully filled. Compared with `order` itself, so a step through `live` is a change.
 */
function withFills(order: TrackedOrder, patch: Partial<TrackedOrder>, now: number, reason: string): Transition {
  const reported = patch.sizeMatchedReported ?? order.sizeMatchedReported
  const fills = patch.tradeFills ?? order.tradeFills
  const filled = Math.min(order.size, Math.max(reported, tradeSum(fills)))
  let status = order.status
  if (order.status === 'cancelled') {
    if (filled >= order.size - SIZE_EPS) status = 'filled'
  } else if (order.status !== 'filled') {
    status = fillStatus(order, filled)
  }
  const cancelRequestedAt = status === 'filled' ? undefined : order.cancelRequestedAt
  return update(
    order,
    {
      ...patch,
      filled,
      status,
      cancelRequestedAt,
      rejectionInferred: false,
      reason: status === order.status ? order.reason : reason,
    },
    now,
  )
}

/**
 * What an exchange status (plain or `ORDER_STATUS_` prefixed, §7.4) says of an order: `waiting` for DELAYED and
 * UNMATCHED (it exists, its fate is not decided yet), `unknown` for a spelling we do not know.
 */
function exchangeStatusClass(status: string): 'live' | 'matched' | 'cancelled' | 'waiting' | 'unknown' {
  switch (orderStatusWord(status)) {
    case 'LIVE':
      return 'live'
    case 'MATCHED':
      return 'matched'
    case 'CANCELED':
    case 'INVALID':
      return 'cancelled'
    case 'DELAYED':
    case 'UNMATCHED':
      return 'waiting'
    case undefined:
      return 'unknown'
  }
}

/** Applies one event; returns the next order (the same object when nothing changed). */
export function applyOrderEvent(
  order: TrackedOrder,
  event: OrderEvent,
  now: number,
  options: TransitionOptions = {},
): Transition {
  const s = order.status
  // A rejection we inferred can be overturned by evidence that the order exists; a stated one cannot.
  const exists = s !== 'rejected' || order.rejectionInferred
  switch (event.kind) {
    case 'submit-accepted': {
      if (s === 'rejected' && !order.rejectionInferred) return ignore(order, 'accepted after an explicit rejection')
      if (s !== 'pending' && s !== 'unknown' && s !== 'rejected') return same(order) // events got here first
      if (event.status === 'live') return withFills(order, {}, now, 'accepted')
      if (event.status === 'matched') {
        // Without amounts the match may be partial: leave the fill level to the trade events.
        const size = event.matchedSize ?? 0
        return withFills(
          order,
          { sizeMatchedReported: Math.max(order.sizeMatchedReported, size) },
          now,
          'matched on submit',
        )
      }
      if (event.status === 'unmatched') return update(order, { status: 'cancelled', reason: 'unmatched' }, now)
      return update(order, { status: 'unknown', reason: 'delayed' }, now)
    }
    case 'submit-rejected':
      if (s === 'pending' || s === 'unknown') return update(order, { status: 'rejected', reason: event.reason }, now)
      if (s === 'rejected') return same(order)
      return ignore(order, `rejection after the order was seen (${event.reason})`)
    case 'submit-ambiguous':
      if (s === 'pending') return update(order, { status: 'unknown', reason: event.reason }, now)
      return same(order)
    case 'order-event': {
      if (!exists) return ignore(order, `${event.type} after an explicit rejection`)
      const klass = exchangeStatusClass(event.status)
      if (event.type === 'CANCELLATION' || klass === 'cancelled') {
        if (s === 'filled') return ignore(order, 'cancellation of a filled order')
        if (s === 'cancelled') {
          if (event.sizeMatched <= order.sizeMatchedReported + SIZE_EPS) return same(order)
          return withFills(order, { sizeMatchedReported: event.sizeMatched }, now, 'late fill')
        }
        const t = withFills(
          { ...order, status: 'cancelled' },
          { sizeMatchedReported: Math.max(order.sizeMatchedReported, event.sizeMatched) },
          now,
          event.status,
        )
        const cancelled = t.order.status === 'cancelled'
        const next = { ...t.order, cancelRequestedAt: undefined, reason: cancelled ? event.status : t.order.reason }
        return update(order, next, now)
      }
      if (s === 'cancelled' || s === 'filled') {
        // A late UPDATE may still carry fills matched before the cancel; anything else contradicts what we know.
        if (event.type === 'UPDATE' && event.sizeMatched > order.sizeMatchedReported + SIZE_EPS) {
          return withFills(order, { sizeMatchedReported: event.sizeMatched }, now, 'late fill')
        }
        if (event.type === 'UPDATE' && s === 'filled') return same(order)
        return ignore(order, `${event.type} ${event.status}`)
      }
      if (event.sizeMatched + SIZE_EPS < order.sizeMatchedReported) {
        return ignore(order, `size_matched went back from ${order.sizeMatchedReported} to ${event.sizeMatched}`)
      }
      const reported = klass === 'matched' ? Math.max(event.sizeMatched, order.size) : event.sizeMatched
      return withFills(order, { sizeMatchedReported: reported }, now, event.type.toLowerCase())
    }
    case 'trade': {
      if (!exists) return ignore(order, 'trade after an explicit rejection')
      const fills = new Map(order.tradeFills)
      if (event.status === 'FAILED') {
        if (!fills.has(event.tradeId)) return same(order)
        fills.delete(event.tradeId)
        // The reported size may include the failed match; only our trades are trusted after a reversal.
        return withFills(order, { tradeFills: fills, sizeMatchedReported: 0 }, now, 'trade failed')
      }
      if (fills.get(event.tradeId) === event.size) return same(order) // same trade, later status: no new fill
      fills.set(event.tradeId, event.size)
      return withFills(order, { tradeFills: fills }, now, 'trade')
    }
    case 'rest-order': {
      const rest = event.order
      if (rest === null) {
        if (s !== 'pending' && s !== 'unknown') {
          if (s === 'live' || s === 'partially_filled') return ignore(order, 'not found by the exchange')
          return same(order)
        }
        const grace = options.notFoundGraceMs ?? 15_000
        if (now - order.createdAt < grace) return same(order) // may still be on its way
        return update(order, { status: 'rejected', reason: 'not found', rejectionInferred: true }, now)
      }
      const klass = exchangeStatusClass(rest.status)
      if (klass === 'cancelled') {
        if (s === 'filled') return ignore(order, `exchange says ${rest.status}`)
        return applyOrderEvent(
          order,
          { kind: 'order-event', type: 'CANCELLATION', status: rest.status, sizeMatched: rest.sizeMatched },
          now,
          options,
        )
      }
      if (klass === 'matched') {
        return applyOrderEvent(
          order,
          {
            kind: 'order-event',
            type: 'UPDATE',
            status: 'MATCHED',
            sizeMatched: Math.max(rest.sizeMatched, order.size),
          },
          now,
          options,
        )
      }
      if (klass === 'live') {
        if (s === 'cancelled' || s === 'filled') return ignore(order, 'exchange says LIVE')
        if (!exists) return ignore(order, 'exchange says LIVE after an explicit rejection')
        // REST is a snapshot: it can lag our trade events, so it never lowers the fill level.
        return withFills(
          order,
          { sizeMatchedReported: Math.max(order.sizeMatchedReported, rest.sizeMatched) },
          now,
          'rest',
        )
      }
      // Waiting: looked up again later. Unknown: never taken for a verdict; the order stays as it is, tracked.
      if (klass === 'waiting') return same(order)
      return ignore(order, `unknown order status "${rest.status}": kept as it is, looked up again`)
    }
    case 'cancel-requested':
      if (isTerminal(s)) return ignore(order, 'cancel of a finished order')
      return update(order, { cancelRequestedAt: now }, now)
    case 'cancel-confirmed':
      if (s === 'filled') return ignore(order, 'cancel confirmed for a filled order')
      if (s === 'cancelled') return update(order, { cancelRequestedAt: undefined }, now)
      if (s === 'rejected' && !order.rejectionInferred) return ignore(order, 'cancel confirmed for a rejected order')
      return update(
        order,
        { status: 'cancelled', cancelRequestedAt: undefined, reason: 'cancelled by us', rejectionInferred: false },
        now,
      )
    case 'cancel-failed':
      if (isTerminal(s)) return update(order, { cancelRequestedAt: undefined }, now)
      // "already canceled or matched", "order not found", a failed call: the truth must be looked up.
      return update(order, { status: 'unknown', cancelRequestedAt: undefined, reason: event.reason }, now)
  }
}

// ---- wire → events --------------------------------------------------------------------------------------------

const DUPLICATE_RE = /duplicat/i
const DELAYED_RE = /delayed/i

/** One element of a POST /order(s) response, or the failure of the call. */
export type SubmitOutcome =
  | {
      readonly kind: 'response'
      readonly httpStatus: number
      /** The parsed body element (`{success, errorMsg, status, makingAmount, takingAmount}` or `{error}`). */
      readonly body: {
        readonly success?: boolean
        readonly orderID?: string | null
        readonly errorMsg?: string | null
        readonly error?: string
        readonly status?: string
        readonly makingAmount?: string
        readonly takingAmount?: string
      }
    }
  | { readonly kind: 'failure'; readonly reason: string }

/**
 * Turns a submit outcome into an event. Only an answer that says the order does not exist is a rejection; a
 * duplicate (the same hash is already placed) or a delay means it exists or may; anything without a trustworthy
 * answer is ambiguous. The exchange answers most insert errors with `success: true`, an empty `orderID` and an
 * `errorMsg` ("not enough balance / allowance", protocol §2.4), so an error message outweighs `success`.
 */
export function submitEvent(outcome: SubmitOutcome, side: 'BUY' | 'SELL'): OrderEvent {
  if (outcome.kind === 'failure') return { kind: 'submit-ambiguous', reason: outcome.reason }
  const { httpStatus, body } = outcome
  if (httpStatus === 0 || httpStatus >= 500) return { kind: 'submit-ambiguous', reason: `http ${httpStatus}` }
  const message = body.errorMsg || body.error || ''
  if (DUPLICATE_RE.test(message)) return { kind: 'submit-ambiguous', reason: message }
  if (httpStatus === 429) return { kind: 'submit-rejected', reason: 'rate limited (429)' }
  if (httpStatus >= 400) return { kind: 'submit-rejected', reason: message || `http ${httpStatus}` }
  // An order id without a verdict is taken as acceptance: the id can only come from a placed order.
  const accepted = body.success === true || (body.success === undefined && Boolean(body.orderID))
  if (accepted && !message) {
    const status = (body.status ?? 'live').toLowerCase()
    if (status === 'matched') {
      // For a BUY the taker side of the amounts is shares; for a SELL the making side is.
      const shares = Number(side === 'BUY' ? body.takingAmount : body.makingAmount)
      return Number.isFinite(shares) && shares > 0
        ? { kind: 'submit-accepted', status: 'matched', matchedSize: shares }
        : { kind: 'submit-accepted', status: 'matched' }
    }
    if (status === 'delayed' || status === 'unmatched') return { kind: 'submit-accepted', status }
    return { kind: 'submit-accepted', status: 'live' }
  }
  if (DELAYED_RE.test(message)) return { kind: 'submit-accepted', status: 'delayed' }
  if (body.success === false || message) return { kind: 'submit-rejected', reason: message || 'rejected' }
  return { kind: 'submit-ambiguous', reason: `unrecognised response (http ${httpStatus})` }
}
