import { Database } from 'bun:sqlite'
import { afterEach, describe, expect, test } from 'bun:test'
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createTestContext, createTestPlugin } from '../../../pipeline/testing.ts'
import type { PersistHandler } from '../../../stages/io.ts'
import sqlite, { type SqliteConfig } from './index.ts'
import { fillEvent, orderEvent, positionEvent, quoteEvent } from './test-events.ts'

const dirs: string[] = []
const handlers: PersistHandler<SqliteConfig>[] = []
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mm-sqlite-plugin-'))
  dirs.push(dir)
  return dir
}
async function plugin(withConfig: Record<string, unknown>, configDir = tempDir()) {
  const ctx = createTestContext({ stage: 'persist', plugin: 'sqlite', configDir })
  const h = await createTestPlugin(sqlite, withConfig, ctx)
  handlers.push(h)
  return { h, ctx, configDir }
}
afterEach(async () => {
  for (const h of handlers.splice(0)) await h.stop?.()
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

function count(path: string, table: string): number {
  const db = new Database(path, { readonly: true })
  try {
    return db.query<{ n: number }, []>(`SELECT COUNT(*) AS n FROM ${table}`).get()?.n ?? -1
  } finally {
    db.close()
  }
}

describe('sqlite persist plugin', () => {
  test('config: defaults, durations, and unknown keys rejected', () => {
    expect(sqlite.config.parse({})).toEqual({
      path: './mm_state.db',
      flush_interval: 200,
      batch_size: 500,
      busy_timeout: 5000,
      synchronous: 'full',
      integrity_check: true,
    })
    expect(sqlite.config.parse({ flush_interval: '1s' }).flush_interval).toBe(1000)
    expect(sqlite.config.safeParse({ pth: 'x.db' }).success).toBe(false)
  })

  test('a relative path is resolved against the config directory; flushed events are in the file', async () => {
    const { h, configDir } = await plugin({ path: 'state/mm.db' }, tempDir())
    await Bun.write(join(configDir, 'state', '.keep'), '')
    await h.start?.()
    h.write(orderEvent({ id: '0xa' }))
    h.write(fillEvent())
    h.write(fillEvent({ status: 'CONFIRMED' }))
    h.write(positionEvent({ shares: 10, avgPrice: 0.45 }, { shares: 0, avgPrice: 0 }))
    await h.flush?.()
    const path = join(configDir, 'state', 'mm.db')
    expect(count(path, 'orders_active')).toBe(1)
    expect(count(path, 'fills')).toBe(1)
    expect(count(path, 'positions')).toBe(2)
  })

  test('write() only queues: nothing reaches the file until the interval or a flush', async () => {
    const { h, ctx, configDir } = await plugin({ flush_interval: '10s' })
    await h.start?.()
    for (let i = 0; i < 50; i++) h.write(fillEvent({ tradeId: `t${i}` }))
    const path = join(configDir, 'mm_state.db')
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r))
    expect(count(path, 'fills')).toBe(0)
    const metrics = await ctx.metrics.registry.metrics()
    expect(metrics).toContain('mm_persist_queue_events{plugin_instance="persist"} 50')
    await h.flush?.()
    expect(count(path, 'fills')).toBe(50)
    expect(await ctx.metrics.registry.metrics()).toContain(
      'mm_persist_commits_total{plugin_instance="persist",outcome="ok"} 1',
    )
  })

  test('stop() commits what is still queued', async () => {
    const { h, configDir } = await plugin({ flush_interval: '1h' })
    await h.start?.()
    h.write(quoteEvent(0.5, Date.UTC(2026, 0, 1)))
    await h.stop?.()
    expect(count(join(configDir, 'mm_state.db'), 'fair_values')).toBe(1)
  })

  test('events written before start() are committed once the file is open', async () => {
    const { h, configDir } = await plugin({})
    h.write(fillEvent())
    await h.start?.()
    await h.flush?.()
    expect(count(join(configDir, 'mm_state.db'), 'fills')).toBe(1)
  })

  test('a commit that fails (database locked mid-run) rejects flush, keeps the events and retries them', async () => {
    const { h, ctx, configDir } = await plugin({ busy_timeout: '20ms' })
    await h.start?.()
    const path = join(configDir, 'mm_state.db')
    const holder = new Database(path)
    holder.exec('BEGIN EXCLUSIVE')
    h.write(fillEvent({ tradeId: 'kept' }))
    // (try/catch rather than expect().rejects: the rejection arrives from the database thread's message.)
    const failure = await h.flush?.().then(
      () => 'resolved',
      (err: unknown) => String(err),
    )
    expect(failure).toMatch(/database is locked/)
    expect(ctx.lines.join('\n')).toMatch(/commit of 1 events to .*mm_state\.db failed, retrying/)
    holder.exec('ROLLBACK')
    holder.close()
    await h.flush?.()
    expect(count(path, 'fills')).toBe(1)
    expect(await ctx.metrics.registry.metrics()).toContain(
      'mm_persist_commits_total{plugin_instance="persist",outcome="error"} 1',
    )
  })

  test('flush_interval and batch_size reload in place; a new path asks for a rebuild', async () => {
    const { h } = await plugin({})
    const base = sqlite.config.parse({})
    expect(h.reconfigure?.({ ...base, flush_interval: 50, batch_size: 10 })).toBe(true)
    expect(h.reconfigure?.({ ...base, path: './other.db' })).toBe(false)
  })

  describe('start() fails with the file name and the cause', () => {
    async function startError(prepare: (path: string) => (() => void) | undefined): Promise<string> {
      const { h, configDir } = await plugin({ busy_timeout: '50ms' })
      const path = join(configDir, 'mm_state.db')
      const cleanup = prepare(path)
      try {
        await h.start?.()
        return 'started'
      } catch (err) {
        return err instanceof Error ? err.message : String(err)
      } finally {
        if (typeof cleanup === 'function') cleanup()
      }
    }

    test('read-only', async () => {
      const msg = await startError((path) => {
        new Database(path).close()
        chmodSync(path, 0o444)
        return undefined
      })
      expect(msg).toMatch(/mm_state\.db: read-only/)
    })

    test('locked', async () => {
      const msg = await startError((path) => {
        const holder = new Database(path)
        holder.exec('PRAGMA journal_mode = WAL')
        holder.exec('BEGIN EXCLUSIVE')
        return () => holder.close()
      })
      expect(msg).toMatch(/mm_state\.db: locked/)
    })

    test('corrupt', async () => {
      const msg = await startError((path) => {
        writeFileSync(path, 'garbage'.repeat(1000))
        return undefined
      })
      expect(msg).toMatch(/mm_state\.db: corrupt/)
    })
  })
})
