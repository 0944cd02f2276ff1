import type { Database } from 'bun:sqlite'
import type { Fill, Side, TradeStatus } from '../../../schemas/domain.ts'

/**
 * Reads (and the two writes) the CLI needs. Fills come back oldest first, ties in the order they were first
 * recorded, so replaying them through the account reproduces the daemon's average cost.
 */

export interface StoredFill extends Fill {
  readonly rebateUsd: number
}

interface FillRow {
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

/** Fills that count (every status but FAILED) that happened strictly before `before` (ms UTC). */
export function loadCountedFills(db: Database, before = Number.MAX_SAFE_INTEGER): StoredFill[] {
  return db
    .query<FillRow, [number]>(
      `SELECT trade_id, order_id, token_id, condition_id, side, price, size, fee_usd, rebate_usd, role, trade_status,
         filled_at
       FROM fills WHERE trade_status <> 'FAILED' AND filled_at < ? ORDER BY filled_at, rowid`,
    )
    .all(before)
    .map((r) => ({
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

/** Each market's last fair value on `date` or, when it had no quote that day, on its latest earlier day. */
export function loadLastFairs(db: Database, date: string): Map<string, FairMark> {
  const rows = db
    .query<{ condition_id: string; fair: number; at: number }, [string]>(
      `SELECT f.condition_id, f.fair, f.at FROM fair_values f
       JOIN (SELECT condition_id, MAX(date) AS date FROM fair_values WHERE date <= ?1 GROUP BY condition_id) last
         ON last.condition_id = f.condition_id AND last.date = f.date`,
    )
    .all(date)
  return new Map(rows.map((r) => [r.condition_id, { fair: r.fair, at: r.at }]))
}

export interface PositionRow {
  readonly tokenId: string
  readonly conditionId: string
  readonly shares: number
  readonly avgPrice: number
  readonly realizedPnl: number
  readonly updatedAt: number
}

export function loadPositions(db: Database): PositionRow[] {
  return db
    .query<
      {
        token_id: string
        condition_id: string
        shares: number
        avg_price: number
        realized_pnl: number
        updated_at: number
      },
      []
    >('SELECT token_id, condition_id, shares, avg_price, realized_pnl, updated_at FROM positions ORDER BY token_id')
    .all()
    .map((r) => ({
      tokenId: r.token_id,
      conditionId: r.condition_id,
      shares: r.shares,
      avgPrice: r.avg_price,
      realizedPnl: r.realized_pnl,
      updatedAt: r.updated_at,
    }))
}

/** Replace the whole positions table in one transaction. */
export function replacePositions(db: Database, rows: readonly PositionRow[]): void {
  const insert = db.query(
    `INSERT INTO positions (token_id, condition_id, shares, avg_price, realized_pnl, updated_at)
     VALUES (?, ?, ?, ?, ?, ?)`,
  )
  db.transaction(() => {
    db.exec('DELETE FROM positions')
    for (const r of rows) insert.run(r.tokenId, r.conditionId, r.shares, r.avgPrice, r.realizedPnl, r.updatedAt)
  }).immediate()
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

/** Replace one day's rows: re-running export-pnl for a date leaves exactly the latest computation. */
export function upsertPnlDaily(db: Database, date: string, rows: readonly PnlDailyRow[], computedAt: number): void {
  const insert = db.query(
    `INSERT INTO pnl_daily (date, condition_id, realized_usd, fees_usd, rebates_usd, net_realized_usd, unrealized_usd,
       fair, fair_at, volume_usd, fills, yes_shares, no_shares, computed_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  )
  db.transaction(() => {
    db.query('DELETE FROM pnl_daily WHERE date = ?').run(date)
    for (const r of rows)
      insert.run(
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
