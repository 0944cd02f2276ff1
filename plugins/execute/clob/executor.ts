import type { Account } from '../../../pipeline/account.ts'
import type { Clock } from '../../../pipeline/clock.ts'
import type { EventBus } from '../../../pipeline/event-bus.ts'
import { fields, type Logger } from '../../../pipeline/logger.ts'
import { marketLabel, tokenLabel } from '../../../pipeline/market-names.ts'
import type { Fill, LiveOrder, Market, OrderIntent, QuoteSide, Side } from '../../../schemas/domain.ts'
import type { BookPair, ExecuteInput, ExecuteReport } from '../../../stages/io.ts'
import { gridTick } from '../../quoting-math/grid.ts'
import { unsignablePrice } from './amounts.ts'
import type { Collateral } from './collateral.ts'
import {
  DEFAULT_DIFF_CONFIG,
  type DiffConfig,
  type DiffResult,
  desiredExposureCaps,
  diffOrders,
  type SwapStep,
  yesMid,
} from './diff-orders.ts'
import { ExchangeError, type ExchangePort, postOutcome } from './exchange-port.ts'
import { tradeToFills } from './fills.ts'
import { fitBuysToCollateral } from './fit-buys.ts'
import { fitSellsToHoldings } from './fit-sells.ts'
import type { OrderFactory } from './order-factory.ts'
import {
  applyOrderEvent,
  createTrackedOrder,
  isOpen,
  isTerminal,
  type OrderEvent,
  remaining,
  type SubmitOutcome,
  submitEvent,
  type TrackedOrder,
} from './order-state.ts'
import type { Endpoint, RateBudget } from './rate-budget.ts'
import type { WireOrder, WireTrade } from './user-channel-wire.ts'

/**
 * The order lifecycle against the exchange. Every order is tracked from before it is sent (its id is the EIP-712
 * hash), so no outcome is ever lost: an ambiguous submit leaves it `unknown` and it still counts as resting until
 * an event, a late answer or `GET /data/order/<id>` settles it. A run follows the swap of diff-orders.ts step by
 * step: cancels first, each step only once the previous one is answered, places in batches under per-side caps
 * of what the layer stage asked for (the risk stage already capped that), counting every order that may rest
 * (live, pending, unknown, cancels not yet confirmed). A cancel that is not confirmed leaves its orders possibly
 * resting, so the run diffs again instead of placing what the failed cancel was to make room for.
 */

export const MAX_POST_BATCH = 15
export const MAX_CANCEL_BATCH = 1000
/** Diff passes per run: the first, plus re-diffs after cancels that were not confirmed. */
const MAX_PASSES = 3

export interface ExecutorMetrics {
  orderSent(side: Side): void
  fill(side: Side): void
  inventory(tokenId: string, shares: number): void
  rateLimited(): void
  /** pUSD BUYs may still use (balance − reserved − margin), set whenever it is computed. */
  collateralFree(usd: number): void
  /** An order the exchange refused, with its message. */
  rejected?(reason: string): void
  /** Orders confirmed cancelled, with why we cancelled them. */
  cancelled?(reason: string, count: number): void
}

export interface ExecutorRules {
  readonly requoteMidTicks: number
  /** 0 disables the queue rule. */
  readonly requoteQueueLevels: number
  readonly orderMaxAgeMs: number
  readonly postOnly: boolean
}

export interface ExecutorDeps {
  /** undefined in a dry run: everything up to the exchange call, logged, nothing sent. */
  readonly port: ExchangePort | undefined
  readonly factory: OrderFactory
  readonly clock: Clock
  readonly log: Logger
  readonly events: EventBus
  readonly account: Account
  readonly metrics: ExecutorMetrics
  readonly budget: RateBudget
  /** Our API key: fills are recognised by it. */
  readonly apiKey: string
  rules(): ExecutorRules
  markDirty(conditionId: string): void
  /** An unknown order not found this long after its submit is taken as never placed. */
  readonly notFoundGraceMs: number
  /** A run waits at most this long for the rate budget before leaving the market as it is. */
  readonly maxBudgetWaitMs: number
  /** The account's pUSD; undefined (dry run) leaves BUYs unfitted. */
  readonly collateral?: Collateral
}

/** Terminal orders are kept this long for late events, fill keys this long against duplicates from the back-fill. */
const KEEP_TERMINAL_MS = 300_000
const KEEP_FILL_KEYS_MS = 24 * 3_600_000
/** Runs prune at most this often (a dry run has no reconcile timer to do it). */
const PRUNE_EVERY_MS = 60_000

