import type { ClobClient, SignedOrder } from '@polymarket/clob-client-v2'
import { AssetType } from '@polymarket/clob-client-v2'
import { z } from 'zod'
import type { Clock } from '../../../pipeline/clock.ts'
import type { Logger } from '../../../pipeline/logger.ts'
import type { SubmitOutcome } from './order-state.ts'
import type { TradingHttp } from './trading-http.ts'
import { type WireOrder, WireOrderSchema, type WireTrade, WireTradeSchema } from './user-channel-wire.ts'

/**
 * What the executor needs of the exchange, narrowed to typed results and three kinds of failure. The real
 * implementation goes through @polymarket/clob-client-v2; tests give the executor a fake of this interface.
 */

/**
 * rate-limited: not processed (429). rejected: a definite refusal (4xx). ambiguous: may or may not have happened.
 * The exchange's modes (§7.6), none of them processed: restarting (425, matching engine restart), cancel-only (503,
 * new orders refused, cancels allowed), post-only-mode (503 `code: post_only_mode`, only post-only orders taken).
 */
export type FailureKind = 'rate-limited' | 'rejected' | 'ambiguous' | 'restarting' | 'cancel-only' | 'post-only-mode'

/** Kinds after which the request surely did nothing: the orders rest (or do not exist) as before. */
export function notProcessed(kind: FailureKind): boolean {
  return kind === 'rate-limited' || kind === 'restarting' || kind === 'cancel-only' || kind === 'post-only-mode'
}

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
    /** `Retry-After` (header, or the body's `retry_after_seconds`), as sent. */
    readonly retryAfter?: string,
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
  /** Waits for the answer at most `timeoutMs` (and never longer than the request timeout). */
  heartbeat(id: string | undefined, timeoutMs?: number): Promise<string>
  /** Every position of `user` (Data API /positions, paged by `offset` past its ~500 cap). */
  positions(user: string): Promise<DataPosition[]>
  /** pUSD held by the account (GET /balance-allowance, COLLATERAL), resting BUYs included, in USD. */
  collateral(): Promise<number>
  /**
   * Settled shares of a token (GET /balance-allowance, CONDITIONAL, or CONDITIONAL-V2 for a V2 market): what the
   * exchange lets a SELL use. Bought shares count once their trade settled.
   */
  tokenBalance(tokenId: string, protocol: 'v1' | 'v2'): Promise<number>
  /** GET /balance-allowance/update: the server refreshes its cached view of a balance (after fills). */
  refreshBalance(asset: { readonly tokenId: string; readonly protocol: 'v1' | 'v2' } | 'collateral'): Promise<void>
}

/** Data API `/positions` answers at most this many rows a page (§7.6). */
export const POSITIONS_PAGE = 500

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
/**
 * A stale id is answered 400 `{"error_msg":"Invalid Heartbeat ID","heartbeat_id":"<current>"}` (§7.3). That body has
 * no `error` key, so CCv2 wraps it as `{ error: <body>, status: 400 }` and, with throwOnError, throws an ApiError
 * whose `data` is that wrapper. An answer that does carry `error` is spread instead: `{ error, heartbeat_id, status }`.
 */
const StaleHeartbeatSchema = z.union([
  z.object({ error: z.object({ heartbeat_id: z.string().min(1) }) }).transform((b) => b.error.heartbeat_id),
  z.object({ heartbeat_id: z.string().min(1) }).transform((b) => b.heartbeat_id),
])

/** A heartbeat refused for a stale id; `currentId` is the id the exchange expects next. */
export class StaleHeartbeatError extends Error {
  override name = 'StaleHeartbeatError'
  constructor(readonly currentId: string) {
    super('heartbeat id stale: the exchange answered with the current one')
  }
}

/** A heartbeat answered without an id we can use: the chain restarts with a fresh beat. */
export class HeartbeatWithoutIdError extends Error {
  override name = 'HeartbeatWithoutIdError'
}
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

const ModeBodySchema = z.looseObject({
  error: z.unknown().optional(),
  code: z.unknown().optional(),
  retry_after_seconds: z.number().nonnegative().optional(),
})

