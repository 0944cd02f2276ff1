// The drill's judgements, as pure functions of what it read: fills compared by trade id, positions per token.
import type { LedgerFill } from './ledger.ts'

/** A trade that failed on chain moved nothing: it counts on neither side. */
const counts = (f: LedgerFill) => f.status !== 'FAILED'
const key = (f: LedgerFill) => `${f.tradeId}|${f.orderId}`

export interface FillComparison {
  readonly exchange: number
  readonly database: number
  /** On the exchange, not in the database. */
  readonly lost: LedgerFill[]
  /** In the database more often than the exchange has it (the extra rows). */
  readonly doubled: LedgerFill[]
  /** In the database, unknown to the exchange (or failed there). */
  readonly phantom: LedgerFill[]
  /** Same fill, the database's status behind the exchange's final one (e.g. MINED vs CONFIRMED). */
  readonly statusBehind: Array<{ fill: LedgerFill; exchangeStatus: string }>
}

export function compareFills(exchange: readonly LedgerFill[], database: readonly LedgerFill[]): FillComparison {
  const ex = exchange.filter(counts)
  const exByTrade = new Map<string, number>()
  for (const f of ex) exByTrade.set(f.tradeId, (exByTrade.get(f.tradeId) ?? 0) + 1)
  const dbByKey = new Map<string, LedgerFill>()
  const dbByTrade = new Map<string, LedgerFill[]>()
  for (const f of database) {
    if (!counts(f)) continue
    dbByKey.set(key(f), f)
    const list = dbByTrade.get(f.tradeId) ?? []
    list.push(f)
    dbByTrade.set(f.tradeId, list)
  }
  const lost = ex.filter((f) => !dbByKey.has(key(f)))
  const doubled: LedgerFill[] = []
  const phantom: LedgerFill[] = []
  for (const [trade, rows] of dbByTrade) {
    const expected = exByTrade.get(trade) ?? 0
    if (expected === 0) {
      phantom.push(...rows)
      continue
    }
    // Rows beyond the exchange's count of this trade's fills of ours: the ones whose key the exchange lacks.
    const extra = rows.length - expected
    if (extra > 0) {
      const exKeys = new Set(ex.filter((f) => f.tradeId === trade).map(key))
      doubled.push(...rows.filter((r) => !exKeys.has(key(r))).slice(0, extra))
    }
  }
  const statusBehind: FillComparison['statusBehind'] = []
  const finalOnExchange = new Map(ex.filter((f) => f.status === 'CONFIRMED').map((f) => [key(f), f.status]))
  for (const f of database) {
    const s = finalOnExchange.get(key(f))
    if (s !== undefined && f.status !== s) statusBehind.push({ fill: f, exchangeStatus: s })
  }
  return {
    exchange: ex.length,
    database: database.filter(counts).length,
    lost,
    doubled,
    phantom,
    statusBehind,
  }
}

/** Holdings per token from fills alone (the account starts with no shares). */
export function replayPositions(fills: readonly LedgerFill[]): Map<string, number> {
  const out = new Map<string, number>()
  for (const f of fills) {
    if (!counts(f)) continue
    out.set(f.tokenId, (out.get(f.tokenId) ?? 0) + (f.side === 'BUY' ? f.size : -f.size))
  }
  return out
}

export interface PositionMismatch {
  readonly tokenId: string
  readonly daemon: number
  readonly exchange: number
}

/** Tokens whose holdings differ by more than `tolerance` shares (absent = 0). */
export function comparePositions(
  daemon: ReadonlyMap<string, number>,
  exchange: ReadonlyMap<string, number>,
  tolerance = 0.011,
): PositionMismatch[] {
  const tokens = new Set([...daemon.keys(), ...exchange.keys()])
  const out: PositionMismatch[] = []
  for (const t of tokens) {
    const d = daemon.get(t) ?? 0
    const e = exchange.get(t) ?? 0
    if (Math.abs(d - e) > tolerance) out.push({ tokenId: t, daemon: round(d), exchange: round(e) })
  }
  return out
}

export const round = (x: number, digits = 4) => Math.round(x * 10 ** digits) / 10 ** digits
