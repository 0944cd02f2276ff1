import type { LiveOrder, Market, QuoteSide, Side } from '../../../schemas/domain.ts'
import { ExchangeError } from './exchange-port.ts'
import type { ExecutorDeps } from './executor.ts'
import { applyOrderEvent, type OrderEvent, type TrackedOrder } from './order-state.ts'
import { createOrderStore, type OrderStore } from './order-store.ts'
import type { Endpoint } from './rate-budget.ts'

/**
 * The executor's shared state and the few operations every part of it uses: applying an order event, serializing
 * work per market, spending the rate budget and scheduling a run the budget held back. The parts (placing,
 * cancelling, lookups, the market run, stop) each take this core.
 */

/** How a batch went: `held` when the budget or a 429 kept it from being processed (nothing changed). */
export interface BatchResult {
  readonly done: number
  readonly held: boolean
}

export interface CancelRetry {
  readonly ids: Set<string>
  readonly reason: string
  stop: () => void
}

export interface ExecutorCore {
  readonly deps: ExecutorDeps
  readonly orders: OrderStore
  readonly markets: Map<string, Market>
  /** Runs and pulls in flight: stop waits for them. */
  readonly inflight: Set<Promise<unknown>>
  /** POSTs that timed out but may still land: stop waits for them before its last check. */
  readonly lateSubmits: Set<Promise<unknown>>
  /** Fills already applied (key → when), so a fill seen on the channel and again over REST counts once. */
  readonly fillKeys: Map<string, number>
  /** Unknown orders nobody wants any more that were sent one cancel already (a lookup settles them after that). */
  readonly unwantedCancelled: Set<string>
  /** Per market: cancels the timer of a run asked for once the rate budget allows. */
  readonly retries: Map<string, () => void>
  /** Per market: protective cancels a back-off held, retried by their ids once the budget allows. */
  readonly cancelRetries: Map<string, CancelRetry>
  readonly flags: {
    stopping: boolean
    /** Until the first selection, no order's market is known: none is taken for one that left. */
    selected: boolean
    lastPrune: number
    lastCollateralWarn: number
  }
  now(): number
  emitOrder(o: TrackedOrder): void
  /** Applies an event; `external` changes (not caused by this market's own run) ask for a requote. */
  apply(id: string, event: OrderEvent, external: boolean): TrackedOrder | undefined
  /** Serializes work on one market (a run and a pull must not interleave). */
  withMarket<T>(conditionId: string, fn: () => Promise<T>): Promise<T>
  /**
   * Takes a budget token for `endpoint`, waiting up to `maxWaitMs` for the buckets to refill. Returns 0 when
   * taken, otherwise how long until the budget would allow the call (nothing taken). A back-off after a 429 is
   * not waited out unless `throughBackoff`: the run ends and a retry is scheduled instead of holding the market.
   */
  spend(endpoint: Endpoint, maxWaitMs: number, throughBackoff?: boolean): Promise<number>
  noteFailure(err: unknown, endpoint: Endpoint): ExchangeError
  /** A run held back by the rate budget asks for another once the budget allows (one timer per market). */
  retryLater(conditionId: string, waitMs: number): void
  openOf(conditionId?: string): TrackedOrder[]
}

export function toLiveOrder(o: TrackedOrder): LiveOrder {
  return {
    id: o.id,
    conditionId: o.conditionId,
    tokenId: o.tokenId,
    side: o.side,
    price: o.price,
    size: o.size,
    layer: o.layer,
    quoteSide: o.quoteSide,
    status: o.status,
    filled: o.filled,
    createdAt: o.createdAt,
    quotedMid: o.quotedMid,
  }
}

/** Which side of the YES-space quote an order expresses: BUY YES / SELL NO bid, SELL YES / BUY NO ask. */
export function quoteSideOf(market: Market, tokenId: string, side: Side): QuoteSide {
  const yes = tokenId === market.yesTokenId
  return (side === 'BUY') === yes ? 'bid' : 'ask'
}

export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

export function createExecutorCore(deps: ExecutorDeps): ExecutorCore {
  const { clock, log, events, metrics, budget } = deps
  const orders = deps.orderStore ?? createOrderStore()
  const locks = new Map<string, Promise<unknown>>()
  const inflight = new Set<Promise<unknown>>()
  const retries = new Map<string, () => void>()
  const flags = {
    stopping: false,
    selected: false,
    lastPrune: Number.NEGATIVE_INFINITY,
    lastCollateralWarn: Number.NEGATIVE_INFINITY,
  }
  const now = () => clock.now()

  function emitOrder(o: TrackedOrder): void {
    events.emit({ type: 'order', at: now(), order: toLiveOrder(o) })
  }

  function apply(id: string, event: OrderEvent, external: boolean): TrackedOrder | undefined {
    const o = orders.get(id)
    if (!o) return undefined
    const t = applyOrderEvent(o, event, now(), { notFoundGraceMs: deps.notFoundGraceMs })
    if (t.illegal) log.debug(`order ${id.slice(0, 10)}…: ignored ${event.kind} (${t.illegal})`)
    if (!t.changed) return o
    orders.set(id, t.order)
    emitOrder(t.order)
    if (t.order.status !== o.status) {
      log.debug(
        `order ${id.slice(0, 10)}… ${o.status} → ${t.order.status}${t.order.reason ? ` (${t.order.reason})` : ''}`,
      )
      if (external) deps.markDirty(o.conditionId)
    }
    return t.order
  }

  function withMarket<T>(conditionId: string, fn: () => Promise<T>): Promise<T> {
    const prev = locks.get(conditionId) ?? Promise.resolve()
    const next = prev.then(fn, fn)
    const tail = next.catch(() => undefined)
    locks.set(conditionId, tail)
    inflight.add(tail)
    void tail.finally(() => {
      inflight.delete(tail)
      if (locks.get(conditionId) === tail) locks.delete(conditionId)
    })
    return next
  }

  async function spend(endpoint: Endpoint, maxWaitMs: number, throughBackoff = false): Promise<number> {
    const deadline = now() + maxWaitMs
    for (;;) {
      const blocked = budget.state(endpoint).blockedForMs
      if (blocked > 0 && !throughBackoff) return blocked
      const grant = budget.tryAcquire(endpoint)
      if (grant.ok) return 0
      if (now() + grant.waitMs > deadline) return grant.waitMs
      await clock.sleep(grant.waitMs)
    }
  }

  function noteFailure(err: unknown, endpoint: Endpoint): ExchangeError {
    const e = err instanceof ExchangeError ? err : new ExchangeError(String(err), 'ambiguous')
    if (e.kind === 'rate-limited') {
      const ms = budget.onThrottled(endpoint)
      metrics.rateLimited()
      log.warn(`rate limited (429) on ${endpoint}: backing off ${ms} ms`)
    }
    return e
  }

  function retryLater(conditionId: string, waitMs: number): void {
    if (retries.has(conditionId) || flags.stopping) return
    const ms = Number.isFinite(waitMs) ? Math.max(1, waitMs) : 1000
    retries.set(
      conditionId,
      clock.setTimeout(() => {
        retries.delete(conditionId)
        deps.markDirty(conditionId)
      }, ms),
    )
  }

  const openOf = (conditionId?: string) => orders.open(conditionId)

  return {
    deps,
    orders,
    markets: new Map(),
    inflight,
    lateSubmits: new Set(),
    fillKeys: new Map(),
    unwantedCancelled: new Set(),
    retries,
    cancelRetries: new Map(),
    flags,
    now,
    emitOrder,
    apply,
    withMarket,
    spend,
    noteFailure,
    retryLater,
    openOf,
  }
}
