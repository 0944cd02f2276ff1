import { hostname } from 'node:os'
import { SQL } from 'bun'
import { z } from 'zod'
import { createAccount } from '../../../pipeline/account.ts'
import type { Resources } from '../../../pipeline/context.ts'
import { definePlugin } from '../../../pipeline/define-plugin.ts'
import { ownerOf } from '../../../pipeline/state-owner.ts'
import { DurationSchema, formatDuration } from '../../../schemas/duration.ts'
import type { DaemonEvent } from '../../../stages/events.ts'
import { createBatchWriter } from '../sqlite/writer.ts'
import { createAccountShare } from './account-share.ts'
import { SCHEMA_STATEMENTS } from './schema.ts'
import { applyEvents, type Owner } from './store.ts'

export const PostgresConfigSchema = z.strictObject({
  url: z.string().min(1).describe('postgres://user:password@host:port/db (secret: it may hold a password)'),
  instance: z
    .string()
    .min(1)
    .default(hostname())
    .describe('This daemon’s name in shared tables (default: the host name; a StatefulSet pod name is unique)'),
  flush_interval: DurationSchema.default(200).describe('Longest an event waits before its batch is committed'),
  batch_size: z.number().int().positive().default(500).describe('Queued events that trigger a commit'),
  max_connections: z.number().int().positive().default(4).describe('Connections in the pool'),
})
export type PostgresConfig = z.output<typeof PostgresConfigSchema>

const DAY_MS = 86_400_000

function coalesceKey(e: DaemonEvent): string | undefined {
  if (e.type === 'quote') return `quote|${e.conditionId}|${Math.floor(e.at / DAY_MS)}`
  if (e.type === 'position') return `position|${e.position.conditionId}`
  return undefined
}

/** Whose rows these are: the run's owner (mode and trading address), and which instance wrote them. */
function rowOwner(config: PostgresConfig, resources: Resources): Owner {
  const o = ownerOf(resources)
  return { account: o.account, mode: o.mode, instance: config.instance }
}

export default definePlugin({
  name: 'postgres',
  stage: 'persist',
  summary:
    'The sqlite tables in one PostgreSQL database shared by several daemons, plus the account-wide risk and per-signer token buckets they share.',
  config: PostgresConfigSchema,
  secrets: ['url'],
  reloadable: ['flush_interval', 'batch_size'],
  examples: [{ title: 'one database for every instance', with: { url: '${MM_POSTGRES_URL}' } }],
  create(config, ctx) {
    let cfg = config
    const owner = rowOwner(cfg, ctx.resources)
    const sql = new SQL({ url: cfg.url, max: cfg.max_connections })
    const where = `PostgreSQL (instance ${cfg.instance})`
    const commits = ctx.metrics.counter('persist_commits_total', 'Database commits by outcome', [
      'plugin_instance',
      'outcome',
    ])
    const labels = { plugin_instance: ctx.instance }
    let failing = false
    let stopped = false

    const writer = createBatchWriter<DaemonEvent>({
      clock: ctx.clock,
      intervalMs: cfg.flush_interval,
      batchSize: cfg.batch_size,
      coalesceKey,
      commit: (batch) => applyEvents(sql, batch, owner),
      onCommitted() {
        commits.inc({ ...labels, outcome: 'ok' })
        if (failing) ctx.log.info(`commits to ${where} succeed again`)
        failing = false
      },
      onFailed(err, count) {
        commits.inc({ ...labels, outcome: 'error' })
        if (!failing) ctx.log.error(`commit of ${count} events to ${where} failed, retrying: ${err.message}`)
        failing = true
      },
    })
    const share = createAccountShare(sql, owner)

    return {
      async start() {
        stopped = false
        try {
          // One instance at a time applies the layout (CREATE … IF NOT EXISTS races on the catalog otherwise).
          await sql.begin(async (tx) => {
            await tx`SELECT pg_advisory_xact_lock(7164)`
            for (const s of SCHEMA_STATEMENTS) await tx.unsafe(s)
          })
        } catch (err) {
          throw new Error(`cannot open the PostgreSQL database: ${(err as Error).message}`)
        }
        ctx.log.info(
          `persisting to ${where}, account ${owner.account} (${owner.mode}), commit every ${formatDuration(cfg.flush_interval)}`,
        )
      },
      async realizedSince(since) {
        const rows = (await sql`
          SELECT trade_id, order_id, token_id, condition_id, side, price, size, fee_usd, role, trade_status, filled_at
          FROM fills WHERE account = ${owner.account} AND mode = ${owner.mode} AND trade_status <> 'FAILED'
          ORDER BY filled_at, seq`) as Record<string, string | number>[]
        const account = createAccount({ retentionMs: Number.POSITIVE_INFINITY })
        for (const r of rows)
          account.applyFill({
            tradeId: String(r.trade_id),
            orderId: String(r.order_id),
            tokenId: String(r.token_id),
            conditionId: String(r.condition_id),
            side: r.side as 'BUY' | 'SELL',
            price: Number(r.price),
            size: Number(r.size),
            feeUsd: Number(r.fee_usd),
            role: r.role as 'MAKER' | 'TAKER',
            status: r.trade_status as 'CONFIRMED',
            timestamp: Number(r.filled_at),
          })
        return account.realizedSince(since)
      },
      async lastFillAt() {
        try {
          const rows = (await sql`
            SELECT MAX(filled_at) AS at FROM fills WHERE account = ${owner.account} AND mode = ${owner.mode}`) as {
            at: string | number | null
          }[]
          const at = rows[0]?.at
          return at === null || at === undefined ? undefined : Number(at)
        } catch {
          return undefined // no table yet: nothing recorded
        }
      },
      // Only this instance's rows: the others' orders are theirs to reconcile.
      async reconcileActive(openOrderIds) {
        await sql`
          DELETE FROM orders_active
          WHERE account = ${owner.account} AND mode = ${owner.mode} AND instance = ${owner.instance}
            AND order_id <> ALL(${[...openOrderIds]})`
      },
      accountShare: () => share,
      write(event) {
        if (stopped) return
        writer.enqueue(event)
      },
      flush: () => writer.flush(),
      async stop() {
        if (stopped) return
        stopped = true
        try {
          await writer.flush()
        } catch (err) {
          ctx.log.error(`${writer.pending} events not persisted to ${where}: ${(err as Error).message}`)
        }
        writer.dispose()
        await sql.close()
      },
      reconfigure(next) {
        if (next.url !== cfg.url || next.instance !== cfg.instance || next.max_connections !== cfg.max_connections)
          return false
        cfg = next
        writer.setLimits(next.flush_interval, next.batch_size)
        return true
      },
    }
  },
})
