import type { Database } from 'bun:sqlite'
import type { Fill, Side, TradeStatus } from '../../../schemas/domain.ts'

/**
 * Reads (and the two writes) the CLI needs. Fills come back oldest first, ties in the order they were first
 * recorded, so replaying them through the account reproduces the daemon's average cost.
 */

export interface StoredFill extends Fill {
  readonly rebateUsd: number
  /** Whose fill it is ('' for rows of a version 1 file nobody adopted). */
  readonly mode: string
  readonly account: string
}

/** Whose rows a read takes: one mode, and one account or (undefined) every account of that mode. */
export interface OwnerScope {
  readonly mode: string
  readonly account?: string | undefined
}

export function scopeSql(scope: OwnerScope | undefined, alias = ''): { where: string; params: string[] } {
  if (!scope) return { where: '1 = 1', params: [] }
  const a = alias ? `${alias}.` : ''
  if (scope.account === undefined) return { where: `${a}mode = ?`, params: [scope.mode] }
  return { where: `${a}mode = ? AND ${a}account = ?`, params: [scope.mode, scope.account] }
}

interface FillRow {
  mode: string
  account: string
  trade_id: string
  order_id: string
  token_id: string
  condition_id: string
  side: Side
  price: number
  size: number
  fee_usd: number
  rebate_usd: number
  role: 'MAKER' | 'TAKER'
  trade_status: TradeStatus
  filled_at: number
}

/** Fills that count (every status but FAILED) that happened strictly before `before` (ms UTC), of `scope`. */
export function loadCountedFills(db: Database, before = Number.MAX_SAFE_INTEGER, scope?: OwnerScope): StoredFill[] {
  const s = scopeSql(scope)
  return db
    .query<FillRow, (string | number)[]>(
      `SELECT mode, account, trade_id, order_id, token_id, condition_id, side, price, size, fee_usd, rebate_usd, role,
         trade_status, filled_at
       FROM fills WHERE trade_status <> 'FAILED' AND filled_at < ? AND ${s.where} ORDER BY filled_at, rowid`,
    )
    .all(before, ...s.params)
    .map((r) => ({
      mode: r.mode,
      account: r.account,
      tradeId: r.trade_id,
      orderId: r.order_id,
      tokenId: r.token_id,
      conditionId: r.condition_id,
      side: r.side,
      price: r.price,
      size: r.size,
      feeUsd: r.fee_usd,
      rebateUsd: r.rebate_usd,
      role: r.role,
      status: r.trade_status,
      timestamp: r.filled_at,
    }))
}

export interface MarketTokens {
  readonly conditionId: string
  readonly question: string
  readonly yesTokenId: string
  readonly noTokenId: string
}

export function loadMarkets(db: Database): Map<string, MarketTokens> {
  const rows = db
    .query<{ condition_id: string; question: string; yes_token_id: string; no_token_id: string }, []>(
      'SELECT condition_id, question, yes_token_id, no_token_id FROM markets',
    )
    .all()
  return new Map(
    rows.map((r) => [
      r.condition_id,
      { conditionId: r.condition_id, question: r.question, yesTokenId: r.yes_token_id, noTokenId: r.no_token_id },
    ]),
  )
}

export interface FairMark {
  readonly fair: number
  /** ms UTC of the quote it came from. */
  readonly at: number
}

/**
 * Each market's last fair value on `date` or, when it had no quote that day, on its latest earlier day: of the
 * scope's mode (a paper simulator's fair is no mark for a live position).
 */
export function loadLastFairs(db: Database, date: string, scope?: OwnerScope): Map<string, FairMark> {
  const s = scopeSql(scope && { mode: scope.mode })
  const rows = db
    .query<{ condition_id: string; fair: number; at: number }, string[]>(
      `SELECT f.condition_id, f.fair, f.at FROM fair_values f
       JOIN (SELECT condition_id, MAX(date) AS date FROM fair_values WHERE date <= ? AND ${s.where}
             GROUP BY condition_id) last
         ON last.condition_id = f.condition_id AND last.date = f.date
       WHERE ${scopeSql(scope && { mode: scope.mode }, 'f').where}
       ORDER BY f.at`,
    )
    .all(date, ...s.params, ...s.params)
  return new Map(rows.map((r) => [r.condition_id, { fair: r.fair, at: r.at }]))
}

