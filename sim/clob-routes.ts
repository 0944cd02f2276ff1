// CLOB REST routes (protocol doc §2): public market data, L1 key management, L2 trading and account data.
import { z } from 'zod'
import { type ApiCreds, AUTH_ERRORS, type KeyStore } from './auth.ts'
import { clobMarket, clobMarketDetails } from './catalog.ts'
import type { SimClock } from './clock.ts'
import type { Engine, MarketState, PlaceResult } from './engine.ts'
import type { Faults } from './faults.ts'
import type { Heartbeats } from './heartbeats.ts'
import { type Ctx, error, type Handler, json, paginate, parseBody } from './http.ts'
import { decodeOrder } from './order-body.ts'
import { AMOUNT_SCALE, PRICE_SCALE, unitsToPrice } from './units.ts'
import { bookSummary, ownLastTrade, restOrder, restTrade, topOfBook } from './wire.ts'

export const MAX_BATCH = 15
const MAX_CANCEL_IDS = 1000
const MAX_BOOKS = 500
const MAX_UINT = '115792089237316195423570985008687907853269984665640564039457584007913129639935'

export type ClobDeps = {
  engine: Engine
  keys: KeyStore
  clock: SimClock
  faults: Faults
  heartbeats: Heartbeats
  chainId: number
  version: () => 1 | 2
  pageSize: number
}

export type Route = { method: string; path: string; auth: 'none' | 'l1' | 'l2'; handler: Handler; prefix?: boolean }

const TokenParams = z.array(z.object({ token_id: z.string(), side: z.enum(['BUY', 'SELL']).optional() }))
type TokenParam = z.infer<typeof TokenParams>[number]
type Loc = { market: MarketState; outcome: 0 | 1 }
const CancelOneBody = z.object({ orderID: z.string() })
const CancelManyBody = z.array(z.string())
const CancelMarketBody = z.object({ market: z.string().optional(), asset_id: z.string().optional() })
const HeartbeatBody = z.object({ heartbeat_id: z.string().nullable().optional() })
const NO_BOOK = 'No orderbook exists for the requested token id'

/** The JSON body checked against `schema`, or undefined; `empty` stands in for an empty body where one is allowed. */
function bodyOf<S extends z.ZodType>(ctx: Ctx, schema: S, empty?: object): z.output<S> | undefined {
  const body = ctx.body === '' && empty ? { ok: true as const, value: empty } : parseBody(ctx)
  const parsed = body.ok ? schema.safeParse(body.value) : undefined
  return parsed?.success ? parsed.data : undefined
}

/** Query filter: true when the parameter is absent or equals one of `values`. */
function wants(q: URLSearchParams, name: string, ...values: string[]): boolean {
  const want = q.get(name)
  return !want || values.includes(want)
}

