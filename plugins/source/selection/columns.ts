/**
 * The columns of the curated market list, found by header name in any order. Headers match case-insensitively
 * after trimming, with spaces and hyphens read as underscores ("Volume 7d" = "Volume_7d"). Extra columns are
 * ignored.
 */
export const SELECTION_COLUMNS = [
  'token1',
  'token2',
  'condition_id',
  'liquidity',
  'volume_24h',
  'volume_7d',
  'volume_30d',
] as const
export type SelectionColumn = (typeof SELECTION_COLUMNS)[number]

export const REQUIRED_COLUMNS: readonly SelectionColumn[] = ['token1', 'token2']

/** The names users see in their sheet, for messages. */
export const COLUMN_LABELS: Record<SelectionColumn, string> = {
  token1: 'token1',
  token2: 'token2',
  condition_id: 'condition_id',
  liquidity: 'Liquidity',
  volume_24h: 'Volume_24h',
  volume_7d: 'Volume_7d',
  volume_30d: 'Volume_30d',
}

export function normalizeHeader(header: unknown): string {
  return String(header ?? '')
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_')
}

export function asSelectionColumn(header: unknown): SelectionColumn | undefined {
  const name = normalizeHeader(header)
  return (SELECTION_COLUMNS as readonly string[]).includes(name) ? (name as SelectionColumn) : undefined
}

export interface ColumnMap {
  /** Column index of each known column present in the header. */
  readonly index: Partial<Record<SelectionColumn, number>>
  /** Required columns the header lacks. */
  readonly missing: readonly SelectionColumn[]
  /** Known columns that appear more than once (the first one is used). */
  readonly duplicated: readonly SelectionColumn[]
}

export function mapColumns(headers: readonly unknown[]): ColumnMap {
  const index: Partial<Record<SelectionColumn, number>> = {}
  const duplicated: SelectionColumn[] = []
  headers.forEach((header, i) => {
    const col = asSelectionColumn(header)
    if (!col) return
    if (index[col] === undefined) index[col] = i
    else if (!duplicated.includes(col)) duplicated.push(col)
  })
  const missing = REQUIRED_COLUMNS.filter((c) => index[c] === undefined)
  return { index, missing, duplicated }
}
