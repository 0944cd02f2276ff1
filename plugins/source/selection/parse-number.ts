/**
 * Numbers as people type them into a sheet: "12,345", "$12,345.67", " 1.5e6 ", "-3", "(1,200)" (accounting
 * negative). Empty or whitespace-only text is "no value" (undefined); anything else that is not a number is an
 * error, so a typo is reported instead of silently read as 0.
 */
export type NumberParse = { ok: true; value: number | undefined } | { ok: false; error: string }

const NUMBER_RE = /^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?(?:[eE][+-]?\d+)?$/
const CURRENCY_RE = /^[$€£]/

export function parseNumber(raw: unknown): NumberParse {
  if (raw === undefined || raw === null) return { ok: true, value: undefined }
  if (typeof raw === 'number') {
    return Number.isFinite(raw) ? { ok: true, value: raw } : { ok: false, error: `${raw} is not a finite number` }
  }
  if (typeof raw === 'bigint') return { ok: true, value: Number(raw) }
  if (typeof raw !== 'string') return { ok: false, error: `${JSON.stringify(raw)} is not a number` }
  let text = raw.trim()
  if (text === '') return { ok: true, value: undefined }
  let negative = false
  if (text.startsWith('(') && text.endsWith(')')) {
    negative = true
    text = text.slice(1, -1).trim()
  }
  if (text.startsWith('-') || text.startsWith('+')) {
    negative = negative !== text.startsWith('-')
    text = text.slice(1).trim()
  }
  text = text.replace(CURRENCY_RE, '').trim()
  // A digit must be present: "$", "," or "." alone are not numbers.
  if (!/\d/.test(text) || !NUMBER_RE.test(text)) return { ok: false, error: `"${raw}" is not a number` }
  const value = Number(text.replaceAll(',', ''))
  if (!Number.isFinite(value)) return { ok: false, error: `"${raw}" is not a finite number` }
  return { ok: true, value: negative ? -value : value }
}