/** At most one warning this often while BUYs are being cut for lack of pUSD (the debug lines say which). */
const COLLATERAL_WARN_EVERY_MS = 60_000

export interface Executor {
  setMarkets(markets: readonly Market[]): Promise<void>
  run(input: ExecuteInput): Promise<ExecuteReport>
  pull(market: Market, reason: string): Promise<void>
  liveOrders(conditionId?: string): readonly LiveOrder[]
  /** Every tracked order, terminal ones included (kept a while for late events). */
  tracked(): readonly TrackedOrder[]
  /** pUSD reserved by every BUY of the account that may rest (live, pending, unknown, cancel unconfirmed). */
  reservedUsd(): number
  /** pUSD BUYs may still use; undefined before the balance is known. Updates the gauge. */
  collateralFree(): number | undefined
  onUserOrder(order: WireOrder): void
  onTrade(trade: WireTrade): void
  /** Look up unknown (and long-pending) orders by id. */
  resolveUnknowns(): Promise<void>
  /** Orders found on the exchange at start, taken over as live. */
  adopt(orders: readonly WireOrder[]): void
  /** Compare with the exchange's open orders: cancel strays, look up orders it no longer lists. */
  reconcileOpen(exchangeOpen: readonly WireOrder[]): Promise<void>
  /** Stop quoting and cancel every order of the account; resolves with the orders possibly still open. */
  cancelEverything(reason: string, deadlineMs: number): Promise<number>
  /** Forget terminal orders older than `ageMs`. */
  prune(ageMs: number): void
}

function toLiveOrder(o: TrackedOrder): LiveOrder {
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

/** The book's tick, as the layer stage quoted on: it follows tick_size_change, the market's (Gamma) may lag. */
function tokenTick(market: Market, books: BookPair, tokenId: string): number {
  const t = tokenId === market.noTokenId ? books.no.tickSize : books.yes.tickSize
  return t > 0 ? t : market.tickSize
}

function diffConfig(market: Market, books: BookPair, rules: ExecutorRules): DiffConfig {
  return {
    ...DEFAULT_DIFF_CONFIG,
    tickSize: gridTick(market, books),
    requoteMidTicks: rules.requoteMidTicks,
    requoteQueueLevels: rules.requoteQueueLevels,
    orderMaxAgeMs: rules.orderMaxAgeMs,
    maxPlaceBatch: MAX_POST_BATCH,
    maxCancelBatch: MAX_CANCEL_BATCH,
  }
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size))
  return out
}

