import type { Clock } from '../../../pipeline/clock.ts'
import type { Logger } from '../../../pipeline/logger.ts'
import type { PluginMetrics } from '../../../pipeline/metrics.ts'
import { bookDifference, restSignature } from './book-compare.ts'
import { BookFetchError, type FetchLike, loadBook } from './snapshot.ts'
import type { TokenBook } from './token-book.ts'
import type { BookSummary } from './wire.ts'

/**
 * Background audit of fresh books against REST /book (§7.6, py-clob-client #292): a market socket can keep
 * answering PONG for hours while it sends no book data, so a live socket does not prove a book current.
 *
 * At most `ratePerSec` requests a second (a share of the /book limit, §2.5), the book least recently
 * checked (or seeded) first, each book at most once per `everyMs`; so one pass over N books ends within
 * max(everyMs, N / rate) + timeout + grace, the bound reported. A check records the changes the socket
 * delivers for the token while the request is out, waits `graceMs` after the answer (for changes still on
 * their way) and compares the REST book rolled forward by them with the local one. One difference makes
 * the book a suspect, checked again shortly; a second one in a row is a mismatch: the book is re-seeded,
 * and when the socket sent nothing for the token in between while the exchange's book moved (or the
 * socket sent no data at all), the connection is taken for frozen and reconnected. An agreeing check, like
 * any snapshot, renews the book's agreement time; market-data marks a book stale past its bound.
 */

/** After a first difference, the suspect is checked again this much later (plus the grace). */
export const RECHECK_MS = 1000
/** A 429 without Retry-After pauses the audit this long. */
const RATE_LIMITED_PAUSE_MS = 10_000

export interface BookAuditOptions {
  readonly clobUrl: string
  readonly clock: Clock
  readonly log: Logger
  readonly metrics: PluginMetrics
  readonly signal: AbortSignal
  readonly fetch?: FetchLike
  /** REST /book audit requests per second; 0 turns the audit off. */
  readonly ratePerSec: number
  /** Least time between two checks of one book. */
  readonly everyMs: number
  /** Wait after the REST answer before comparing. */
  readonly graceMs: number
  readonly timeoutMs: number
  /** Books older in agreement than this read as stale (for the report). */
  readonly maxAgeMs: number
  books(): Iterable<TokenBook>
  /** The book kept now for this token (untracked: undefined). */
  token(tokenId: string): TokenBook | undefined
  /** A confirmed mismatch: re-seed the book; `frozen`: reconnect its connection as well. */
  onMismatch(tb: TokenBook, reason: string, frozen: boolean): void
}

export interface BookAuditStatus {
  readonly enabled: boolean
  readonly rate_per_s: number
  readonly books: number
  /** A full pass over every fresh book ends within this. */
  readonly pass_bound_s: number
  /** Duration of the last completed pass (null before the first). */
  readonly last_pass_s: number | null
  readonly current_pass_s: number
  /** Oldest agreement among fresh books, and the bound past which a book is not fresh. */
  readonly oldest_agreement_s: number | null
  readonly max_age_s: number
  readonly checks: Readonly<Record<CheckResult, number>>
  readonly mismatches: number
  readonly reconnects: number
  readonly paused_for_s: number
}

export interface BookAudit {
  status(): BookAuditStatus
  stop(): void
}

type CheckResult = 'agree' | 'disagree' | 'inconclusive' | 'error'

interface Suspect {
  /** The book's seedEpoch then: a difference with an earlier book is no second look at this one. */
  readonly epoch: number
  readonly reason: string
  readonly signature: string
  /** tb.wsEvents and liveness.dataAt when the first differing check was sent. */
  readonly wsEvents: number
  readonly dataAt: number
  readonly recheckAt: number
}

/** A full pass over `books` books ends within this (ms), when REST answers within its timeout. */
export function auditPassBoundMs(
  books: number,
  o: Pick<BookAuditOptions, 'ratePerSec' | 'everyMs' | 'timeoutMs' | 'graceMs'>,
): number {
  if (o.ratePerSec <= 0) return 0
  return Math.max(o.everyMs, Math.ceil((books / o.ratePerSec) * 1000)) + o.timeoutMs + o.graceMs
}