/**
 * What a non-2xx answer means, from its status and body (CCv2 wraps a body without `error` as `{ error: body }`):
 * 425 restarting; 503 with `code: post_only_mode` post-only; 503 whose error says "cancel-only" cancel-only (that
 * one has no code, ts-sdk matches the text); 429 rate-limited; other 4xx a refusal; the rest ambiguous.
 */
export function classifyAnswer(status: number | undefined, body: unknown, message: string, retryAfter?: string) {
  const parsed = ModeBodySchema.safeParse(body)
  const b = parsed.success ? parsed.data : {}
  const inner = ModeBodySchema.safeParse(b.error)
  const code = b.code ?? (inner.success ? inner.data.code : undefined)
  const text = typeof b.error === 'string' ? b.error : message
  const after = retryAfter ?? (b.retry_after_seconds === undefined ? undefined : String(b.retry_after_seconds))
  const make = (kind: FailureKind) => new ExchangeError(message, kind, status, undefined, body, after)
  if (status === 429) return make('rate-limited')
  if (status === 425) return make('restarting')
  if (status === 503 && code === 'post_only_mode') return make('post-only-mode')
  if (status === 503 && /cancel[- _]only/i.test(text)) return make('cancel-only')
  if (status !== undefined && status >= 400 && status < 500) return make('rejected')
  return make('ambiguous')
}

function classify(err: unknown): ExchangeError {
  if (err instanceof ExchangeError) return err
  const e = err as ApiErrorLike
  const status = typeof e?.status === 'number' ? e.status : undefined
  const message = typeof e?.message === 'string' ? e.message : String(err)
  // CCv2's ApiError carries `{ error, status }` as its data.
  const body = e?.data !== null && typeof e?.data === 'object' && 'error' in e.data ? e.data : e?.data
  return classifyAnswer(status, body, message)
}

export interface ClobPortOptions {
  readonly client: ClobClient
  /** POST /orders, DELETE /orders and cancel-all as raw requests (headers read for the rate budget). */
  readonly trading: TradingHttp
  readonly clock: Clock
  readonly dataApiUrl: string
  /** A call still unanswered after this long is ambiguous. */
  readonly timeoutMs: number
  /**
   * Markets this instance trades when several share the account (universe shard/of): the open orders, trades and
   * positions of the others' markets are theirs, never cancelled, booked or seeded here. Default: every market.
   */
  readonly owns?: (conditionId: string) => boolean
  /** Where an item of a list that does not parse is named (it is skipped; the rest of the page is kept). */
  readonly log?: Pick<Logger, 'warn'>
}

/**
 * A list answer item by item: one item that does not parse is named and left out, never the whole page (a fill
 * in the rest of a back-fill page must not be lost for one odd trade).
 */
function parseEach<T>(schema: z.ZodType<T>, raw: unknown, what: string, log?: Pick<Logger, 'warn'>): T[] {
  if (!Array.isArray(raw)) throw new ExchangeError(`${what}: expected a list, got ${typeof raw}`, 'ambiguous')
  const out: T[] = []
  for (const [i, item] of raw.entries()) {
    const r = schema.safeParse(item)
    if (r.success) out.push(r.data)
    else
      log?.warn(
        `${what}: item ${i} left out (${r.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')})`,
      )
  }
  return out
}

