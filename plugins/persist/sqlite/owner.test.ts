import { Database } from 'bun:sqlite'
import { afterEach, expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { StateOwner } from '../../../pipeline/state-owner.ts'
import { realizedSinceIn } from './realized.ts'
import { SCHEMA_V1 } from './schema.ts'
import { openStore, type Store } from './store.ts'
import { fillEvent, orderEvent, positionEvent } from './test-events.ts'

const dirs: string[] = []
const stores: Store[] = []
function tempDb(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mm-owner-'))
  dirs.push(dir)
  return join(dir, 'mm.db')
}
afterEach(() => {
  for (const s of stores.splice(0)) s.close()
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

const LIVE: StateOwner = { mode: 'live', account: '0xaaa', ephemeral: false, adoptForeign: false }
const OTHER_LIVE: StateOwner = { ...LIVE, account: '0xbbb' }
const PAPER: StateOwner = { mode: 'paper', account: '0x111', ephemeral: true, adoptForeign: false }
const PAPER_NEXT_RUN: StateOwner = { ...PAPER, account: '0x222' }
const DRY_RUN: StateOwner = { ...LIVE, mode: 'test' }

function open(path: string, owner?: StateOwner): Store {
  const s = openStore(path, { busyTimeoutMs: 50, ...(owner ? { owner } : {}) })
  stores.push(s)
  return s
}
function close(s: Store) {
  s.close()
}

test('every row records the mode and account that wrote it', () => {
  const s = open(tempDb(), LIVE)
  s.apply([orderEvent(), fillEvent(), positionEvent({ shares: 10, avgPrice: 0.45 }, { shares: 0, avgPrice: 0 })])
  for (const t of ['orders', 'orders_active', 'fills', 'positions'])
    expect(s.db.query(`SELECT DISTINCT mode, account FROM ${t}`).all()).toEqual([{ mode: 'live', account: '0xaaa' }])
})

test('a live daemon is refused a paper database, with the reason; --adopt-state takes it', () => {
  const path = tempDb()
  close(open(path, PAPER))
  expect(() => open(path, LIVE)).toThrow(
    /written by paper \(throwaway paper accounts\); this run is live account 0xaaa/,
  )
  expect(() => open(path, LIVE)).toThrow(/--adopt-state/)
  const adopted = open(path, { ...LIVE, adoptForeign: true })
  expect(adopted.claim?.outcome).toBe('adopted')
  close(adopted)
  expect(open(path, LIVE).claim?.outcome).toBe('same')
})

test('one live account is refused another account’s database; a dry run of the same account is not', () => {
  const path = tempDb()
  close(open(path, LIVE))
  expect(() => open(path, OTHER_LIVE)).toThrow(/written by live account 0xaaa; this run is live account 0xbbb/)
  const dry = open(path, DRY_RUN)
  dry.apply([orderEvent({ id: '0xdry' })])
  // A dry run's orders never land as live ones.
  expect(dry.db.query("SELECT mode FROM orders WHERE order_id = '0xdry'").get()).toEqual({ mode: 'test' })
})

test('paper runs on throwaway keys share the paper file; their fills stay apart per account', () => {
  const path = tempDb()
  const first = open(path, PAPER)
  first.apply([fillEvent({ tradeId: 't1', side: 'BUY', price: 0.4, size: 10 })])
  close(first)
  const second = open(path, PAPER_NEXT_RUN)
  second.apply([fillEvent({ tradeId: 't1', orderId: '0xother', side: 'SELL', price: 0.5, size: 10 })])
  // Replayed per account: run 2's SELL is not closing run 1's BUY (that would be +1.00 of invented PnL).
  expect(realizedSinceIn(path, 0, { mode: 'paper' })).toBeCloseTo(0, 9)
  expect(realizedSinceIn(path, 0, { mode: 'live', account: '0xaaa' })).toBe(0)
})

test('a version 1 file migrates in place: rows kept, marked unknown, and refused until adopted', () => {
  const path = tempDb()
  const db = new Database(path, { create: true })
  db.exec(
    'CREATE TABLE schema_version (version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT',
  )
  db.exec(SCHEMA_V1)
  db.query("INSERT INTO schema_version VALUES (1, 'initial tables', 0)").run()
  db.query(
    `INSERT INTO fills (trade_id, order_id, token_id, condition_id, side, price, size, usd_value, role, trade_status,
       filled_at, recorded_at, updated_at) VALUES ('t', 'o', '1111', 'c', 'BUY', 0.5, 10, 5, 'MAKER', 'MATCHED', 1, 1, 1)`,
  ).run()
  db.query("INSERT INTO positions VALUES ('1111', 'c', 10, 0.5, 0, 1)").run()
  db.query(
    "INSERT INTO orders_active (order_id, condition_id, token_id, side, price, size, usd_value, status, layer, quote_side, quoted_mid, created_at, updated_at) VALUES ('o', 'c', '1111', 'BUY', 0.5, 10, 5, 'live', 0, 'bid', 0.5, 1, 1)",
  ).run()
  db.close()
  expect(() => open(path, LIVE)).toThrow(/rows written before mm recorded paper\/live and the account/)
  const s = open(path, { ...LIVE, adoptForeign: true })
  expect(s.db.query('SELECT mode, account, shares FROM positions').all()).toEqual([
    { mode: 'live', account: '0xaaa', shares: 10 },
  ])
  expect(s.db.query('SELECT mode, account FROM fills').all()).toEqual([{ mode: 'live', account: '0xaaa' }])
})

test('orders_active keeps only what is open on the exchange: a killed run’s rows go', () => {
  const s = open(tempDb(), LIVE)
  s.apply([orderEvent({ id: '0xkept' }), orderEvent({ id: '0xleft1' }), orderEvent({ id: '0xleft2' })])
  expect(s.reconcileActive(['0xKEPT'])).toBe(2)
  expect(s.db.query('SELECT order_id FROM orders_active').all()).toEqual([{ order_id: '0xkept' }])
  // The orders table (the history) is untouched.
  expect(s.db.query('SELECT COUNT(*) AS n FROM orders').get()).toEqual({ n: 3 })
})
