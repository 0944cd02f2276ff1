import { Database } from 'bun:sqlite'
import { existsSync } from 'node:fs'
import { type OwnerScope, scopeSql } from './queries.ts'

/**
 * Match time (ms) of the newest fill of one owner scope, through a read-only connection (it works before the
 * plugin has started, and beside the writer under WAL). Undefined for a file or a table that is not there yet.
 */
export function lastFillAtIn(path: string, scope?: OwnerScope): number | undefined {
  if (!existsSync(path)) return undefined
  const db = new Database(path, { readonly: true })
  try {
    const hasFills = db.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'fills'").get()
    if (!hasFills) return undefined
    const s = scopeSql(scope)
    const row = db
      .query<{ at: number | null }, string[]>(`SELECT MAX(filled_at) AS at FROM fills WHERE ${s.where}`)
      .get(...s.params)
    return row?.at ?? undefined
  } finally {
    db.close()
  }
}
