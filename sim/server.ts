// The simulator's single Bun server: CLOB REST at /, Gamma at /gamma, Data API at /data-api, loopback admin at
// /admin, WebSocket channels at /ws/market and /ws/user. Every handler is wrapped: client input never crashes it.
import type { Server } from 'bun'
import { z } from 'zod'
import type { AccountSettings } from './accounts.ts'
import type { KeyStore } from './auth.ts'
import { dataPositions, dataTrades, gammaMarket } from './catalog.ts'
import { checkAuth, createClobRoutes, type Route } from './clob-routes.ts'
import type { SimClock } from './clock.ts'
import type { Contracts } from './contracts.ts'
import type { Engine } from './engine.ts'
import { type Faults, FaultsPatchSchema } from './faults.ts'
import type { Heartbeats } from './heartbeats.ts'
import { BODY_LIMIT, type Ctx, error, json, parseBody } from './http.ts'
import { AccountSettingsSchema, type Production, ProductionPatchSchema } from './production.ts'
import { createWindowLimiter, type RateLimits } from './rate-limits.ts'
import { withHeaders } from './routes-common.ts'
import { restOrder } from './wire.ts'
import type { SocketData, WsHub } from './ws-hub.ts'

export type ServerDeps = {
  engine: Engine
  keys: KeyStore
  clock: SimClock
  faults: Faults
  heartbeats: Heartbeats
  hub: WsHub
  rateLimits: RateLimits
  accounts: AccountSettings
  production: Production
  contracts: Contracts
  chainId: number
  version: { get: () => 1 | 2; set: (v: 1 | 2) => void }
  pageSize: number
  host: string
  port: number
  log: (msg: string) => void
  /** Traded volume per market (shares), for Gamma. */
  volume: (conditionId: string) => number
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const AdminBalanceSchema = z.object({
  address: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
  usdc: z.number().nonnegative().optional().describe('pUSD, whole units'),
  tokens: z.record(z.string().regex(/^\d+$/), z.number().nonnegative()).optional().describe('shares per token id'),
})

const MarketAdminSchema = z.strictObject({
  condition_id: z.string(),
  accepting_orders: z.boolean().optional(),
  tick_size: z.union([z.literal(0.1), z.literal(0.01), z.literal(0.001), z.literal(0.0001)]).optional(),
  closed: z.literal(true).optional().describe('Close the market now: orders cancelled, nothing accepted (final)'),
})

export function startServer(d: ServerDeps): Server<SocketData> {
  const clob = createClobRoutes({
    engine: d.engine,
    keys: d.keys,
    clock: d.clock,
    faults: d.faults,
    heartbeats: d.heartbeats,
    rateLimits: d.rateLimits,
    accounts: d.accounts,
    production: d.production,
    contracts: d.contracts,
    chainId: d.chainId,
    version: d.version.get,
    pageSize: d.pageSize,
  })
  // §7.6 (nautilus_trader #2238): opening many sockets at once draws 429 on the upgrade.
  const upgrades = createWindowLimiter(
    d.clock,
    () => d.production.connections.max_upgrades,
    () => d.production.connections.upgrade_window_ms,
    () => d.production.connections.enforce,
  )
  const exact = new Map<string, Route>()
  const prefixed: Route[] = []
  for (const r of clob) {
    if (r.prefix) prefixed.push(r)
    else exact.set(`${r.method} ${r.path}`, r)
  }

  function findRoute(method: string, path: string): Route | undefined | 'method' {
    const r = exact.get(`${method} ${path}`)
    if (r) return r
    for (const p of prefixed)
      if (p.method === method && path.startsWith(p.path) && path.length > p.path.length) return p
    for (const m of ['GET', 'POST', 'DELETE']) if (exact.has(`${m} ${path}`)) return 'method'
    return undefined
  }

  function gamma(ctx: Ctx): Response {
    if (ctx.method !== 'GET') return error(405, 'method not allowed')
    if (ctx.path !== '/gamma/markets') return error(404, 'not found')
    const q = ctx.query
    const tokenIds = new Set(
      q
        .getAll('clob_token_ids')
        .flatMap((v) => v.split(','))
        .filter(Boolean),
    )
    const conds = new Set(
      q
        .getAll('condition_ids')
        .flatMap((v) => v.split(','))
        .filter(Boolean),
    )
    const slugs = new Set(q.getAll('slug'))
    const closed = q.get('closed')
    const limit = Math.min(Number(q.get('limit') ?? 500) || 500, 500)
    const offset = Math.max(Number(q.get('offset') ?? 0) || 0, 0)
    const rows = d.engine.markets
      .map((m, i) => ({ m, i }))
      .filter(
        ({ m }) =>
          (tokenIds.size === 0 || tokenIds.has(m.spec.tokens[0]) || tokenIds.has(m.spec.tokens[1])) &&
          (conds.size === 0 || conds.has(m.spec.conditionId)) &&
          (slugs.size === 0 || slugs.has(m.spec.slug)) &&
          (closed === null || (closed === 'true') === m.closed),
      )
      .slice(offset, offset + limit)
      .map(({ m, i }) => gammaMarket(m, i, d.volume(m.spec.conditionId)))
    return json(rows)
  }

  function dataApi(ctx: Ctx): Response {
    if (ctx.method !== 'GET') return error(405, 'method not allowed')
    const user = ctx.query.get('user')
    if (ctx.path !== '/data-api/positions' && ctx.path !== '/data-api/trades') return error(404, 'not found')
    if (!user || !/^0x[0-9a-fA-F]{40}$/.test(user)) return error(400, 'user is required')
    const a = d.engine.findAccount(user)
    const cap = d.production.positions_page_max
    const limit = Math.min(Number(ctx.query.get('limit') ?? 100) || 100, cap)
    const offset = Math.max(Number(ctx.query.get('offset') ?? 0) || 0, 0)
    if (!a) return json([])
    if (ctx.path === '/data-api/positions') {
      const market = ctx.query.get('market')
      const rows = dataPositions(a, d.engine.token).filter((p) => !market || market.split(',').includes(p.conditionId))
      return json(rows.slice(offset, offset + limit))
    }
    return json(dataTrades(a).slice(offset, offset + limit))
  }

  function admin(ctx: Ctx): Response {
    const p = ctx.path
    if (ctx.method === 'GET' && p === '/admin/state') {
      return json({
        time: d.clock.now(),
        version: d.version.get(),
        faults: { ...d.faults.state(), exchangeMode: d.faults.exchangeMode() },
        production: d.production,
        sockets: d.hub.counts(),
        markets: d.engine.markets.map((m) => ({
          condition_id: m.spec.conditionId,
          tokens: m.spec.tokens,
          tick_size: m.tick / 10_000,
          best_bid: m.book.hasBid() ? m.book.bestBid / 10_000 : null,
          best_ask: m.book.hasAsk() ? m.book.bestAsk / 10_000 : null,
          accepting_orders: m.accepting,
        })),
      })
    }
    if (ctx.method === 'POST' && p === '/admin/faults') {
      const body = parseBody(ctx)
      const parsed = body.ok ? FaultsPatchSchema.safeParse(body.value) : undefined
      if (!parsed?.success)
        return error(400, parsed ? parsed.error.issues.map((i) => i.message).join('; ') : 'invalid json')
      const { dropNow, exhaust } = d.faults.apply(parsed.data)
      if (exhaust) d.rateLimits.exhaust(exhaust.address, exhaust.bucket)
      const dropped = dropNow ? d.hub.dropAll(d.faults.state().wsChannel) : 0
      d.log(`faults updated${dropNow ? `, dropped ${dropped} sockets` : ''}`)
      return json({ faults: d.faults.state(), dropped })
    }
    if (ctx.method === 'POST' && p === '/admin/balances') {
      const body = parseBody(ctx)
      const parsed = body.ok ? AdminBalanceSchema.safeParse(body.value) : undefined
      if (!parsed?.success) return error(400, 'expected {address, usdc?, tokens?}')
      const tokens: Record<string, number> = {}
      for (const [t, v] of Object.entries(parsed.data.tokens ?? {})) tokens[t] = Math.round(v * 1e6)
      const cash = parsed.data.usdc === undefined ? undefined : Math.round(parsed.data.usdc * 1e6)
      d.engine.setBalances(parsed.data.address, cash, tokens)
      return json(accountView(parsed.data.address))
    }
    if (p.startsWith('/admin/accounts/')) {
      const addr = p.slice('/admin/accounts/'.length)
      if (!/^0x[0-9a-fA-F]{40}$/.test(addr)) return error(400, 'invalid address')
      if (ctx.method === 'POST') {
        const body = parseBody(ctx)
        const parsed = body.ok ? AccountSettingsSchema.safeParse(body.value) : undefined
        if (!parsed?.success)
          return error(400, parsed ? parsed.error.issues.map((i) => i.message).join('; ') : 'invalid json')
        d.accounts.apply(addr, parsed.data)
      } else if (ctx.method !== 'GET') return error(405, 'method not allowed')
      return json(accountView(addr))
    }
    if (ctx.method === 'POST' && p === '/admin/production') {
      const body = parseBody(ctx)
      const parsed = body.ok ? ProductionPatchSchema.safeParse(body.value) : undefined
      if (!parsed?.success)
        return error(400, parsed ? parsed.error.issues.map((i) => i.message).join('; ') : 'invalid json')
      const patch = parsed.data
      if (patch.rate_limits) d.rateLimits.setMode(patch.rate_limits.mode, patch.rate_limits.tier)
      const { rate_limits, connections, ...rest } = patch
      Object.assign(d.production, rest)
      if (rate_limits) d.production.rate_limits = { mode: rate_limits.mode, tier: d.rateLimits.defaultTier() }
      if (connections) Object.assign(d.production.connections, connections)
      return json({ production: d.production })
    }
    if (ctx.method === 'POST' && p === '/admin/version') {
      const body = parseBody(ctx)
      const parsed = body.ok
        ? z.object({ version: z.union([z.literal(1), z.literal(2)]) }).safeParse(body.value)
        : undefined
      if (!parsed?.success) return error(400, 'expected {version: 1|2}')
      d.version.set(parsed.data.version)
      return json({ version: parsed.data.version })
    }
    if (ctx.method === 'POST' && p === '/admin/markets') {
      const body = parseBody(ctx)
      const parsed = body.ok ? MarketAdminSchema.safeParse(body.value) : undefined
      if (!parsed?.success)
        return error(
          400,
          `expected {condition_id, accepting_orders?, tick_size?: 0.1|0.01|0.001|0.0001, closed?: true}${
            parsed
              ? `: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}`
              : ''
          }`,
        )
      const { condition_id: id, accepting_orders, tick_size, closed } = parsed.data
      if (!d.engine.market(id)) return error(404, 'market not found')
      if (accepting_orders !== undefined) d.engine.setAccepting(id, accepting_orders)
      if (tick_size !== undefined) d.engine.setTickSize(id, tick_size)
      if (closed) d.engine.closeMarket(id)
      return json({ ok: true })
    }
    return error(404, 'not found')
  }

  function accountView(address: string) {
    const a = d.engine.findAccount(address)
    const settings = d.accounts.view(address)
    if (!a)
      return { address: address.toLowerCase(), usdc: 0, reserved_usdc: 0, tokens: {}, open_orders: [], ...settings }
    return {
      ...settings,
      address: a.address,
      usdc: a.cash / 1e6,
      reserved_usdc: a.reservedCash / 1e6,
      tokens: Object.fromEntries([...a.tokens].map(([t, v]) => [t, v / 1e6])),
      reserved_tokens: Object.fromEntries([...a.reservedTokens].map(([t, v]) => [t, v / 1e6])),
      unsettled_tokens: Object.fromEntries([...a.unsettledTokens].map(([t, v]) => [t, v / 1e6])),
      open_orders: [...a.open].map((o) => restOrder(o)),
    }
  }

  async function handle(req: Request, server: Server<SocketData>): Promise<Response | undefined> {
    const url = new URL(req.url)
    const path = url.pathname
    const method = req.method.toUpperCase()

    if (path === '/ws/market' || path === '/ws/user') {
      const wait = upgrades.hit('ip')
      if (wait !== undefined) return withHeaders(error(429, 'Too Many Requests'), { 'Retry-After': String(wait) })
      const data = d.hub.newData(path === '/ws/market' ? 'market' : 'user')
      if (server.upgrade(req, { data })) return undefined
      return error(400, 'expected a websocket upgrade')
    }

    const declared = Number(req.headers.get('content-length') ?? 0)
    if (declared > BODY_LIMIT) return error(413, 'Payload Too Large')
    const body = method === 'GET' || method === 'HEAD' ? '' : await req.text()
    if (body.length > BODY_LIMIT) return error(413, 'Payload Too Large')
    const ctx: Ctx = { req, method, path, query: url.searchParams, body }

    if (path.startsWith('/admin/')) return admin(ctx)

    const injected = d.faults.routeError(method, path)
    const latency = d.faults.state().restLatencyMs
    if (latency > 0) await sleep(latency)
    if (injected !== undefined)
      return injected === 429 ? error(429, 'Too Many Requests') : error(injected, 'Internal server error')

    if (path === '/gamma' || path.startsWith('/gamma/')) return gamma(ctx)
    if (path === '/data-api' || path.startsWith('/data-api/')) return dataApi(ctx)

    const route = findRoute(method, path)
    if (route === 'method') return error(405, 'method not allowed')
    if (!route) return error(404, 'not found')
    const denied = checkAuth(route, ctx, { keys: d.keys, chainId: d.chainId })
    if (denied) return denied
    const res = await route.handler(ctx)
    if (method === 'POST' && (path === '/order' || path === '/orders')) {
      const hang = d.faults.takeSubmitHang()
      if (hang !== undefined) {
        d.log(`fault: withholding ${path} response for ${hang} ms after accepting`)
        await sleep(hang)
      }
    }
    return res
  }

  return Bun.serve<SocketData>({
    hostname: d.host,
    port: d.port,
    maxRequestBodySize: BODY_LIMIT * 4,
    idleTimeout: 120,
    async fetch(req, server) {
      try {
        return await handle(req, server)
      } catch (err) {
        d.log(`request failed: ${(err as Error).message}`)
        return error(500, 'Internal server error')
      }
    },
    websocket: {
      idleTimeout: 120,
      open(ws) {
        d.hub.open(ws)
      },
      message(ws, msg) {
        try {
          d.hub.message(ws, msg)
        } catch (err) {
          d.log(`ws message failed: ${(err as Error).message}`)
        }
      },
      close(ws) {
        d.hub.close(ws)
      },
    },
  })
}