/** The real port: @polymarket/clob-client-v2 created with `throwOnError: true`, every call bounded in time. */
export function createClobPort(opts: ClobPortOptions): ExchangePort {
  const { client, clock, timeoutMs } = opts
  const owns = opts.owns ?? (() => true)
  function bounded<T>(what: string, call: () => Promise<T>, limitMs = timeoutMs): Promise<T> {
    const running = call()
    return new Promise<T>((resolve, reject) => {
      const cancel = clock.setTimeout(
        () => reject(new ExchangeError(`${what}: no answer after ${limitMs} ms`, 'ambiguous', undefined, running)),
        limitMs,
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
      // Raw: CCv2's postOrders would poll /data/trades up to 30 s for matched orders before answering (§7.6).
      const raw = await bounded('POST /orders', () => opts.trading.postOrders(orders, postOnly))
      if (!Array.isArray(raw) || raw.length !== orders.length) {
        throw new ExchangeError(`POST /orders: expected ${orders.length} results`, 'ambiguous')
      }
      return raw.map(postOutcome)
    },
    async cancelOrders(ids) {
      const raw = await bounded('DELETE /orders', () => opts.trading.cancelOrders(ids))
      const r = CancelSchema.safeParse(raw)
      if (!r.success) throw new ExchangeError('DELETE /orders: unreadable response', 'ambiguous')
      return { canceled: r.data.canceled ?? [], notCanceled: r.data.not_canceled ?? {} }
    },
    async cancelAll() {
      const raw = await bounded('DELETE /cancel-all', () => opts.trading.cancelAll())
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
      return parseEach(WireOrderSchema, raw, 'GET /data/orders', opts.log).filter((o) => owns(o.market))
    },
    async trades(afterSec) {
      const params = afterSec === undefined ? undefined : { after: String(Math.floor(afterSec)) }
      const raw: unknown = await bounded('GET /data/trades', () => client.getTrades(params))
      return parseEach(WireTradeSchema, raw, 'GET /data/trades', opts.log).filter((t) => owns(t.market))
    },
    async heartbeat(id, limitMs) {
      let raw: unknown
      try {
        raw = await bounded(
          'POST /v1/heartbeats',
          () => client.postHeartbeat(id ?? ''),
          Math.min(timeoutMs, limitMs ?? timeoutMs),
        )
      } catch (err) {
        const e = err instanceof ExchangeError ? err : classify(err)
        // A stale or unknown id: the answer names the current one, which is what we send from now on.
        const stale = e.status === 400 ? StaleHeartbeatSchema.safeParse(e.data) : undefined
        if (stale?.success) throw new StaleHeartbeatError(stale.data)
        throw e
      }
      const r = HeartbeatSchema.safeParse(raw)
      if (!r.success || r.data.heartbeat_id === '')
        throw new HeartbeatWithoutIdError('heartbeat answered without an id')
      return r.data.heartbeat_id
    },
    async collateral() {
      const raw: unknown = await bounded('GET /balance-allowance', () =>
        client.getBalanceAllowance({ asset_type: AssetType.COLLATERAL }),
      )
      const r = BalanceSchema.safeParse(raw)
      if (!r.success) throw new ExchangeError('GET /balance-allowance: unreadable response', 'ambiguous')
      return Number(r.data.balance) / 1e6
    },
    async tokenBalance(tokenId, protocol) {
      const raw: unknown = await bounded('GET /balance-allowance', () =>
        client.getBalanceAllowance({ asset_type: conditionalAsset(protocol), token_id: tokenId }),
      )
      const r = BalanceSchema.safeParse(raw)
      if (!r.success) throw new ExchangeError('GET /balance-allowance: unreadable response', 'ambiguous')
      return Number(r.data.balance) / 1e6
    },
    async refreshBalance(asset) {
      const params =
        asset === 'collateral'
          ? { asset_type: AssetType.COLLATERAL }
          : { asset_type: conditionalAsset(asset.protocol), token_id: asset.tokenId }
      await bounded('GET /balance-allowance/update', () => client.updateBalanceAllowance(params))
    },
    async positions(user) {
      const base = `${opts.dataApiUrl.replace(/\/$/, '')}/positions?user=${encodeURIComponent(user)}&sizeThreshold=0`
      const all: DataPosition[] = []
      for (let offset = 0; ; offset += POSITIONS_PAGE) {
        const url = `${base}&limit=${POSITIONS_PAGE}&offset=${offset}`
        const res = await bounded('GET /positions', () => fetch(url))
        if (res.status === 429) throw new ExchangeError('GET /positions: 429', 'rate-limited', 429)
        if (!res.ok) throw new ExchangeError(`GET /positions: ${res.status}`, 'ambiguous', res.status)
        const raw: unknown = await res.json()
        const page = parseEach(DataPositionSchema, raw, 'GET /positions', opts.log)
        all.push(...page.filter((p) => p.conditionId === undefined || owns(p.conditionId)))
        if ((raw as unknown[]).length < POSITIONS_PAGE) return all
      }
    },
  }
}

/** V2 positions are balances of their own asset type (§7.1); CCv2 1.1.0 does not name it, the wire does. */
function conditionalAsset(protocol: 'v1' | 'v2'): AssetType {
  return protocol === 'v2' ? ('CONDITIONAL-V2' as AssetType) : AssetType.CONDITIONAL
}
