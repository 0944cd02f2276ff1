import { resolve } from 'node:path'
import { z } from 'zod'
import { definePlugin } from '../../../pipeline/define-plugin.ts'
import { LATENCY_BUCKETS } from '../../../pipeline/metrics.ts'
import { ownerOf } from '../../../pipeline/state-owner.ts'
import { DurationSchema, formatDuration } from '../../../schemas/duration.ts'
import type { DaemonEvent } from '../../../stages/events.ts'
import { lastFillAtIn } from './last-fill.ts'
import { baseMode } from './owner.ts'
import { realizedSinceIn } from './realized.ts'
import { openStoreWorker, type StoreWorker } from './worker-client.ts'
import { createBatchWriter } from './writer.ts'

export const SqliteConfigSchema = z.strictObject({
  path: z
    .string()
    .min(1)
    .default('./mm_state.db')
    .describe(
      'Database file; a relative path is resolved against the config file’s directory. One file per mode and ' +
        'account: the daemon refuses a file another mode or account wrote (unless --adopt-state)',
    ),
  flush_interval: DurationSchema.default(200).describe('Longest an event waits before its batch is committed'),
  batch_size: z
    .number()
    .int()
    .positive()
    .default(500)
    .describe('Queued events that trigger a commit before the interval is up'),
  busy_timeout: DurationSchema.default(5000).describe('How long a commit waits for a lock held by another process'),
  synchronous: z
    .enum(['full', 'normal'])
    .default('full')
    .describe('full: an acknowledged batch survives power loss; normal: it survives a crash of the process only'),
  integrity_check: z.boolean().default(true).describe('Run PRAGMA quick_check at start so a damaged file fails early'),
})
export type SqliteConfig = z.output<typeof SqliteConfigSchema>

const DAY_MS = 86_400_000

/** Only the newest of these matters: a market's quote of a day, a market's position. */
function coalesceKey(e: DaemonEvent): string | undefined {
  if (e.type === 'quote') return `quote|${e.conditionId}|${Math.floor(e.at / DAY_MS)}`
  if (e.type === 'position') return `position|${e.position.conditionId}`
  return undefined
}

export default definePlugin({
  name: 'sqlite',
  stage: 'persist',
  summary: 'Orders, fills, positions, markouts, selection snapshots and fair values in SQLite (WAL), batched.',
  config: SqliteConfigSchema,
  reloadable: ['flush_interval', 'batch_size'],
  examples: [
    { title: 'default', with: { path: './mm_state.db' } },
    { title: 'fewer, larger commits', with: { path: './mm_state.db', flush_interval: '1s', batch_size: 2000 } },
  ],
  create(config, ctx) {
    let cfg = config
    const path = resolve(ctx.configDir, cfg.path)
    const owner = ownerOf(ctx.resources)
    // A dry run reads its live account's day (the real loss limit); throwaway paper accounts read every paper run.
    const readScope = { mode: baseMode(owner), account: owner.ephemeral ? undefined : owner.account }
    // Not `instance`: Prometheus sets that label on every scraped series and would rename ours.
    const labels = { plugin_instance: ctx.instance }
    const depth = ctx.metrics
      .gauge('persist_queue_events', 'Events waiting to be committed to the database', ['plugin_instance'])
      .labels(labels)
    const received = ctx.metrics.counter('persist_events_total', 'Events received for persistence', [
      'plugin_instance',
      'type',
    ])
    // One bound child per event type: write() is on the quote path, so no label object per call.
    const receivedByType = new Map<string, { inc(): void }>()
    const countReceived = (type: DaemonEvent['type']) => {
      let child = receivedByType.get(type)
      if (!child) receivedByType.set(type, (child = received.labels({ ...labels, type })))
      child.inc()
    }
    const commits = ctx.metrics.counter('persist_commits_total', 'Database commits by outcome', [
      'plugin_instance',
      'outcome',
    ])
    const commitSeconds = ctx.metrics
      .histogram(
        'persist_commit_seconds',
        'From handing a batch to the database thread to its durable commit',
        ['plugin_instance'],
        LATENCY_BUCKETS,
      )
      .labels(labels)

    let store: StoreWorker | undefined
    let opening: Promise<StoreWorker> | undefined
    let failing = false
    let stopped = false
    let droppedAfterStop = 0

    const writer = createBatchWriter<DaemonEvent>({
      clock: ctx.clock,
      intervalMs: cfg.flush_interval,
      batchSize: cfg.batch_size,
      coalesceKey,
      async commit(batch) {
        // Events written while start() is opening the file wait for it rather than fail.
        const target = store ?? (await opening)
        if (!target) throw new Error(`database ${path} is not open`)
        const started = performance.now()
        await target.commit(batch)
        commitSeconds.observe((performance.now() - started) / 1000)
      },
      onCommitted() {
        commits.inc({ ...labels, outcome: 'ok' })
        depth.set(writer.pending)
        if (failing) ctx.log.info(`commits to ${path} succeed again`)
        failing = false
      },
      onFailed(err, count) {
        commits.inc({ ...labels, outcome: 'error' })
        depth.set(writer.pending)
        // Log the first failure of a run of failures; the retries are counted in the metric.
        if (!failing) ctx.log.error(`commit of ${count} events to ${path} failed, retrying: ${err.message}`)
        failing = true
      },
    })

    return {
      async start() {
        stopped = false
        opening = openStoreWorker(path, {
          create: true,
          busyTimeoutMs: cfg.busy_timeout,
          synchronous: cfg.synchronous,
          integrityCheck: cfg.integrity_check,
          owner,
        })
        try {
          store = await opening
        } finally {
          opening = undefined
        }
        const claim = store.claim
        if (claim?.outcome === 'adopted')
          ctx.log.warn(`--adopt-state: ${path} now belongs to this run${claim.was ? ` (was ${claim.was})` : ''}`)
        ctx.log.info(`persisting to ${path} (WAL, commit every ${formatDuration(cfg.flush_interval)})`)
      },
      async lastFillAt() {
        return lastFillAtIn(path, readScope)
      },
      async realizedSince(since) {
        return realizedSinceIn(path, since, readScope)
      },
      async reconcileActive(openOrderIds) {
        await writer.flush()
        const target = store ?? (await opening)
        if (!target) return
        const removed = await target.reconcileActive(openOrderIds)
        if (removed > 0)
          ctx.log.info(
            `orders_active: removed ${removed} rows of orders no longer open on the exchange (left by a run that did not stop cleanly)`,
          )
      },
      write(event) {
        if (stopped) {
          if (droppedAfterStop++ === 0) ctx.log.warn(`event after stop not persisted to ${path}: ${event.type}`)
          return
        }
        countReceived(event.type)
        writer.enqueue(event)
        depth.set(writer.pending)
      },
      flush() {
        return writer.flush()
      },
      async stop() {
        if (stopped) return
        stopped = true
        try {
          await writer.flush()
        } catch (err) {
          ctx.log.error(
            `${writer.pending} events not persisted to ${path}: ${err instanceof Error ? err.message : String(err)}`,
          )
        }
        writer.dispose()
        await store?.close()
        store = undefined
      },
      reconfigure(next) {
        const restartOnly = ['path', 'busy_timeout', 'synchronous', 'integrity_check'] as const
        if (restartOnly.some((k) => next[k] !== cfg[k])) return false
        cfg = next
        writer.setLimits(next.flush_interval, next.batch_size)
        return true
      },
    }
  },
})
