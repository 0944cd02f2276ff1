/** One CSV record and the 1-based line it starts on (a quoted field may span lines). */
export interface CsvRecord {
  readonly line: number
  readonly cells: string[]
}

/**
 * RFC 4180 CSV: comma-separated, fields optionally in double quotes with "" for a quote inside, quoted fields
 * may hold commas and newlines; CRLF or LF line ends; a leading BOM is dropped. Throws on an unterminated quote,
 * naming the line it opened on.
 */
export function parseCsv(text: string): CsvRecord[] {
  const src = text.startsWith('\uFEFF') ? text.slice(1) : text
  const records: CsvRecord[] = []
  let cells: string[] = []
  let field = ''
  let line = 1
  let recordLine = 1
  let i = 0
  let atFieldStart = true
  let quotedField = false
  const endRecord = () => {
    cells.push(field)
    records.push({ line: recordLine, cells })
    cells = []
    field = ''
    atFieldStart = true
    quotedField = false
  }
  while (i < src.length) {
    const ch = src[i]
    if (atFieldStart && ch === '"') {
      const openedAt = line
      i++
      for (;;) {
        if (i >= src.length) throw new Error(`line ${openedAt}: unterminated quoted field`)
        const c = src[i]
        if (c === '"') {
          if (src[i + 1] === '"') {
            field += '"'
            i += 2
            continue
          }
          i++
          break
        }
        if (c === '\n') line++
        field += c
        i++
      }
      atFieldStart = false
      quotedField = true
      continue
    }
    if (ch === ',') {
      cells.push(field)
      field = ''
      atFieldStart = true
      quotedField = false
      i++
      continue
    }
    if (ch === '\r' || ch === '\n') {
      endRecord()
      i += ch === '\r' && src[i + 1] === '\n' ? 2 : 1
      line++
      recordLine = line
      continue
    }
    // Text after a closing quote ("a"b) is kept as written rather than rejected: spreadsheets export it rarely
    // and the cell is validated afterwards anyway.
    field += ch
    atFieldStart = false
    i++
  }
  if (field !== '' || cells.length > 0 || quotedField) endRecord()
  return records
}
