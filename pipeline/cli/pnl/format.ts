/** Rendering of report rows: an aligned table for people, CSV and JSON for programs. */

export type Cell = string | number | null

/** Fixed decimals for display; blank for unknown. */
export function fixed(value: number | null, digits: number): string {
  if (value === null) return ''
  const s = value.toFixed(digits)
  return s === `-${(0).toFixed(digits)}` ? s.slice(1) : s
}

/** Rounds away binary noise (0.1 + 0.2) so stored and printed numbers read as computed by hand. */
export function round(value: number, digits = 9): number {
  const f = 10 ** digits
  const r = Math.round(value * f) / f
  return Object.is(r, -0) ? 0 : r
}

/** Columns whose every cell is a number (or blank) are right-aligned, unless `textColumns` names them. */
export function renderTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  textColumns: readonly string[] = [],
): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const numeric = headers.map(
    (h, i) => !textColumns.includes(h) && rows.length > 0 && rows.every((r) => /^-?[\d.]*$/.test(r[i] ?? '')),
  )
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (numeric[i] ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd()
  const rule = widths.map((w) => '-'.repeat(w)).join('  ')
  return `${[line(headers), rule, ...rows.map(line)].join('\n')}\n`
}

function csvCell(value: Cell): string {
  if (value === null) return ''
  const s = String(value)
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s
}

export function renderCsv(headers: readonly string[], rows: readonly (readonly Cell[])[]): string {
  return `${[headers, ...rows].map((r) => r.map(csvCell).join(',')).join('\n')}\n`
}
