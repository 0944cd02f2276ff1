import type { sheets_v4 } from '@googleapis/sheets'
import { z } from 'zod'
import type { SourceOutput } from '../../../stages/io.ts'
import { rowsFromTable } from '../selection/table.ts'

/** The values response, as FORMATTED_VALUE returns it: rows of display strings, trailing empties trimmed. */
const ValueRangeSchema = z.object({
  range: z.string().optional(),
  majorDimension: z.string().optional(),
  values: z.array(z.array(z.union([z.string(), z.number(), z.boolean()]))).optional(),
})
export type ValueRange = z.infer<typeof ValueRangeSchema>

/** "'Selected Markets'!A1:H12" → 1: the sheet row of the first returned row. */
export function firstRowOf(range: string | undefined): number {
  const m = /!\$?[A-Za-z]*\$?(\d+)/.exec(range ?? '')
  return m?.[1] ? Number(m[1]) : 1
}

/** A1 reference to a whole tab; quotes in the name are doubled as A1 notation requires. */
export function tabRange(sheetName: string): string {
  return `'${sheetName.replaceAll("'", "''")}'`
}

export interface ReadSheetRequest {
  readonly spreadsheetId: string
  readonly sheetName: string
  readonly signal: AbortSignal
  readonly timeoutMs: number
}

/** One values.get of the whole tab. No client-side retries: the universe plane owns back-off. */
export async function fetchSheetValues(client: sheets_v4.Sheets, req: ReadSheetRequest): Promise<unknown> {
  const res = await client.spreadsheets.values.get(
    {
      spreadsheetId: req.spreadsheetId,
      range: tabRange(req.sheetName),
      majorDimension: 'ROWS',
      valueRenderOption: 'FORMATTED_VALUE',
    },
    { retry: false, signal: req.signal, timeout: req.timeoutMs },
  )
  return res.data
}

/**
 * Validates the response and reads the selection rows from it. The first non-empty row is the header; data rows
 * are labelled with their real sheet row number. Throws, naming the sheet, when the response is not a value
 * range or the header lacks a required column.
 */
export function selectionFromValues(data: unknown, where: string, rowLabel: (row: number) => string): SourceOutput {
  const parsed = ValueRangeSchema.safeParse(data)
  if (!parsed.success) throw new Error(`${where}: unexpected response from the Sheets API (not a value range)`)
  const values = parsed.data.values ?? []
  const first = firstRowOf(parsed.data.range)
  const headerAt = values.findIndex((r) => r.some((c) => String(c).trim() !== ''))
  if (headerAt < 0) throw new Error(`${where}: the tab is empty; it needs a header row with token1 and token2`)
  const header = values[headerAt] ?? []
  const body = values.slice(headerAt + 1)
  return rowsFromTable(where, header, body, (i) => rowLabel(first + headerAt + 1 + i))
}
