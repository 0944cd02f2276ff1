import { fields } from '../../../pipeline/logger.ts'
import { marketLabel, tokenLabel } from '../../../pipeline/market-names.ts'
import type { Market, OrderIntent } from '../../../schemas/domain.ts'
import type { BookPair } from '../../../stages/io.ts'
import { unsignablePrice } from './amounts.ts'
import { notProcessed, postOutcome } from './exchange-port.ts'
import type { BatchResult, ExecutorCore } from './executor-core.ts'
import { fitBuysToCollateral } from './fit-buys.ts'
import { fitSellsToHoldings } from './fit-sells.ts'
import { createTrackedOrder, remaining, type SubmitOutcome, submitEvent } from './order-state.ts'
import type { Want } from './rate-budget.ts'

/**
 * Placing: a batch is fitted to the shares held and the pUSD free, every order is tracked (its id is the EIP-712
 * hash) before it is sent, and each answer settles its order. A timed-out POST may still answer late; that answer
 * settles what it carried if nothing else did first.
 */

/** At most one warning this often while BUYs are being cut for lack of pUSD (the debug lines say which). */
const COLLATERAL_WARN_EVERY_MS = 60_000

/** The book's tick, as the layer stage quoted on: it follows tick_size_change, the market's (Gamma) may lag. */
export function tokenTick(market: Market, books: BookPair, tokenId: string): number {
  const t = tokenId === market.noTokenId ? books.no.tickSize : books.yes.tickSize
  return t > 0 ? t : market.tickSize
}

export interface Placer {
  /** pUSD reserved by every BUY of the account that may rest (live, pending, unknown, cancel unconfirmed). */
  reservedUsd(): number
  /** pUSD BUYs may still use; undefined before the balance is known. Updates the gauge. */
  collateralFree(): number | undefined
  /** One POST /orders (≤ MAX_POST_BATCH); `done` counts the orders sent. */
  placeBatch(
    market: Market,
    books: BookPair,
    wanted: readonly OrderIntent[],
    quotedMid: number,
    want: Want,
  ): Promise<BatchResult>
}

export function createPlacer(core: ExecutorCore): Placer {
  const { deps, orders, now, apply, emitOrder, spend, retryLater, noteFailure, lateSubmits } = core
  const { port, factory, log, metrics, budget } = deps

  /**
   * Shares of `tokenId` held, settled, and not offered by an order that may rest (a cancel in flight still offers
   * them). Bought shares whose trade is only matched are not sellable yet: the exchange refuses the SELL (§7.5).
   */
  function freeShares(conditionId: string, tokenId: string): number {
    let offered = 0
    for (const o of orders.open(conditionId, 'SELL')) if (o.tokenId === tokenId) offered += remaining(o)
    return core.sellableShares(tokenId) - offered
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
          ' (shares sold, offered or not yet settled since the quote)',
      )
    }
    return fit.orders
  }

  /** Every market counts: the exchange reserves each resting BUY against one account balance. */
  function reservedUsd(): number {
    return orders.reservedBuyUsd()
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
    if (t - core.flags.lastCollateralWarn >= COLLATERAL_WARN_EVERY_MS) {
      core.flags.lastCollateralWarn = t
      const wanted = intents.reduce((s, o) => s + (o.side === 'BUY' ? o.price * o.size : 0), 0)
      log.warn(
        `quoting cut for lack of pUSD: ${fit.cut.length} BUYs cut or dropped on ${marketLabel(market)} ` +
          `(wanted ${wanted.toFixed(2)}, free ${Math.max(0, free).toFixed(2)}, reserved by resting BUYs ` +
          `${reservedUsd().toFixed(2)}); smaller sizes or fewer markets would quote in full`,
      )
    }
    return fit.orders
  }

  async function placeBatch(
    market: Market,
    books: BookPair,
    wanted: readonly OrderIntent[],
    quotedMid: number,
    want: Want,
  ): Promise<BatchResult> {
    let paid = 0
    if (port) {
      const paused = core.modeBlocks('post')
      if (paused > 0) {
        retryLater(market.conditionId, paused)
        return { done: 0, held: true }
      }
      const wait = await spend('orders', wanted.length, want, market.conditionId)
      if (wait > 0) {
        log.debug(`${marketLabel(market)}: rate budget spent, ${wanted.length} orders left for later`)
        retryLater(market.conditionId, wait)
        return { done: 0, held: true }
      }
      paid = wanted.length
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
    // Tokens were taken for the batch as asked; what fitting dropped is never sent.
    if (paid > intents.length) budget.refund('orders', paid - intents.length)
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
      budget.onSuccess('orders')
      core.modeCleared('post')
      for (const [i, outcome] of outcomes.entries()) settleSubmit(built[i]?.id, outcome, false)
      return { done: built.length, held: false }
    } catch (err) {
      const e = noteFailure(err, 'orders')
      if (notProcessed(e.kind)) {
        // The exchange did nothing with the batch: the orders do not exist, and are not rejections either (a
        // restart or a restricted mode refuses every order alike). The next run places again, once.
        core.noteMode(e)
        for (const b of built) withdraw(b.id, `not sent: ${e.kind}`)
        log.warn(`POST /orders not processed (${e.kind}) for ${built.length} orders: ${e.message}`)
        retryLater(market.conditionId, Math.max(core.modeBlocks('post'), budget.waitMs('orders', built.length)))
        return { done: 0, held: true }
      }
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
      return { done: built.length, held: false }
    }
  }

  /** An order the exchange never took: it leaves the open orders as withdrawn (terminal), not as a rejection. */
  function withdraw(id: string, reason: string): void {
    const o = orders.get(id)
    if (!o) return
    const out = { ...o, status: 'cancelled' as const, reason, updatedAt: now() }
    orders.set(id, out)
    emitOrder(out)
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
        `order ${o.side} ${o.size} ${core.nameToken(o.conditionId, o.tokenId)} @ ${o.price} rejected: ${event.reason}`,
        fields({ order_id: o.id, token_id: o.tokenId, condition_id: o.conditionId }),
      )
      deps.metrics.rejected?.(event.reason)
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

  return { reservedUsd, collateralFree, placeBatch }
}
