// Small HTTP helpers shared by the simulator's route files.
export const BODY_LIMIT = 1 << 20

export type Ctx = {
  req: Request
  method: string
  path: string
  query: URLSearchParams
  body: string
  /** Set once L2 auth succeeded. */
  apiKey?: string
  address?: string
}

export type Handler = (ctx: Ctx) => Response | Promise<Response>

export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } })
}

export function error(status: number, message: string): Response {
  return json({ error: message }, status)
}

export type Parsed = { ok: true; value: unknown } | { ok: false }

export function parseBody(ctx: Ctx): Parsed {
  if (ctx.body === '') return { ok: false }
  try {
    return { ok: true, value: JSON.parse(ctx.body) }
  } catch {
    return { ok: false }
  }
}

export const INITIAL_CURSOR = 'MA=='
export const END_CURSOR = 'LTE='

/** Offset-based cursors like the CLOB: base64 of the decimal offset; "LTE=" (base64 "-1") marks the end. */
export function paginate<T>(
  items: T[],
  cursor: string | null,
  pageSize: number,
): { data: T[]; next_cursor: string; limit: number; count: number } | undefined {
  let offset = 0
  if (cursor && cursor !== INITIAL_CURSOR) {
    if (cursor === END_CURSOR) return { data: [], next_cursor: END_CURSOR, limit: pageSize, count: 0 }
    if (!/^[A-Za-z0-9+/]+=*$/.test(cursor)) return undefined
    const decoded = Buffer.from(cursor, 'base64').toString('utf8')
    if (!/^\d+$/.test(decoded)) return undefined
    offset = Number(decoded)
  }
  const data = items.slice(offset, offset + pageSize)
  const next = offset + pageSize
  return {
    data,
    next_cursor: next >= items.length ? END_CURSOR : Buffer.from(String(next)).toString('base64'),
    limit: pageSize,
    count: data.length,
  }
}
