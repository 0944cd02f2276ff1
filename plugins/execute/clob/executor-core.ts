import { marketLabel, tokenLabel } from '../../../pipeline/market-names.ts'
import type { LiveOrder, Market, QuoteSide, Side } from '../../../schemas/domain.ts'
import { ExchangeError } from './exchange-port.ts'
import type { ExecutorDeps } from './executor.ts'
import { applyOrderEvent, type OrderEvent, type TrackedOrder } from './order-state.ts'
import { createOrderStore, type OrderStore } from './order-store.ts'
import { type BucketName, PRIORITY, type Want } from './rate-budget.ts'
import { createRequestBudget, type Endpoint, parseRetryAfter, type RequestBudget } from './request-budget.ts'

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

export interface MarketWait {
  readonly bucket: BucketName
  readonly orders: number
  /** ms: since when the market waits, and how long the budget said it needs. */
  readonly since: number
  readonly waitMs: number
  /** PRIORITY of what waits: a first placement outranks every requote. */
  readonly priority: number
}

/** What the exchange takes right now (§7.6): a restart takes nothing, cancel-only no posts, post-only post-only posts. */
export type ExchangeMode = 'normal' | 'restarting' | 'cancel-only' | 'post-only'

export interface ModeState {
  readonly mode: ExchangeMode
  /** ms until the next probe; 0 in normal mode. */
  readonly forMs: number
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
   * Takes `cost` tokens of the signer's `bucket` (orders or cancels), waiting in priority order up to
   * `want.maxWaitMs`. Returns 0 when taken, otherwise how long until the budget would allow it (nothing taken).
   * A back-off after a 429 is not waited out unless `want.throughBackoff`: the run ends and a retry is scheduled.
   * A market whose run is held this way is listed as waiting until its next batch goes out.
   */
  spend(bucket: BucketName, cost: number, want: Want, conditionId?: string): Promise<number>
  /** One ledger request (GET /data/order) under the per-IP request budget; 0 when allowed now. */
  spendLedger(endpoint: Endpoint): number
  readonly requests: RequestBudget
  noteFailure(err: unknown, bucket: BucketName | Endpoint): ExchangeError
  /**
   * BUY fills matched but not yet settled, per token (fill key → shares): the exchange does not let a SELL use
   * those shares until the trade is mined (§7.5), so SELLs are sized without them.
   */
  readonly unsettled: Map<string, Map<string, number>>
  unsettledShares(tokenId: string): number
  /** Shares of a token the exchange lets us sell now: held and settled, at most its settled balance read. */
  sellableShares(tokenId: string): number
  /**
   * The exchange's settled balance per token (GET /balance-allowance, CONDITIONAL or CONDITIONAL-V2), less our SELL
   * fills seen since the read was sent: the most a SELL may offer. Absent until read.
   */
  readonly settled: Map<string, { shares: number; readStartedAt: number }>
  /** Markets whose orders wait for the rate budget, with what they wait for. */
  readonly waiting: Map<string, MarketWait>
  /** ms until the exchange's mode lets `action` through again (0 = now); nothing is sent before. */
  modeBlocks(action: 'post' | 'cancel'): number
  /** A refusal for a restart or a restricted mode pauses what it refuses; true when `e` was one. */
  noteMode(e: ExchangeError): boolean
  /** An answered request of `action`: a pause that refused it is over. */
  modeCleared(action: 'post' | 'cancel'): void
  modeState(): ModeState
  /** A run held back by the rate budget asks for another once the budget allows (one timer per market). */
  retryLater(conditionId: string, waitMs: number): void
  openOf(conditionId?: string): TrackedOrder[]
  /** `"Will X…?" YES` for a token of a market we trade (ids go to the JSON fields of the log record). */
  nameToken(conditionId: string, tokenId: string): string
  nameMarket(conditionId: string): string
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
  const requests = deps.requestBudget ?? createRequestBudget(() => clock.now())
  const waiting = new Map<string, MarketWait>()
  const unsettled = new Map<string, Map<string, number>>()
  const settled = new Map<string, { shares: number; readStartedAt: number }>()
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

  /** The same tokens from the signer's shared buckets (other instances of it); on refusal ours go back. */
  async function spendShared(bucket: BucketName, cost: number): Promise<number> {
    const share = deps.sharedBudget?.()
    if (!share) return 0
    const limit = budget.tier()[bucket]
    try {
      const wait = await share.reserve(
        { signer: deps.factory.signerAddress, bucket, ratePerSec: limit.perSec * budget.safety(), burst: limit.burst },
        cost,
      )
      if (wait > 0) budget.refund(bucket, cost)
      return wait
    } catch (err) {
      // The shared database is away: the local budget alone paces us (and the exchange's 429s), rather than
      // stopping protective cancels. Said once a minute.
      if (now() - sharedWarnedAt > 60_000) {
        sharedWarnedAt = now()
        log.warn(`shared rate budget not reachable, spending the local one alone: ${(err as Error).message}`)
      }
      return 0
    }
  }
  let sharedWarnedAt = Number.NEGATIVE_INFINITY

  /**
   * Markets whose first placement waits, per bucket (id → when it last asked): while any asked recently, requotes
   * leave them the tokens. A market that stops asking (pulled, deselected) no longer counts after FIRST_FRESH_MS.
   */
  const firstWaiting = { orders: new Map<string, number>(), cancels: new Map<string, number>() }
  const REQUOTE_YIELD_MS = 250
  const FIRST_FRESH_MS = 5_000
  function firstPending(bucket: BucketName, except: string | undefined): boolean {
    const t = now()
    for (const [id, at] of firstWaiting[bucket]) {
      if (t - at > FIRST_FRESH_MS) firstWaiting[bucket].delete(id)
      else if (id !== except) return true
    }
    return false
  }

