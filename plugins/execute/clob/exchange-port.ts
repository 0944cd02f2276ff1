import type { ClobClient, SignedOrder } from '@polymarket/clob-client-v2'
import { AssetType, OrderType } from '@polymarket/clob-client-v2'
import { z } from 'zod'
import type { Clock } from '../../../pipeline/clock.ts'
import type { SubmitOutcome } from './order-state.ts'
import { type WireOrder, WireOrderSchema, type WireTrade, WireTradeSchema } from './user-channel-wire.ts'

/**
 * What the executor needs of the exchange, narrowed to typed results and three kinds of failure. The real
 * implementation goes through @polymarket/clob-client-v2; tests give the executor a fake of this interface.
 */

/** rate-limited: not processed (429). rejected: a definite refusal (4xx). ambiguous: may or may not have happened. */
export type FailureKind = 'rate-limited' | 'rejected' | 'ambiguous'

export class ExchangeError extends Error {
  override name = 'ExchangeError'
  constructor(
    message: string,
    readonly kind: FailureKind,
    readonly status?: number,
    /** For a timed-out call: the call itself, still running; its eventual answer can settle what was ambiguous. */
    readonly late?: Promise<unknown>,
    /** The error body, when the exchange sent one. */
    readonly data?: unknown,
  ) {
    super(message)
  }
}

export interface CancelResult {
  readonly canceled: readonly string[]
  readonly notCanceled: Readonly<Record<string, string>>
}

export const DataPositionSchema = z.object({
  asset: z.string(),
  conditionId: z.string().optional(),
  size: z.number(),
  avgPrice: z.number().default(0),
})
export type DataPosition = z.infer<typeof DataPositionSchema>

export interface ExchangePort {
  /** One POST /orders (≤ 15); one outcome per order, in request order, read by order-state's `submitEvent`. */
  postOrders(orders: readonly SignedOrder[], postOnly: boolean): Promise<SubmitOutcome[]>
  cancelOrders(ids: readonly string[]): Promise<CancelResult>
  /** DELETE /cancel-all: every open order of the account, including ones this process does not know. */
  cancelAll(): Promise<CancelResult>
  /** undefined when the exchange does not know the order. */
  getOrder(id: string): Promise<WireOrder | undefined>
  openOrders(): Promise<WireOrder[]>
  /** Our trades, newest first; `afterSec` filters on match time (unix seconds). */
  trades(afterSec?: number): Promise<WireTrade[]>
  /** Returns the heartbeat id to send next time. */
  heartbeat(id: string | undefined): Promise<string>
  positions(user: string): Promise<DataPosition[]>
  /** pUSD held by the account (GET /balance-allowance, COLLATERAL), resting BUYs included, in USD. */
  collateral(): Promise<number>
}

const PostItemSchema = z.object({
  success: z.boolean().optional(),
  orderID: z.string().nullable().optional(),
  errorMsg: z.string().nullable().optional(),
  error: z.string().optional(),
  status: z.string().optional(),
  makingAmount: z.string().optional(),
  takingAmount: z.string().optional(),
})
const CancelSchema = z.object({
  canceled: z.array(z.string()).nullable().default([]),
  not_canceled: z.record(z.string(), z.string()).nullable().default({}),
})
const HeartbeatSchema = z.object({ heartbeat_id: z.string() })
/** The balance is a string of micro-pUSD (6 decimals), e.g. "1000000000" for 1,000 pUSD. */
const BalanceSchema = z.object({ balance: z.string().regex(/^\d+$/) })

/**
 * One element of a 2xx POST /orders answer. An element we cannot read says nothing about the order: ambiguous,
 * never a rejection.
 */
export function postOutcome(raw: unknown): SubmitOutcome {
  const r = PostItemSchema.safeParse(raw)
  return r.success
    ? { kind: 'response', httpStatus: 200, body: r.data }
    : { kind: 'failure', reason: 'unreadable POST /orders answer element' }
}

interface ApiErrorLike {
  readonly status?: number
  readonly message: string
  readonly data?: unknown
}

function classify(err: unknown): ExchangeError {
  if (err instanceof ExchangeError) return err
  const e = err as ApiErrorLike
  const status = typeof e?.status === 'number' ? e.status : undefined
  const message = typeof e?.message === 'string' ? e.message : String(err)
  if (status === 429) return new ExchangeError(message, 'rate-limited', status, undefined, e.data)
  if (status !== undefined && status >= 400 && status < 500)
    return new ExchangeError(message, 'rejected', status, undefined, e.data)
  return new ExchangeError(message, 'ambiguous', status, undefined, e.data)
}

