import type { Account } from '../../../pipeline/account.ts'
import type { Clock } from '../../../pipeline/clock.ts'
import type { EventBus } from '../../../pipeline/event-bus.ts'
import type { Logger } from '../../../pipeline/logger.ts'
import type { LiveOrder, Market, Side } from '../../../schemas/domain.ts'
import type { AccountShare } from '../../../stages/account-share.ts'
import type { ExecuteInput, ExecuteReport } from '../../../stages/io.ts'
import type { Collateral } from './collateral.ts'
import type { ExchangePort } from './exchange-port.ts'
import { createCanceller } from './executor-cancel.ts'
import { createExecutorCore, type ExchangeMode, type MarketWait, quoteSideOf, toLiveOrder } from './executor-core.ts'
import { createFillBook } from './executor-fills.ts'
import { createLookups } from './executor-lookup.ts'
import { createPlacer } from './executor-place.ts'
import { createMarketRun } from './executor-run.ts'
import { createStop } from './executor-stop.ts'
import type { OrderFactory } from './order-factory.ts'
import type { TrackedOrder } from './order-state.ts'
import type { OrderStore } from './order-store.ts'
import { type BucketState, type OrderBudget, PRIORITY } from './rate-budget.ts'
import type { RequestBudget } from './request-budget.ts'
import type { WireOrder, WireTrade } from './user-channel-wire.ts'

export { MAX_CANCEL_BATCH } from './executor-cancel.ts'
export { quoteSideOf } from './executor-core.ts'
export { MAX_POST_BATCH } from './executor-run.ts'

/**
 * The order lifecycle against the exchange. Every order is tracked from before it is sent (its id is the EIP-712
 * hash), so no outcome is ever lost: an ambiguous submit leaves it `unknown` and it still counts as resting until
 * an event, a late answer or `GET /data/order/<id>` settles it. A run follows the swap of diff-orders.ts step by
 * step: cancels first, each step only once the previous one is answered, places in batches under per-side caps
 * of what the layer stage asked for (the risk stage already capped that), counting every order that may rest
 * (live, pending, unknown, cancels not yet confirmed). A cancel that is not confirmed leaves its orders possibly
 * resting, so the run diffs again instead of placing what the failed cancel was to make room for.
 *
 * The parts: executor-core.ts (state, events, budget), executor-place.ts, executor-cancel.ts, executor-lookup.ts,
 * executor-run.ts (one market's run), executor-fills.ts, executor-stop.ts.
 */

export interface ExecutorMetrics {
  orderSent(side: Side): void
  fill(side: Side): void
  inventory(tokenId: string, shares: number): void
  rateLimited(): void
  /** pUSD BUYs may still use (balance − reserved − margin), set whenever it is computed. */
  collateralFree(usd: number): void
  /** How many markets wait for the rate budget now. */
  marketsWaiting(count: number): void
  /** An order the exchange refused, with its message. */
  rejected?(reason: string): void
  /** Orders confirmed cancelled, with why we cancelled them. */
  cancelled?(reason: string, count: number): void
}

/** What /status shows of the executor: the exchange's mode, the signer's buckets, and who waits for them. */
export interface ExecutorStatus {
  readonly exchangeMode: ExchangeMode
  /** ms until the paused actions are tried again (0 in normal mode). */
  readonly exchangeModeForMs: number
  readonly tier: string
  readonly buckets: { readonly orders: BucketState; readonly cancels: BucketState }
  readonly waiting: readonly ({ readonly conditionId: string } & MarketWait)[]
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
  /** The signer's order and cancel buckets (§7.2). */
  readonly budget: OrderBudget
  /** Per-IP request windows of the ledger endpoints; default the published limits. */
  readonly requestBudget?: RequestBudget
  /** Our API key: fills are recognised by it. */
  readonly apiKey: string
  /**
   * Markets this instance trades when several share the account (universe shard/of): a trade of another
   * instance's market is theirs, even though it names our funder. Default: every market.
   */
  readonly owns?: (conditionId: string) => boolean
  /**
   * The signer's buckets as every instance of it sees them (a database they share): tokens are taken there too,
   * after ours, so instances together never overspend the exchange's per-signer budget.
   */
  readonly sharedBudget?: () => AccountShare | undefined
  rules(): ExecutorRules
  markDirty(conditionId: string): void
  /** An unknown order not found this long after its submit is taken as never placed. */
  readonly notFoundGraceMs: number
  /** A run waits at most this long for the rate budget before leaving the market as it is. */
  readonly maxBudgetWaitMs: number
  /** The account's pUSD; undefined (dry run) leaves BUYs unfitted. */
  readonly collateral?: Collateral
  /** Where tracked orders are kept; default the per-market index (a bench passes a plain scan to compare). */
  readonly orderStore?: OrderStore
}