export function createBookAudit(opts: BookAuditOptions): BookAudit {
  const { clock, log, metrics } = opts
  const doFetch = opts.fetch ?? ((url: string, init: RequestInit) => fetch(url, init))
  const base = opts.clobUrl.replace(/\/+$/, '')
  const enabled = opts.ratePerSec > 0
  const maxInFlight = Math.max(2, Math.ceil(opts.ratePerSec))
  const suspects = new Map<string, Suspect>()
  /** Tokens with a check under way (request out, or waiting the grace); `requests` counts the requests out. */
  const inFlight = new Map<string, AbortController>()
  let requests = 0
  const counts: Record<CheckResult, number> = { agree: 0, disagree: 0, inconclusive: 0, error: 0 }
  let mismatches = 0
  let reconnects = 0
  let pausedUntil = 0
  let passStart = clock.now()
  let lastPassMs: number | undefined
  let stopped = false

  const checksTotal = metrics.counter('book_audit_checks_total', 'REST /book audits of fresh books, by result', [
    'result',
  ])
  const mismatchesTotal = metrics.counter(
    'book_audit_mismatches_total',
    'Books the REST /book audit found wrong twice in a row, by what was done',
    ['action'],
  )
  const passSeconds = metrics.gauge('book_audit_pass_seconds', 'Duration of the last full audit pass over the books')
  const boundSeconds = metrics.gauge('book_audit_pass_bound_seconds', 'A full audit pass ends within this')
  const oldestSeconds = metrics.gauge(
    'book_audit_oldest_agreement_seconds',
    'Age of the oldest agreement with the exchange among fresh books',
  )

  const auditable = (tb: TokenBook) => tb.status === 'fresh' && tb.liveness.live
  /** Last time the book was known right or looked at: a snapshot counts as a check. */
  const lastSeen = (tb: TokenBook) => Math.max(tb.auditedAt, tb.agreedAt)

  function count(result: CheckResult): void {
    counts[result]++
    checksTotal.inc({ result })
  }

  const boundMs = (n: number) => auditPassBoundMs(n, opts)

  function pick(now: number): TokenBook | undefined {
    let best: TokenBook | undefined
    let bestAt = Number.POSITIVE_INFINITY
    for (const tb of opts.books()) {
      if (!auditable(tb) || inFlight.has(tb.tokenId)) continue
      const s = suspects.get(tb.tokenId)
      if (s !== undefined && now >= s.recheckAt) return tb // a suspect goes first
      const at = lastSeen(tb)
      if (now - at >= opts.everyMs && at < bestAt) {
        best = tb
        bestAt = at
      }
    }
    return best
  }

  function passDone(now: number): void {
    let n = 0
    for (const tb of opts.books()) {
      if (!auditable(tb)) continue
      n++
      if (lastSeen(tb) < passStart) return
    }
    if (n === 0) return
    lastPassMs = now - passStart
    passSeconds.set(lastPassMs / 1000)
    passStart = now
  }

  function check(tb: TokenBook, now: number): void {
    const id = tb.tokenId
    const ac = new AbortController()
    inFlight.set(id, ac)
    tb.auditedAt = now
    tb.auditLog = []
    tb.auditOverflow = false
    const epoch = tb.seedEpoch
    const wsEvents = tb.wsEvents
    const dataAt = tb.liveness.dataAt
    const cancelTimeout = clock.setTimeout(
      () => ac.abort(new Error(`timed out after ${opts.timeoutMs}ms`)),
      opts.timeoutMs,
    )
    const release = () => {
      if (inFlight.get(id) === ac) inFlight.delete(id)
      if (tb.auditLog !== undefined) tb.auditLog = undefined
    }
    requests++
    loadBook(doFetch, base, id, AbortSignal.any([ac.signal, opts.signal]))
      .finally(() => requests--)
      .then(({ summary }) => {
        cancelTimeout()
        if (stopped || inFlight.get(id) !== ac) return release()
        clock.setTimeout(() => {
          const recorded = tb.auditLog ?? []
          const overflow = tb.auditOverflow
          release()
          if (!stopped) compare(tb, summary, recorded, { epoch, wsEvents, dataAt, sentAt: now, overflow })
        }, opts.graceMs)
      })
      .catch((err: unknown) => {
        cancelTimeout()
        release()
        if (stopped) return
        count('error')
        if (err instanceof BookFetchError && err.status === 429) {
          const wait = err.retryAfterMs ?? RATE_LIMITED_PAUSE_MS
          pausedUntil = Math.max(pausedUntil, clock.now() + wait)
          log.warn(`book audit: REST /book answered 429; pausing the audit for ${Math.round(wait / 1000)}s`)
        }
      })
  }

  function compare(
    tb: TokenBook,
    rest: BookSummary,
    recorded: readonly { ts: number; side: 0 | 1; price: number; size: number }[],
    at: { epoch: number; wsEvents: number; dataAt: number; sentAt: number; overflow: boolean },
  ): void {
    const id = tb.tokenId
    const now = clock.now()
    // Re-seeded, invalidated or untracked meanwhile: this answer says nothing about the book kept now.
    if (opts.token(id) !== tb || tb.status !== 'fresh' || tb.seedEpoch !== at.epoch || at.overflow) {
      if (opts.token(id) !== tb) suspects.delete(id)
      count('inconclusive')
      passDone(now)
      return
    }
    const diff = bookDifference(tb.book, rest, recorded)
    if (diff === '') {
      count('agree')
      suspects.delete(id)
      tb.agreedAt = Math.max(tb.agreedAt, at.sentAt)
      passDone(now)
      return
    }
    const first = suspects.get(id)
    const signature = restSignature(rest)
    if (first === undefined || first.epoch !== at.epoch) {
      count('disagree')
      suspects.set(id, {
        epoch: at.epoch,
        reason: diff,
        signature,
        wsEvents: at.wsEvents,
        dataAt: at.dataAt,
        recheckAt: now + RECHECK_MS,
      })
      return
    }
    count('disagree')
    suspects.delete(id)
    mismatches++
    const tokenSilent = tb.wsEvents === first.wsEvents
    const moved = signature !== first.signature
    const noData = tb.liveness.dataAt === first.dataAt
    const frozen = tokenSilent && (moved || noData)
    const why = frozen
      ? `${diff}; the socket sent nothing for it while ${moved ? 'the exchange book moved' : 'REST differed'}`
      : diff
    mismatchesTotal.inc({ action: frozen ? 'reconnect' : 'reseed' })
    if (frozen) reconnects++
    log.warn(
      `book audit: ${short(id)} differs from REST /book twice (${why}); ${frozen ? 'reconnecting its socket' : 're-seeding'}`,
    )
    opts.onMismatch(tb, why, frozen)
    passDone(now)
  }

  function tick(): void {
    if (stopped) return
    const now = clock.now()
    let n = 0
    let oldest = Number.POSITIVE_INFINITY
    for (const tb of opts.books()) {
      if (!auditable(tb)) continue
      n++
      oldest = Math.min(oldest, tb.agreedAt)
    }
    boundSeconds.set(boundMs(n) / 1000)
    oldestSeconds.set(n > 0 ? (now - oldest) / 1000 : 0)
    if (now < pausedUntil || requests >= maxInFlight) return
    const tb = pick(now)
    if (tb !== undefined) check(tb, now)
    else passDone(now)
  }

  const cancelTick = enabled ? clock.setInterval(tick, Math.max(1, Math.round(1000 / opts.ratePerSec))) : () => {}

  return {
    status() {
      const now = clock.now()
      let n = 0
      let oldest = Number.POSITIVE_INFINITY
      for (const tb of opts.books()) {
        if (!auditable(tb)) continue
        n++
        oldest = Math.min(oldest, tb.agreedAt)
      }
      return {
        enabled,
        rate_per_s: opts.ratePerSec,
        books: n,
        pass_bound_s: enabled ? boundMs(n) / 1000 : 0,
        last_pass_s: lastPassMs === undefined ? null : lastPassMs / 1000,
        current_pass_s: (now - passStart) / 1000,
        oldest_agreement_s: n > 0 ? (now - oldest) / 1000 : null,
        max_age_s: opts.maxAgeMs / 1000,
        checks: { ...counts },
        mismatches,
        reconnects,
        paused_for_s: Math.max(0, pausedUntil - now) / 1000,
      }
    },
    stop() {
      stopped = true
      cancelTick()
      for (const ac of inFlight.values()) ac.abort(new Error('stopped'))
      inFlight.clear()
      for (const tb of opts.books()) tb.auditLog = undefined
    },
  }
}

function short(id: string): string {
  return id.length > 14 ? `${id.slice(0, 6)}…${id.slice(-6)}` : id
}
