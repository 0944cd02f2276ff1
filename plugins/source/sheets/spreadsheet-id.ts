const URL_ID_RE = /\/spreadsheets\/d\/([A-Za-z0-9_-]+)/
const BARE_ID_RE = /^[A-Za-z0-9_-]{10,}$/

/**
 * The spreadsheet id from SPREADSHEET_URL as users paste it: a full URL
 * (https://docs.google.com/spreadsheets/d/<id>/edit#gid=0) or the bare id. Undefined when it is neither.
 */
export function spreadsheetIdFrom(value: string): string | undefined {
  const text = value.trim()
  const fromUrl = URL_ID_RE.exec(text)?.[1]
  if (fromUrl) return fromUrl
  return BARE_ID_RE.test(text) ? text : undefined
}