export interface ClobPortOptions {
  readonly client: ClobClient
  readonly clock: Clock
  readonly dataApiUrl: string
  /** A call still unanswered after this long is ambiguous. */
  readonly timeoutMs: number
}

/** The real port: @polymarket/clob-client-v2 created with `throwOnError: true`, every call bounded in time. */
export function createClobPort(opts: ClobPortOptions): ExchangePort {
  const { client, clock, timeoutMs } = opts
  function bounded<T>(what: string, call: () => Promise<T>): Promise<T> {
    const running = call()
    return new Promise<T>((resolve, reject) => {
      const cancel = clock.setTimeout(
        () => reject(new ExchangeError(`${what}: no answer after ${timeoutMs} ms`, 'ambiguous', undefined, running)),
        timeoutMs,
      )
      running.then(
        (v) => {
          cancel()
          resolve(v)
        },
        (e) => {
          cancel()
          reject(classify(e))
        },
      )
    })
  }
  return {
    async postOrders(orders, postOnly) {
      const args = orders.map((order) => ({ order, orderType: OrderType.GTC }))
      // deferExec false; the client resolves transaction hashes only for matched orders (post-only never match).
      const raw = await bounded('POST /orders', () => client.postOrders(args, postOnly))
      if (!Array.isArray(raw) || raw.length !== orders.length) {
        throw new ExchangeError(`POST /orders: expected ${orders.length} results`, 'ambiguous')
      }
      return raw.map(postOutcome)
    },
    async cancelOrders(ids) {
      const raw = await bounded('DELETE /orders', () => client.cancelOrders([...ids]))
      const r = CancelSchema.safeParse(raw)
      if (!r.success) throw new ExchangeError('DELETE /orders: unreadable response', 'ambiguous')
      return { canceled: r.data.canceled ?? [], notCanceled: r.data.not_canceled ?? {} }
    },
    async cancelAll() {
      const raw = await bounded('DELETE /cancel-all', () => client.cancelAll())
      const r = CancelSchema.safeParse(raw)
      if (!r.success) throw new ExchangeError('DELETE /cancel-all: unreadable response', 'ambiguous')
      return { canceled: r.data.canceled ?? [], notCanceled: r.data.not_canceled ?? {} }
    },
    async getOrder(id) {
      let raw: unknown
      try {
        raw = await bounded('GET /data/order', () => client.getOrder(id))
      } catch (err) {
        // The exchange answers an id it does not know with 404: not found, which settles the order like null.
        if (err instanceof ExchangeError && err.status === 404) return undefined
        throw err
      }
      if (raw === null || raw === undefined || raw === '') return undefined
      const r = WireOrderSchema.safeParse(raw)
      if (!r.success) throw new ExchangeError('GET /data/order: unreadable response', 'ambiguous')
      return r.data
    },
    async openOrders() {
      const raw: unknown = await bounded('GET /data/orders', () => client.getOpenOrders())
      return z.array(WireOrderSchema).parse(raw)
    },
    async trades(afterSec) {
      const params = afterSec === undefined ? undefined : { after: String(Math.floor(afterSec)) }
      const raw: unknown = await bounded('GET /data/trades', () => client.getTrades(params))
      return z.array(WireTradeSchema).parse(raw)
    },
    async heartbeat(id) {
      try {
        const raw = await bounded('POST /v1/heartbeats', () => client.postHeartbeat(id ?? ''))
        return HeartbeatSchema.parse(raw).heartbeat_id
      } catch (err) {
        // An expired or unknown id is answered 400 with the id to use from now on.
        const r = HeartbeatSchema.safeParse(err instanceof ExchangeError ? err.data : undefined)
        if (r.success && r.data.heartbeat_id !== '') return r.data.heartbeat_id
        throw err instanceof ExchangeError ? err : classify(err)
      }
    },
    async collateral() {
      const raw: unknown = await bounded('GET /balance-allowance', () =>
        client.getBalanceAllowance({ asset_type: AssetType.COLLATERAL }),
      )
      const r = BalanceSchema.safeParse(raw)
      if (!r.success) throw new ExchangeError('GET /balance-allowance: unreadable response', 'ambiguous')
      return Number(r.data.balance) / 1e6
    },
    async positions(user) {
      const url = `${opts.dataApiUrl.replace(/\/$/, '')}/positions?user=${encodeURIComponent(user)}&sizeThreshold=0&limit=500`
      const res = await bounded('GET /positions', () => fetch(url))
      if (res.status === 429) throw new ExchangeError('GET /positions: 429', 'rate-limited', 429)
      if (!res.ok) throw new ExchangeError(`GET /positions: ${res.status}`, 'ambiguous', res.status)
      return z.array(DataPositionSchema).parse(await res.json())
    },
  }
}
