import type { PluginMetrics } from '../../../pipeline/metrics.ts'
import type { BookState } from '../../../schemas/domain.ts'
import type { TokenBook } from './token-book.ts'

/**
 * The market-data core's Prometheus side. Counters on the hot path are plain numbers (IngestCounters); this
 * flushes what they gained since the last flush, on the periodic tick, because a labelled prom-client inc costs
 * more than applying a level.
 */

export interface IngestCounters {
  frames: number
  events: number
  levels: number
  jsonErrors: number
  schemaErrors: number
  unknownEvents: number
  unknownAssets: number
  hashMatch: number
  hashMismatch: number
  hashUnverifiable: number
}

export function zeroCounters(): IngestCounters {
  return {
    frames: 0,
    events: 0,
    levels: 0,
    jsonErrors: 0,
    schemaErrors: 0,
    unknownEvents: 0,
    unknownAssets: 0,
    hashMatch: 0,
    hashMismatch: 0,
    hashUnverifiable: 0,
  }
}

export interface IngestMetrics {
  /** Push counter gains and per-book gauges; `eventCounts` holds the running count per event_type. */
  flush(
    now: number,
    counters: IngestCounters,
    eventCounts: ReadonlyMap<string, number>,
    books: Iterable<TokenBook>,
  ): void
  reloadFailed(tokenId: string): void
  /** Drop an untracked token's labelled series. */
  forget(tokenId: string): void
}

export function createIngestMetrics(metrics: PluginMetrics): IngestMetrics {
  const core = metrics.core
  const framesTotal = metrics.counter('ws_frames_total', 'Market-channel data frames received')
  const eventsTotal = metrics.counter('ws_events_total', 'Market-channel events received', ['event_type'])
  const levelsTotal = metrics.counter('book_level_updates_total', 'Price-level updates applied to books')
  const parseErrors = metrics.counter('ws_parse_errors_total', 'Market-channel input refused', ['kind'])
  const hashChecks = metrics.counter('book_hash_checks_total', 'Server book hash checks', ['result'])
  const bookAge = metrics.gauge('book_age_seconds', 'Seconds since the book last changed or was confirmed', [
    'token_id',
  ])
  const booksByState = metrics.gauge('books', 'Books kept, by state', ['state'])
  const imbalance = metrics.gauge('trade_imbalance', 'Signed taker size imbalance over the trade window', ['token_id'])
  const reloadFailures = metrics.counter('snapshot_reload_failures_total', 'REST /book re-seeds that failed', [
    'token_id',
  ])
  const agreementAge = metrics.gauge(
    'book_audit_agreement_age_seconds',
    'Seconds since the book was last known equal to the exchange (an agreeing REST /book audit, or a snapshot)',
    ['token_id'],
  )
  const flushed = zeroCounters()
  const flushedEvents = new Map<string, number>()

  return {
    flush(now, counters, eventCounts, books) {
      const gain = (key: keyof IngestCounters, inc: (n: number) => void) => {
        const d = counters[key] - flushed[key]
        if (d > 0) inc(d)
        flushed[key] = counters[key]
      }
      gain('frames', (n) => framesTotal.inc(n))
      gain('levels', (n) => levelsTotal.inc(n))
      gain('jsonErrors', (n) => parseErrors.inc({ kind: 'json' }, n))
      gain('schemaErrors', (n) => parseErrors.inc({ kind: 'schema' }, n))
      gain('unknownEvents', (n) => parseErrors.inc({ kind: 'unknown_event' }, n))
      gain('unknownAssets', (n) => parseErrors.inc({ kind: 'unknown_asset' }, n))
      gain('hashMatch', (n) => hashChecks.inc({ result: 'match' }, n))
      gain('hashMismatch', (n) => hashChecks.inc({ result: 'mismatch' }, n))
      gain('hashUnverifiable', (n) => hashChecks.inc({ result: 'unverifiable' }, n))
      for (const [type, n] of eventCounts) {
        const d = n - (flushedEvents.get(type) ?? 0)
        if (d > 0) eventsTotal.inc({ event_type: type }, d)
        flushedEvents.set(type, n)
      }
      const states: Record<BookState, number> = { fresh: 0, stale: 0, invalid: 0, reloading: 0 }
      for (const tb of books) {
        states[tb.state]++
        if (tb.updatedAt > 0) bookAge.set({ token_id: tb.tokenId }, (now - tb.updatedAt) / 1000)
        if (tb.agreedAt > 0) agreementAge.set({ token_id: tb.tokenId }, (now - tb.agreedAt) / 1000)
        const t = tb.tradeWindow.stats(now)
        core.tradesPerMin.set({ token_id: tb.tokenId }, t.tradesPerMin)
        imbalance.set({ token_id: tb.tokenId }, t.imbalance)
      }
      for (const [state, n] of Object.entries(states)) booksByState.set({ state }, n)
    },
    reloadFailed(tokenId) {
      reloadFailures.inc({ token_id: tokenId })
    },
    forget(tokenId) {
      const labels = { token_id: tokenId }
      bookAge.remove(labels)
      agreementAge.remove(labels)
      imbalance.remove(labels)
      core.tradesPerMin.remove(labels)
    },
  }
}
