import { ConditionIdSchema, type SelectionRow } from '../../../schemas/domain.ts'
import type { SourceOutput } from '../../../stages/io.ts'
import { COLUMN_LABELS, type SelectionColumn } from './columns.ts'
import { parseNumber } from './parse-number.ts'

/** A cell as the readers hand it over: text (CSV, Sheets), or a YAML scalar. */
export type Cell = string | number | bigint | boolean | null | undefined
export type RawRow = Partial<Record<SelectionColumn, Cell>>

export type RowParse = { kind: 'row'; row: SelectionRow } | { kind: 'blank' } | { kind: 'error'; reason: string }

const NUMERIC_COLUMNS = ['liquidity', 'volume_24h', 'volume_7d', 'volume_30d'] as const

function isEmpty(cell: Cell): boolean {
  return cell === undefined || cell === null || (typeof cell === 'string' && cell.trim() === '')
}

function parseTokenId(
  cell: Cell,
  column: 'token1' | 'token2',
): { ok: true; id: string } | { ok: false; error: string } {
  if (isEmpty(cell)) return { ok: false, error: `${column} is missing` }
  if (typeof cell === 'bigint')
    return cell >= 0n ? { ok: true, id: cell.toString() } : { ok: false, error: `${column} is negative` }
  if (typeof cell === 'number') {
    // A float cannot hold a 77-digit token id exactly: the value was already damaged before it reached us.
    if (Number.isSafeInteger(cell) && cell >= 0) return { ok: true, id: String(cell) }
    return { ok: false, error: `${column} ${cell} lost precision as a number; write the token id as text` }
  }
  const text = String(cell).trim()
  if (/^\d+$/.test(text)) return { ok: true, id: text.replace(/^0+(?=\d)/, '') }
  if (/^\d(\.\d+)?e\+?\d+$/i.test(text)) {
    return { ok: false, error: `${column} "${text}" is a number the sheet shortened; format the column as plain text` }
  }
  return { ok: false, error: `${column} "${text}" is not a token id (a decimal integer)` }
}

/**
 * Validates one row. A row whose every known cell is empty is blank (skipped without a report); otherwise every
 * problem of the row is listed in one reason.
 */
export function parseSelectionRow(raw: RawRow, origin: string): RowParse {
  if (Object.values(raw).every(isEmpty)) return { kind: 'blank' }
  const errors: string[] = []
  const t1 = parseTokenId(raw.token1, 'token1')
  const t2 = parseTokenId(raw.token2, 'token2')
  if (!t1.ok) errors.push(t1.error)
  if (!t2.ok) errors.push(t2.error)
  if (t1.ok && t2.ok && t1.id === t2.id) errors.push('token1 and token2 are the same token')
  let conditionId: string | undefined
  if (!isEmpty(raw.condition_id)) {
    const text = String(raw.condition_id).trim()
    const parsed = ConditionIdSchema.safeParse(text)
    if (parsed.success) conditionId = parsed.data.toLowerCase()
    else errors.push(`condition_id "${text}" is not 0x + 64 hex digits`)
  }
  const numbers: Partial<Record<(typeof NUMERIC_COLUMNS)[number], number>> = {}
  for (const col of NUMERIC_COLUMNS) {
    const cell = raw[col]
    const parsed = parseNumber(typeof cell === 'boolean' ? String(cell) : cell)
    if (!parsed.ok) errors.push(`${COLUMN_LABELS[col]} ${parsed.error}`)
    else if (parsed.value !== undefined) numbers[col] = parsed.value
  }
  if (errors.length > 0 || !t1.ok || !t2.ok) return { kind: 'error', reason: errors.join('; ') }
  const row: SelectionRow = { token1: t1.id, token2: t2.id, origin }
  if (conditionId !== undefined) row.condition_id = conditionId
  for (const col of NUMERIC_COLUMNS) {
    const v = numbers[col]
    if (v !== undefined) row[col] = v
  }
  return { kind: 'row', row }
}

export interface RawEntry {
  readonly raw: RawRow
  /** "sheet 'Selected Markets' row 7", "markets.csv:3". */
  readonly origin: string
  /** Set when the reader already knows the row is unusable (e.g. a YAML item that is not a mapping). */
  readonly error?: string
}

/**
 * Validates every entry: bad rows are rejected with their origin and reason, blank rows skipped, and a row
 * repeating an earlier row's token1 or token2 rejected (the first one wins), so one market is never traded twice.
 */
export function collectRows(entries: Iterable<RawEntry>): SourceOutput {
  const rows: SelectionRow[] = []
  const rejected: { origin: string; reason: string }[] = []
  const seen = new Map<string, string>()
  for (const { raw, origin, error } of entries) {
    if (error !== undefined) {
      rejected.push({ origin, reason: error })
      continue
    }
    const parsed = parseSelectionRow(raw, origin)
    if (parsed.kind === 'blank') continue
    if (parsed.kind === 'error') {
      rejected.push({ origin, reason: parsed.reason })
      continue
    }
    const { row } = parsed
    const earlier = seen.get(row.token1) ?? seen.get(row.token2)
    if (earlier !== undefined) {
      rejected.push({ origin, reason: `duplicate of ${earlier} (same token)` })
      continue
    }
    seen.set(row.token1, origin)
    seen.set(row.token2, origin)
    rows.push(row)
  }
  return { rows, rejected }
}
