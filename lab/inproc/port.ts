import { isV2Order, OrderType, orderToJsonV1, orderToJsonV2, type SignedOrder } from '@polymarket/clob-client-v2'
import { z } from 'zod'
import {
  classifyAnswer,
  DataPositionSchema,
  ExchangeError,
  type ExchangePort,
  postOutcome,
} from '../../plugins/execute/clob/exchange-port.ts'
import type { BucketName } from '../../plugins/execute/clob/rate-budget.ts'
import { WireOrderSchema, WireTradeSchema } from '../../plugins/execute/clob/user-channel-wire.ts'
import type { InProcessExchange, RestAnswer } from './exchange.ts'

/**
 * The executor's ExchangePort over the in-process exchange: the same request bodies @polymarket/clob-client-v2
 * builds (orderToJsonV1/V2, cursor pagination) and the same classification of failures as createClobPort
 * (429 rate-limited, other 4xx rejected, anything else ambiguous).
 */

const CancelSchema = z.object({
  canceled: z.array(z.string()).nullable().default([]),
  not_canceled: z.record(z.string(), z.string()).nullable().default({}),
})
const PageSchema = z.object({ data: z.array(z.unknown()), next_cursor: z.string() })
const HeartbeatSchema = z.object({ heartbeat_id: z.string() })
const BalanceSchema = z.object({ balance: z.string().regex(/^\d+$/) })
const END_CURSOR = 'LTE='

/** The same reading of a failed answer as the live port's (429, 425, restricted modes, Retry-After). */
function fail(what: string, a: RestAnswer): ExchangeError {
  return classifyAnswer(a.status, a.body, `${what}: ${a.status}`, a.headers.get('Retry-After') ?? undefined)
}

/** Which of the signer's buckets a trading route is counted in: its answer's headers go to the rate budget. */
const BUCKET_OF: Readonly<Record<string, BucketName>> = {
  'POST /orders': 'orders',
  'DELETE /orders': 'cancels',
  'DELETE /order': 'cancels',
  'DELETE /cancel-all': 'cancels',
}

export function createInProcessPort(
  ex: InProcessExchange,
  onHeaders?: (bucket: BucketName, headers: Headers) => void,
): ExchangePort {
  async function ok(what: string, method: string, path: string, query?: Record<string, string>, body?: unknown) {
    const a = await ex.call(method, path, query, body)
    const bucket = BUCKET_OF[`${method} ${path}`]
    if (bucket) onHeaders?.(bucket, a.headers)
    if (a.status < 200 || a.status >= 300) throw fail(what, a)
    return a.body
  }
  async function pages(what: string, path: string, query: Record<string, string> = {}): Promise<unknown[]> {
    const out: unknown[] = []
    let cursor = 'MA=='
    while (cursor !== END_CURSOR) {
      const p = PageSchema.parse(await ok(what, 'GET', path, { ...query, next_cursor: cursor }))
      out.push(...p.data)
      cursor = p.next_cursor
    }
    return out
  }
  const cancelResult = (raw: unknown, what: string) => {
    const r = CancelSchema.safeParse(raw)
    if (!r.success) throw new ExchangeError(`${what}: unreadable response`, 'ambiguous')
    return { canceled: r.data.canceled ?? [], notCanceled: r.data.not_canceled ?? {} }
  }
  return {
    async postOrders(orders: readonly SignedOrder[], postOnly: boolean) {
      const body = orders.map((o) =>
        isV2Order(o)
          ? orderToJsonV2(o, ex.apiKey, OrderType.GTC, postOnly, false)
          : orderToJsonV1(o, ex.apiKey, OrderType.GTC, postOnly, false),
      )
      const raw = await ok('POST /orders', 'POST', '/orders', undefined, body)
      if (!Array.isArray(raw) || raw.length !== orders.length)
        throw new ExchangeError(`POST /orders: expected ${orders.length} results`, 'ambiguous')
      return raw.map(postOutcome)
    },
    async cancelOrders(ids) {
      return cancelResult(await ok('DELETE /orders', 'DELETE', '/orders', undefined, [...ids]), 'DELETE /orders')
    },
    async cancelAll() {
      return cancelResult(await ok('DELETE /cancel-all', 'DELETE', '/cancel-all'), 'DELETE /cancel-all')
    },
    async getOrder(id) {
      const a = await ex.call('GET', `/data/order/${id}`)
      if (a.status === 404) return undefined
      if (a.status !== 200) throw fail('GET /data/order', a)
      if (a.body === null || a.body === undefined || a.body === '') return undefined
      const r = WireOrderSchema.safeParse(a.body)
      if (!r.success) throw new ExchangeError('GET /data/order: unreadable response', 'ambiguous')
      return r.data
    },
    async openOrders() {
      return z.array(WireOrderSchema).parse(await pages('GET /data/orders', '/data/orders'))
    },
    async trades(afterSec) {
      const q: Record<string, string> = afterSec === undefined ? {} : { after: String(Math.floor(afterSec)) }
      return z.array(WireTradeSchema).parse(await pages('GET /data/trades', '/data/trades', q))
    },
    async heartbeat(id) {
      const a = await ex.call('POST', '/v1/heartbeats', undefined, { heartbeat_id: id ?? '' })
      const r = HeartbeatSchema.safeParse(a.body)
      if (a.status === 200 && r.success) return r.data.heartbeat_id
      // An expired or unknown id is answered 400 with the id to use from now on.
      if (r.success && r.data.heartbeat_id !== '') return r.data.heartbeat_id
      throw fail('POST /v1/heartbeats', a)
    },
    async positions() {
      return z.array(DataPositionSchema).parse(ex.positions())
    },
    async collateral() {
      const raw = await ok('GET /balance-allowance', 'GET', '/balance-allowance', { asset_type: 'COLLATERAL' })
      const r = BalanceSchema.safeParse(raw)
      if (!r.success) throw new ExchangeError('GET /balance-allowance: unreadable response', 'ambiguous')
      return Number(r.data.balance) / 1e6
    },
    async tokenBalance(tokenId, protocol) {
      const asset_type = protocol === 'v2' ? 'CONDITIONAL-V2' : 'CONDITIONAL'
      const raw = await ok('GET /balance-allowance', 'GET', '/balance-allowance', { asset_type, token_id: tokenId })
      const r = BalanceSchema.safeParse(raw)
      if (!r.success) throw new ExchangeError('GET /balance-allowance: unreadable response', 'ambiguous')
      return Number(r.data.balance) / 1e6
    },
    async refreshBalance(asset) {
      const query: Record<string, string> =
        asset === 'collateral'
          ? { asset_type: 'COLLATERAL' }
          : { asset_type: asset.protocol === 'v2' ? 'CONDITIONAL-V2' : 'CONDITIONAL', token_id: asset.tokenId }
      await ok('GET /balance-allowance/update', 'GET', '/balance-allowance/update', query)
    },
  }
}
