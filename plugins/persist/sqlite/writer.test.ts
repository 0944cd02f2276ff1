import { describe, expect, test } from 'bun:test'
import { createManualClock } from '../../../pipeline/clock.ts'
import { createBatchWriter } from './writer.ts'

interface Item {
  key?: string
  n: number
}

/** A commit the test resolves or rejects by hand, recording every batch it was given. */
function harness(opts: { intervalMs?: number; batchSize?: number; coalesce?: boolean } = {}) {
  const clock = createManualClock()
  const batches: number[][] = []
  const gates: { resolve(): void; reject(e: Error): void }[] = []
  const failures: string[] = []
  const writer = createBatchWriter<Item>({
    clock,
    intervalMs: opts.intervalMs ?? 200,
    batchSize: opts.batchSize ?? 100,
    commit(batch) {
      batches.push(batch.map((i) => i.n))
      return new Promise<void>((resolve, reject) => gates.push({ resolve, reject }))
    },
    ...(opts.coalesce ? { coalesceKey: (i: Item) => i.key } : {}),
    onFailed: (err) => failures.push(err.message),
  })
  const tick = () => new Promise((r) => setImmediate(r))
  return { clock, batches, gates, writer, failures, tick }
}

describe('batch writer', () => {
  test('enqueue never commits by itself; the interval commits everything queued in one batch', async () => {
    const h = harness()
    for (let n = 1; n <= 3; n++) h.writer.enqueue({ n })
    await h.tick()
    expect(h.batches).toEqual([])
    h.clock.advance(199)
    expect(h.batches).toEqual([])
    h.clock.advance(1)
    expect(h.batches).toEqual([[1, 2, 3]])
  })

  test('a full batch is committed without waiting for the interval', async () => {
    const h = harness({ batchSize: 3 })
    for (let n = 1; n <= 3; n++) h.writer.enqueue({ n })
    await h.tick()
    expect(h.batches).toEqual([[1, 2, 3]])
  })

  test('flush resolves only once the batch holding its items is committed', async () => {
    const h = harness()
    h.writer.enqueue({ n: 1 })
    let done = false
    const flushed = h.writer.flush().then(() => {
      done = true
    })
    expect(h.batches).toEqual([[1]])
    await h.tick()
    expect(done).toBe(false)
    h.gates[0]?.resolve()
    await flushed
    expect(done).toBe(true)
    expect(h.writer.pending).toBe(0)
  })

  test('items enqueued during a commit go into the next batch; commits never overlap', async () => {
    const h = harness()
    h.writer.enqueue({ n: 1 })
    const first = h.writer.flush()
    h.writer.enqueue({ n: 2 })
    const second = h.writer.flush()
    expect(h.batches).toEqual([[1]])
    h.gates[0]?.resolve()
    await first
    await h.tick()
    expect(h.batches).toEqual([[1], [2]])
    h.gates[1]?.resolve()
    await second
  })

  test('a failed batch rejects its flush, is kept, and is retried before newer items', async () => {
    const h = harness()
    h.writer.enqueue({ n: 1 })
    const flushed = h.writer.flush()
    h.gates[0]?.reject(new Error('disk I/O error'))
    await expect(flushed).rejects.toThrow('disk I/O error')
    expect(h.failures).toEqual(['disk I/O error'])
    h.writer.enqueue({ n: 2 })
    expect(h.writer.pending).toBe(2)
    const retry = h.writer.flush()
    expect(h.batches).toEqual([[1], [1, 2]])
    h.gates[1]?.resolve()
    await retry
    expect(h.writer.pending).toBe(0)
  })

  test('after a failure the retry timer backs off', async () => {
    const h = harness({ intervalMs: 100 })
    h.writer.enqueue({ n: 1 })
    h.clock.advance(100)
    h.gates[0]?.reject(new Error('busy'))
    await h.tick()
    h.clock.advance(100)
    expect(h.batches).toHaveLength(1)
    h.clock.advance(100)
    expect(h.batches).toHaveLength(2)
  })

  test('coalesced items keep only the newest per key, in place', async () => {
    const h = harness({ coalesce: true })
    h.writer.enqueue({ key: 'q', n: 1 })
    h.writer.enqueue({ n: 2 })
    h.writer.enqueue({ key: 'q', n: 3 })
    h.writer.enqueue({ key: 'p', n: 4 })
    void h.writer.flush()
    expect(h.batches).toEqual([[3, 2, 4]])
  })

  test('flush with nothing pending resolves at once', async () => {
    const h = harness()
    await h.writer.flush()
    expect(h.batches).toEqual([])
  })
})
