import { readFile } from 'node:fs/promises'
import { extname } from 'node:path'
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml'
import type { SourceOutput } from '../../../stages/io.ts'
import { asSelectionColumn } from '../selection/columns.ts'
import { type Cell, collectRows, type RawEntry, type RawRow } from '../selection/rows.ts'
import { rowsFromTable } from '../selection/table.ts'
import { parseCsv } from './parse-csv.ts'

export type SelectionFileFormat = 'csv' | 'yaml'

/** The format from the extension: .csv, .yaml or .yml; undefined for anything else. */
export function formatFromPath(path: string): SelectionFileFormat | undefined {
  const ext = extname(path).toLowerCase()
  if (ext === '.csv') return 'csv'
  if (ext === '.yaml' || ext === '.yml') return 'yaml'
  return undefined
}

/** CSV: the header row names the columns; rows are labelled `name:line`. */
export function selectionFromCsv(text: string, name: string): SourceOutput {
  let records: ReturnType<typeof parseCsv>
  try {
    records = parseCsv(text)
  } catch (err) {
    throw new Error(`${name}: ${(err as Error).message}`)
  }
  // Leading blank lines before the header are tolerated.
  const headerAt = records.findIndex((r) => r.cells.some((c) => c.trim() !== ''))
  const header = headerAt >= 0 ? (records[headerAt]?.cells ?? []) : []
  const body = headerAt >= 0 ? records.slice(headerAt + 1) : []
  return rowsFromTable(
    name,
    header,
    body.map((r) => r.cells),
    (i) => `${name}:${body[i]?.line ?? '?'}`,
  )
}

function toCell(value: unknown): Cell {
  if (value === null || value === undefined) return value
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean')
    return value
  // A list or mapping where a scalar belongs: keep it as text so the row is rejected with what was written.
  return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))
}

/**
 * YAML: a list of mappings with the same column names as the sheet. Integers are read as bigints so an unquoted
 * 77-digit token id keeps every digit. Rows are labelled `name:line`.
 */
export function selectionFromYaml(text: string, name: string): SourceOutput {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { intAsBigInt: true, lineCounter })
  const firstError = doc.errors[0]
  if (firstError) {
    const at = firstError.linePos?.[0]?.line
    throw new Error(`${name}${at ? `:${at}` : ''}: invalid YAML: ${firstError.message.split('\n')[0]}`)
  }
  const root = doc.contents
  if (root === null || (isScalar(root) && (root.value === null || root.value === ''))) return { rows: [], rejected: [] }
  if (!isSeq(root)) throw new Error(`${name}: expected a list of rows (- token1: … token2: …)`)
  const entries: RawEntry[] = []
  for (const item of root.items) {
    const offset = (item as { range?: [number, number, number] } | null)?.range?.[0] ?? 0
    const origin = `${name}:${lineCounter.linePos(offset).line}`
    if (!isMap(item)) {
      entries.push({ raw: {}, origin, error: 'row is not a mapping of column: value' })
      continue
    }
    const raw: RawRow = {}
    for (const pair of item.items) {
      const key = isScalar(pair.key) ? pair.key.value : pair.key
      const col = asSelectionColumn(key)
      if (col === undefined) continue
      const value = pair.value
      raw[col] = toCell(isScalar(value) ? value.value : value === null ? null : value?.toJSON())
    }
    entries.push({ raw, origin })
  }
  return collectRows(entries)
}

/** Reads and validates a selection file; throws with the file name when it cannot be read or parsed at all. */
export async function loadSelectionFile(
  path: string,
  format: SelectionFileFormat,
  name: string,
): Promise<SourceOutput> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    throw new Error(`${name}: cannot read market selection file: ${(err as Error).message}`)
  }
  return format === 'csv' ? selectionFromCsv(text, name) : selectionFromYaml(text, name)
}
