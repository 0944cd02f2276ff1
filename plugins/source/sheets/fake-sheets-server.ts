import { createPublicKey, verify } from 'node:crypto'

/**
 * A loopback stand-in for the Google Sheets v4 values API, for tests: it answers
 * `GET /v4/spreadsheets/{id}/values/{range}` with the real wire format (`{range, majorDimension, values}`,
 * trailing empty cells and rows trimmed, every cell a string as FORMATTED_VALUE gives them) and the real error
 * bodies (`{error: {code, message, status}}`). Point `@googleapis/sheets` at it with `rootUrl: server.url`.
 *
 * Auth as Google checks it: `?key=` must be one of `apiKeys` (else 400 API_KEY_INVALID); a bearer token must
 * be a self-signed RS256 JWT from the configured service account (else 401 UNAUTHENTICATED) and the account must
 * be in the spreadsheet's `sharedWith` (else 403 PERMISSION_DENIED); no credentials at all is 403.
 */
export interface FakeSpreadsheet {
  /** Tab name → rows of cells. */
  readonly tabs: Record<string, readonly (readonly string[])[]>
  /** Service-account emails that may read it (API keys read any spreadsheet, as for a public sheet). */
  readonly sharedWith?: readonly string[]
}

export interface FakeServiceAccount {
  readonly email: string
  /** PEM (SPKI) of the account's public key. */
  readonly publicKeyPem: string
}

export interface FakeSheetsOptions {
  readonly apiKeys?: readonly string[]
  readonly serviceAccount?: FakeServiceAccount
}

export interface RecordedSheetsRequest {
  readonly path: string
  readonly query: Record<string, string>
  readonly authorization: string | undefined
}

export interface FakeSheetsServer {
  /** rootUrl for the client, with a trailing slash. */
  readonly url: string
  readonly requests: RecordedSheetsRequest[]
  setSpreadsheet(id: string, sheet: FakeSpreadsheet): void
  /** The next `count` requests get this HTTP error (429, 500, 503, …) with Google's body for it. */
  failNext(status: number, count?: number): void
  stop(): Promise<void>
}

const CANNED: Record<number, { status: string; message: string }> = {
  400: { status: 'INVALID_ARGUMENT', message: 'Request contains an invalid argument.' },
  429: {
    status: 'RESOURCE_EXHAUSTED',
    message:
      "Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute per user' of service 'sheets.googleapis.com' for consumer 'project_number:123456789'.",
  },
  500: { status: 'INTERNAL', message: 'Internal error encountered.' },
  503: { status: 'UNAVAILABLE', message: 'The service is currently unavailable.' },
}

function errorBody(code: number, status: string, message: string, reason?: string): Response {
  const error: Record<string, unknown> = { code, message, status }
  if (reason) {
    error.details = [
      {
        '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
        reason,
        domain: 'googleapis.com',
        metadata: { service: 'sheets.googleapis.com' },
      },
    ]
  }
  return Response.json({ error }, { status: code })
}

function columnLetters(n: number): string {
  let s = ''
  for (let x = n; x > 0; x = Math.floor((x - 1) / 26)) s = String.fromCharCode(65 + ((x - 1) % 26)) + s
  return s
}

/** "'Selected Markets'!A1:Z" → Selected Markets; "Sheet1" → Sheet1. */
function tabOfRange(range: string): string {
  if (range.startsWith("'")) {
    let name = ''
    for (let i = 1; i < range.length; i++) {
      const ch = range[i]
      if (ch === "'" && range[i + 1] === "'") {
        name += "'"
        i++
      } else if (ch === "'") return name
      else name += ch
    }
    return name
  }
  return range.split('!')[0] ?? range
}

function quoteTab(name: string): string {
  return /^[A-Za-z0-9_]+$/.test(name) ? name : `'${name.replaceAll("'", "''")}'`
}

function trimValues(rows: readonly (readonly string[])[]): string[][] {
  const out = rows.map((r) => {
    let end = r.length
    while (end > 0 && (r[end - 1] ?? '') === '') end--
    return r.slice(0, end)
  })
  while (out.length > 0 && (out[out.length - 1]?.length ?? 0) === 0) out.pop()
  return out
}

