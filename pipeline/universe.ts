import type { Market } from '../schemas/domain.ts'
import { foldEnrichOutputs, mergeSourceOutputs } from '../stages/combine.ts'
import type { EnrichOutput, SourceOutput } from '../stages/io.ts'
import type { BuiltPipeline, EngineServices } from './build.ts'
import type { QuotePlane } from './quote-plane.ts'

export interface UniverseOptions {
  /** First retry after a failure, ms; doubles up to retryMaxMs. */
  readonly retryMinMs: number
  readonly retryMaxMs: number
  readonly statusEveryMs: number
}

export interface Universe {
  /** Read sources, enrich, and apply the result. Never throws; a failure keeps the current selection. */
  refresh(reason: string): Promise<boolean>
  markets(): readonly Market[]
  /** Schedule periodic refreshes and status lines. */
  start(): void
  stop(): void
}

const short = (m: Market) => `${m.conditionId.slice(0, 10)}… ${m.question}`

/**
 * The universe plane: source → enrich → book subscriptions and execution tracking. Slow, serialized, and
 * conservative: a failing source or enricher keeps the current selection and retries with back-off; it never
 * empties the selection.
 */
export function createUniverse(
  services: EngineServices,
  current: () => BuiltPipeline,
  quotes: QuotePlane,
  opts: UniverseOptions,
): Universe {
  const { log, clock, events, metrics } = services
  let markets: readonly Market[] = []
  let loadedOnce = false
  let running: Promise<boolean> | undefined
  let again: string | undefined
  let failures = 0
  let cancelRefresh: (() => void) | undefined
  let cancelStatus: (() => void) | undefined
  let stopped = false

  function refreshEveryMs(p: BuiltPipeline): number {
    const all = p.source.map((s) => s.handler.refreshMs).filter((ms): ms is number => typeof ms === 'number' && ms > 0)
    return all.length > 0 ? Math.min(...all) : 15 * 60_000
  }

  function scheduleNext(ms: number) {
    cancelRefresh?.()
    if (stopped) return
    cancelRefresh = clock.setTimeout(() => void universe.refresh('scheduled'), ms)
  }

  async function readAndApply(reason: string): Promise<boolean> {
    const p = current()
    const signal = AbortSignal.timeout(120_000)
    let merged: SourceOutput
    let enriched: EnrichOutput
    try {
      const outputs: SourceOutput[] = []
      for (const s of p.source) outputs.push(await s.handler.run({ now: clock.now(), signal }))
      merged = mergeSourceOutputs(outputs)
      enriched = { markets: [], excluded: [] }
      for (const e of p.enrich) {
        const out = await e.handler.run({ rows: merged.rows, markets: enriched.markets, signal })
        enriched = foldEnrichOutputs(enriched, out)
      }
    } catch (err) {
      failures++
      const delay = Math.min(opts.retryMaxMs, opts.retryMinMs * 2 ** (failures - 1))
      log.warn(
        `market selection refresh (${reason}) failed; keeping the current ${markets.length} markets, retrying in ${Math.round(delay / 1000)}s: ${err instanceof Error ? err.message : String(err)}`,
      )
      scheduleNext(delay)
      return false
    }
    failures = 0
    for (const r of merged.rejected) log.warn(`selection: ${r.origin} left out: ${r.reason}`)
    for (const x of enriched.excluded) log.warn(`selection: ${x.origin} excluded: ${x.reason}`)

    const next = enriched.markets
    const before = new Map(markets.map((m) => [m.conditionId, m]))
    const after = new Map(next.map((m) => [m.conditionId, m]))
    const added = next.filter((m) => !before.has(m.conditionId))
    const removed = markets.filter((m) => !after.has(m.conditionId))

    if (!loadedOnce) log.info(`Initial market selection: ${next.length} markets loaded from source`)
    else if (added.length > 0 || removed.length > 0) {
      log.info('MARKET SELECTION CHANGE DETECTED - Updating trading configuration')
      if (added.length > 0) log.info(`Markets ADDED: [${added.map(short).join(', ')}]`)
      if (removed.length > 0) log.info(`Markets REMOVED: [${removed.map(short).join(', ')}]`)
    }

    // Order matters: stop quoting removed markets and cancel their orders before anything else moves.
    markets = next
    quotes.setMarkets(next)
    await p.execute.handler.track(next)
    await p.book.handler.track(next)
    metrics.core.marketsActive.set(next.length)
    if (!loadedOnce || added.length > 0 || removed.length > 0) {
      events.emit({
        type: 'selection',
        at: clock.now(),
        markets: next,
        added: added.map((m) => m.conditionId),
        removed: removed.map((m) => m.conditionId),
      })
      if (loadedOnce) logStatus('Market selection update complete:')
    }
    loadedOnce = true
    for (const m of added) quotes.markDirty(m.conditionId)
    scheduleNext(refreshEveryMs(p))
    return true
  }

  function logStatus(title: string) {
    const p = current()
    const books = [...p.book.handler.books()]
    const fresh = books.filter((b) => b.state === 'fresh').length
    const quoting = [...quotes.states()].filter((s) => s.pulledFor === undefined && s.quote !== undefined).length
    log.info(
      `${title}\n   - Active markets: ${markets.length}\n   - Market mappings: ${markets.length * 2} tokens, ${fresh} fresh books\n   - Trading strategies: ${quoting} quoting`,
    )
  }

  const universe: Universe = {
    async refresh(reason) {
      if (running) {
        again = reason // coalesce: one more pass after the current one
        return running
      }
      running = (async () => {
        let ok = await readAndApply(reason)
        while (again !== undefined && !stopped) {
          const r = again
          again = undefined
          ok = await readAndApply(r)
        }
        return ok
      })()
      try {
        return await running
      } finally {
        running = undefined
      }
    },
    markets: () => markets,
    start() {
      stopped = false
      cancelStatus = clock.setInterval(() => logStatus('Status:'), opts.statusEveryMs)
    },
    stop() {
      stopped = true
      cancelRefresh?.()
      cancelStatus?.()
    },
  }
  return universe
}
