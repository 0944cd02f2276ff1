import type { Database } from 'bun:sqlite'
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { type ParseArgsConfig, parseArgs } from 'node:util'
import { latestAccount, loadOwner, type OwnerScope } from '../../../plugins/persist/sqlite/queries.ts'
import { openStore, type Store, StoreOpenError } from '../../../plugins/persist/sqlite/store.ts'

/** What a command writes to: the CLI passes process streams, tests pass collectors. */
export interface CliIo {
  readonly stdout: (s: string) => void
  readonly isTTY: boolean
  /** One-line errors; process.stderr when absent. */
  readonly stderr?: (s: string) => void
}

/** Bad input from the user: printed as one line, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError'
}

export type OutputFormat = 'table' | 'csv' | 'json'
const FORMATS: readonly OutputFormat[] = ['table', 'csv', 'json']

export const DEFAULT_DB = './mm_state.db'

type Options = NonNullable<ParseArgsConfig['options']>

/** Strict flag parsing: an unknown flag, a missing value or a stray argument is a UsageError. */
export function parseFlags<O extends Options>(argv: readonly string[], options: O) {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err)
    // node:util messages can span lines (with a hint); keep the first.
    throw new UsageError(message.split('\n')[0] ?? message)
  }
}

/** Table on a terminal, CSV otherwise, unless --format says. */
export function resolveFormat(flag: string | undefined, isTTY: boolean): OutputFormat {
  if (flag === undefined) return isTTY ? 'table' : 'csv'
  if (!(FORMATS as readonly string[]).includes(flag))
    throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, not ${JSON.stringify(flag)}`)
  return flag as OutputFormat
}

export interface UtcDay {
  readonly date: string
  /** ms UTC, inclusive. */
  readonly start: number
  /** ms UTC, exclusive. */
  readonly end: number
}

/** A real calendar day as YYYY-MM-DD, taken as a UTC day. */
export function parseUtcDay(value: string): UtcDay {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value)
  const start = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : Number.NaN
  if (!m || Number.isNaN(start) || new Date(start).toISOString().slice(0, 10) !== value)
    throw new UsageError(`--date must be a calendar day as YYYY-MM-DD (UTC), not ${JSON.stringify(value)}`)
  return { date: value, start, end: start + 86_400_000 }
}

/** Open an existing database for a command; every failure is a UsageError naming the file. */
export function openCliStore(file: string): Store {
  const path = resolve(file)
  if (!existsSync(path))
    throw new UsageError(`database not found: ${path} (use --db <path>; the paper default writes ./mm_paper.db)`)
  try {
    return openStore(path, { create: false, busyTimeoutMs: 5000 })
  } catch (err) {
    if (err instanceof StoreOpenError) throw new UsageError(err.message)
    throw err
  }
}

/** Run a command body: UsageError → one line and 2, any other error → one line and 1. */
export async function runCommand(name: string, io: CliIo, body: () => Promise<number> | number): Promise<number> {
  const stderr = io.stderr ?? ((s: string) => process.stderr.write(s))
  try {
    return await body()
  } catch (err) {
    const message = (err instanceof Error ? err.message : String(err)).replace(/\s*\n\s*/g, ' ')
    stderr(`mm ${name}: ${message}\n`)
    return err instanceof UsageError ? 2 : 1
  }
}

export const SCOPE_FLAGS = {
  mode: { type: 'string' },
  account: { type: 'string' },
} as const

export const SCOPE_HELP = `  --mode     paper, live or test (dry-run rows); default: the database owner's
  --account  the maker address; default: the owner's (for throwaway paper accounts, the last run's)`

export interface ResolvedScope extends OwnerScope {
  readonly account: string
  /** For the output: whose rows these are. */
  readonly label: string
}

/**
 * Whose rows a command reads: --mode and --account, defaulting to the file's owner. A file written before rows
 * recorded mode and account (never adopted) has only mode '' rows.
 */
export function resolveScope(
  db: Database,
  flags: { mode?: string | undefined; account?: string | undefined },
): ResolvedScope {
  if (flags.mode !== undefined && !['paper', 'live', 'test'].includes(flags.mode))
    throw new UsageError(`--mode must be paper, live or test, not ${JSON.stringify(flags.mode)}`)
  const owner = loadOwner(db)
  const mode = flags.mode ?? owner?.mode ?? ''
  let account = flags.account?.toLowerCase()
  if (account === undefined) {
    if (owner && !owner.ephemeral && mode === owner.mode) account = owner.account
    else account = latestAccount(db, mode) ?? (owner && !owner.ephemeral ? owner.account : '')
  }
  const label =
    mode === ''
      ? 'rows of unknown mode and account (written before mm recorded them)'
      : `${mode} account ${account || '(none)'}`
  return { mode, account, label }
}