function base64urlJson(part: string | undefined): Record<string, unknown> | undefined {
  if (part === undefined) return undefined
  try {
    const v: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'))
    return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

/** The service-account email of a valid self-signed JWT, or undefined. */
function verifyJwt(token: string, account: FakeServiceAccount | undefined, nowSec: number): string | undefined {
  if (!account) return undefined
  const [h, p, sig] = token.split('.')
  const header = base64urlJson(h)
  const payload = base64urlJson(p)
  if (!header || !payload || sig === undefined || header.alg !== 'RS256') return undefined
  const ok = verify(
    'RSA-SHA256',
    Buffer.from(`${h}.${p}`),
    createPublicKey(account.publicKeyPem),
    Buffer.from(sig, 'base64url'),
  )
  if (!ok || payload.iss !== account.email) return undefined
  if (typeof payload.exp !== 'number' || payload.exp < nowSec) return undefined
  const scope = typeof payload.scope === 'string' ? payload.scope.split(' ') : []
  const audienceOk = payload.aud === 'https://sheets.googleapis.com/'
  const scopeOk = scope.some((s) => s.startsWith('https://www.googleapis.com/auth/spreadsheets'))
  return audienceOk || scopeOk ? account.email : undefined
}

export function startFakeSheetsServer(opts: FakeSheetsOptions = {}): FakeSheetsServer {
  const spreadsheets = new Map<string, FakeSpreadsheet>()
  const requests: RecordedSheetsRequest[] = []
  let faults: { status: number; left: number } | undefined
  const apiKeys = new Set(opts.apiKeys ?? [])

  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    fetch(req) {
      const url = new URL(req.url)
      const authorization = req.headers.get('authorization') ?? undefined
      requests.push({ path: url.pathname, query: Object.fromEntries(url.searchParams), authorization })
      if (faults && faults.left > 0) {
        faults.left--
        const canned = CANNED[faults.status] ?? { status: 'UNKNOWN', message: 'Unknown error.' }
        return errorBody(faults.status, canned.status, canned.message)
      }
      const m = /^\/v4\/spreadsheets\/([^/]+)\/values\/([^/]+)$/.exec(url.pathname)
      if (req.method !== 'GET' || !m) return errorBody(404, 'NOT_FOUND', 'Method not found.')
      const id = decodeURIComponent(m[1] ?? '')
      const range = decodeURIComponent(m[2] ?? '')

      const key = url.searchParams.get('key')
      let caller: { kind: 'key' } | { kind: 'account'; email: string }
      if (key !== null) {
        if (!apiKeys.has(key)) {
          return errorBody(
            400,
            'INVALID_ARGUMENT',
            'API key not valid. Please pass a valid API key.',
            'API_KEY_INVALID',
          )
        }
        caller = { kind: 'key' }
      } else if (authorization?.startsWith('Bearer ')) {
        const email = verifyJwt(authorization.slice(7), opts.serviceAccount, Math.floor(Date.now() / 1000))
        if (!email) {
          return errorBody(
            401,
            'UNAUTHENTICATED',
            'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
            'ACCESS_TOKEN_TYPE_UNSUPPORTED',
          )
        }
        caller = { kind: 'account', email }
      } else {
        return errorBody(403, 'PERMISSION_DENIED', 'The request is missing a valid API key.')
      }

      const sheet = spreadsheets.get(id)
      if (!sheet) return errorBody(404, 'NOT_FOUND', 'Requested entity was not found.')
      if (caller.kind === 'account' && !(sheet.sharedWith ?? []).includes(caller.email)) {
        return errorBody(403, 'PERMISSION_DENIED', 'The caller does not have permission')
      }
      const tab = tabOfRange(range)
      const rows = sheet.tabs[tab]
      if (!rows) return errorBody(400, 'INVALID_ARGUMENT', `Unable to parse range: ${range}`)
      const values = trimValues(rows)
      const width = Math.max(1, ...values.map((r) => r.length))
      const body: Record<string, unknown> = {
        range: `${quoteTab(tab)}!A1:${columnLetters(width)}${Math.max(1, values.length)}`,
        majorDimension: 'ROWS',
      }
      // Like the real API, an empty tab has no `values` at all.
      if (values.length > 0) body.values = values
      return Response.json(body)
    },
  })

  return {
    url: `http://127.0.0.1:${server.port}/`,
    requests,
    setSpreadsheet(id, sheet) {
      spreadsheets.set(id, sheet)
    },
    failNext(status, count = 1) {
      faults = { status, left: count }
    },
    async stop() {
      await server.stop(true)
    },
  }
}