export function createClobRoutes(d: ClobDeps): Route[] {
  const { engine } = d
  const created = new Set<string>()
  // Proxy/Safe wallets: the API key's signer trades for a funder; account data is the funder's.
  const funders = new Map<string, string>()
  const acct = (ctx: Ctx) => funders.get(ctx.apiKey ?? '') ?? ctx.address ?? ''
  const tokenOf = (ctx: Ctx) => ctx.query.get('token_id')

  function withToken(ctx: Ctx, fn: (loc: Loc, tokenId: string) => Response): Response {
    const id = tokenOf(ctx)
    if (!id || !/^\d+$/.test(id)) return error(400, 'Invalid token id')
    const loc = engine.token(id)
    if (!loc) return error(404, NO_BOOK)
    return fn(loc, id)
  }

  // POST batch routes: the tokens the exchange knows (unknown ones are skipped, as the CLOB does), answered by `reply`.
  function batch(ctx: Ctx, reply: (known: Array<[TokenParam, Loc]>) => unknown): Response {
    const list = bodyOf(ctx, TokenParams)
    if (!list) return error(400, 'Invalid payload')
    if (list.length > MAX_BOOKS) return error(400, 'Payload exceeds the limit')
    return json(
      reply(
        list.flatMap((p): Array<[TokenParam, Loc]> => {
          const loc = engine.token(p.token_id)
          return loc ? [[p, loc]] : []
        }),
      ),
    )
  }

  // `{token_id: value}` for the tokens that have one (/midpoints, /spreads).
  function perToken(known: Array<[TokenParam, Loc]>, value: (m: MarketState, o: 0 | 1) => string | undefined) {
    const out: Record<string, string> = {}
    for (const [p, l] of known) {
      const v = value(l.market, l.outcome)
      if (v !== undefined) out[p.token_id] = v
    }
    return out
  }

  // Public `GET <prefix><id>` routes: `find` answers for the id, or 404 when it knows nothing.
  function lookup(prefix: string, find: (id: string) => object | undefined): Route {
    return {
      method: 'GET',
      path: prefix,
      prefix: true,
      auth: 'none',
      handler: (ctx) => {
        const found = find(ctx.path.slice(prefix.length))
        return found ? json(found) : error(404, 'market not found')
      },
    }
  }

  function page<T>(ctx: Ctx, rows: T[]): Response {
    const p = paginate(rows, ctx.query.get('next_cursor'), d.pageSize)
    return p ? json(p) : error(400, 'invalid next_cursor')
  }

  const mid = (m: MarketState, o: 0 | 1) => {
    const t = topOfBook(m, o)
    return t.bid !== undefined && t.ask !== undefined ? unitsToPrice((t.bid + t.ask) / 2) : undefined
  }
  // BUY is the bid side of the book, SELL the ask side (as the CLOB's /price does).
  const sidePrice = (m: MarketState, o: 0 | 1, side: 'BUY' | 'SELL') => {
    const t = topOfBook(m, o)
    const p = side === 'BUY' ? t.bid : t.ask
    return p === undefined ? undefined : unitsToPrice(p)
  }
  const spread = (m: MarketState, o: 0 | 1) => {
    const t = topOfBook(m, o)
    return t.bid !== undefined && t.ask !== undefined ? unitsToPrice(t.ask - t.bid) : undefined
  }
  const lastTrade = (m: MarketState, o: 0 | 1) => {
    const p = ownLastTrade(m, o)
    const yesSide = m.lastTradeSide
    const side = o === 0 ? yesSide : yesSide === 'BUY' ? 'SELL' : 'BUY'
    return { price: p === undefined ? '0.5' : unitsToPrice(p), side: p === undefined ? '' : side }
  }

  function placeResponse(r: PlaceResult) {
    if (!r.ok)
      return {
        success: false,
        errorMsg: r.errorMsg,
        orderID: '',
        status: '',
        transactionsHashes: [],
        tradeIDs: [],
        takingAmount: '',
        makingAmount: '',
      }
    return {
      success: true,
      errorMsg: '',
      orderID: r.order.id,
      status: r.status,
      transactionsHashes: r.trades.map((t) => t.transactionHash),
      tradeIDs: r.trades.map((t) => t.id),
      takingAmount: r.trades.length > 0 ? String(r.takingAmount / AMOUNT_SCALE) : '',
      makingAmount: r.trades.length > 0 ? String(r.makingAmount / AMOUNT_SCALE) : '',
    }
  }

  function submitOne(ctx: Ctx, raw: unknown): { status: number; body: Record<string, unknown> } {
    const dec = decodeOrder(raw, {
      apiKey: ctx.apiKey ?? '',
      keyAddress: ctx.address ?? '',
      chainId: d.chainId,
      version: d.version(),
      negRiskOf: (t) => engine.token(t)?.market.spec.negRisk ?? false,
    })
    if (!dec.ok) return { status: 400, body: { error: dec.error, success: false, errorMsg: dec.error, orderID: '' } }
    if (dec.maker !== dec.signer && ctx.apiKey) funders.set(ctx.apiKey, dec.maker)
    const res = placeResponse(engine.place(dec.input))
    if (!res.success) return { status: 400, body: { ...res, error: res.errorMsg, orderID: dec.input.id } }
    return { status: 200, body: res }
  }

  const cancelBody = (ids: string[], address: string) => {
    const canceled: string[] = []
    const notCanceled: Record<string, string> = {}
    for (const id of ids) {
      const why = engine.cancel(id, address)
      if (why === undefined) canceled.push(id)
      else notCanceled[id] = why
    }
    return { canceled, not_canceled: notCanceled }
  }

  const routes: Route[] = [
    { method: 'GET', path: '/', auth: 'none', handler: () => json('OK') },
    { method: 'GET', path: '/ok', auth: 'none', handler: () => json('OK') },
    { method: 'GET', path: '/version', auth: 'none', handler: () => json({ version: d.version() }) },
    { method: 'GET', path: '/time', auth: 'none', handler: () => json(Math.floor(d.clock.now() / 1000)) },
    {
      method: 'GET',
      path: '/book',
      auth: 'none',
      handler: (ctx) => withToken(ctx, (l) => json(bookSummary(l.market, l.outcome, d.clock.now()))),
    },
    {
      method: 'POST',
      path: '/books',
      auth: 'none',
      handler: (ctx) =>
        batch(ctx, (known) => {
          const ts = d.clock.now()
          return known.map(([, l]) => bookSummary(l.market, l.outcome, ts))
        }),
    },
    {
      method: 'GET',
      path: '/midpoint',
      auth: 'none',
      handler: (ctx) =>
        withToken(ctx, (l) => {
          const m = mid(l.market, l.outcome)
          return m === undefined ? error(404, NO_BOOK) : json({ mid: m })
        }),
    },
    {
      method: 'POST',
      path: '/midpoints',
      auth: 'none',
      handler: (ctx) => batch(ctx, (known) => perToken(known, mid)),
    },
    {
      method: 'GET',
      path: '/price',
      auth: 'none',
      handler: (ctx) =>
        withToken(ctx, (l) => {
          const side = ctx.query.get('side')
          if (side !== 'BUY' && side !== 'SELL') return error(400, 'Invalid side')
          const p = sidePrice(l.market, l.outcome, side)
          return p === undefined ? error(404, NO_BOOK) : json({ price: p })
        }),
    },
    {
      method: 'POST',
      path: '/prices',
      auth: 'none',
      // Entries for one token merge (the client sends one entry per token and side).
      handler: (ctx) =>
        batch(ctx, (known) => {
          const out: Record<string, Record<string, string>> = {}
          for (const [p, l] of known) {
            for (const side of p.side ? [p.side] : (['BUY', 'SELL'] as const)) {
              const px = sidePrice(l.market, l.outcome, side)
              if (px !== undefined) out[p.token_id] = { ...out[p.token_id], [side]: px }
            }
          }
          return out
        }),
    },
    {
      method: 'GET',
      path: '/spread',
      auth: 'none',
      handler: (ctx) => withToken(ctx, (l) => json({ spread: spread(l.market, l.outcome) ?? '0' })),
    },
    {
      method: 'POST',
      path: '/spreads',
      auth: 'none',
      handler: (ctx) => batch(ctx, (known) => perToken(known, spread)),
    },
    {
      method: 'GET',
      path: '/last-trade-price',
      auth: 'none',
      handler: (ctx) => withToken(ctx, (l) => json(lastTrade(l.market, l.outcome))),
    },
    {
      method: 'POST',
      path: '/last-trades-prices',
      auth: 'none',
      handler: (ctx) =>
        batch(ctx, (known) => known.map(([p, l]) => ({ token_id: p.token_id, ...lastTrade(l.market, l.outcome) }))),
    },
    {
      method: 'GET',
      path: '/tick-size',
      auth: 'none',
      handler: (ctx) => withToken(ctx, (l) => json({ minimum_tick_size: l.market.tick / PRICE_SCALE })),
    },
    {
      method: 'GET',
      path: '/neg-risk',
      auth: 'none',
      handler: (ctx) => withToken(ctx, (l) => json({ neg_risk: l.market.spec.negRisk })),
    },
    {
      method: 'GET',
      path: '/fee-rate',
      auth: 'none',
      handler: (ctx) => withToken(ctx, (l) => json({ base_fee: l.market.spec.feeRateBps })),
    },
    {
      method: 'GET',
      path: '/markets',
      auth: 'none',
      handler: (ctx) => page(ctx, engine.markets.map(clobMarket)),
    },
    lookup('/markets/', (id) => {
      const m = engine.market(id)
      return m && clobMarket(m)
    }),
    lookup('/clob-markets/', (id) => {
      const m = engine.market(id)
      return m && clobMarketDetails(m)
    }),
    lookup('/markets-by-token/', (id) => {
      const loc = engine.token(id)
      return loc && { condition_id: loc.market.spec.conditionId }
    }),
    {
      method: 'GET',
      path: '/rewards/markets/current',
      auth: 'none',
      handler: (ctx) => {
        const rows = engine.markets.map((m) => ({
          condition_id: m.spec.conditionId,
          rewards_max_spread: m.spec.rewardsMaxSpread,
          rewards_min_size: m.spec.rewardsMinSize,
          rewards_config: [],
        }))
        return page(ctx, rows)
      },
    },
    // L1
    {
      method: 'POST',
      path: '/auth/api-key',
      auth: 'l1',
      handler: (ctx) => {
        const nonce = ctx.req.headers.get('poly_nonce') ?? '0'
        const existing = created.has(`${ctx.address}|${nonce}`)
        if (existing) return error(400, 'Could not create api key')
        created.add(`${ctx.address}|${nonce}`)
        return credsReply(d.keys.derive(ctx.address ?? '', nonce))
      },
    },
    {
      method: 'GET',
      path: '/auth/derive-api-key',
      auth: 'l1',
      handler: (ctx) => credsReply(d.keys.derive(ctx.address ?? '', ctx.req.headers.get('poly_nonce') ?? '0')),
    },
    // L2
    {
      method: 'GET',
      path: '/auth/api-keys',
      auth: 'l2',
      handler: (ctx) => json({ apiKeys: [ctx.apiKey] }),
    },
    {
      method: 'GET',
      path: '/auth/ban-status/closed-only',
      auth: 'l2',
      handler: () => json({ closed_only: false }),
    },
    {
      method: 'POST',
      path: '/order',
      auth: 'l2',
      handler: (ctx) => {
        const body = parseBody(ctx)
        if (!body.ok) return error(400, 'Invalid order payload')
        const r = submitOne(ctx, body.value)
        return json(r.body, r.status)
      },
    },
    {
      method: 'POST',
      path: '/orders',
      auth: 'l2',
      handler: (ctx) => {
        const body = parseBody(ctx)
        if (!body.ok || !Array.isArray(body.value)) return error(400, 'Invalid order payload')
        if (body.value.length > MAX_BATCH) return error(400, `Too many orders in payload, max ${MAX_BATCH}`)
        return json(
          body.value.map((raw) => {
            const r = submitOne(ctx, raw)
            if (r.status === 200) return r.body
            const { error: _e, ...rest } = r.body
            return rest
          }),
        )
      },
    },
    {
      method: 'DELETE',
      path: '/order',
      auth: 'l2',
      handler: (ctx) => {
        const body = bodyOf(ctx, CancelOneBody)
        if (!body) return error(400, 'Invalid order payload')
        return json(cancelBody([body.orderID], acct(ctx)))
      },
    },
    {
      method: 'DELETE',
      path: '/orders',
      auth: 'l2',
      handler: (ctx) => {
        const ids = bodyOf(ctx, CancelManyBody)
        if (!ids) return error(400, 'Invalid order payload')
        if (ids.length > MAX_CANCEL_IDS) return error(400, `Too many orders in payload, max ${MAX_CANCEL_IDS}`)
        return json(cancelBody(ids, acct(ctx)))
      },
    },
    {
      method: 'DELETE',
      path: '/cancel-all',
      auth: 'l2',
      handler: (ctx) => json({ canceled: engine.cancelAll(acct(ctx)), not_canceled: {} }),
    },
    {
      method: 'DELETE',
      path: '/cancel-market-orders',
      auth: 'l2',
      handler: (ctx) => {
        const body = bodyOf(ctx, CancelMarketBody, {})
        if (!body) return error(400, 'Invalid payload')
        const ids = engine.cancelMarket(acct(ctx), body.market, body.asset_id)
        return json({ canceled: ids, not_canceled: {} })
      },
    },
    {
      method: 'GET',
      path: '/data/order/',
      prefix: true,
      auth: 'l2',
      handler: (ctx) => {
        const o = engine.order(ctx.path.slice('/data/order/'.length))
        if (!o || o.account.address !== acct(ctx)) return json(null)
        return json(restOrder(o))
      },
    },
    {
      method: 'GET',
      path: '/data/orders',
      auth: 'l2',
      handler: (ctx) => {
        const a = engine.findAccount(acct(ctx))
        const q = ctx.query
        const list = a
          ? [...a.open]
              .filter(
                (o) =>
                  wants(q, 'id', o.id) &&
                  wants(q, 'market', o.market.spec.conditionId) &&
                  wants(q, 'asset_id', o.tokenId),
              )
              .sort((x, y) => x.createdAt - y.createdAt)
              .map(restOrder)
          : []
        return page(ctx, list)
      },
    },
    {
      method: 'GET',
      path: '/data/trades',
      auth: 'l2',
      handler: (ctx) => {
        const a = engine.findAccount(acct(ctx))
        const q = ctx.query
        const before = q.get('before')
        const after = q.get('after')
        const list = a
          ? a.trades
              .filter(
                (t) =>
                  wants(q, 'id', t.id) &&
                  wants(q, 'market', t.market.spec.conditionId) &&
                  wants(q, 'asset_id', t.taker.tokenId, ...t.makers.map((f) => f.order.tokenId)) &&
                  (!before || t.matchTime / 1000 < Number(before)) &&
                  (!after || t.matchTime / 1000 > Number(after)),
              )
              .reverse()
              .map((t) => restTrade(t, ctx.apiKey ?? ''))
          : []
        return page(ctx, list)
      },
    },
    {
      method: 'GET',
      path: '/balance-allowance',
      auth: 'l2',
      handler: balanceAllowance,
    },
    {
      method: 'GET',
      path: '/balance-allowance/update',
      auth: 'l2',
      handler: balanceAllowance,
    },
    {
      method: 'GET',
      path: '/order-scoring',
      auth: 'l2',
      handler: () => json({ scoring: false }),
    },
    {
      method: 'POST',
      path: '/v1/heartbeats',
      auth: 'l2',
      handler: (ctx) => {
        const body = bodyOf(ctx, HeartbeatBody, {})
        if (!body) return error(400, 'Invalid payload')
        const r = d.heartbeats.beat(acct(ctx), body.heartbeat_id)
        return r.ok ? json({ heartbeat_id: r.id }) : json({ error: 'Invalid heartbeat id', heartbeat_id: r.id }, 400)
      },
    },
  ]

  function balanceAllowance(ctx: Ctx): Response {
    const type = ctx.query.get('asset_type')
    const a = engine.account(acct(ctx))
    if (type === 'COLLATERAL') return json({ balance: String(a.cash), allowances: allowances() })
    if (type === 'CONDITIONAL') {
      const token = ctx.query.get('token_id')
      if (!token || !engine.token(token)) return error(400, 'Invalid token id')
      return json({ balance: String(a.tokens.get(token) ?? 0), allowances: allowances() })
    }
    return error(400, 'Invalid asset type')
  }

  function credsReply(rec: ApiCreds): Response {
    return json({ apiKey: rec.apiKey, secret: rec.secret, passphrase: rec.passphrase })
  }

  function allowances(): Record<string, string> {
    return {
      '0xE111180000d2663C0091e4f400237545B87B996B': MAX_UINT,
      '0xe2222d279d744050d28e00520010520000310F59': MAX_UINT,
    }
  }

  return routes
}

export function checkAuth(route: Route, ctx: Ctx, d: Pick<ClobDeps, 'keys' | 'chainId'>): Response | undefined {
  const get = (n: string) => ctx.req.headers.get(n)
  if (route.auth === 'l1') {
    const r = d.keys.verifyL1(get, d.chainId)
    if (!r) return error(401, AUTH_ERRORS.l1)
    ctx.address = r.address
  } else if (route.auth === 'l2') {
    const rec = d.keys.verifyL2(get, ctx.method, ctx.path, ctx.body)
    if (!rec) return error(401, AUTH_ERRORS.l2)
    ctx.apiKey = rec.apiKey
    ctx.address = rec.address
  }
  return undefined
}
