// After the final stop: the daemon's database against the exchange's ledger (fills by trade id, positions per
// token, what still rests).
import type { Wallet } from 'ethers'
import { compareFills, comparePositions, replayPositions, round } from './invariants.ts'
import { adminAccount, exchangeFills, type LedgerFill, readDatabase } from './ledger.ts'
import type { DrillReport } from './report.ts'
import { exchangePositions } from './sampler.ts'

/** How long after its trade each fill reached the database (a silent user channel shows here). */
function lagSummary(fills: readonly LedgerFill[]) {
  const lags = fills
    .map((f) => f.recordLagMs)
    .filter((x): x is number => x !== undefined)
    .sort((a, b) => a - b)
  const at = (q: number) =>
    lags.length === 0 ? null : round((lags[Math.min(lags.length - 1, Math.floor(q * lags.length))] as number) / 1000, 1)
  return { p50: at(0.5), p99: at(0.99), max: at(1), over_5s: lags.filter((x) => x > 5000).length }
}
export async function judgeLedger(opts: {
  readonly admin: string
  readonly address: string
  readonly dbPath: string
  readonly clobUrl: string
  readonly wallet: Wallet
  /** What /status showed at the end, per token. */
  readonly finalStatus?: ReadonlyMap<string, number>
}): Promise<{
  fills: DrillReport['fills']
  positions: Omit<DrillReport['positions'], 'status_vs_exchange_end'>
  ordersAfterStop: DrillReport['orders_after_stop']
}> {
  const account = await adminAccount(opts.admin, opts.address)
  const db = readDatabase(opts.dbPath)
  const exFills = await exchangeFills(opts.clobUrl, opts.wallet)
  const fills = compareFills(exFills, db.fills)
  const exPos = exchangePositions(account)
  const replayed = replayPositions(db.fills)
  const tokens = [...new Set([...exPos.keys(), ...db.positions.keys()])]
  return {
    fills: {
      record_lag_s: lagSummary(db.fills),
      exchange: fills.exchange,
      database: fills.database,
      lost: fills.lost,
      doubled: fills.doubled,
      phantom: fills.phantom,
      status_behind: fills.statusBehind.length,
      status_behind_examples: fills.statusBehind.slice(0, 5),
    },
    positions: {
      table_vs_exchange_end: comparePositions(db.positions, exPos),
      replayed_fills_vs_exchange: comparePositions(replayed, exPos),
      tokens: tokens.length,
      end_by_token: Object.fromEntries(
        tokens.map((t) => [
          t,
          {
            exchange: round(exPos.get(t) ?? 0),
            status: opts.finalStatus ? round(opts.finalStatus.get(t) ?? 0) : null,
            positions_table: round(db.positions.get(t) ?? 0),
            fills_replayed: round(replayed.get(t) ?? 0),
          },
        ]),
      ),
    },
    ordersAfterStop: { exchange: account.open_orders.length, orders_active_rows: db.ordersActive },
  }
}
