import type { Market, OrderIntent, YesQuote } from '../schemas/domain.ts'
import { combineRiskVerdicts } from '../stages/combine.ts'
import type { Stage } from '../stages/index.ts'
import { type BookPair, isPull, type RiskVerdict } from '../stages/io.ts'
import type { BuiltPipeline, EngineServices, Instance } from './build.ts'
import type { Health } from './health.ts'

/** What the quote plane last decided for a market, for /status. */
export interface MarketQuoteState {
  readonly market: Market
  computations: number
  lastRunAt: number | undefined
  fair: number | undefined
  sigma: number | undefined
  quote: YesQuote | undefined
  verdict: RiskVerdict | undefined
  orders: readonly OrderIntent[]
  /** Why the market has no quotes now; undefined while quoting. */
  pulledFor: string | undefined
}

export interface QuotePlane {
  /** Recompute a market soon. A burst of calls yields one computation on the latest state. */
  markDirty(conditionId: string): void
  markAllDirty(): void
  setMarkets(markets: readonly Market[]): void
  state(conditionId: string): MarketQuoteState | undefined
  states(): Iterable<MarketQuoteState>
  /** Resolves when no market is being computed (the boundary a reload swaps at). */
  idle(): Promise<void>
  /** Stop scheduling new computations (shutdown). */
  close(): void
}

interface Slot {
  state: MarketQuoteState
  running: Promise<void> | undefined
  pending: boolean
  dirtySince: number | undefined
  /** Consecutive stage errors; each one doubles the cool-down before the market is computed again. */
  errorStreak: number
  lastError: string | undefined
  coolUntil: number
  cancelCoolTimer: (() => void) | undefined
}

/** After a stage error a market rests before it is recomputed, so a broken plugin cannot spin the CPU or the log. */
const ERROR_COOLDOWN_MIN_MS = 500
const ERROR_COOLDOWN_MAX_MS = 30_000

class StageError extends Error {
  constructor(
    readonly stage: Stage,
    readonly plugin: string,
    readonly error: unknown,
  ) {
    super(`${stage}/${plugin}: ${error instanceof Error ? error.message : String(error)}`)
  }
}

function call<T>(inst: Instance, fn: () => T): T {
  try {
    return fn()
  } catch (err) {
    throw new StageError(inst.entry.stage, inst.entry.def.name, err)
  }
}

async function callAsync<T>(inst: Instance, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn()
  } catch (err) {
    throw new StageError(inst.entry.stage, inst.entry.def.name, err)
  }
}

/** Why a book may not be quoted on, or undefined when both sides are fresh. */
function bookProblem(books: BookPair): string | undefined {
  for (const [name, b] of [
    ['YES', books.yes],
    ['NO', books.no],
  ] as const) {
    if (b.state !== 'fresh') return `${name} book ${b.state}${b.stateReason ? `: ${b.stateReason}` : ''}`
  }
  return undefined
}

function marketProblem(market: Market, health: Health, now: number): string | undefined {
  if (market.closed) return 'market closed'
  if (!market.acceptingOrders) return 'market not accepting orders'
  if (market.endDate !== undefined && market.endDate <= now) return 'market past its end date'
  const down = health.firstDown()
  if (down) return `${down.name} down${down.reason ? `: ${down.reason}` : ''}`
  return undefined
}

/**
 * The per-market quote plane: book → fair-value → spread → skew → risk → layer → execute, coalesced per market,
 * each market independent of the others. A throwing stage pulls that market's quotes and is counted; the
 * daemon keeps running. Safety checks that must not depend on a plugin remembering them (stale book, lost
 * connection, closed market, a HALTED or side-blocked verdict) are enforced here too.
 */