export interface PositionRow {
  readonly mode: string
  readonly account: string
  readonly tokenId: string
  readonly conditionId: string
  readonly shares: number
  readonly avgPrice: number
  readonly realizedPnl: number
  readonly updatedAt: number
}

export function loadPositions(db: Database, scope?: OwnerScope): PositionRow[] {
  const s = scopeSql(scope)
  return db
    .query<
      {
        mode: string
        account: string
        token_id: string
        condition_id: string
        shares: number
        avg_price: number
        realized_pnl: number
        updated_at: number
      },
      string[]
    >(
      `SELECT mode, account, token_id, condition_id, shares, avg_price, realized_pnl, updated_at FROM positions
       WHERE ${s.where} ORDER BY account, token_id`,
    )
    .all(...s.params)
    .map((r) => ({
      mode: r.mode,
      account: r.account,
      tokenId: r.token_id,
      conditionId: r.condition_id,
      shares: r.shares,
      avgPrice: r.avg_price,
      realizedPnl: r.realized_pnl,
      updatedAt: r.updated_at,
    }))
}

/** Replace the positions of one scope (and only those) in one transaction. */
export function replacePositions(db: Database, scope: OwnerScope, rows: readonly PositionRow[]): void {
  const insert = db.query(
    `INSERT INTO positions (mode, account, token_id, condition_id, shares, avg_price, realized_pnl, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  )
  const s = scopeSql(scope)
  db.transaction(() => {
    db.query(`DELETE FROM positions WHERE ${s.where}`).run(...s.params)
    for (const r of rows)
      insert.run(r.mode, r.account, r.tokenId, r.conditionId, r.shares, r.avgPrice, r.realizedPnl, r.updatedAt)
  }).immediate()
}

/** The file's owner (state_owner), or undefined for a file no daemon of version 2 has claimed. */
export function loadOwner(db: Database): { mode: string; account: string; ephemeral: boolean } | undefined {
  const has = db.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'state_owner'").get()
  if (!has) return undefined
  const r = db
    .query<{ mode: string; account: string; ephemeral: number }, []>(
      'SELECT mode, account, ephemeral FROM state_owner WHERE id = 1',
    )
    .get()
  return r ? { mode: r.mode, account: r.account, ephemeral: r.ephemeral === 1 } : undefined
}

/** The account that recorded the latest fill of a mode (the last paper run, for throwaway paper accounts). */
export function latestAccount(db: Database, mode: string): string | undefined {
  return (
    db
      .query<{ account: string }, [string]>(
        'SELECT account FROM fills WHERE mode = ? ORDER BY recorded_at DESC, rowid DESC LIMIT 1',
      )
      .get(mode)?.account ?? undefined
  )
}

export interface PnlDailyRow {
  readonly conditionId: string
  readonly realizedUsd: number
  readonly feesUsd: number
  readonly rebatesUsd: number
  readonly netRealizedUsd: number
  readonly unrealizedUsd: number | null
  readonly fair: number | null
  readonly fairAt: number | null
  readonly volumeUsd: number
  readonly fills: number
  readonly yesShares: number
  readonly noShares: number
}

/** Replace one day's rows of one owner: re-running export-pnl for a date leaves exactly the latest computation. */
export function upsertPnlDaily(
  db: Database,
  owner: { readonly mode: string; readonly account: string },
  date: string,
  rows: readonly PnlDailyRow[],
  computedAt: number,
): void {
  const insert = db.query(
    `INSERT INTO pnl_daily (mode, account, date, condition_id, realized_usd, fees_usd, rebates_usd, net_realized_usd,
       unrealized_usd, fair, fair_at, volume_usd, fills, yes_shares, no_shares, computed_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  )
  db.transaction(() => {
    db.query('DELETE FROM pnl_daily WHERE date = ? AND mode = ? AND account = ?').run(date, owner.mode, owner.account)
    for (const r of rows)
      insert.run(
        owner.mode,
        owner.account,
        date,
        r.conditionId,
        r.realizedUsd,
        r.feesUsd,
        r.rebatesUsd,
        r.netRealizedUsd,
        r.unrealizedUsd,
        r.fair,
        r.fairAt,
        r.volumeUsd,
        r.fills,
        r.yesShares,
        r.noShares,
        computedAt,
      )
  }).immediate()
}
