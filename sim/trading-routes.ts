// L2 trading routes: order posts and cancels under the per-signer token buckets (§7.2), the exchange modes of a
// matching-engine restart (§7.6), account restrictions (allowances, deposit-wallet flow: §7.5) and the heartbeat.
import { z } from 'zod'
import { DEPOSIT_WALLET_ERROR } from './accounts.ts'
import { requiredApprovals } from './contracts.ts'
import { ERR, type PlaceResult } from './engine.ts'
import { HEARTBEAT_MISMATCH } from './heartbeats.ts'
import { type Ctx, error, json, parseBody } from './http.ts'
import { decodeOrder } from './order-body.ts'
import type { BucketKind, RateDecision } from './rate-limits.ts'
import { bodyOf, type ClobDeps, type Route, type Session, withHeaders } from './routes-common.ts'
import { AMOUNT_SCALE } from './units.ts'

export const MAX_BATCH = 15
const MAX_CANCEL_IDS = 1000
const CancelOneBody = z.object({ orderID: z.string() })
const CancelManyBody = z.array(z.string())
const CancelMarketBody = z.object({ market: z.string().optional(), asset_id: z.string().optional() })
const HeartbeatBody = z.object({ heartbeat_id: z.string().nullable().optional() })

export const EXCHANGE_MODE_ERRORS = {
  restarting: 'service not ready',
  cancelOnly: 'the exchange is in cancel-only mode: new orders are not accepted',
  postOnly: 'the exchange is in post-only mode: only post-only orders are accepted',
} as const

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
    // Since 2026-07-24 production answers trade ids, not hashes (§2.4): CCv2 then polls /data/trades for them.
    transactionsHashes: [],
    tradeIDs: r.trades.map((t) => t.id),
    takingAmount: r.trades.length > 0 ? String(r.takingAmount / AMOUNT_SCALE) : '',
    makingAmount: r.trades.length > 0 ? String(r.makingAmount / AMOUNT_SCALE) : '',
  }
}