/** Terminal orders are kept this long for late events. */
const KEEP_TERMINAL_MS = 300_000
/** Runs prune at most this often (a dry run has no reconcile timer to do it). */
const PRUNE_EVERY_MS = 60_000

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
  /**
   * A trade of ours (user channel or REST back-fill). Fills matched before `seededBefore` (ms) are already in the
   * holdings seeded from the exchange: they are recorded (fill events, order state) without moving holdings again.
   */
  onTrade(trade: WireTrade, seededBefore?: number): void
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
  /** Cancel orders by id, tracked or not, in batches that fit the cancel bucket; resolves with those not confirmed. */
  cancelIds(ids: readonly string[], reason: string, maxWaitMs: number): Promise<number>
  /**
   * The exchange's settled balance of a token, read at `readStartedAt` (when the request was sent): SELLs never
   * offer more than that, less what we sold since.
   */
  setTokenBalance(tokenId: string, shares: number, readStartedAt: number): void
  status(): ExecutorStatus
  /** Whether (and for what) a market waits for the rate budget; undefined when it does not. */
  waitingFor(conditionId: string): MarketWait | undefined
}

export function createExecutor(deps: ExecutorDeps): Executor {
  const core = createExecutorCore(deps)
  const { orders, markets, flags, withMarket, now } = core
  const canceller = createCanceller(core)
  const placer = createPlacer(core)
  const lookups = createLookups(core, canceller)
  const fills = createFillBook(core)
  const runMarket = createMarketRun(core, placer, canceller)
  const cancelEverything = createStop(core, canceller)
  const { cancelMarket } = canceller

  return {
    async setMarkets(next) {
      flags.selected = true
      const ids = new Set(next.map((m) => m.conditionId))
      const removed = orders.openMarkets().filter((c) => !ids.has(c))
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
      if (now() - flags.lastPrune >= PRUNE_EVERY_MS) fills.prune(KEEP_TERMINAL_MS)
      return withMarket(input.market.conditionId, () => runMarket(input))
    },
    pull(market, reason) {
      return withMarket(market.conditionId, () => cancelMarket(market.conditionId, reason))
    },
    liveOrders(conditionId) {
      return core.openOf(conditionId).map(toLiveOrder)
    },
    tracked: () => [...orders.values()],
    reservedUsd: placer.reservedUsd,
    collateralFree: placer.collateralFree,
    onUserOrder: fills.onUserOrder,
    onTrade: fills.onTrade,
    resolveUnknowns: lookups.resolveUnknowns,
    adopt: lookups.adopt,
    reconcileOpen: lookups.reconcileOpen,
    cancelEverything,
    prune: fills.prune,
    async cancelIds(ids, reason, maxWaitMs) {
      if (ids.length === 0) return 0
      deps.log.info(`cancelling ${ids.length} orders (${reason})`)
      const r = await canceller.cancelIds(ids, { priority: PRIORITY.protect, maxWaitMs, throughBackoff: true })
      return ids.filter((id) => !r.canceled.has(id.toLowerCase())).length
    },
    status() {
      const mode = core.modeState()
      return {
        exchangeMode: mode.mode,
        exchangeModeForMs: mode.forMs,
        tier: deps.budget.tier().name,
        buckets: { orders: deps.budget.state('orders'), cancels: deps.budget.state('cancels') },
        waiting: [...core.waiting].map(([conditionId, w]) => ({ conditionId, ...w })),
      }
    },
    waitingFor: (conditionId) => core.waiting.get(conditionId),
    setTokenBalance(tokenId, shares, readStartedAt) {
      core.settled.set(tokenId, { shares, readStartedAt })
    },
  }
}
