// CLOB REST routes (protocol doc §2): public market data and L1 key management; the L2 trading and account routes
// live in trading-routes.ts and account-routes.ts.
import { z } from 'zod'
import { createAccountRoutes } from './account-routes.ts'
import { type ApiCreds, AUTH_ERRORS } from './auth.ts'
import { clobMarket, clobMarketDetails } from './catalog.ts'
import type { MarketState } from './engine.ts'
import { type Ctx, error, json } from './http.ts'
import { bodyOf, type ClobDeps, createSession, pageOf, type Route } from './routes-common.ts'
import { createTradingRoutes } from './trading-routes.ts'
import { PRICE_SCALE, unitsToPrice } from './units.ts'
import { bookSummary, ownLastTrade, topOfBook } from './wire.ts'

export type { ClobDeps, Route } from './routes-common.ts'
export { MAX_BATCH } from './trading-routes.ts'

const MAX_BOOKS = 500
const TokenParams = z.array(z.object({ token_id: z.string(), side: z.enum(['BUY', 'SELL']).optional() }))
type TokenParam = z.infer<typeof TokenParams>[number]
type Loc = { market: MarketState; outcome: 0 | 1 }
const NO_BOOK = 'No orderbook exists for the requested token id'

export function createClobRoutes(d: ClobDeps): Route[] {
  const { engine } = d
  const created = new Set<string>()
  const session = createSession(d)
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

  const page = <T>(ctx: Ctx, rows: T[]) => pageOf(ctx, rows, d.pageSize)

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
    ...createTradingRoutes(d, session),
    ...createAccountRoutes(d, session),
  ]

  function credsReply(rec: ApiCreds): Response {
    return json({ apiKey: rec.apiKey, secret: rec.secret, passphrase: rec.passphrase })
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
