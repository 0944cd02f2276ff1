import type { Market } from '../../../schemas/domain.ts'
import type { BookPair, ExecuteInput, ExecuteReport } from '../../../stages/io.ts'
import { gridTick } from '../../quoting-math/grid.ts'
import {
  DEFAULT_DIFF_CONFIG,
  type DiffConfig,
  type DiffResult,
  desiredExposureCaps,
  diffOrders,
  type SwapStep,
  yesMid,
} from './diff-orders.ts'
import type { ExecutorRules } from './executor.ts'
import { type Canceller, MAX_CANCEL_BATCH } from './executor-cancel.ts'
import type { ExecutorCore } from './executor-core.ts'
import type { Placer } from './executor-place.ts'
import { fitSellsToHoldings } from './fit-sells.ts'
import type { TrackedOrder } from './order-state.ts'
import { PRIORITY, type Want } from './rate-budget.ts'

/**
 * One market's run: diff what the layer stage asked for against what may rest, then follow the swap step by step
 * (cancels first, each step only once the previous one is answered). A cancel not confirmed leaves its orders
 * possibly resting, so the run diffs again instead of placing what the failed cancel was to make room for.
 */

export const MAX_POST_BATCH = 15
/** Diff passes per run: the first, plus re-diffs after cancels that were not confirmed. */
const MAX_PASSES = 3

function diffConfig(
  market: Market,
  books: BookPair,
  rules: ExecutorRules,
  burst: { readonly orders: number; readonly cancels: number },
): DiffConfig {
  return {
    ...DEFAULT_DIFF_CONFIG,
    tickSize: gridTick(market, books),
    requoteMidTicks: rules.requoteMidTicks,
    requoteQueueLevels: rules.requoteQueueLevels,
    orderMaxAgeMs: rules.orderMaxAgeMs,
    maxPlaceBatch: Math.max(1, Math.min(MAX_POST_BATCH, burst.orders)),
    maxCancelBatch: Math.max(1, Math.min(MAX_CANCEL_BATCH, burst.cancels)),
  }
}

/** Ticks an adopted order (quoted at no known mid) counts as away from where it should be. */
const UNKNOWN_DISTANCE_TICKS = 100

/**
 * How a run spends the rate budget when it binds: a run that pulls everything cancels as a protective cancel; a
 * market with nothing resting places as an initial placement; a requote ranks by how far its resting quotes are
 * from the mid now, in ticks.
 */
export function runWants(
  open: readonly TrackedOrder[],
  pulling: boolean,
  mid: number,
  tick: number,
  maxWaitMs: number,
): { readonly cancel: Want; readonly place: Want } {
  let distance = 0
  for (const o of open)
    distance = Math.max(distance, o.quotedMid < 0 ? UNKNOWN_DISTANCE_TICKS : Math.abs(mid - o.quotedMid) / tick)
  return {
    cancel: { priority: pulling ? PRIORITY.protect : PRIORITY.requoteCancel, distance, maxWaitMs },
    place:
      open.length === 0
        ? { priority: PRIORITY.initial, maxWaitMs }
        : { priority: PRIORITY.requote, distance, maxWaitMs },
  }
}

export function createMarketRun(
  core: ExecutorCore,
  placer: Placer,
  canceller: Canceller,
): (input: ExecuteInput) => Promise<ExecuteReport> {
  const { deps, orders, markets, flags, retryLater } = core
  const { log, budget } = deps
  const { placeBatch } = placer
  const { cancel, cancelProtective, cancelUnwantedUnknown } = canceller

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
    wants: { readonly cancel: Want; readonly place: Want },
  ): Promise<StepsResult> {
    let placed = 0
    let cancelled = 0
    for (const step of steps) {
      if (step.kind === 'cancel') {
        const targets = step.orders.map((o) => orders.get(o.id)).filter((o): o is TrackedOrder => o !== undefined)
        const r = await cancel(targets, 'requote', wants.cancel)
        cancelled += r.done
        if (r.held) {
          retryLater(
            market.conditionId,
            Math.max(
              core.modeBlocks('cancel'),
              budget.waitMs('cancels', Math.min(targets.length, budget.burst('cancels'))),
            ),
          )
          return { placed, cancelled, end: 'held' }
        }
        // What the places were to take the room of may still rest: diff again from what is known now.
        if (r.done < targets.length) return { placed, cancelled, end: 'rediff' }
      } else {
        const r = await placeBatch(market, books, step.orders, quotedMid, wants.place)
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
    if (what.length > 0) log.debug(`${core.nameMarket(conditionId)} requote: ${what.join('; ')}`)
  }

  async function runMarket(input: ExecuteInput): Promise<ExecuteReport> {
    const { market, books } = input
    const open = core.openOf(market.conditionId)
    if (flags.stopping) return { placed: 0, cancelled: 0, kept: open.length }
    if (!markets.has(market.conditionId) || market.closed || !market.acceptingOrders) {
      const r = await cancelProtective(market.conditionId, open, 'market not tradable')
      return { placed: 0, cancelled: r.done, kept: 0 }
    }
    const mid = yesMid(books) ?? input.quote.fair
    const config = diffConfig(market, books, deps.rules(), {
      orders: budget.burst('orders'),
      cancels: budget.burst('cancels'),
    })
    // SELLs wanted beyond what may be sold now (bought shares not settled yet, §7.5) are cut before the diff: a kept
    // order is then compared with what can really rest, instead of being replaced on every run by one cut again.
    const desired = fitSellsToHoldings(input.orders, core.sellableShares, market.minOrderSize).orders
    const exposureCaps = desiredExposureCaps(desired, config.sizeTolerance)
    const wants = runWants(open, desired.length === 0, mid, config.tickSize, deps.maxBudgetWaitMs)
    let placed = 0
    let cancelled = 0
    let kept = 0
    for (let pass = 1; ; pass++) {
      const diff = diffOrders({
        desired,
        live: core.openOf(market.conditionId),
        books: [books.yes, books.no],
        mid,
        now: input.now,
        config,
        exposureCaps,
      })
      logDiff(market.conditionId, diff)
      kept = diff.keep.length
      const r = await runSteps(market, books, diff.steps, mid, wants)
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

  return runMarket
}
