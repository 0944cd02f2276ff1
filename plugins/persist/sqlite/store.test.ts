import { Database } from 'bun:sqlite'
import { afterEach, describe, expect, test } from 'bun:test'
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { DaemonEvent } from '../../../stages/events.ts'
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from './migrations.ts'
import { openStore, type Store, StoreOpenError } from './store.ts'
import {
  CONDITION_A,
  fillEvent,
  markoutEvent,
  orderEvent,
  positionEvent,
  quoteEvent,
  selectionEvent,
} from './test-events.ts'

const dirs: string[] = []
const stores: Store[] = []
function tempDb(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mm-store-'))
  dirs.push(dir)
  return join(dir, 'mm_state.db')
}
function open(path = tempDb()): Store {
  const s = openStore(path, { busyTimeoutMs: 50 })
  stores.push(s)
  return s
}
afterEach(() => {
  for (const s of stores.splice(0)) s.close()
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

function rows<T>(s: Store, sql: string): T[] {
  return s.db.query<T, []>(sql).all()
}

describe('schema', () => {
  test('a new file gets every table, WAL and the latest schema version; reopening does not migrate again', () => {
    const path = tempDb()
    open(path).close()
    const s = open(path)
    const tables = rows<{ name: string }>(s, "SELECT name FROM sqlite_master WHERE type = 'table'").map((r) => r.name)
    for (const t of [
      'orders',
      'fills',
      'positions',
      'orders_active',
      'pnl_daily',
      'markouts',
      'selection_snapshots',
      'schema_version',
    ])
      expect(tables).toContain(t)
    expect(rows<{ version: number }>(s, 'SELECT version FROM schema_version ORDER BY version')).toEqual(
      MIGRATIONS.map((m) => ({ version: m.version })),
    )
    expect(MIGRATIONS.at(-1)?.version).toBe(LATEST_SCHEMA_VERSION)
    expect(s.db.query<{ journal_mode: string }, []>('PRAGMA journal_mode').get()?.journal_mode).toBe('wal')
  })
})

describe('orders and orders_active', () => {
  test('a status update updates the row; orders_active mirrors live orders and drops terminal ones', () => {
    const s = open()
    s.apply([orderEvent({ id: '0xa', status: 'live' }), orderEvent({ id: '0xb', status: 'pending' })])
    expect(rows(s, 'SELECT order_id FROM orders_active ORDER BY order_id')).toEqual([
      { order_id: '0xa' },
      { order_id: '0xb' },
    ])
    s.apply([orderEvent({ id: '0xa', status: 'partially_filled', filled: 40 }, Date.UTC(2026, 0, 1, 12, 1))])
    expect(rows(s, "SELECT status, filled, usd_value, updated_at FROM orders WHERE order_id = '0xa'")).toEqual([
      { status: 'partially_filled', filled: 40, usd_value: 45, updated_at: Date.UTC(2026, 0, 1, 12, 1) },
    ])
    expect(rows(s, "SELECT status FROM orders_active WHERE order_id = '0xa'")).toEqual([{ status: 'partially_filled' }])
    s.apply([orderEvent({ id: '0xa', status: 'filled', filled: 100 }), orderEvent({ id: '0xb', status: 'cancelled' })])
    expect(rows(s, 'SELECT order_id, status FROM orders ORDER BY order_id')).toEqual([
      { order_id: '0xa', status: 'filled' },
      { order_id: '0xb', status: 'cancelled' },
    ])
    expect(rows(s, 'SELECT * FROM orders_active')).toEqual([])
  })

  test('a late, reordered "live" never revives a cancelled order', () => {
    const s = open()
    s.apply([orderEvent({ id: '0xa', status: 'cancelled' })])
    s.apply([orderEvent({ id: '0xa', status: 'live' })])
    expect(rows(s, 'SELECT status FROM orders')).toEqual([{ status: 'cancelled' }])
    expect(rows(s, 'SELECT * FROM orders_active')).toEqual([])
  })

  test('an order whose submit was ambiguous (unknown) stays in orders_active', () => {
    const s = open()
    s.apply([orderEvent({ id: '0xa', status: 'unknown' })])
    expect(rows(s, 'SELECT status FROM orders_active')).toEqual([{ status: 'unknown' }])
  })
})

describe('fills', () => {
  test('a fill recorded twice is one row, its status moves forward in place', () => {
    const s = open()
    s.apply([fillEvent({ status: 'MATCHED' }), fillEvent({ status: 'MATCHED' })])
    s.apply([fillEvent({ status: 'MINED' })])
    s.apply([fillEvent({ status: 'CONFIRMED', feeUsd: 0.01 })])
    expect(rows(s, 'SELECT trade_id, order_id, token_id, trade_status, fee_usd, usd_value, size FROM fills')).toEqual([
      {
        trade_id: 'trade-1',
        order_id: '0xorder1',
        token_id: '1111',
        trade_status: 'CONFIRMED',
        fee_usd: 0.01,
        usd_value: 4.5,
        size: 10,
      },
    ])
  })

  test('a replayed MATCHED after CONFIRMED does not move the status back', () => {
    const s = open()
    s.apply([fillEvent({ status: 'CONFIRMED' })])
    s.apply([fillEvent({ status: 'MATCHED' })])
    expect(rows(s, 'SELECT trade_status FROM fills')).toEqual([{ trade_status: 'CONFIRMED' }])
  })

  test('one trade against two of our orders is two rows (the key is trade + order + token)', () => {
    const s = open()
    s.apply([fillEvent({ orderId: '0xa' }), fillEvent({ orderId: '0xb' }), fillEvent({ orderId: '0xa' })])
    expect(rows(s, 'SELECT order_id FROM fills ORDER BY order_id')).toEqual([{ order_id: '0xa' }, { order_id: '0xb' }])
  })
})

describe('positions, markouts, selection snapshots, fair values', () => {
  test('positions are upserted per token and record which token is YES', () => {
    const s = open()
    s.apply([positionEvent({ shares: 10, avgPrice: 0.4 }, { shares: 0, avgPrice: 0 }, 1000)])
    s.apply([positionEvent({ shares: 25, avgPrice: 0.42, realizedPnl: 1.5 }, { shares: 5, avgPrice: 0.5 }, 2000)])
    expect(rows(s, 'SELECT token_id, shares, avg_price, realized_pnl, updated_at FROM positions ORDER BY 1')).toEqual([
      { token_id: '1111', shares: 25, avg_price: 0.42, realized_pnl: 1.5, updated_at: 2000 },
      { token_id: '2222', shares: 5, avg_price: 0.5, realized_pnl: 0, updated_at: 2000 },
    ])
    expect(rows(s, 'SELECT yes_token_id, no_token_id FROM markets')).toEqual([
      { yes_token_id: '1111', no_token_id: '2222' },
    ])
  })

  test('an older position event arriving late does not overwrite a newer one', () => {
    const s = open()
    s.apply([positionEvent({ shares: 25, avgPrice: 0.42 }, { shares: 0, avgPrice: 0 }, 2000)])
    s.apply([positionEvent({ shares: 10, avgPrice: 0.4 }, { shares: 0, avgPrice: 0 }, 1000)])
    expect(rows(s, "SELECT shares FROM positions WHERE token_id = '1111'")).toEqual([{ shares: 25 }])
  })

  test('markouts: one row per trade, token and horizon; re-measuring updates it', () => {
    const s = open()
    s.apply([markoutEvent(3, 0.01), markoutEvent(10, -0.02), markoutEvent(3, 0.015)])
    expect(rows(s, 'SELECT horizon_sec, markout FROM markouts ORDER BY horizon_sec')).toEqual([
      { horizon_sec: 3, markout: 0.015 },
      { horizon_sec: 10, markout: -0.02 },
    ])
  })

  test('a selection snapshot is kept once, with its markets and their YES/NO tokens', () => {
    const s = open()
    s.apply([selectionEvent(5000), selectionEvent(5000)])
    const snaps = rows<{ market_count: number; added: string; markets: string }>(
      s,
      'SELECT market_count, added, markets FROM selection_snapshots',
    )
    expect(snaps).toHaveLength(1)
    expect(snaps[0]?.market_count).toBe(1)
    expect(JSON.parse(snaps[0]?.added ?? '')).toEqual([CONDITION_A])
    expect(rows(s, 'SELECT question, yes_token_id, no_token_id, tick_size FROM markets')).toEqual([
      { question: 'Will A happen?', yes_token_id: '1111', no_token_id: '2222', tick_size: 0.01 },
    ])
  })

  test('fair_values keeps the last quote of each market per UTC day', () => {
    const s = open()
    const day1 = Date.UTC(2026, 0, 1)
    s.apply([quoteEvent(0.5, day1 + 1000), quoteEvent(0.55, day1 + 5000), quoteEvent(0.52, day1 + 3000)])
    s.apply([quoteEvent(0.6, day1 + 86_400_000 + 10)])
    expect(rows(s, 'SELECT date, fair, at FROM fair_values ORDER BY date')).toEqual([
      { date: '2026-01-01', fair: 0.55, at: day1 + 5000 },
      { date: '2026-01-02', fair: 0.6, at: day1 + 86_400_000 + 10 },
    ])
  })

  test('a batch is one transaction: a bad event writes nothing of its batch', () => {
    const s = open()
    const bad = { ...orderEvent({ id: '0xbad' }), order: { ...orderEvent().order, id: '0xbad', side: 'HOLD' } }
    expect(() => s.apply([fillEvent(), bad as unknown as DaemonEvent])).toThrow()
    expect(rows(s, 'SELECT * FROM fills')).toEqual([])
  })
})

describe('unusable database files: a clear error naming the file, never a fallback', () => {
  function expectOpenError(path: string, cause: RegExp) {
    let err: unknown
    try {
      open(path)
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(StoreOpenError)
    expect((err as Error).message).toContain(path)
    expect((err as Error).message).toMatch(cause)
  }

  test('read-only file', () => {
    const path = tempDb()
    open(path).close()
    chmodSync(path, 0o444)
    expectOpenError(path, /read-only/)
  })

  test('locked by another connection', () => {
    const path = tempDb()
    open(path).close()
    const holder = new Database(path)
    holder.exec('BEGIN EXCLUSIVE')
    try {
      expectOpenError(path, /locked/)
    } finally {
      holder.exec('ROLLBACK')
      holder.close()
    }
  })

  test('not a database at all', () => {
    const path = tempDb()
    writeFileSync(path, 'these are not the bytes you are looking for\n'.repeat(200))
    expectOpenError(path, /corrupt or not an SQLite database/)
  })

  test('a database with damaged pages', () => {
    const path = tempDb()
    const s = open(path)
    s.apply(Array.from({ length: 400 }, (_, i) => fillEvent({ tradeId: `t${i}`, orderId: `0x${i}`.padEnd(60, 'f') })))
    s.db.exec('PRAGMA wal_checkpoint(TRUNCATE)')
    s.close()
    const bytes = readFileSync(path)
    bytes.fill(0x5a, 4096 * 2, Math.min(bytes.length, 4096 * 6))
    writeFileSync(path, bytes)
    expectOpenError(path, /corrupt/)
  })

  test('an SQLite file of another program', () => {
    const path = tempDb()
    const other = new Database(path)
    other.exec('CREATE TABLE notes (body TEXT)')
    other.close()
    expectOpenError(path, /not an mm database/)
  })

  test('a schema newer than this build', () => {
    const path = tempDb()
    open(path).close()
    const db = new Database(path)
    db.exec(`INSERT INTO schema_version VALUES (${LATEST_SCHEMA_VERSION + 1}, 'future', 0)`)
    db.close()
    expectOpenError(path, /newer than this build/)
  })

  test('a directory that does not exist', () => {
    const path = join(tempDb(), 'nope', 'mm_state.db')
    expectOpenError(path, /does not exist/)
  })

  test('a missing file when the caller requires it to exist', () => {
    const path = tempDb()
    expect(() => openStore(path, { create: false })).toThrow(/no such file/)
  })
})
