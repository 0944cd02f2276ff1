import type { Clock } from '../../../pipeline/clock.ts'
import { type BookSummary, BookSummarySchema } from './wire.ts'

/**
 * Re-seeding books from REST `GET /book?token_id=` without blocking: requests are queued, at most `concurrency`
 * run at once (a mass reconnect must not trip the exchange's rate limits), each has a timeout, and failures are
 * retried with back-off while the token still wants a snapshot. A token re-seeded again soon after its last
 * re-seed waits longer each time, so a book that keeps failing its checks cannot turn into a request storm.
 */

export interface SnapshotFetcherOptions {
  readonly clobUrl: string
  readonly clock: Clock
  readonly timeoutMs: number
  readonly concurrency: number
  readonly signal: AbortSignal
  readonly fetch?: FetchLike
  /** The request is being sent: the book is now reloading. */
  onStart(tokenId: string): void
  onSnapshot(tokenId: string, summary: BookSummary, raw: Record<string, unknown>): void
  onFailure(tokenId: string, reason: string): void
}

export interface SnapshotFetcher {
  /** Ask for a snapshot; a no-op while one is already queued, waiting or in flight for the token. */
  request(tokenId: string): void
  /** Forget the token (untracked, or a WS `book` event re-seeded it first). */
  cancel(tokenId: string): void
  /** Tokens queued, waiting or in flight. */
  pending(): number
  stop(): void
}

/** Re-seeds of one token closer together than this escalate the delay. */
const ESCALATE_WINDOW_MS = 30_000
const BASE_DELAY_MS = 1_000
const MAX_DELAY_MS = 30_000

export function createSnapshotFetcher(opts: SnapshotFetcherOptions): SnapshotFetcher {
  const doFetch = opts.fetch ?? ((url: string, init: RequestInit) => fetch(url, init))
  const base = opts.clobUrl.replace(/\/+$/, '')
  const queue: string[] = []
  const queued = new Set<string>()
  const inflight = new Map<string, AbortController>()
  const waiting = new Map<string, () => void>()
  const history = new Map<string, { n: number; at: number }>()
  const failures = new Map<string, number>()
  let stopped = false

  function delayFor(tokenId: string): number {
    const now = opts.clock.now()
    const h = history.get(tokenId)
    const n = h && now - h.at < ESCALATE_WINDOW_MS ? h.n + 1 : 0
    history.set(tokenId, { n, at: now })
    return n === 0 ? 0 : Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** (n - 1))
  }

  function schedule(tokenId: string, delayMs: number): void {
    if (delayMs <= 0) {
      enqueue(tokenId)
      return
    }
    waiting.set(
      tokenId,
      opts.clock.setTimeout(() => {
        waiting.delete(tokenId)
        enqueue(tokenId)
      }, delayMs),
    )
  }

  function enqueue(tokenId: string): void {
    if (stopped) return
    queue.push(tokenId)
    queued.add(tokenId)
    pump()
  }

  function pump(): void {
    while (!stopped && inflight.size < opts.concurrency && queue.length > 0) {
      const tokenId = queue.shift() as string
      if (!queued.delete(tokenId)) continue // cancelled while queued
      run(tokenId)
    }
  }

  function run(tokenId: string): void {
    const ac = new AbortController()
    inflight.set(tokenId, ac)
    const cancelTimeout = opts.clock.setTimeout(
      () => ac.abort(new Error(`timed out after ${opts.timeoutMs}ms`)),
      opts.timeoutMs,
    )
    opts.onStart(tokenId)
    loadBook(doFetch, base, tokenId, AbortSignal.any([ac.signal, opts.signal]))
      .then(({ summary, raw }) => {
        if (inflight.get(tokenId) !== ac) return
        failures.delete(tokenId)
        opts.onSnapshot(tokenId, summary, raw)
      })
      .catch((err: unknown) => {
        if (inflight.get(tokenId) !== ac || stopped) return
        const reason = ac.signal.aborted
          ? String((ac.signal.reason as Error)?.message ?? ac.signal.reason)
          : errText(err)
        const n = (failures.get(tokenId) ?? 0) + 1
        failures.set(tokenId, n)
        opts.onFailure(tokenId, `GET /book failed: ${reason}`)
        inflight.delete(tokenId)
        schedule(tokenId, Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** (n - 1)))
      })
      .finally(() => {
        cancelTimeout()
        if (inflight.get(tokenId) === ac) inflight.delete(tokenId)
        pump()
      })
  }

  return {
    request(tokenId) {
      if (stopped || queued.has(tokenId) || inflight.has(tokenId) || waiting.has(tokenId)) return
      schedule(tokenId, delayFor(tokenId))
    },
    cancel(tokenId) {
      queued.delete(tokenId)
      inflight.get(tokenId)?.abort(new Error('cancelled'))
      inflight.delete(tokenId)
      waiting.get(tokenId)?.()
      waiting.delete(tokenId)
      failures.delete(tokenId)
    },
    pending: () => queued.size + inflight.size + waiting.size,
    stop() {
      stopped = true
      for (const ac of inflight.values()) ac.abort(new Error('stopped'))
      for (const cancel of waiting.values()) cancel()
      inflight.clear()
      waiting.clear()
      queued.clear()
      queue.length = 0
    },
  }
}

/** A REST /book answer that is not a book; `status` is the HTTP status when there was one. */
export class BookFetchError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    /** Retry-After in ms, when the server gave one. */
    readonly retryAfterMs?: number,
  ) {
    super(message)
  }
}

export type FetchLike = (url: string, init: RequestInit) => Promise<Response>

/** GET {base}/book?token_id=…, checked against BookSummarySchema and the token asked for. */
export async function loadBook(
  doFetch: FetchLike,
  base: string,
  tokenId: string,
  signal: AbortSignal,
): Promise<{ summary: BookSummary; raw: Record<string, unknown> }> {
  const url = `${base}/book?token_id=${encodeURIComponent(tokenId)}`
  const res = await doFetch(url, { signal, headers: { accept: 'application/json' } })
  const text = await res.text()
  if (!res.ok) {
    const after = Number(res.headers.get('retry-after') ?? Number.NaN)
    throw new BookFetchError(
      `HTTP ${res.status} ${text.slice(0, 200)}`,
      res.status,
      Number.isFinite(after) && after >= 0 ? after * 1000 : undefined,
    )
  }
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch {
    throw new BookFetchError(`/book answered something that is not JSON: ${text.slice(0, 80)}`)
  }
  const parsed = BookSummarySchema.safeParse(raw)
  if (!parsed.success) throw new BookFetchError(`bad /book body: ${parsed.error.issues[0]?.message ?? 'invalid'}`)
  if (parsed.data.asset_id !== tokenId) throw new BookFetchError(`/book answered for ${parsed.data.asset_id}`)
  return { summary: parsed.data, raw: raw as Record<string, unknown> }
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
