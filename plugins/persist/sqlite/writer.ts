import type { Clock } from '../../../pipeline/clock.ts'

export interface BatchWriterOptions<T> {
  readonly clock: Clock
  /** Longest an item waits in the queue before a commit is started. */
  readonly intervalMs: number
  /** A queue this long is committed at once, without waiting for the interval. */
  readonly batchSize: number
  /** Make a batch durable; resolves once it is, rejects (and the batch is retried) otherwise. */
  commit(batch: T[]): Promise<void>
  /** Items with the same key replace the queued one (only the latest matters, e.g. a market's quote). */
  coalesceKey?(item: T): string | undefined
  onCommitted?(count: number): void
  onFailed?(err: Error, count: number): void
}

export interface BatchWriter<T> {
  /** Queue an item; never blocks, never throws. */
  enqueue(item: T): void
  /** Resolves once every item enqueued before the call is committed; rejects if that commit fails. */
  flush(): Promise<void>
  /** Items waiting for a commit (including one in flight). */
  readonly pending: number
  setLimits(intervalMs: number, batchSize: number): void
  /** Stop the timer; queued items stay queued until the next flush(). */
  dispose(): void
}

interface Entry<T> {
  item: T
  key: string | undefined
}

interface Waiter {
  target: number
  resolve(): void
  reject(err: Error): void
}

const MAX_BACKOFF_MS = 5000

/**
 * The queue between the quote path and the disk: enqueue is O(1); a timer (or a full batch, or flush()) commits
 * everything queued in one batch. Commits never overlap, so batches land in order. A failed batch goes back to
 * the front and is retried with backoff; waiters whose items it held are told it failed.
 */
export function createBatchWriter<T>(opts: BatchWriterOptions<T>): BatchWriter<T> {
  let queue: Entry<T>[] = []
  let byKey = new Map<string, number>() // coalesce key → index in queue
  let enqueued = 0 // items ever enqueued (a coalesced item still counts)
  let committed = 0 // every item enqueued up to this count is durable
  let inFlight = 0 // items in the commit running now
  let busy = false
  let failures = 0
  let cancelTimer: (() => void) | undefined
  let disposed = false
  const waiters: Waiter[] = []
  const limits = { intervalMs: opts.intervalMs, batchSize: opts.batchSize }

  function arm(ms: number) {
    if (cancelTimer || disposed) return
    cancelTimer = opts.clock.setTimeout(() => {
      cancelTimer = undefined
      drain()
    }, ms)
  }

  function disarm() {
    cancelTimer?.()
    cancelTimer = undefined
  }

  function rebuildIndex() {
    byKey = new Map()
    const kept: Entry<T>[] = []
    // Walk from the newest so that, per key, only the latest entry survives (at its latest position).
    for (let i = queue.length - 1; i >= 0; i--) {
      const e = queue[i] as Entry<T>
      if (e.key !== undefined) {
        if (byKey.has(e.key)) continue
        byKey.set(e.key, 0)
      }
      kept.push(e)
    }
    queue = kept.reverse()
    queue.forEach((e, i) => {
      if (e.key !== undefined) byKey.set(e.key, i)
    })
  }

  function settle(err?: Error) {
    for (let i = waiters.length - 1; i >= 0; i--) {
      const w = waiters[i] as Waiter
      if (w.target <= committed) {
        waiters.splice(i, 1)
        w.resolve()
      } else if (err) {
        waiters.splice(i, 1)
        w.reject(err)
      }
    }
  }

  function drain() {
    if (busy || queue.length === 0) return
    disarm()
    const batch = queue
    const mark = enqueued
    queue = []
    byKey = new Map()
    busy = true
    inFlight = batch.length
    opts.commit(batch.map((e) => e.item)).then(
      () => {
        busy = false
        inFlight = 0
        failures = 0
        committed = mark
        opts.onCommitted?.(batch.length)
        settle()
        if (queue.length >= limits.batchSize || waiters.length > 0) queueMicrotask(drain)
        else if (queue.length > 0) arm(limits.intervalMs)
      },
      (cause: unknown) => {
        busy = false
        inFlight = 0
        failures++
        const err = cause instanceof Error ? cause : new Error(String(cause))
        queue = batch.concat(queue)
        if (opts.coalesceKey) rebuildIndex()
        opts.onFailed?.(err, batch.length)
        settle(err)
        arm(Math.min(MAX_BACKOFF_MS, limits.intervalMs * 2 ** Math.min(failures, 10)))
      },
    )
  }

  return {
    enqueue(item) {
      enqueued++
      const key = opts.coalesceKey?.(item)
      if (key !== undefined) {
        const at = byKey.get(key)
        if (at !== undefined) {
          queue[at] = { item, key }
          return
        }
        byKey.set(key, queue.length)
      }
      queue.push({ item, key })
      if (queue.length >= limits.batchSize && !busy) queueMicrotask(drain)
      else arm(limits.intervalMs)
    },
    flush() {
      if (committed >= enqueued) return Promise.resolve()
      return new Promise<void>((resolve, reject) => {
        waiters.push({ target: enqueued, resolve, reject })
        drain()
      })
    },
    get pending() {
      return queue.length + inFlight
    },
    setLimits(intervalMs, batchSize) {
      limits.intervalMs = intervalMs
      limits.batchSize = batchSize
    },
    dispose() {
      disposed = true
      disarm()
    },
  }
}