export function createTradingRoutes(d: ClobDeps, s: Session): Route[] {
  const { engine } = d
  const signerOf = (ctx: Ctx) => ctx.address ?? ''

  /** Charge the signer's bucket; on refusal answer 429 (with Retry-After when waiting can help). */
  function charged(ctx: Ctx, kind: BucketKind, cost: number, run: (h: Record<string, string>) => Response): Response {
    const r: RateDecision = d.rateLimits.take(signerOf(ctx), kind, cost)
    if (!r.admitted) return withHeaders(json(r.body, r.status), r.headers)
    return withHeaders(run(r.headers), r.headers)
  }

  function restarting(): Response | undefined {
    return d.faults.exchangeMode() === 'restarting' ? error(425, EXCHANGE_MODE_ERRORS.restarting) : undefined
  }

  /**
   * A restricted mode refuses the whole request as production does, per the newer SDKs that type these answers
   * (ts-sdk): 503 with `code: post_only_mode` for an order that is not post-only while only those are taken, 503
   * saying "cancel-only" while only cancels are taken. Nothing is charged or placed.
   */
  function modeRefusal(raws: readonly unknown[]): Response | undefined {
    const mode = d.faults.exchangeMode()
    if (mode === 'cancel_only') return json({ error: EXCHANGE_MODE_ERRORS.cancelOnly, code: 'cancel_only_mode' }, 503)
    if (mode === 'post_only' && raws.some((r) => (r as { postOnly?: unknown } | null)?.postOnly !== true))
      return json({ error: EXCHANGE_MODE_ERRORS.postOnly, code: 'post_only_mode' }, 503)
    return undefined
  }

  function reject(errorMsg: string, orderID = '') {
    return { status: 400, body: { error: errorMsg, success: false, errorMsg, orderID } }
  }

  function submitOne(ctx: Ctx, raw: unknown): { status: number; body: Record<string, unknown> } {
    const dec = decodeOrder(raw, {
      apiKey: ctx.apiKey ?? '',
      keyAddress: ctx.address ?? '',
      chainId: d.chainId,
      version: d.version(),
      marketOf: (t) => {
        const m = engine.token(t)?.market.spec
        return m && { negRisk: m.negRisk, protocol: m.protocol }
      },
    })
    if (!dec.ok) return reject(dec.error)
    const id = dec.input.id
    if (
      dec.signatureType !== 3 &&
      (d.accounts.depositWalletRequired(dec.maker) || d.accounts.depositWalletRequired(dec.signer))
    )
      return reject(DEPOSIT_WALLET_ERROR, id)
    const market = engine.token(dec.input.tokenId)?.market.spec
    if (market) {
      for (const need of requiredApprovals(d.contracts, market, dec.input.side))
        if (!d.accounts.approved(dec.maker, need.asset, need.spender)) return reject(ERR.balance, id)
    }
    if (dec.maker !== dec.signer && ctx.apiKey) s.funders.set(ctx.apiKey, dec.maker)
    const res = placeResponse(engine.place(dec.input))
    if (!res.success) return { status: 400, body: { ...res, error: res.errorMsg, orderID: id } }
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

  /** Cancel-all style: 1 token up front, then 1 per order actually cancelled (may go negative). */
  function bulkCancel(ctx: Ctx, cancel: () => string[]): Response {
    const closed = restarting()
    if (closed) return closed
    return charged(ctx, 'cancel', 1, (h) => {
      const ids = cancel()
      Object.assign(h, d.rateLimits.charge(signerOf(ctx), 'cancel', ids.length))
      return json({ canceled: ids, not_canceled: {} })
    })
  }

  const sleep = (ms: number) => new Promise<void>((r) => d.clock.setTimeout(r, ms))

  return [
    {
      method: 'POST',
      path: '/order',
      auth: 'l2',
      handler: (ctx) => {
        const closed = restarting()
        if (closed) return closed
        const body = parseBody(ctx)
        if (!body.ok) return error(400, 'Invalid order payload')
        const refused = modeRefusal([body.value])
        if (refused) return refused
        return charged(ctx, 'order', 1, () => {
          const r = submitOne(ctx, body.value)
          return json(r.body, r.status)
        })
      },
    },
    {
      method: 'POST',
      path: '/orders',
      auth: 'l2',
      handler: (ctx) => {
        const closed = restarting()
        if (closed) return closed
        const body = parseBody(ctx)
        if (!body.ok || !Array.isArray(body.value)) return error(400, 'Invalid order payload')
        const list: unknown[] = body.value
        if (list.length > MAX_BATCH) return error(400, `Too many orders in payload, max ${MAX_BATCH}`)
        const refused = modeRefusal(list)
        if (refused) return refused
        return charged(ctx, 'order', list.length, () =>
          json(
            list.map((raw) => {
              const r = submitOne(ctx, raw)
              if (r.status === 200) return r.body
              const { error: _e, ...rest } = r.body
              return rest
            }),
          ),
        )
      },
    },
    {
      method: 'DELETE',
      path: '/order',
      auth: 'l2',
      handler: (ctx) => {
        const closed = restarting()
        if (closed) return closed
        const body = bodyOf(ctx, CancelOneBody)
        if (!body) return error(400, 'Invalid order payload')
        return charged(ctx, 'cancel', 1, () => json(cancelBody([body.orderID], s.acct(ctx))))
      },
    },
    {
      method: 'DELETE',
      path: '/orders',
      auth: 'l2',
      handler: (ctx) => {
        const closed = restarting()
        if (closed) return closed
        const ids = bodyOf(ctx, CancelManyBody)
        if (!ids) return error(400, 'Invalid order payload')
        if (ids.length > MAX_CANCEL_IDS) return error(400, `Too many orders in payload, max ${MAX_CANCEL_IDS}`)
        return charged(ctx, 'cancel', ids.length, () => json(cancelBody(ids, s.acct(ctx))))
      },
    },
    {
      method: 'DELETE',
      path: '/cancel-all',
      auth: 'l2',
      handler: (ctx) => bulkCancel(ctx, () => engine.cancelAll(s.acct(ctx))),
    },
    {
      method: 'DELETE',
      path: '/cancel-market-orders',
      auth: 'l2',
      handler: (ctx) => {
        const body = bodyOf(ctx, CancelMarketBody, {})
        if (!body) return error(400, 'Invalid payload')
        return bulkCancel(ctx, () => engine.cancelMarket(s.acct(ctx), body.market, body.asset_id))
      },
    },
    {
      method: 'POST',
      path: '/v1/heartbeats',
      auth: 'l2',
      handler: async (ctx) => {
        const body = bodyOf(ctx, HeartbeatBody, {})
        if (!body) return error(400, 'Invalid payload')
        const r = d.heartbeats.beat(s.acct(ctx), body.heartbeat_id)
        // Production's mismatch body has no `error` key (ts-sdk order-heartbeats.ts).
        if (!r.ok) return json({ error_msg: HEARTBEAT_MISMATCH, heartbeat_id: r.id }, 400)
        const lose = d.faults.takeHeartbeatLose()
        if (lose !== undefined) {
          // Accepted and rotated, but the answer is lost: the client learns nothing of the new id.
          await sleep(lose)
          return error(504, 'Gateway Timeout')
        }
        return json({ heartbeat_id: r.id })
      },
    },
  ]
}