  async function spend(bucket: BucketName, cost: number, want: Want, conditionId?: string): Promise<number> {
    // A market with nothing resting must not starve behind the others' requotes: a first placement waiting for
    // the budget (it may have timed out of the queue and be retrying) takes the tokens before any requote does.
    let wait =
      want.priority >= PRIORITY.requote && firstPending(bucket, conditionId)
        ? Math.max(REQUOTE_YIELD_MS, budget.waitMs(bucket, cost))
        : await budget.acquire(bucket, cost, want)
    if (wait === 0) wait = await spendShared(bucket, cost)
    if (conditionId !== undefined) {
      if (wait > 0 && want.priority === PRIORITY.initial) firstWaiting[bucket].set(conditionId, now())
      else if (wait === 0 || want.priority !== PRIORITY.initial) firstWaiting[bucket].delete(conditionId)
      const before = waiting.get(conditionId)
      if (wait === 0) waiting.delete(conditionId)
      else
        waiting.set(conditionId, {
          bucket,
          orders: cost,
          since: before?.since ?? now(),
          waitMs: wait,
          priority: want.priority,
        })
      if ((before === undefined) !== (wait === 0)) metrics.marketsWaiting(waiting.size)
    }
    return wait
  }

  function spendLedger(endpoint: Endpoint): number {
    const grant = requests.tryAcquire(endpoint)
    return grant.ok ? 0 : grant.waitMs
  }

  function noteFailure(err: unknown, bucket: BucketName | Endpoint): ExchangeError {
    const e = err instanceof ExchangeError ? err : new ExchangeError(String(err), 'ambiguous')
    if (e.kind === 'rate-limited') {
      const ms =
        bucket === 'orders' || bucket === 'cancels'
          ? budget.onThrottled(bucket, e.retryAfter)
          : requests.onThrottled(bucket, e.retryAfter)
      metrics.rateLimited()
      log.warn(`rate limited (429) on ${bucket}: backing off ${ms} ms`)
    }
    return e
  }

  let mode: ExchangeMode = 'normal'
  let modeUntil = 0
  let modeStreak = 0
  /** Pauses of a restart or restricted mode: the exchange's Retry-After, else doubling from 1 s to 30 s. */
  const MODE_PAUSE_MS = 1000
  const MODE_PAUSE_MAX_MS = 30_000

  function modeBlocks(action: 'post' | 'cancel'): number {
    const left = Math.max(0, modeUntil - now())
    if (mode === 'normal' || left === 0) return 0
    if (mode === 'restarting') return left
    if (action === 'cancel') return 0
    if (mode === 'cancel-only') return left
    return deps.rules().postOnly ? 0 : left
  }

  function noteMode(e: ExchangeError): boolean {
    const next: ExchangeMode | undefined =
      e.kind === 'restarting'
        ? 'restarting'
        : e.kind === 'cancel-only'
          ? 'cancel-only'
          : e.kind === 'post-only-mode'
            ? 'post-only'
            : undefined
    if (!next) return false
    const told = parseRetryAfter(e.retryAfter, now())
    // Requests sent together at the end of a pause are answered together: their refusals are one probe, not one
    // each (five markets' cancels once doubled the pause five times, to 30 s, while the orders went on filling).
    if (mode === next && now() < modeUntil) {
      if (told !== undefined) modeUntil = Math.max(modeUntil, now() + told)
      return true
    }
    modeStreak = mode === next ? modeStreak + 1 : 1
    const pause = told ?? Math.min(MODE_PAUSE_MAX_MS, MODE_PAUSE_MS * 2 ** (modeStreak - 1))
    if (mode !== next)
      log.warn(`exchange ${next.replace('-', ' ')}: pausing what it refuses, probing again in ${pause} ms`)
    mode = next
    modeUntil = now() + pause
    return true
  }

  function modeCleared(action: 'post' | 'cancel'): void {
    if (mode === 'normal') return
    // A cancel getting through ends a restart, not a mode that refuses posts.
    if (action === 'cancel' && mode !== 'restarting') return
    log.info(`exchange back to normal (was ${mode})`)
    mode = 'normal'
    modeUntil = 0
    modeStreak = 0
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
  const unsettledShares = (tokenId: string) => {
    let n = 0
    for (const v of unsettled.get(tokenId)?.values() ?? []) n += v
    return n
  }
  const markets = new Map<string, Market>()
  const nameToken = (conditionId: string, tokenId: string) => {
    const m = markets.get(conditionId)
    return m ? tokenLabel(m, tokenId) : `token ${tokenId.slice(0, 10)}…`
  }
  const nameMarket = (conditionId: string) => {
    const m = markets.get(conditionId)
    return m ? marketLabel(m) : `${conditionId.slice(0, 10)}…`
  }

  return {
    deps,
    orders,
    markets,
    nameToken,
    nameMarket,
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
    spendLedger,
    requests,
    noteFailure,
    waiting,
    unsettled,
    settled,
    unsettledShares,
    sellableShares(tokenId) {
      const held = deps.account.token(tokenId).shares - unsettledShares(tokenId)
      return Math.min(held, settled.get(tokenId)?.shares ?? Number.POSITIVE_INFINITY)
    },
    modeBlocks,
    noteMode,
    modeCleared,
    modeState: () => ({ mode, forMs: mode === 'normal' ? 0 : Math.max(0, modeUntil - now()) }),
    retryLater,
    openOf,
  }
}
