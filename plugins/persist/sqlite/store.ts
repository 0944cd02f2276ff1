import { Database } from 'bun:sqlite'
import { accessSync, constants, existsSync, statSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import type { StateOwner } from '../../../pipeline/state-owner.ts'
import type { Fill, LiveOrder, TokenPosition } from '../../../schemas/domain.ts'
import type { DaemonEvent, DaemonEventOf } from '../../../stages/events.ts'
import { migrate } from './migrations.ts'
import { type ClaimOutcome, claimOwner } from './owner.ts'
import { FINAL_TRADE_STATUSES, TERMINAL_ORDER_STATUSES, utcDay } from './schema.ts'

/** A database file that cannot be used: the message names the file and the cause. */
export class StoreOpenError extends Error {
  override readonly name = 'StoreOpenError'
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`cannot use database ${path}: ${reason}`)
  }
}

export interface StoreOptions {
  /** Create the file when missing (the daemon); the CLI requires it to exist. */
  readonly create: boolean
  /** How long a write waits for another connection's lock before failing. */
  readonly busyTimeoutMs: number
  /** FULL: a commit survives power loss; NORMAL: it survives a process crash (kill -9) only. */
  readonly synchronous: 'full' | 'normal'
  /** Run PRAGMA quick_check at open so a damaged file fails at start, not mid-run. */
  readonly integrityCheck: boolean
  readonly now: () => number
  /** The daemon's identity: checked against the file's owner, and recorded on every row it writes. */
  readonly owner?: StateOwner
}

export const DEFAULT_STORE_OPTIONS: StoreOptions = {
  create: true,
  busyTimeoutMs: 5000,
  synchronous: 'full',
  integrityCheck: true,
  now: () => Date.now(),
}

export interface Store {
  readonly db: Database
  readonly path: string
  /** How the owner check went ('new': this run claimed the file; 'adopted': --adopt-state took it over). */
  readonly claim: { readonly outcome: ClaimOutcome; readonly was?: string } | undefined
  /** Deletes orders_active rows of this owner that are not among `openIds` (left by a run that was killed). */
  reconcileActive(openIds: readonly string[]): number
  /** Apply events in one transaction; returns how many were applied. Throws (and writes nothing) on failure. */
  apply(events: readonly DaemonEvent[]): number
  close(): void
}

function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}

/** Turns an SQLite failure into the cause a user can act on. */
export function describeOpenFailure(err: unknown, busyTimeoutMs: number): string {
  const code = errorCode(err) ?? ''
  const message = err instanceof Error ? err.message : String(err)
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'))
    return `locked by another process or connection (still locked after ${busyTimeoutMs}ms: ${message})`
  if (code.startsWith('SQLITE_NOTADB') || code.startsWith('SQLITE_CORRUPT'))
    return `corrupt or not an SQLite database (${message})`
  if (code.startsWith('SQLITE_READONLY')) return `read-only (${message})`
  if (code.startsWith('SQLITE_CANTOPEN')) return `cannot be opened (${message})`
  if (code.startsWith('SQLITE_FULL')) return `disk full (${message})`
  return message
}

/** Problems visible from the file system, reported before SQLite gets a chance to fall back to read-only. */
function checkFile(path: string, create: boolean): string | undefined {
  if (!existsSync(path)) {
    if (!create) return 'no such file'
    const dir = dirname(path)
    if (!existsSync(dir)) return `its directory ${dir} does not exist`
    try {
      accessSync(dir, constants.W_OK)
    } catch {
      return `its directory ${dir} is not writable, so the file cannot be created`
    }
    return undefined
  }
  const st = statSync(path)
  if (!st.isFile()) return 'not a regular file'
  // No write bit at all means someone made it read-only on purpose; honour that even for root, who could write.
  if ((st.mode & 0o222) === 0) return `read-only (file mode ${(st.mode & 0o777).toString(8).padStart(4, '0')})`
  try {
    accessSync(path, constants.W_OK)
  } catch {
    return 'read-only (not writable by this process)'
  }
  try {
    // WAL needs to create -wal and -shm files beside the database.
    accessSync(dirname(path), constants.W_OK)
  } catch {
    return `its directory ${dirname(path)} is not writable (WAL needs its -wal and -shm files there)`
  }
  return undefined
}

/**
 * Open (and create or migrate) the database: WAL, busy_timeout, an integrity check, the latest schema. Every
 * failure is a StoreOpenError naming the file; there is no in-memory fallback.
 */