export function createExecutor(deps: ExecutorDeps): Executor {
  const { port, factory, clock, log, events, account, metrics, budget } = deps
  const orders = new Map<string, TrackedOrder>()
  const markets = new Map<string, Market>()
  const locks = new Map<string, Promise<unknown>>()
  const inflight = new Set<Promise<unknown>>()
  /** POSTs that timed out but may still land: stop waits for them before its last check. */
  const lateSubmits = new Set<Promise<unknown>>()
  /** Fills already applied (key → when), so a fill seen on the channel and again over REST counts once. */
  const fillKeys = new Map<string, number>()
  let lastPrune = Number.NEGATIVE_INFINITY
  /** Unknown orders nobody wants any more that were sent one cancel already (a lookup settles them after that). */
  const unwantedCancelled = new Set<string>()
  /** Per market: cancels the timer of a run asked for once the rate budget allows. */
  const retries = new Map<string, () => void>()
  /** Per market: protective cancels a back-off held, retried by their ids once the budget allows. */
  const cancelRetries = new Map<string, { readonly ids: Set<string>; readonly reason: string; stop: () => void }>()
  let stopping = false
  /** Until the first selection, no order's market is known: none is taken for one that left. */
  let selected = false
  let lastCollateralWarn = Number.NEGATIVE_INFINITY

  const now = () => clock.now()

  /** `"Will X…?" YES` for a token of a market we trade (ids go to the JSON fields). */
  function nameToken(conditionId: string, tokenId: string): string {
    const m = markets.get(conditionId)
    return m ? tokenLabel(m, tokenId) : `token ${tokenId.slice(0, 10)}…`
  }

  function nameMarket(conditionId: string): string {
    const m = markets.get(conditionId)
    return m ? marketLabel(m) : `${conditionId.slice(0, 10)}…`
  }

  function emitOrder(o: TrackedOrder): void {
    events.emit({ type: 'order', at: now(), order: toLiveOrder(o) })
  }

  /** Applies an event; `external` changes (not caused by this market's own run) ask for a requote. */
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

  /** Serializes work on one market (a run and a pull must not interleave). */
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

  /**
   * Takes a budget token for `endpoint`, waiting up to `maxWaitMs` for the buckets to refill. Returns 0 when
   * taken, otherwise how long until the budget would allow the call (nothing taken). A back-off after a 429 is
   * not waited out unless `throughBackoff`: the run ends and a retry is scheduled instead of holding the market.
   */
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

  /** A run held back by the rate budget asks for another once the budget allows (one timer per market). */
  function retryLater(conditionId: string, waitMs: number): void {
    if (retries.has(conditionId) || stopping) return
    const ms = Number.isFinite(waitMs) ? Math.max(1, waitMs) : 1000
    retries.set(
      conditionId,
      clock.setTimeout(() => {
        retries.delete(conditionId)
        deps.markDirty(conditionId)
      }, ms),
    )
  }

  /**
   * GET /data/order/<id> settles what we do not know of an order. `budget` when the rate budget says stop for now;
   * `failed` when this lookup failed (the next id may still be looked up).
   */
  async function lookUp(id: string): Promise<'ok' | 'failed' | 'budget'> {
    if (!port || (await spend('data-orders', 0)) > 0) return 'budget'
    try {
      const rest = await port.getOrder(id)
      budget.onSuccess('data-orders')
      apply(
        id,
        { kind: 'rest-order', order: rest ? { status: rest.status, sizeMatched: rest.size_matched } : null },
        true,
      )
      return 'ok'
    } catch (err) {
      const e = noteFailure(err, 'data-orders')
      log.debug(`GET /data/order ${id.slice(0, 10)}… failed (${e.kind}): ${e.message}`)
      return e.kind === 'rate-limited' ? 'budget' : 'failed'
    }
  }

  const openOf = (conditionId?: string) =>
    [...orders.values()].filter((o) => isOpen(o.status) && (conditionId === undefined || o.conditionId === conditionId))

  /** How a batch went: `held` when the budget or a 429 kept it from being processed (nothing changed). */
  interface BatchResult {
    readonly done: number
    readonly held: boolean
  }

  // ---- placing ------------------------------------------------------------------------------------------------

  /** Shares of `tokenId` held and not offered by an order that may rest (a cancel in flight still offers them). */
  function freeShares(conditionId: string, tokenId: string): number {
    let offered = 0
    for (const o of openOf(conditionId)) if (o.tokenId === tokenId && o.side === 'SELL') offered += remaining(o)
    return account.token(tokenId).shares - offered
  }

  /**
   * The run's SELLs were sized by the layer stage from the holdings of its quote; fills since then (our SELL filling
   * while its cancel was in flight) can leave fewer shares free, which the exchange would reject.
   */
  function fitToHoldings(market: Market, intents: readonly OrderIntent[]): readonly OrderIntent[] {
    const fit = fitSellsToHoldings(intents, (t) => freeShares(market.conditionId, t), market.minOrderSize)
    for (const c of fit.cut) {
      const i = c.intent
      log.debug(
        `${tokenLabel(market, i.tokenId)}: SELL ${i.size} @ ${i.price} ` +
          (c.size > 0 ? `cut to ${c.size}` : 'dropped') +
          ' (shares sold or offered since the quote)',
      )
    }
    return fit.orders
  }

  /** Every market counts: the exchange reserves each resting BUY against one account balance. */
  function reservedUsd(): number {
    let usd = 0
    for (const o of openOf()) if (o.side === 'BUY') usd += o.price * remaining(o)
    return usd
  }

  function collateralFree(): number | undefined {
    const free = deps.collateral?.free(reservedUsd())
    if (free !== undefined) metrics.collateralFree(free)
    return free
  }

  /**
   * The run's BUYs were sized per market by the layer stage; summed over markets they can ask for more pUSD than
   * the account holds, which the exchange would reject. Nearest the touch first keeps the most useful quotes.
   */
  function fitToCollateral(market: Market, intents: readonly OrderIntent[]): readonly OrderIntent[] {
    if (!intents.some((o) => o.side === 'BUY')) return intents
    const free = collateralFree()
    if (free === undefined) return intents
    const fit = fitBuysToCollateral(intents, free, market.minOrderSize)
    if (fit.cut.length === 0) return fit.orders
    for (const c of fit.cut) {
      const i = c.intent
      log.debug(
        `${tokenLabel(market, i.tokenId)}: BUY ${i.size} @ ${i.price} ` +
          (c.size > 0 ? `cut to ${c.size}` : 'dropped') +
          ` (pUSD free ${free.toFixed(2)})`,
      )
    }
    const t = now()
    if (t - lastCollateralWarn >= COLLATERAL_WARN_EVERY_MS) {
      lastCollateralWarn = t
      const wanted = intents.reduce((s, o) => s + (o.side === 'BUY' ? o.price * o.size : 0), 0)
      log.warn(
        `quoting cut for lack of pUSD: ${fit.cut.length} BUYs cut or dropped on ${marketLabel(market)} ` +
          `(wanted ${wanted.toFixed(2)}, free ${Math.max(0, free).toFixed(2)}, reserved by resting BUYs ` +
          `${reservedUsd().toFixed(2)}); smaller sizes or fewer markets would quote in full`,
      )
    }
    return fit.orders
  }

  /** One POST /orders (≤ MAX_POST_BATCH); `done` counts the orders sent. */
  async function placeBatch(
    market: Market,
    books: BookPair,
    wanted: readonly OrderIntent[],
    quotedMid: number,
  ): Promise<BatchResult> {
    if (port) {
      const wait = await spend('post-orders', deps.maxBudgetWaitMs)
      if (wait > 0) {
        log.debug(`${marketLabel(market)}: rate budget spent, ${wanted.length} orders left for later`)
        retryLater(market.conditionId, wait)
        return { done: 0, held: true }
      }
    }
    // After any wait for the budget: fills may land during it too. Nothing is awaited from here until the orders
    // are tracked, so a concurrent run on another market sees this batch's BUYs as reserved.
    const signable = wanted.filter((i) => {
      // Signed at another price than tracked, the order would rest where nobody asked for it.
      const problem = unsignablePrice(i.price, tokenTick(market, books, i.tokenId))
      if (problem)
        log.warn(
          `${tokenLabel(market, i.tokenId)}: ${i.side} ${i.size} @ ${i.price} dropped: ${problem}`,
          fields({ condition_id: market.conditionId, token_id: i.tokenId }),
        )
      return problem === undefined
    })
    const intents = fitToCollateral(market, fitToHoldings(market, signable))
    if (intents.length === 0) return { done: 0, held: false }
    const t = now()
    const built = intents.map((intent) => {
      const b = factory.build(intent, market, t, tokenTick(market, books, intent.tokenId))
      const tracked = createTrackedOrder({ ...intent, id: b.id, conditionId: market.conditionId, quotedMid }, t)
      orders.set(b.id, tracked)
      emitOrder(tracked)
      metrics.orderSent(intent.side)
      return b
    })
    if (!port) {
      for (const b of built) {
        const o = orders.get(b.id)
        if (o)
          log.info(
            `[dry run] would place ${o.side} ${o.size} ${tokenLabel(market, o.tokenId)} @ ${o.price}`,
            fields({ order_id: b.id, token_id: o.tokenId, condition_id: market.conditionId }),
          )
        apply(b.id, { kind: 'submit-accepted', status: 'live' }, false)
      }
      return { done: built.length, held: false }
    }
    try {
      const outcomes = await port.postOrders(
        built.map((b) => b.order),
        deps.rules().postOnly,
      )
      budget.onSuccess('post-orders')
      for (const [i, outcome] of outcomes.entries()) settleSubmit(built[i]?.id, outcome, false)
      return { done: built.length, held: false }
    } catch (err) {
      const e = noteFailure(err, 'post-orders')
      for (const b of built) {
        apply(
          b.id,
          e.kind === 'ambiguous'
            ? { kind: 'submit-ambiguous', reason: e.message }
            : { kind: 'submit-rejected', reason: e.message },
          false,
        )
      }
      if (e.kind === 'ambiguous') {
        log.warn(`POST /orders ambiguous for ${built.length} orders: ${e.message}; tracked as unknown`)
        if (e.late)
          watchLate(
            e.late,
            built.map((b) => b.id),
          )
      } else log.warn(`POST /orders failed (${e.kind}): ${e.message}`)
      if (e.kind === 'rate-limited') retryLater(market.conditionId, budget.waitMs('post-orders'))
      return { done: built.length, held: e.kind === 'rate-limited' }
    }
  }

  function settleSubmit(id: string | undefined, outcome: SubmitOutcome, external: boolean): void {
    const o = id === undefined ? undefined : orders.get(id)
    if (!o) return
    const event = submitEvent(outcome, o.side)
    const exchangeId = outcome.kind === 'response' ? outcome.body.orderID : undefined
    if (event.kind === 'submit-accepted' && exchangeId && exchangeId.toLowerCase() !== o.id.toLowerCase()) {
      log.error(`exchange order id ${exchangeId} differs from the locally computed hash ${o.id}`)
    }
    if (event.kind === 'submit-rejected') {
      log.info(
        `order ${o.side} ${o.size} ${nameToken(o.conditionId, o.tokenId)} @ ${o.price} rejected: ${event.reason}`,
        fields({ order_id: o.id, token_id: o.tokenId, condition_id: o.conditionId }),
      )
      metrics.rejected?.(event.reason)
    }
    apply(o.id, event, external)
  }

  /** A timed-out POST may still answer; its answer settles the orders it carried if nothing else did first. */
  function watchLate(late: Promise<unknown>, ids: readonly string[]): void {
    const settled = late.then(
      () => undefined,
      () => undefined,
    )
    lateSubmits.add(settled)
    void settled.then(() => lateSubmits.delete(settled))
    late.then(
      (raw) => {
        if (!Array.isArray(raw) || raw.length !== ids.length) return
        raw.forEach((item, i) => {
          const id = ids[i]
          if (id !== undefined && orders.get(id)?.status === 'unknown') settleSubmit(id, postOutcome(item), true)
        })
      },
      () => undefined,
    )
  }

  // ---- cancelling ---------------------------------------------------------------------------------------------

  /**
   * Cancels `targets`; `done` counts those confirmed cancelled. `held` when the budget or a 429 kept a batch from
   * being processed: those orders rest as before.
   */
  async function cancel(
    targets: readonly TrackedOrder[],
    reason: string,
    maxWaitMs: number,
    throughBackoff = false,
  ): Promise<BatchResult> {
    let done = 0
    for (const batch of chunks(targets, MAX_CANCEL_BATCH)) {
      const ids = batch.map((o) => o.id)
      if (!port) {
        for (const id of ids) {
          const o = orders.get(id)
          log.info(
            `[dry run] would cancel ${o ? `${o.side} ${o.size} ${nameToken(o.conditionId, o.tokenId)} @ ${o.price}` : id} (${reason})`,
            fields({ order_id: id }),
          )
          apply(id, { kind: 'cancel-confirmed' }, false)
        }
        done += ids.length
        continue
      }
      if ((await spend('delete-orders', maxWaitMs, throughBackoff)) > 0) return { done, held: true }
      for (const id of ids) apply(id, { kind: 'cancel-requested' }, false)
      try {
        const r = await port.cancelOrders(ids)
        budget.onSuccess('delete-orders')
        const canceled = new Set(r.canceled.map((x) => x.toLowerCase()))
        const notCanceled = new Map(Object.entries(r.notCanceled).map(([k, v]) => [k.toLowerCase(), v]))
        for (const id of ids) {
          const key = id.toLowerCase()
          if (canceled.has(key)) {
            apply(id, { kind: 'cancel-confirmed' }, false)
            metrics.cancelled?.(reason, 1)
            done++
          } else {
            apply(
              id,
              { kind: 'cancel-failed', reason: notCanceled.get(key) ?? 'missing from the cancel answer' },
              false,
            )
          }
        }
      } catch (err) {
        const e = noteFailure(err, 'delete-orders')
        for (const id of ids) {
          const o = orders.get(id)
          if (!o) continue
          if (e.kind === 'rate-limited') {
            // Not processed: the order rests as before.
            orders.set(id, { ...o, cancelRequestedAt: undefined })
          } else apply(id, { kind: 'cancel-failed', reason: e.message }, false)
        }
        log.warn(`DELETE /orders failed (${e.kind}) for ${ids.length} orders: ${e.message}`)
        if (e.kind === 'rate-limited') return { done, held: true }
      }
    }
    return { done, held: false }
  }

  // ---- the stage ----------------------------------------------------------------------------------------------

  interface StepsResult {
    readonly placed: number
    readonly cancelled: number
    /** `held`: the budget stopped the swap (a retry is scheduled); `rediff`: a cancel was not confirmed. */
    readonly end: 'done' | 'held' | 'rediff'
  }

  /** Runs the swap's steps in order, each after the previous one is answered. */
  async function runSteps(
    market: Market,
    books: BookPair,
    steps: readonly SwapStep[],
    quotedMid: number,
  ): Promise<StepsResult> {
    let placed = 0
    let cancelled = 0
    for (const step of steps) {
      if (step.kind === 'cancel') {
        const targets = step.orders.map((o) => orders.get(o.id)).filter((o): o is TrackedOrder => o !== undefined)
        const r = await cancel(targets, 'requote', deps.maxBudgetWaitMs)
        cancelled += r.done
        if (r.held) {
          retryLater(market.conditionId, budget.waitMs('delete-orders'))
          return { placed, cancelled, end: 'held' }
        }
        // What the places were to take the room of may still rest: diff again from what is known now.
        if (r.done < targets.length) return { placed, cancelled, end: 'rediff' }
      } else {
        const r = await placeBatch(market, books, step.orders, quotedMid)
        placed += r.done
        if (r.held) return { placed, cancelled, end: 'held' }
      }
    }
    return { placed, cancelled, end: 'done' }
  }

  function logDiff(conditionId: string, diff: DiffResult): void {
    const what = Object.entries(diff.requoted).map(([side, why]) => `${side}: ${why}`)
    if (diff.deferred.length > 0) what.push(`${diff.deferred.length} deferred under the exposure cap`)
    if (diff.blockedByUnresolved.length > 0) what.push(`${diff.blockedByUnresolved.length} levels held by unresolved`)
    if (diff.awaitingResolution.length > 0) what.push(`${diff.awaitingResolution.length} to cancel once resolved`)
    if (what.length > 0) log.debug(`${nameMarket(conditionId)} requote: ${what.join('; ')}`)
  }

  async function runMarket(input: ExecuteInput): Promise<ExecuteReport> {
    const { market, books } = input
    const open = openOf(market.conditionId)
    if (stopping) return { placed: 0, cancelled: 0, kept: open.length }
    if (!markets.has(market.conditionId) || market.closed || !market.acceptingOrders) {
      const r = await cancelProtective(market.conditionId, open, 'market not tradable')
      return { placed: 0, cancelled: r.done, kept: 0 }
    }
    const mid = yesMid(books) ?? input.quote.fair
    const config = diffConfig(market, books, deps.rules())
    const exposureCaps = desiredExposureCaps(input.orders, config.sizeTolerance)
    let placed = 0
    let cancelled = 0
    let kept = 0
    for (let pass = 1; ; pass++) {
      const diff = diffOrders({
        desired: input.orders,
        live: openOf(market.conditionId),
        books: [books.yes, books.no],
        mid,
        now: input.now,
        config,
        exposureCaps,
      })
      logDiff(market.conditionId, diff)
      kept = diff.keep.length
      const r = await runSteps(market, books, diff.steps, mid)
      placed += r.placed
      cancelled += r.cancelled
      if (r.end === 'held') return { placed, cancelled, kept }
      if (r.end !== 'rediff' || pass >= MAX_PASSES) {
        cancelled += (await cancelUnwantedUnknown(diff.awaitingResolution)).done
        break
      }
    }
    return { placed, cancelled, kept }
  }

  /**
   * A cancel that protects us (pull, halt, market gone or not tradable) waits out a 429 back-off for a while, and
   * when still held is retried for the same orders once the budget allows: dropping it would leave them resting.
   */
  async function cancelProtective(
    conditionId: string,
    targets: readonly TrackedOrder[],
    reason: string,
  ): Promise<BatchResult> {
    const r = await cancel(targets, reason, Math.max(deps.maxBudgetWaitMs, 5_000), true)
    if (r.held) retryCancel(conditionId, targets, reason)
    return r
  }

  function retryCancel(conditionId: string, targets: readonly TrackedOrder[], reason: string): void {
    if (stopping) return
    const pending = cancelRetries.get(conditionId)
    if (pending) {
      for (const o of targets) pending.ids.add(o.id)
      return
    }
    const wait = budget.waitMs('delete-orders')
    const ms = Number.isFinite(wait) ? Math.max(1, wait) : 1000
    log.warn(
      `${conditionId.slice(0, 10)}…: cancel of ${targets.length} orders held by the rate budget, retry in ${ms} ms`,
    )
    const entry = { ids: new Set(targets.map((o) => o.id)), reason, stop: () => {} }
    cancelRetries.set(conditionId, entry)
    entry.stop = clock.setTimeout(() => {
      cancelRetries.delete(conditionId)
      withMarket(conditionId, async () => {
        const still = [...entry.ids]
          .map((id) => orders.get(id))
          .filter((o): o is TrackedOrder => o !== undefined && isOpen(o.status))
        if (still.length > 0) await cancelProtective(conditionId, still, entry.reason)
      }).catch((err) => log.warn(`cancel retry failed: ${String(err)}`))
    }, ms)
  }

  /**
   * A market's orders get a cancel when it leaves the selection; one that was ambiguous, refused or held leaves them
   * possibly resting, so the periodic timers cancel again whatever is open for a market no longer tracked.
   */
  async function cancelUntracked(): Promise<void> {
    if (!selected || stopping) return
    const gone = new Set(openOf().map((o) => o.conditionId))
    for (const c of markets.keys()) gone.delete(c)
    await Promise.all([...gone].map((c) => withMarket(c, () => cancelMarket(c, 'market no longer tracked'))))
  }

  /**
   * An unknown order nobody wants any more may rest: one cancel (harmless for an id the exchange never took)
   * instead of waiting for a lookup. Its failure is not a reason to diff again: the lookup settles the order.
   */
  async function cancelUnwantedUnknown(awaiting: readonly { readonly id: string }[]): Promise<BatchResult> {
    const targets = awaiting
      .map((a) => orders.get(a.id))
      .filter((o): o is TrackedOrder => o?.status === 'unknown' && !unwantedCancelled.has(o.id))
    if (targets.length === 0) return { done: 0, held: false }
    const r = await cancel(targets, 'unknown and no longer wanted', deps.maxBudgetWaitMs)
    if (!r.held) for (const o of targets) unwantedCancelled.add(o.id)
    return r
  }

  async function cancelMarket(conditionId: string, reason: string): Promise<void> {
    const open = openOf(conditionId)
    if (open.length === 0) return
    log.info(
      `${nameMarket(conditionId)}: cancelling ${open.length} orders (${reason})`,
      fields({ condition_id: conditionId }),
    )
    await cancelProtective(conditionId, open, reason)
  }

  return {
    async setMarkets(next) {
      selected = true
      const ids = new Set(next.map((m) => m.conditionId))
      const removed = [...new Set(openOf().map((o) => o.conditionId))].filter((c) => !ids.has(c))
      markets.clear()
      for (const m of next) markets.set(m.conditionId, m)
      // Adopted orders learn their quote side once their market is known.
      for (const [id, o] of orders) {
        const m = markets.get(o.conditionId)
        if (m) {
          const qs = quoteSideOf(m, o.tokenId, o.side)
          if (qs !== o.quoteSide) orders.set(id, { ...o, quoteSide: qs })
        }
      }
      await Promise.all(removed.map((c) => withMarket(c, () => cancelMarket(c, 'market left the selection'))))
      for (const m of next)
        if (m.closed || !m.acceptingOrders)
          await withMarket(m.conditionId, () => cancelMarket(m.conditionId, 'market closed or not accepting orders'))
    },
    run(input) {
      if (now() - lastPrune >= PRUNE_EVERY_MS) prune(KEEP_TERMINAL_MS)
      return withMarket(input.market.conditionId, () => runMarket(input))
    },
    pull(market, reason) {
      return withMarket(market.conditionId, () => cancelMarket(market.conditionId, reason))
    },
    liveOrders(conditionId) {
      return openOf(conditionId).map(toLiveOrder)
    },
    tracked: () => [...orders.values()],
    reservedUsd,
    collateralFree,
    onUserOrder(w) {
      if (!orders.has(w.id)) return
      const type = w.type === 'PLACEMENT' || w.type === 'CANCELLATION' ? w.type : 'UPDATE'
      apply(w.id, { kind: 'order-event', type, status: w.status, sizeMatched: w.size_matched }, true)
    },
    onTrade(trade) {
      const ours = (id: string) => orders.has(id) || orders.has(id.toLowerCase())
      for (const f of tradeToFills(trade, deps.apiKey, now(), ours)) recordFill(f)
    },
    async resolveUnknowns() {
      if (!port) return
      await cancelUntracked()
      const t = now()
      const suspects = [...orders.values()].filter(
        (o) => o.status === 'unknown' || (o.status === 'pending' && t - o.createdAt > deps.notFoundGraceMs),
      )
      for (const o of suspects) if ((await lookUp(o.id)) === 'budget') return
    },
    adopt(list) {
      const t = now()
      for (const w of list) {
        if (orders.has(w.id)) continue
        const m = markets.get(w.market)
        const created = createTrackedOrder(
          {
            id: w.id,
            conditionId: w.market,
            tokenId: w.asset_id,
            side: w.side,
            price: w.price,
            size: w.original_size,
            layer: 0,
            quoteSide: m ? quoteSideOf(m, w.asset_id, w.side) : 'bid',
            quotedMid: -1,
          },
          t,
        )
        orders.set(w.id, created)
        apply(w.id, { kind: 'rest-order', order: { status: w.status, sizeMatched: w.size_matched } }, false)
        log.info(
          `adopted order ${w.side} ${w.original_size} ${nameToken(w.market, w.asset_id)} @ ${w.price}`,
          fields({ order_id: w.id, token_id: w.asset_id, condition_id: w.market }),
        )
      }
    },
    async reconcileOpen(exchangeOpen) {
      if (!port) return
      await cancelUntracked()
      const onExchange = new Map(exchangeOpen.map((w) => [w.id.toLowerCase(), w]))
      const strays: string[] = []
      for (const w of onExchange.values()) {
        const o = orders.get(w.id)
        if (o && isOpen(o.status)) {
          apply(w.id, { kind: 'rest-order', order: { status: w.status, sizeMatched: w.size_matched } }, true)
        } else strays.push(w.id)
      }
      if (strays.length > 0 && (await spend('delete-orders', deps.maxBudgetWaitMs)) === 0) {
        log.warn(`${strays.length} orders rest on the exchange that this process does not track: cancelling them`)
        try {
          await port.cancelOrders(strays)
          budget.onSuccess('delete-orders')
        } catch (err) {
          noteFailure(err, 'delete-orders')
        }
      }
      const t = now()
      for (const o of openOf()) {
        if (onExchange.has(o.id.toLowerCase()) || t - o.updatedAt < 5_000 || o.status === 'pending') continue
        if ((await lookUp(o.id)) === 'budget') break
      }
    },
    async cancelEverything(reason, deadlineMs) {
      stopping = true
      for (const cancelTimer of retries.values()) cancelTimer()
      retries.clear()
      // cancel-all below covers what they were to cancel.
      for (const r of cancelRetries.values()) r.stop()
      cancelRetries.clear()
      await Promise.allSettled([...inflight])
      const deadline = now() + deadlineMs
      if (!port) {
        await cancel(openOf(), reason, 0)
        return 0
      }
      for (let attempt = 0; ; attempt++) {
        try {
          // Waits for the budget until the deadline at most; then a last try beats leaving orders resting.
          await spend('cancel-all', Math.max(0, deadline - now()), true)
          const r = await port.cancelAll()
          budget.onSuccess('cancel-all')
          const canceled = new Set(r.canceled.map((x) => x.toLowerCase()))
          for (const o of openOf())
            if (canceled.has(o.id.toLowerCase())) apply(o.id, { kind: 'cancel-confirmed' }, false)
          // A POST that timed out may still land after the cancel-all: wait for it (up to the deadline) so the
          // check below sees it, and the loop cancels again.
          if (lateSubmits.size > 0) {
            const wait = Math.max(0, deadline - now())
            log.info(`waiting up to ${wait} ms for ${lateSubmits.size} timed-out POSTs before the last check`)
            const timer = new AbortController()
            await Promise.race([
              Promise.allSettled([...lateSubmits]),
              clock.sleep(wait, timer.signal).catch(() => undefined),
            ])
            timer.abort()
          }
          const still = await port.openOrders()
          if (still.length === 0) {
            // Nothing rests any more: whatever we still thought open was filled or never placed.
            for (const o of openOf()) apply(o.id, { kind: 'cancel-confirmed' }, false)
            log.info(`all orders cancelled (${reason})`)
            return 0
          }
          log.warn(`${still.length} orders still open after cancel-all (attempt ${attempt + 1})`)
        } catch (err) {
          const e = noteFailure(err, 'cancel-all')
          log.warn(`cancel-all failed (${e.kind}): ${e.message}`)
        }
        if (now() >= deadline) break
        await clock.sleep(Math.min(500 * 2 ** attempt, Math.max(0, deadline - now())))
      }
      const left = openOf().length
      log.error(`could not confirm every order cancelled before the deadline (${left} possibly open)`)
      return left
    },
    prune,
  }

  function prune(ageMs: number): void {
    const t = now()
    lastPrune = t
    for (const [id, o] of orders) {
      if (isTerminal(o.status) && t - o.updatedAt > ageMs) {
        orders.delete(id)
        unwantedCancelled.delete(id)
      }
    }
    for (const [key, at] of fillKeys) if (t - at > KEEP_FILL_KEYS_MS) fillKeys.delete(key)
  }

  function recordFill(f: Fill): void {
    const key = `${f.tradeId}|${f.orderId}|${f.tokenId}|${f.status}`
    if (fillKeys.has(key)) return
    fillKeys.set(key, now())
    const moved = account.applyFill(f)
    if (moved) deps.collateral?.onFill(f)
    events.emit({ type: 'fill', at: now(), fill: f })
    if (moved) {
      if (f.status !== 'FAILED') metrics.fill(f.side)
      metrics.inventory(f.tokenId, account.token(f.tokenId).shares)
      // The fill line for people is the daemon's (session log); this one keeps the executor's view at debug.
      log.debug(
        `${f.status === 'FAILED' ? 'reversed' : 'fill'} ${f.role} ${f.side} ${f.size} ${nameToken(f.conditionId, f.tokenId)} @ ${f.price}`,
        fields({ trade_id: f.tradeId, order_id: f.orderId, token_id: f.tokenId }),
      )
    }
    apply(f.orderId, { kind: 'trade', tradeId: f.tradeId, size: f.size, status: f.status }, true)
    deps.markDirty(f.conditionId)
  }
}
