import type { Market, OrderIntent, YesQuote } from '../schemas/domain.ts'
import { combineRiskVerdicts } from '../stages/combine.ts'
import type { Stage } from '../stages/index.ts'
import { type BookPair, isPull, marketTrades, type RiskVerdict } from '../stages/io.ts'
import type { BuiltPipeline, EngineServices, Instance } from './build.ts'
import type { Health } from './health.ts'
import { fairProblem, halfSpreadProblem, orderProblem, quoteProblem } from './output-checks.ts'
import { type RewardsScore, rewardsScoreOf } from './rewards.ts'

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
  /** Estimated liquidity-rewards score of `orders` (protocol §5); undefined on a market without rewards. */
  rewardsScore: RewardsScore | undefined
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
  /** Start no new computation (dirty marks are kept) until resume(): with idle(), a reload's quiet moment. */
  pause(): void
  resume(): void
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

/** An output the engine refuses is that plugin's error: counted, pulled and cooled down like a throw. */
function check(inst: Instance, problem: string | undefined): void {
  if (problem) throw new StageError(inst.entry.stage, inst.entry.def.name, new Error(`invalid output: ${problem}`))
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
export function createQuotePlane(
  services: EngineServices,
  current: () => BuiltPipeline,
  /** The operator's hold on a market (paused, halted), if any: it is pulled like any other reason. */
  heldFor: (conditionId: string) => string | undefined = () => undefined,
): QuotePlane {
  const slots = new Map<string, Slot>()
  const inFlight = new Set<Promise<void>>()
  /** Computations of removed slots still running, by market: a re-added market waits for them. */
  const draining = new Map<string, Promise<void>>()
  const { log, clock, metrics, events, resources } = services
  let closed = false
  let paused = false
  /** Markets that have had quotes out at least once in this run. */
  const quotedOnce = new Set<string>()

  /** `kind` is the metric label: a small fixed set (market, health, book, risk, error, or the pulling stage). */
  async function pullMarket(p: BuiltPipeline, slot: Slot, kind: string, reason: string) {
    const s = slot.state
    const changed = s.pulledFor !== reason
    s.pulledFor = reason
    s.orders = []
    if (s.rewardsScore) metrics.core.rewardsScore.set({ condition_id: s.market.conditionId }, 0)
    s.rewardsScore = undefined
    if (changed) {
      log[quotedOnce.has(s.market.conditionId) ? 'info' : 'debug'](
        `pull ${s.market.conditionId.slice(0, 10)}… (${s.market.question}): ${reason}`,
      )
      metrics.core.quotePulls.inc({ reason: kind })
      events.emit({ type: 'pull', at: clock.now(), conditionId: s.market.conditionId, reason })
    }
    await p.execute.handler.pull(s.market, reason)
  }

  async function computeOnce(slot: Slot, dirtySince: number | undefined): Promise<void> {
    const p = current() // one pipeline reference per computation: never a mix of old and new stages
    const s = slot.state
    const market = s.market
    const now = clock.now()
    s.computations++
    s.lastRunAt = now
    let failed = false
    try {
      const problem = marketProblem(market, resources.health, now)
      if (problem) return await pullMarket(p, slot, problem.includes(' down') ? 'health' : 'market', problem)
      const held = heldFor(market.conditionId)
      if (held) return await pullMarket(p, slot, 'operator', held)

      const books = call(p.book, () => p.book.handler.run({ market }))
      if (isPull(books)) return await pullMarket(p, slot, 'book', books.pull)
      const stale = bookProblem(books)
      if (stale) return await pullMarket(p, slot, 'book', stale)

      const trades = marketTrades(books)
      const fills = resources.account.fills().filter((f) => f.conditionId === market.conditionId)
      const fv = call(p.fairValue, () => p.fairValue.handler.run({ market, books, trades, fills, now }))
      if (isPull(fv)) return await pullMarket(p, slot, 'fair-value', fv.pull)
      check(p.fairValue, fairProblem(fv.fair))
      s.fair = fv.fair

      const spread = call(p.spread, () => p.spread.handler.run({ market, books, fair: fv.fair, trades, fills, now }))
      if (isPull(spread)) return await pullMarket(p, slot, 'spread', spread.pull)
      check(p.spread, halfSpreadProblem(spread.halfSpread))
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
      if (isPull(quote)) return await pullMarket(p, slot, 'skew', quote.pull)
      check(p.skew, quoteProblem(quote))

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
        if (isPull(v)) return await pullMarket(p, slot, 'risk', v.pull)
        verdicts.push(v)
      }
      const verdict = combineRiskVerdicts(verdicts)
      s.verdict = verdict
      if (verdict.state === 'HALTED') return await pullMarket(p, slot, 'risk', `risk HALTED: ${verdict.reason}`)

      const layered = call(p.layer, () => p.layer.handler.run({ market, books, quote, verdict, position, now }))
      if (isPull(layered)) return await pullMarket(p, slot, 'layer', layered.pull)
      // Never trust a layer plugin to have honoured a blocked side, the tick grid or the book.
      const orders = layered.orders.filter((o) => (o.quoteSide === 'bid' ? verdict.bid.allowed : verdict.ask.allowed))
      for (const o of orders) check(p.layer, orderProblem(market, books, o))
      s.quote = layered.quote
      s.orders = orders
      s.rewardsScore = rewardsScoreOf(market, books, orders)
      if (s.rewardsScore) metrics.core.rewardsScore.set({ condition_id: market.conditionId }, s.rewardsScore.score)
      // Until a market's first quote, "pulled" only means "starting": not news (the startup block lists it).
      if (s.pulledFor !== undefined && quotedOnce.has(market.conditionId))
        log.info(`quoting ${market.conditionId.slice(0, 10)}… (${market.question}) again`)
      quotedOnce.add(market.conditionId)
      s.pulledFor = undefined
      events.emit({ type: 'quote', at: now, conditionId: market.conditionId, quote: layered.quote })

      await callAsync(p.execute, () => p.execute.handler.run({ market, books, quote: layered.quote, orders, now }))
      if (dirtySince !== undefined) metrics.core.quoteLatency.observe((clock.now() - dirtySince) / 1000)
      metrics.core.quoteComputations.inc({ outcome: 'quoted' })
    } catch (err) {
      failed = true
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
        await pullMarket(
          p,
          slot,
          'error',
          `stage error in ${stageErr ? `${stageErr.stage}/${stageErr.plugin}` : 'engine'}`,
        )
      } catch (pullErr) {
        log.error(`market ${market.conditionId}: pulling quotes failed too:`, pullErr)
      }
    } finally {
      // Any computation that ran to an end (quoted or pulled for a reason) ends an error streak.
      if (!failed) {
        slot.errorStreak = 0
        slot.lastError = undefined
      }
    }
  }

  async function loop(slot: Slot) {
    const id = slot.state.market.conditionId
    try {
      do {
        slot.pending = false
        const since = slot.dirtySince
        slot.dirtySince = undefined // marks during this computation start a new latency measurement
        try {
          await computeOnce(slot, since)
        } catch (err) {
          // Only a failing logger gets here; the market must not freeze because of it.
          console.error(`quote plane: market ${id}:`, err)
        }
      } while (slot.pending && !closed && !paused && slot.errorStreak === 0 && slots.get(id) === slot)
    } finally {
      slot.running = undefined
    }
    if (closed || slots.get(id) !== slot) return
    // A failed market is retried when its cool-down ends even if nothing marks it dirty: a pull that failed
    // (say, a cancel during a network blip) must be tried again while the market is silent.
    if (slot.errorStreak > 0) slot.pending = true
    if (slot.pending && !paused) schedule(slot)
  }

  function schedule(slot: Slot) {
    if (closed) return
    slot.dirtySince ??= clock.now()
    slot.pending = true
    if (slot.running || paused) return
    const wait = slot.coolUntil - clock.now()
    if (wait > 0) {
      slot.cancelCoolTimer ??= clock.setTimeout(() => {
        slot.cancelCoolTimer = undefined
        if (slots.get(slot.state.market.conditionId) === slot) schedule(slot)
      }, wait)
      return
    }
    // Deferred to a microtask so a synchronous burst of updates lands before the computation reads state; and
    // after any computation of the same market by a slot it replaced (removed, then added back), never beside it.
    const id = slot.state.market.conditionId
    const run = (draining.get(id) ?? Promise.resolve()).then(() => loop(slot))
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
        const running = slot.running
        if (running) {
          draining.set(id, running)
          void running.finally(() => {
            if (draining.get(id) === running) draining.delete(id)
          })
        }
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
            rewardsScore: undefined,
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
    pause() {
      paused = true
    },
    resume() {
      paused = false
      for (const slot of slots.values()) if (slot.pending && !slot.running) schedule(slot)
    },
    close() {
      closed = true
      for (const slot of slots.values()) slot.cancelCoolTimer?.()
    },
  }
}
