import type { Database } from 'bun:sqlite'
import { SCHEMA_V1 } from './schema.ts'
import { SCHEMA_V2 } from './schema-v2.ts'

/** One step of the schema, applied once, in version order, inside a transaction. */
export interface Migration {
  readonly version: number
  readonly name: string
  readonly sql: string
}

/** Ordered; append only. A released migration is never edited: add the next version instead. */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'initial tables', sql: SCHEMA_V1 },
  { version: 2, name: 'mode and account on every row; state_owner', sql: SCHEMA_V2 },
]

export const LATEST_SCHEMA_VERSION = MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0)

export interface MigrationResult {
  readonly from: number
  readonly to: number
}

function tableNames(db: Database): string[] {
  return db
    .query<{ name: string }, []>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    .all()
    .map((r) => r.name)
}

/** The version recorded in the file: 0 for a new, empty database. Throws for a foreign or newer database. */
export function schemaVersion(db: Database): number {
  const tables = tableNames(db)
  if (!tables.includes('schema_version')) {
    if (tables.length > 0)
      throw new Error(`not an mm database: it has tables (${tables.slice(0, 3).join(', ')}) but no schema_version`)
    return 0
  }
  const row = db.query<{ v: number | null }, []>('SELECT MAX(version) AS v FROM schema_version').get()
  return row?.v ?? 0
}

/**
 * Bring the file to the latest schema. Runs under BEGIN IMMEDIATE so two processes opening a new file at once
 * cannot both apply version 1; a lock held elsewhere surfaces here as SQLITE_BUSY after busy_timeout.
 */
export function migrate(db: Database, now: number): MigrationResult {
  let from = 0
  db.transaction(() => {
    from = schemaVersion(db)
    if (from > LATEST_SCHEMA_VERSION)
      throw new Error(`schema version ${from} is newer than this build knows (${LATEST_SCHEMA_VERSION}); upgrade mm`)
    if (from === 0)
      db.exec(
        'CREATE TABLE schema_version (version INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT',
      )
    const record = db.query('INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)')
    for (const m of MIGRATIONS) {
      if (m.version <= from) continue
      db.exec(m.sql)
      record.run(m.version, m.name, now)
    }
  }).immediate()
  return { from, to: LATEST_SCHEMA_VERSION }
}
