// L2 account routes: order and trade lookups (statuses spelled as production does, §7.4) and balances with the
// allowances keyed by spender (§7.5). V2 positions answer under asset type CONDITIONAL-V2.
import type { AssetType } from './contracts.ts'
import { type Ctx, error, json } from './http.ts'
import { settledBalance } from './ledger.ts'
import { createWindowLimiter } from './rate-limits.ts'
import { type ClobDeps, pageOf, type Route, type Session, wants, withHeaders } from './routes-common.ts'
import { restOrder, restTrade } from './wire.ts'

const ASSET_TYPES = new Set<string>(['COLLATERAL', 'CONDITIONAL', 'CONDITIONAL-V2'])

export function createAccountRoutes(d: ClobDeps, s: Session): Route[] {
  const { engine } = d
  const limited = () => d.rateLimits.mode() !== 'off'
  // §2.5: GET balance-allowance 200 / 10 s, UPDATE balance-allowance 50 / 10 s.
  const balanceWindow = createWindowLimiter(
    d.clock,
    () => 200,
    () => 10_000,
    limited,
  )
  const updateWindow = createWindowLimiter(
    d.clock,
    () => 50,
    () => 10_000,
    limited,
  )

  function balanceAllowance(ctx: Ctx, update: boolean): Response {
    const wait = (update ? updateWindow : balanceWindow).hit(ctx.apiKey ?? '')
    if (wait !== undefined) return withHeaders(error(429, 'Too Many Requests'), { 'Retry-After': String(wait) })
    const type = ctx.query.get('asset_type') ?? ''
    if (!ASSET_TYPES.has(type)) return error(400, 'Invalid asset type')
    const asset = type as AssetType
    const address = s.acct(ctx)
    const a = engine.account(address)
    const allowances = d.accounts.allowances(address, asset)
    if (asset === 'COLLATERAL') return json({ balance: String(a.cash), allowances })
    const token = ctx.query.get('token_id')
    const loc = token ? engine.token(token) : undefined
    if (!token || !loc) return error(400, 'Invalid token id')
    // A V1 token asked as CONDITIONAL-V2 (or the reverse) is an id the other ledger does not hold: balance 0.
    const matches = (loc.market.spec.protocol === 'v2') === (asset === 'CONDITIONAL-V2')
    return json({ balance: matches ? String(settledBalance(a, token)) : '0', allowances })
  }

  return [
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
      method: 'GET',
      path: '/data/order/',
      prefix: true,
      auth: 'l2',
      handler: (ctx) => {
        const o = engine.order(ctx.path.slice('/data/order/'.length))
        if (!o || o.account.address !== s.acct(ctx)) return json(null)
        return json(restOrder(o, s.restStyle()))
      },
    },
    {
      method: 'GET',
      path: '/data/orders',
      auth: 'l2',
      handler: (ctx) => {
        const a = engine.findAccount(s.acct(ctx))
        const q = ctx.query
        const style = s.restStyle()
        const list = a
          ? [...a.open]
              .filter(
                (o) =>
                  wants(q, 'id', o.id) &&
                  wants(q, 'market', o.market.spec.conditionId) &&
                  wants(q, 'asset_id', o.tokenId),
              )
              .sort((x, y) => x.createdAt - y.createdAt)
              .map((o) => restOrder(o, style))
          : []
        return pageOf(ctx, list, d.pageSize)
      },
    },
    {
      method: 'GET',
      path: '/data/trades',
      auth: 'l2',
      handler: (ctx) => {
        const a = engine.findAccount(s.acct(ctx))
        const q = ctx.query
        const before = q.get('before')
        const after = q.get('after')
        const style = s.restStyle()
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
              .map((t) => restTrade(t, ctx.apiKey ?? '', style))
          : []
        return pageOf(ctx, list, d.pageSize)
      },
    },
    { method: 'GET', path: '/balance-allowance', auth: 'l2', handler: (ctx) => balanceAllowance(ctx, false) },
    { method: 'GET', path: '/balance-allowance/update', auth: 'l2', handler: (ctx) => balanceAllowance(ctx, true) },
    {
      method: 'GET',
      path: '/order-scoring',
      auth: 'l2',
      handler: () => json({ scoring: false }),
    },
  ]
}
