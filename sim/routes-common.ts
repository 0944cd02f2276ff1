// What the CLOB route files share: their dependencies, the route shape, body parsing and response helpers.
import type { z } from 'zod'
import type { AccountSettings } from './accounts.ts'
import type { KeyStore } from './auth.ts'
import type { SimClock } from './clock.ts'
import type { Contracts } from './contracts.ts'
import type { Engine } from './engine.ts'
import type { Faults } from './faults.ts'
import type { Heartbeats } from './heartbeats.ts'
import { type Ctx, type Handler, json, paginate, parseBody } from './http.ts'
import type { Production } from './production.ts'
import type { RateLimits } from './rate-limits.ts'
import type { RestStatusStyle } from './wire.ts'

export type ClobDeps = {
  engine: Engine
  keys: KeyStore
  clock: SimClock
  faults: Faults
  heartbeats: Heartbeats
  rateLimits: RateLimits
  accounts: AccountSettings
  production: Production
  contracts: Contracts
  chainId: number
  version: () => 1 | 2
  pageSize: number
}

export type Route = { method: string; path: string; auth: 'none' | 'l1' | 'l2'; handler: Handler; prefix?: boolean }

/** Per-server session state shared by the route files. */
export type Session = {
  /** Proxy/Safe wallets: the API key's signer trades for a funder; account data is the funder's. */
  funders: Map<string, string>
  /** The account (funder or signer) a request acts for. */
  acct(ctx: Ctx): string
  restStyle(): RestStatusStyle
}

export function createSession(d: ClobDeps): Session {
  const funders = new Map<string, string>()
  return {
    funders,
    acct: (ctx) => funders.get(ctx.apiKey ?? '') ?? d.accounts.walletOf(ctx.address ?? '') ?? ctx.address ?? '',
    restStyle: () => ({
      prefixed: d.production.rest_statuses === 'prefixed',
      now: d.clock.now(),
      broadcastAfterMs: d.production.broadcast_after_ms,
    }),
  }
}

/** The JSON body checked against `schema`, or undefined; `empty` stands in for an empty body where one is allowed. */
export function bodyOf<S extends z.ZodType>(ctx: Ctx, schema: S, empty?: object): z.output<S> | undefined {
  const body = ctx.body === '' && empty ? { ok: true as const, value: empty } : parseBody(ctx)
  const parsed = body.ok ? schema.safeParse(body.value) : undefined
  return parsed?.success ? parsed.data : undefined
}

/** Query filter: true when the parameter is absent or equals one of `values`. */
export function wants(q: URLSearchParams, name: string, ...values: string[]): boolean {
  const want = q.get(name)
  return !want || values.includes(want)
}

export function pageOf<T>(ctx: Ctx, rows: T[], pageSize: number): Response {
  const p = paginate(rows, ctx.query.get('next_cursor'), pageSize)
  return p ? json(p) : json({ error: 'invalid next_cursor' }, 400)
}

export function withHeaders(res: Response, headers: Record<string, string>): Response {
  for (const [k, v] of Object.entries(headers)) res.headers.set(k, v)
  return res
}