export function createQuotePlane(services: EngineServices, current: () => BuiltPipeline): QuotePlane {
  const slots = new Map<string, Slot>()
  const inFlight = new Set<Promise<void>>()
  const { log, clock, metrics, events, resources } = services
  let closed = false

  async function pullMarket(p: BuiltPipeline, slot: Slot, reason: string) {
    const s = slot.state
    const changed = s.pulledFor !== reason
    s.pulledFor = reason
    s.orders = []
    if (changed) {
      log.info(`pull ${s.market.conditionId.slice(0, 10)}… (${s.market.question}): ${reason}`)
      metrics.core.quotePulls.inc({ reason: reason.split(':')[0]?.slice(0, 40) ?? 'unknown' })
      events.emit({ type: 'pull', at: clock.now(), conditionId: s.market.conditionId, reason })
    }
    await p.execute.handler.pull(s.market, reason)
  }

  async function computeOnce(slot: Slot): Promise<void> {
    const p = current() // one pipeline reference per computation: never a mix of old and new stages
    const s = slot.state
    const market = s.market
    const now = clock.now()
    s.computations++
    s.lastRunAt = now
    try {
      const problem = marketProblem(market, resources.health, now)
      if (problem) return await pullMarket(p, slot, problem)

      const books = call(p.book, () => p.book.handler.run({ market }))
      if (isPull(books)) return await pullMarket(p, slot, books.pull)
      const stale = bookProblem(books)
      if (stale) return await pullMarket(p, slot, stale)

      const fv = call(p.fairValue, () => p.fairValue.handler.run({ market, books, now }))
      if (isPull(fv)) return await pullMarket(p, slot, fv.pull)
      s.fair = fv.fair

      const spread = call(p.spread, () => p.spread.handler.run({ market, books, fair: fv.fair, now }))
      if (isPull(spread)) return await pullMarket(p, slot, spread.pull)
      s.sigma = spread.sigma

      const position = resources.account.position(market)
      const quote = call(p.skew, () =>
        p.skew.handler.run({
          market,
          fair: fv.fair,
          halfSpread: spread.halfSpread,
          position,
          capitalUsd: resources.capitalUsd,
          now,
        }),
      )
      if (isPull(quote)) return await pullMarket(p, slot, quote.pull)

      const verdicts: RiskVerdict[] = []
      for (const r of p.risk) {
        const v = call(r, () =>
          r.handler.run({
            market,
            books,
            quote,
            position,
            capitalUsd: resources.capitalUsd,
            health: resources.health,
            now,
          }),
        )
        if (isPull(v)) return await pullMarket(p, slot, v.pull)
        verdicts.push(v)
      }
      const verdict = combineRiskVerdicts(verdicts)
      s.verdict = verdict
      if (verdict.state === 'HALTED') return await pullMarket(p, slot, `risk HALTED: ${verdict.reason}`)

      const layered = call(p.layer, () => p.layer.handler.run({ market, books, quote, verdict, position, now }))
      if (isPull(layered)) return await pullMarket(p, slot, layered.pull)
      // Never trust a layer plugin to have honoured a blocked side.
      const orders = layered.orders.filter((o) => (o.quoteSide === 'bid' ? verdict.bid.allowed : verdict.ask.allowed))
      s.quote = layered.quote
      s.orders = orders
      if (s.pulledFor !== undefined) log.info(`quoting ${market.conditionId.slice(0, 10)}… again`)
      s.pulledFor = undefined
      events.emit({ type: 'quote', at: now, conditionId: market.conditionId, quote: layered.quote })

      await callAsync(p.execute, () => p.execute.handler.run({ market, books, quote: layered.quote, orders, now }))
      if (slot.dirtySince !== undefined) metrics.core.quoteLatency.observe((clock.now() - slot.dirtySince) / 1000)
      metrics.core.quoteComputations.inc({ outcome: 'quoted' })
      slot.errorStreak = 0
      slot.lastError = undefined
    } catch (err) {
      const stageErr = err instanceof StageError ? err : undefined
      metrics.core.stageErrors.inc({ stage: stageErr?.stage ?? 'engine', plugin: stageErr?.plugin ?? 'engine' })
      metrics.core.quoteComputations.inc({ outcome: 'error' })
      const message = stageErr?.message ?? String(err)
      slot.errorStreak++
      const cooldown = Math.min(ERROR_COOLDOWN_MAX_MS, ERROR_COOLDOWN_MIN_MS * 2 ** (slot.errorStreak - 1))
      slot.coolUntil = clock.now() + cooldown
      // The same error again is logged at debug: the first occurrence and the counter say enough.
      log[message === slot.lastError ? 'debug' : 'error'](
        `market ${market.conditionId} (${market.question}): ${message}${slot.errorStreak > 1 ? ` (${slot.errorStreak} in a row; retrying in ${cooldown} ms)` : ''}`,
      )
      slot.lastError = message
      try {
        await pullMarket(p, slot, `stage error in ${stageErr ? `${stageErr.stage}/${stageErr.plugin}` : 'engine'}`)
      } catch (pullErr) {
        log.error(`market ${market.conditionId}: pulling quotes failed too:`, pullErr)
      }
    }
  }

  async function loop(slot: Slot) {
    do {
      slot.pending = false
      await computeOnce(slot)
      slot.dirtySince = slot.pending ? clock.now() : undefined
    } while (slot.pending && !closed && slot.errorStreak === 0 && slots.get(slot.state.market.conditionId) === slot)
    slot.running = undefined
    // A failed market that was marked dirty meanwhile waits out its cool-down.
    if (slot.pending && slot.errorStreak > 0 && !closed) schedule(slot)
  }

  function schedule(slot: Slot) {
    if (closed) return
    slot.dirtySince ??= clock.now()
    if (slot.running) {
      slot.pending = true
      return
    }
    const wait = slot.coolUntil - clock.now()
    if (wait > 0) {
      slot.cancelCoolTimer ??= clock.setTimeout(() => {
        slot.cancelCoolTimer = undefined
        if (slots.get(slot.state.market.conditionId) === slot) schedule(slot)
      }, wait)
      return
    }
    slot.pending = true
    // Deferred to a microtask so a synchronous burst of updates lands before the computation reads state.
    const run = Promise.resolve().then(() => loop(slot))
    slot.running = run
    inFlight.add(run)
    void run.finally(() => inFlight.delete(run))
  }

  return {
    markDirty(conditionId) {
      const slot = slots.get(conditionId)
      if (slot) schedule(slot)
    },
    markAllDirty() {
      for (const slot of slots.values()) schedule(slot)
    },
    setMarkets(markets) {
      const next = new Set(markets.map((m) => m.conditionId))
      for (const [id, slot] of slots) {
        if (next.has(id)) continue
        slot.cancelCoolTimer?.()
        slots.delete(id)
      }
      for (const market of markets) {
        const existing = slots.get(market.conditionId)
        if (existing) {
          ;(existing.state as { market: Market }).market = market
          continue
        }
        slots.set(market.conditionId, {
          state: {
            market,
            computations: 0,
            lastRunAt: undefined,
            fair: undefined,
            sigma: undefined,
            quote: undefined,
            verdict: undefined,
            orders: [],
            pulledFor: undefined,
          },
          running: undefined,
          pending: false,
          dirtySince: undefined,
          errorStreak: 0,
          lastError: undefined,
          coolUntil: 0,
          cancelCoolTimer: undefined,
        })
      }
    },
    state: (id) => slots.get(id)?.state,
    *states() {
      for (const slot of slots.values()) yield slot.state
    },
    async idle() {
      while (inFlight.size > 0) await Promise.all([...inFlight])
    },
    close() {
      closed = true
      for (const slot of slots.values()) slot.cancelCoolTimer?.()
    },
  }
}
