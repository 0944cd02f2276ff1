import type { SourceOutput } from '../../../stages/io.ts'
import { COLUMN_LABELS, mapColumns, SELECTION_COLUMNS } from './columns.ts'
import { type Cell, collectRows, type RawEntry, type RawRow } from './rows.ts'

/**
 * Reads a table whose first row is the header (a CSV file, a sheet's values). Throws when a required column is
 * missing: the whole table is unusable then, and the message names `where` and the headers that were found.
 */
export function rowsFromTable(
  where: string,
  header: readonly Cell[],
  body: readonly (readonly Cell[])[],
  originOf: (bodyIndex: number) => string,
): SourceOutput {
  const { index, missing } = mapColumns(header)
  if (missing.length > 0) {
    const found = header.map((h) => String(h ?? '').trim()).filter((h) => h !== '')
    throw new Error(
      `${where}: missing required column${missing.length > 1 ? 's' : ''} ${missing.map((c) => COLUMN_LABELS[c]).join(', ')}` +
        ` (header row has: ${found.length > 0 ? found.join(', ') : 'nothing'})`,
    )
  }
  function* entries(): Generator<RawEntry> {
    for (let i = 0; i < body.length; i++) {
      const cells = body[i] ?? []
      const raw: RawRow = {}
      for (const col of SELECTION_COLUMNS) {
        const at = index[col]
        if (at !== undefined) raw[col] = cells[at]
      }
      yield { raw, origin: originOf(i) }
    }
  }
  return collectRows(entries())
}