export function openStore(file: string, options: Partial<StoreOptions> = {}): Store {
  const opts = { ...DEFAULT_STORE_OPTIONS, ...options }
  const path = resolve(file)
  const problem = checkFile(path, opts.create)
  if (problem) throw new StoreOpenError(path, problem)
  let db: Database | undefined
  try {
    db = new Database(path, { create: opts.create, readwrite: true, strict: true })
    db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.round(opts.busyTimeoutMs))}`)
    const mode = db.query<{ journal_mode: string }, []>('PRAGMA journal_mode = WAL').get()?.journal_mode
    if (mode !== 'wal') throw new StoreOpenError(path, `cannot switch to WAL journal mode (it stays ${mode})`)
    db.exec(`PRAGMA synchronous = ${opts.synchronous === 'full' ? 'FULL' : 'NORMAL'}`)
    if (opts.integrityCheck) {
      const rows = db.query<{ quick_check: string }, []>('PRAGMA quick_check').all()
      if (rows.length !== 1 || rows[0]?.quick_check !== 'ok')
        throw new StoreOpenError(path, `corrupt (quick_check: ${rows.map((r) => r.quick_check).join('; ')})`)
    }
    migrate(db, opts.now())
    const claim = opts.owner ? claimOwner(db, opts.owner, opts.now()) : undefined
    return createStore(db, path, opts.owner, claim)
  } catch (err) {
    db?.close()
    if (err instanceof StoreOpenError) throw err
    throw new StoreOpenError(path, describeOpenFailure(err, opts.busyTimeoutMs))
  }
}

type Bind = Record<string, string | number | null>

function orderParams(o: LiveOrder, at: number): Bind {
  return {
    order_id: o.id,
    condition_id: o.conditionId,
    token_id: o.tokenId,
    side: o.side,
    price: o.price,
    size: o.size,
    usd_value: o.price * o.size,
    filled: o.filled,
    status: o.status,
    layer: o.layer,
    quote_side: o.quoteSide,
    quoted_mid: o.quotedMid,
    created_at: o.createdAt,
    updated_at: at,
  }
}

function fillParams(f: Fill, at: number): Bind {
  return {
    trade_id: f.tradeId,
    order_id: f.orderId,
    token_id: f.tokenId,
    condition_id: f.conditionId,
    side: f.side,
    price: f.price,
    size: f.size,
    usd_value: f.price * f.size,
    fee_usd: f.feeUsd,
    role: f.role,
    trade_status: f.status,
    filled_at: f.timestamp,
    at,
  }
}

const ORDER_INSERT = `(mode, account, order_id, condition_id, token_id, side, price, size, usd_value, filled, status,
  layer, quote_side, quoted_mid, created_at, updated_at) VALUES ($mode, $account, $order_id, $condition_id, $token_id,
  $side, $price, $size, $usd_value, $filled, $status, $layer, $quote_side, $quoted_mid, $created_at, $updated_at)`
const ORDER_UPDATE = `price = excluded.price, size = excluded.size, usd_value = excluded.usd_value,
  filled = excluded.filled, status = excluded.status, updated_at = excluded.updated_at`
const TERMINAL_LIST = TERMINAL_ORDER_STATUSES.map((s) => `'${s}'`).join(', ')
const FINAL_TRADE_LIST = FINAL_TRADE_STATUSES.map((s) => `'${s}'`).join(', ')

function prepare(db: Database) {
  return {
    // A terminal status always lands; a non-terminal one never revives a terminal order (late, reordered event).
    orderTerminal: db.prepare<unknown, [Bind]>(
      `INSERT INTO orders ${ORDER_INSERT} ON CONFLICT (order_id) DO UPDATE SET ${ORDER_UPDATE}`,
    ),
    orderLive: db.prepare<unknown, [Bind]>(
      `INSERT INTO orders ${ORDER_INSERT} ON CONFLICT (order_id) DO UPDATE SET ${ORDER_UPDATE}
       WHERE orders.status NOT IN (${TERMINAL_LIST})`,
    ),
    activeUpsert: db.prepare<unknown, [Bind]>(
      `INSERT INTO orders_active ${ORDER_INSERT} ON CONFLICT (order_id) DO UPDATE SET ${ORDER_UPDATE}`,
    ),
    activeDelete: db.prepare<unknown, [string]>('DELETE FROM orders_active WHERE order_id = ?'),
    fill: db.prepare<unknown, [Bind]>(
      `INSERT INTO fills (mode, account, trade_id, order_id, token_id, condition_id, side, price, size, usd_value,
         fee_usd, role, trade_status, filled_at, recorded_at, updated_at)
       VALUES ($mode, $account, $trade_id, $order_id, $token_id, $condition_id, $side, $price, $size, $usd_value,
         $fee_usd, $role, $trade_status, $filled_at, $at, $at)
       ON CONFLICT (trade_id, order_id, token_id) DO UPDATE SET trade_status = excluded.trade_status,
         fee_usd = excluded.fee_usd, updated_at = excluded.updated_at
       WHERE fills.trade_status NOT IN (${FINAL_TRADE_LIST})`,
    ),
    position: db.prepare<unknown, [Bind]>(
      `INSERT INTO positions (mode, account, token_id, condition_id, shares, avg_price, realized_pnl, updated_at)
       VALUES ($mode, $account, $token_id, $condition_id, $shares, $avg_price, $realized_pnl, $at)
       ON CONFLICT (mode, account, token_id) DO UPDATE SET condition_id = excluded.condition_id, shares = excluded.shares,
         avg_price = excluded.avg_price, realized_pnl = excluded.realized_pnl, updated_at = excluded.updated_at
       WHERE excluded.updated_at >= positions.updated_at`,
    ),
    marketTokens: db.prepare<unknown, [Bind]>(
      `INSERT INTO markets (mode, account, condition_id, yes_token_id, no_token_id, updated_at)
       VALUES ($mode, $account, $condition_id, $yes_token_id, $no_token_id, $at)
       ON CONFLICT (condition_id) DO UPDATE SET yes_token_id = excluded.yes_token_id,
         no_token_id = excluded.no_token_id, updated_at = excluded.updated_at, mode = excluded.mode,
         account = excluded.account`,
    ),
    market: db.prepare<unknown, [Bind]>(
      `INSERT INTO markets (mode, account, condition_id, question, yes_token_id, no_token_id, tick_size, updated_at)
       VALUES ($mode, $account, $condition_id, $question, $yes_token_id, $no_token_id, $tick_size, $at)
       ON CONFLICT (condition_id) DO UPDATE SET question = excluded.question, yes_token_id = excluded.yes_token_id,
         no_token_id = excluded.no_token_id, tick_size = excluded.tick_size, updated_at = excluded.updated_at,
         mode = excluded.mode, account = excluded.account`,
    ),
    markout: db.prepare<unknown, [Bind]>(
      `INSERT INTO markouts (mode, account, trade_id, token_id, horizon_sec, condition_id, markout, measured_at)
       VALUES ($mode, $account, $trade_id, $token_id, $horizon_sec, $condition_id, $markout, $at)
       ON CONFLICT (trade_id, token_id, horizon_sec) DO UPDATE SET markout = excluded.markout,
         measured_at = excluded.measured_at`,
    ),
    selection: db.prepare<unknown, [Bind]>(
      `INSERT INTO selection_snapshots (mode, account, taken_at, market_count, added, removed, markets)
       VALUES ($mode, $account, $at, $market_count, $added, $removed, $markets)
       ON CONFLICT (taken_at) DO NOTHING`,
    ),
    fair: db.prepare<unknown, [Bind]>(
      `INSERT INTO fair_values (mode, account, condition_id, date, at, fair, reservation, bid, ask, half_spread)
       VALUES ($mode, $account, $condition_id, $date, $at, $fair, $reservation, $bid, $ask, $half_spread)
       ON CONFLICT (mode, account, condition_id, date) DO UPDATE SET at = excluded.at, fair = excluded.fair,
         reservation = excluded.reservation, bid = excluded.bid, ask = excluded.ask,
         half_spread = excluded.half_spread
       WHERE excluded.at >= fair_values.at`,
    ),
  }
}

function isTerminal(status: string): boolean {
  return (TERMINAL_ORDER_STATUSES as readonly string[]).includes(status)
}

/** Every row records whose it is: the statements get the owner's mode and account with their parameters. */
function owned(st: ReturnType<typeof prepare>, who: Bind) {
  const bind = (stmt: { run(p: Bind): { changes: number } }) => ({ run: (p: Bind) => stmt.run({ ...p, ...who }) })
  return {
    orderTerminal: bind(st.orderTerminal),
    orderLive: bind(st.orderLive),
    activeUpsert: bind(st.activeUpsert),
    activeDelete: st.activeDelete,
    fill: bind(st.fill),
    position: bind(st.position),
    marketTokens: bind(st.marketTokens),
    market: bind(st.market),
    markout: bind(st.markout),
    selection: bind(st.selection),
    fair: bind(st.fair),
  }
}

function createStore(db: Database, path: string, owner: StateOwner | undefined, claim: Store['claim']): Store {
  const st = owned(prepare(db), { mode: owner?.mode ?? '', account: owner?.account ?? '' })

  function positionRow(conditionId: string, p: TokenPosition, at: number) {
    st.position.run({
      token_id: p.tokenId,
      condition_id: conditionId,
      shares: p.shares,
      avg_price: p.avgPrice,
      realized_pnl: p.realizedPnl,
      at,
    })
  }

  const handlers: { [T in DaemonEvent['type']]: (e: DaemonEventOf<T>) => void } = {
    order(e) {
      const params = orderParams(e.order, e.at)
      if (isTerminal(e.order.status)) {
        st.orderTerminal.run(params)
        st.activeDelete.run(e.order.id)
      } else if (st.orderLive.run(params).changes > 0) st.activeUpsert.run(params)
    },
    fill(e) {
      st.fill.run(fillParams(e.fill, e.at))
    },
    position(e) {
      const p = e.position
      positionRow(p.conditionId, p.yes, e.at)
      positionRow(p.conditionId, p.no, e.at)
      st.marketTokens.run({
        condition_id: p.conditionId,
        yes_token_id: p.yes.tokenId,
        no_token_id: p.no.tokenId,
        at: e.at,
      })
    },
    markout(e) {
      st.markout.run({
        trade_id: e.tradeId,
        token_id: e.tokenId,
        horizon_sec: Math.round(e.horizonSec),
        condition_id: e.conditionId,
        markout: e.markout,
        at: e.at,
      })
    },
    selection(e) {
      st.selection.run({
        at: e.at,
        market_count: e.markets.length,
        added: JSON.stringify(e.added),
        removed: JSON.stringify(e.removed),
        markets: JSON.stringify(e.markets),
      })
      for (const m of e.markets)
        st.market.run({
          condition_id: m.conditionId,
          question: m.question,
          yes_token_id: m.yesTokenId,
          no_token_id: m.noTokenId,
          tick_size: m.tickSize,
          at: e.at,
        })
    },
    quote(e) {
      st.fair.run({
        condition_id: e.conditionId,
        date: utcDay(e.at),
        at: e.at,
        fair: e.quote.fair,
        reservation: e.quote.reservation,
        bid: e.quote.bid,
        ask: e.quote.ask,
        half_spread: e.quote.halfSpread,
      })
    },
    // Risk transitions and pulls are logged and exported as metrics; they have no table.
    risk() {},
    pull() {},
  }

  const applyAll = db.transaction((events: readonly DaemonEvent[]) => {
    for (const e of events) (handlers[e.type] as (ev: DaemonEvent) => void)(e)
    return events.length
  })

  let closed = false
  return {
    db,
    path,
    claim,
    reconcileActive(openIds) {
      if (!owner) throw new Error('reconcileActive needs the owner the store was opened for')
      const keep = new Set(openIds.map((id) => id.toLowerCase()))
      // This owner's rows, and for throwaway paper accounts every paper row: their simulator is gone.
      const rows = db
        .query<{ order_id: string }, [string, string, number]>(
          `SELECT order_id FROM orders_active WHERE mode = ?1 AND (account = ?2 OR ?3 = 1)`,
        )
        .all(owner.mode, owner.account, owner.ephemeral ? 1 : 0)
      const gone = rows.filter((r) => !keep.has(r.order_id.toLowerCase()))
      db.transaction(() => {
        for (const r of gone) st.activeDelete.run(r.order_id)
      }).immediate()
      return gone.length
    },
    apply(events) {
      if (closed) throw new Error(`database ${path} is closed`)
      if (events.length === 0) return 0
      // IMMEDIATE takes the write lock up front, so a busy database fails fast instead of mid-transaction.
      return applyAll.immediate(events)
    },
    close() {
      if (closed) return
      closed = true
      db.close()
    },
  }
}
