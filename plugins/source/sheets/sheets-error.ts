import { z } from 'zod'

/** Google's error body: `{error: {code, message, status}}`. */
const GoogleErrorBodySchema = z.object({
  error: z.object({ code: z.number().optional(), message: z.string().optional(), status: z.string().optional() }),
})

const GaxiosErrorLikeSchema = z.object({
  status: z.number().optional(),
  code: z.union([z.string(), z.number()]).optional(),
  message: z.string().optional(),
  response: z.object({ status: z.number().optional(), data: z.unknown() }).optional(),
})

function hideSecrets(text: string, secrets: readonly string[]): string {
  let out = text
  for (const s of secrets) if (s) out = out.replaceAll(s, '***')
  return out
}

/**
 * Turns what the Sheets client threw into one clear Error naming the sheet: network, auth (401/403, bad API key),
 * quota (429), missing spreadsheet or tab, server errors. `secrets` (the API key) are masked out of anything
 * quoted from the error.
 */
export function describeSheetsError(
  err: unknown,
  where: string,
  hint: { account?: string; secrets: readonly string[] },
): Error {
  const e = GaxiosErrorLikeSchema.safeParse(err)
  const info = e.success ? e.data : {}
  const status = info.status ?? info.response?.status
  const body = GoogleErrorBodySchema.safeParse(info.response?.data)
  const apiStatus = body.success ? body.data.error.status : undefined
  const apiMessage = hideSecrets(
    (body.success ? body.data.error.message : undefined) ?? info.message ?? String(err),
    hint.secrets,
  )
  const tag = status !== undefined ? ` (HTTP ${status}${apiStatus ? ` ${apiStatus}` : ''})` : ''
  let what: string
  if (status === undefined) {
    const code = typeof info.code === 'string' ? `${info.code}: ` : ''
    const text = `${code}${apiMessage}`.replace(/^(\w+): \1: /, '$1: ')
    what = `cannot reach Google Sheets: ${text}`
  } else if (status === 401) {
    what = `authentication failed${tag}: ${apiMessage}; check the service-account credentials file`
  } else if (status === 403) {
    const share = hint.account
      ? `share the spreadsheet with ${hint.account}`
      : 'make the sheet public or use credentials'
    what = `access denied${tag}: ${apiMessage}; ${share}`
  } else if (status === 429) {
    what = `quota exceeded${tag}: ${apiMessage}`
  } else if (status === 404) {
    what = `spreadsheet not found${tag}: ${apiMessage}; check spreadsheet_url (SPREADSHEET_URL)`
  } else if (status === 400 && /unable to parse range/i.test(apiMessage)) {
    what = `tab not found${tag}: ${apiMessage}; check sheet_name (SELECTED_SHEET_NAME)`
  } else if (status === 400 && /api key/i.test(apiMessage)) {
    what = `API key rejected${tag}: ${apiMessage}`
  } else {
    what = `request failed${tag}: ${apiMessage}`
  }
  return new Error(`${where}: ${what}`)
}
