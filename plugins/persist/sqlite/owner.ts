import type { Database } from 'bun:sqlite'
import type { StateOwner } from '../../../pipeline/state-owner.ts'

/**
 * The file's owner (state_owner): the first daemon to write claims it; a daemon of another mode or account is
 * refused with the reason, unless the operator adopts the file (--adopt-state). A --test dry run counts as its
 * live account (it reads the real day's PnL) but writes its rows as mode 'test'.
 */

/** Rows of the tables that carry an owner. */
export const OWNED_TABLES = [
  'orders',
  'orders_active',
  'fills',
  'positions',
  'markouts',
  'pnl_daily',
  'fair_values',
  'selection_snapshots',
  'markets',
] as const

export class ForeignStateError extends Error {
  override readonly name = 'ForeignStateError'
}

interface OwnerRow {
  mode: 'paper' | 'live'
  account: string
  ephemeral: number
}

export function baseMode(owner: StateOwner): 'paper' | 'live' {
  return owner.mode === 'test' ? 'live' : owner.mode
}

function describe(mode: string, account: string, ephemeral: boolean): string {
  return ephemeral ? `${mode} (throwaway paper accounts)` : `${mode} account ${account}`
}

function legacyRows(db: Database): number {
  let n = 0
  for (const t of ['orders', 'fills', 'positions'])
    n += db.query<{ n: number }, []>(`SELECT COUNT(*) AS n FROM ${t} WHERE mode = ''`).get()?.n ?? 0
  return n
}

export type ClaimOutcome = 'new' | 'same' | 'adopted'

/** Checks (and on first use records) the owner; run inside the open's transaction-free setup, after migrate. */
export function claimOwner(db: Database, owner: StateOwner, now: number): { outcome: ClaimOutcome; was?: string } {
  const mode = baseMode(owner)
  const account = owner.ephemeral ? '*' : owner.account
  const me = describe(mode, owner.account, owner.ephemeral)
  let result: { outcome: ClaimOutcome; was?: string } = { outcome: 'same' }
  db.transaction(() => {
    const row = db.query<OwnerRow, []>('SELECT mode, account, ephemeral FROM state_owner WHERE id = 1').get()
    const write = () =>
      db
        .query(
          `INSERT INTO state_owner (id, mode, account, ephemeral, claimed_at) VALUES (1, ?, ?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET mode = excluded.mode, account = excluded.account,
             ephemeral = excluded.ephemeral, claimed_at = excluded.claimed_at`,
        )
        .run(mode, account, owner.ephemeral ? 1 : 0, now)
    if (!row) {
      const legacy = legacyRows(db)
      if (legacy > 0 && !owner.adoptForeign)
        throw new ForeignStateError(
          `it holds ${legacy} rows written before mm recorded paper/live and the account, so they may be paper ` +
            `trading's or another account's; this run is ${me}. Use another sqlite path, or start once with ` +
            `--adopt-state to claim those rows as this run's`,
        )
      if (legacy > 0)
        for (const t of OWNED_TABLES)
          db.query(`UPDATE ${t} SET mode = ?, account = ? WHERE mode = ''`).run(owner.mode, owner.account)
      write()
      result = { outcome: legacy > 0 ? 'adopted' : 'new' }
      return
    }
    if (row.mode === mode && row.account === account) return
    const was = describe(row.mode, row.account, row.ephemeral === 1)
    if (!owner.adoptForeign)
      throw new ForeignStateError(
        `it was written by ${was}; this run is ${me}. Paper and live (or two accounts) never share a database: ` +
          `use another sqlite path, or start with --adopt-state to make this file ${me}'s (the other rows stay ` +
          `apart, marked with their own mode and account)`,
      )
    write()
    result = { outcome: 'adopted', was }
  }).immediate()
  return result
}
