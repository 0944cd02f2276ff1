import {
  type ApiKeyCreds,
  createL2Headers,
  isV2Order,
  OrderType,
  orderToJsonV1,
  orderToJsonV2,
  type SignedOrder,
} from '@polymarket/clob-client-v2'
import { classifyAnswer, ExchangeError } from './exchange-port.ts'
import type { BucketName } from './rate-budget.ts'

/**
 * The trading calls (POST /orders, DELETE /orders, DELETE /cancel-all) as plain HTTP requests. CCv2 drops the
 * response headers, and the per-signer budget lives on them (`Poly-RateLimit-*`, `Retry-After`, §7.2); CCv2's
 * `postOrders` also polls /data/trades for up to 30 s after a matched order (§7.6), which would turn a batch that
 * was answered at once into a timeout. Headers (L2 HMAC) and bodies (`orderToJson`) are built by CCv2's own
 * exported functions, as its client builds them, so the wire is the same.
 */

type ClobSigner = Parameters<typeof createL2Headers>[0]

export interface TradingHttpOptions {
  /** CLOB host, e.g. https://clob.polymarket.com */
  readonly host: string
  readonly creds: ApiKeyCreds
  readonly signer: ClobSigner
  /** Every answer's headers, for the rate budget of its bucket. */
  readonly onHeaders?: (bucket: BucketName, headers: Headers) => void
}

export interface TradingHttp {
  /** The answer body of a 2xx; any other answer throws a classified ExchangeError. */
  postOrders(orders: readonly SignedOrder[], postOnly: boolean): Promise<unknown>
  cancelOrders(ids: readonly string[]): Promise<unknown>
  cancelAll(): Promise<unknown>
}

/** The headers CCv2's http helpers add (overloadHeaders). */
const BASE_HEADERS = {
  'User-Agent': '@polymarket/clob-client',
  Accept: '*/*',
  Connection: 'keep-alive',
  'Content-Type': 'application/json',
}

async function readBody(res: Response): Promise<unknown> {
  const text = await res.text()
  if (text === '') return undefined
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

export function createTradingHttp(opts: TradingHttpOptions): TradingHttp {
  const host = opts.host.replace(/\/$/, '')

  async function send(method: 'POST' | 'DELETE', path: string, bucket: BucketName, payload?: unknown) {
    const body = payload === undefined ? undefined : JSON.stringify(payload)
    const l2 = await createL2Headers(opts.signer, opts.creds, {
      method,
      requestPath: path,
      ...(body === undefined ? {} : { body }),
    })
    let res: Response
    try {
      res = await fetch(`${host}${path}`, {
        method,
        headers: { ...BASE_HEADERS, ...l2 },
        ...(body === undefined ? {} : { body }),
      })
    } catch (err) {
      throw new ExchangeError(`${method} ${path}: ${(err as Error).message}`, 'ambiguous')
    }
    opts.onHeaders?.(bucket, res.headers)
    const answer = await readBody(res).catch(() => undefined)
    if (res.ok) return answer
    const message =
      answer !== null && typeof answer === 'object' && 'error' in answer
        ? String((answer as { error: unknown }).error)
        : typeof answer === 'string' && answer !== ''
          ? answer
          : JSON.stringify(answer ?? `HTTP ${res.status}`)
    throw classifyAnswer(
      res.status,
      answer,
      `${method} ${path} ${res.status}: ${message}`,
      res.headers.get('retry-after') ?? undefined,
    )
  }

  return {
    postOrders(orders, postOnly) {
      const key = opts.creds.key
      const payload = orders.map((order) =>
        isV2Order(order)
          ? orderToJsonV2(order, key, OrderType.GTC, postOnly, false)
          : orderToJsonV1(order, key, OrderType.GTC, postOnly, false),
      )
      return send('POST', '/orders', 'orders', payload)
    },
    cancelOrders: (ids) => send('DELETE', '/orders', 'cancels', [...ids]),
    cancelAll: () => send('DELETE', '/cancel-all', 'cancels'),
  }
}
