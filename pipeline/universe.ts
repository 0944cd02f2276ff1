import type { Market } from '../schemas/domain.ts'
import { foldEnrichOutputs, type MergedSources, mergeSourceOutputs } from '../stages/combine.ts'
import type { EnrichOutput, SourceOutput } from '../stages/io.ts'
import type { BuiltPipeline, EngineServices } from './build.ts'
import type { QuotePlane } from './quote-plane.ts'
import { diffSelection, formatSelectionChange, formatSelectionStatus, type SelectionStatus } from './selection-log.ts'
import { shardOf } from './shard.ts'

export interface UniverseOptions {
  /** First retry after a failure, ms; doubles up to retryMaxMs. */
  readonly retryMinMs: number
  readonly retryMaxMs: number
  readonly statusEveryMs: number
  /** This instance's part of the market list (universe.shard / universe.of); absent or of 1: every market. */
  readonly shard?: { readonly index: number; readonly of: number }
}

export interface Universe {
  /** Read sources, enrich, and apply the result. Never throws; a failure keeps the current selection. */
  refresh(reason: string): Promise<boolean>
  markets(): readonly Market[]
  /** What the last successful read of the sources found: rows listed, and the rows enrichment left out. */
  lastRead(): SelectionRead | undefined
  /** Schedule periodic refreshes and status lines. */
  start(): void
  /** No more refreshes; resolves once an in-flight one has finished applying. */
  stop(): Promise<void>
}

export interface SelectionRead {
  readonly rows: number
  readonly excluded: readonly { readonly origin: string; readonly reason: string }[]
  readonly markets: number
}

/**
 * Why starting on this selection is pointless, or undefined: the market list has rows, yet the exchange knows
 * none of them (say, markets.csv of the default scenario while the simulator runs another). Running idle
 * would look like a quiet market; failing says what is wrong.
 */
export function noMarketOnExchange(read: SelectionRead | undefined, exchange: string): string | undefined {
  if (!read || read.rows === 0 || read.markets > 0 || read.excluded.length === 0) return undefined
  if (!read.excluded.every((e) => /not found/i.test(e.reason))) return undefined
  const first = read.excluded[0]
  return (
    `the market list names none of the exchange's markets: ${read.rows} listed, none found on the ${exchange} exchange` +
    ` (${first?.origin}: ${first?.reason})` +
    (exchange === 'sim' ? "; the sim-markets source lists the simulator's own markets, whatever the scenario" : '')
  )
}

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
  let lastRead: SelectionRead | undefined
  let loadedOnce = false
  let running: Promise<boolean> | undefined
  let again: string | undefined
  let failures = 0
  let cancelRefresh: (() => void) | undefined
  let cancelStatus: (() => void) | undefined
  let stopped = false
  const stopController = new AbortController()

  function refreshEveryMs(p: BuiltPipeline): number {
    const all = p.source.map((s) => s.handler.refreshMs).filter((ms): ms is number => typeof ms === 'number' && ms > 0)
    return all.length > 0 ? Math.min(...all) : 15 * 60_000
  }

  function scheduleNext(ms: number) {
    cancelRefresh?.()
    if (stopped) return
    cancelRefresh = clock.setTimeout(() => void universe.refresh('scheduled'), ms)
  }

  function retryLater(what: string, err: unknown): false {
    failures++
    const delay = Math.min(opts.retryMaxMs, opts.retryMinMs * 2 ** (failures - 1))
    log.warn(`${what}, retrying in ${Math.round(delay / 1000)}s: ${err instanceof Error ? err.message : String(err)}`)
    scheduleNext(delay)
    return false
  }

  async function readAndApply(reason: string): Promise<boolean> {
    const p = current()
    const signal = AbortSignal.any([AbortSignal.timeout(120_000), stopController.signal])
    let merged: MergedSources
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
      if (stopped) return false // aborted by stop: not a failure
      return retryLater(
        `market selection refresh (${reason}) failed; keeping the current ${markets.length} markets`,
        err,
      )
    }
    if (stopped) return false // read while stopping: nothing is applied
    failures = 0
    lastRead = { rows: merged.rows.length, excluded: enriched.excluded, markets: enriched.markets.length }
    // Plugins log their own bad rows and exclusions; only what merging found is new here.
    for (const d of merged.duplicates) log.warn(`selection: ${d.origin} left out: ${d.reason}`)

    const next = opts.shard && opts.shard.of > 1 ? shardOf(enriched.markets, opts.shard) : enriched.markets
    const diff = diffSelection(markets, next)
    const { added, removed } = diff

    // Order matters: stop quoting removed markets and cancel their orders before anything else moves.
    markets = next
    quotes.setMarkets(next)
    try {
      // The pipeline as it is now: a reload may have swapped it while the sources were read.
      await current().execute.handler.track(next)
      await current().book.handler.track(next)
    } catch (err) {
      // The selection stands (quoting follows it); the plugins are told again on the retry.
      return retryLater(`applying the selection (${reason}) failed`, err)
    }
    metrics.core.marketsActive.set(next.length)
    for (const line of formatSelectionChange({ diff, initial: !loadedOnce, status: status(), source: sourceName(p) })) {
      log.info(line)
    }
    if (!loadedOnce || added.length > 0 || removed.length > 0) {
      events.emit({
        type: 'selection',
        at: clock.now(),
        markets: next,
        added: added.map((m) => m.conditionId),
        removed: removed.map((m) => m.conditionId),
      })
    }
    loadedOnce = true
    for (const m of added) quotes.markDirty(m.conditionId)
    scheduleNext(refreshEveryMs(p))
    return true
  }

  function status(): SelectionStatus {
    return {
      activeMarkets: markets.length,
      marketMappings: markets.length,
      tradingStrategies: [...quotes.states()].length,
    }
  }

  function sourceName(p: BuiltPipeline): string {
    return p.source.map((s) => (s.entry.def.name === 'sheets' ? 'sheet' : s.entry.def.name)).join(' + ') || 'source'
  }

  const universe: Universe = {
    async refresh(reason) {
      if (stopped) return false
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
    lastRead: () => lastRead,
    start() {
      cancelStatus = clock.setInterval(() => {
        const p = current()
        const books = [...p.book.handler.books()]
        const fresh = books.filter((b) => b.state === 'fresh').length
        const quoting = [...quotes.states()].filter((q) => q.pulledFor === undefined && q.quote !== undefined).length
        log.info(`${formatSelectionStatus(status())}; ${fresh}/${books.length} books fresh, ${quoting} markets quoting`)
      }, opts.statusEveryMs)
    },
    async stop() {
      stopped = true
      again = undefined
      stopController.abort(new Error('the daemon is stopping'))
      cancelRefresh?.()
      cancelStatus?.()
      await running
    },
  }
  return universe
}
