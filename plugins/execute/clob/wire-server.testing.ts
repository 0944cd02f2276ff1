import { ClobClient } from '@polymarket/clob-client-v2'
import { type Clock, createManualClock } from '../../../pipeline/clock.ts'
import { createClobPort, type ExchangePort } from './exchange-port.ts'
import { createFastSigner } from './fast-signer.ts'
import type { BucketName } from './rate-budget.ts'
import { createTradingHttp } from './trading-http.ts'

/**
 * A small CLOB over loopback that answers in production's wire format of protocol §7, for what the simulator does
 * not model yet: per-signer token buckets with `Poly-RateLimit-*` headers and 429 + Retry-After (§7.2), the
 * heartbeat's rotating id and its stale-id answer (§7.3), restart / cancel-only / post-only modes (§7.6),
 * `/positions` capped at 500 a page. Only for tests; the real wire is the simulator's job.
 */

export interface WireOrderRow {
  id: string
  market: string
  asset_id: string
  side: 'BUY' | 'SELL'
  price: string
  original_size: string
  size_matched: string
  status: string
}

export interface WireServerOptions {
  /** Orders bucket [perSec, burst]; cancels likewise. Default Standard: 40/60, 80/120. */
  readonly orders?: readonly [number, number]
  readonly cancels?: readonly [number, number]
  readonly tierHeader?: string
  /** Dead-man switch: once armed by a beat, every order is cancelled when no beat is accepted this long. */
  readonly heartbeatTimeoutMs?: number
}

export function startWireServer(opts: WireServerOptions = {}) {
  const [oRate, oBurst] = opts.orders ?? [40, 60]
  const [cRate, cBurst] = opts.cancels ?? [80, 120]
  const buckets: Record<BucketName, { tokens: number; rate: number; burst: number; last: number }> = {
    orders: { tokens: oBurst, rate: oRate, burst: oBurst, last: Date.now() },
    cancels: { tokens: cBurst, rate: cRate, burst: cBurst, last: Date.now() },
  }
  const state = {
    mode: 'normal' as 'normal' | 'restarting' | 'cancel-only' | 'post-only',
    /** Retry-After of a 425; undefined: none (the protocol notes document no header on it). */
    restartRetryAfter: '1' as string | undefined,
    resting: new Map<string, WireOrderRow>(),
    heartbeatId: '',
    /** Heartbeats accepted; the next answer of one is dropped (the connection closes) while > 0. */
    dropHeartbeatAnswers: 0,
    heartbeatsAccepted: 0,
    /** Accepted heartbeats answered `{}` (no id) while > 0. */
    heartbeatAnswersWithoutId: 0,
    heartbeatsStale: 0,
    lastHeartbeatAt: 0,
    /** Times the dead-man switch fired and cancelled every order. */
    heartbeatExpired: 0,
    /** Posts answered `matched` with trade ids (a taker order, postOnly false). */
    matchPosts: false,
    positions: [] as { asset: string; size: number; avgPrice: number; conditionId?: string }[],
    trades: [] as unknown[],
    /** Status codes to answer the next requests of a route with, e.g. { 'DELETE /orders': [503] }. */
    failNext: new Map<string, number[]>(),
    malformedHeader: false,
    requests: [] as string[],
    /** Every request with its query string. */
    queries: [] as string[],
    /** Costs the exchange charged, per bucket, and the 429s it answered. */
    charged: { orders: 0, cancels: 0 },
    throttled: 0,
    cancelAlls: 0,
    batchSizes: { orders: [] as number[], cancels: [] as number[] },
    /** Order id (EIP-712 hash) by signature, as the client computed it: the exchange answers the same id. */
    ids: new Map<string, string>(),
  }

  function take(b: BucketName, cost: number): { ok: boolean; retryAfter: number } {
    const k = buckets[b]
    const t = Date.now()
    k.tokens = Math.min(k.burst, k.tokens + ((t - k.last) / 1000) * k.rate)
    k.last = t
    if (cost > k.burst || k.tokens < cost) return { ok: false, retryAfter: Math.ceil((cost - k.tokens) / k.rate) }
    k.tokens -= cost
    state.charged[b] += cost
    return { ok: true, retryAfter: 0 }
  }
  const limitHeaders = (b: BucketName): Record<string, string> => ({
    'Poly-RateLimit-Tier': opts.tierHeader ?? 'standard',
    'Poly-RateLimit-Limit': String(buckets[b].burst),
    'Poly-RateLimit-Remaining': state.malformedHeader ? 'lots' : String(Math.floor(buckets[b].tokens)),
    'Poly-RateLimit-Reset': '1',
  })
  const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } })

  function modeRefusal(kind: 'post' | 'cancel', postOnly: boolean): Response | undefined {
    if (state.mode === 'restarting')
      return json(
        { error: 'service not ready' },
        425,
        state.restartRetryAfter === undefined ? {} : { 'Retry-After': state.restartRetryAfter },
      )
    if (kind === 'post' && state.mode === 'cancel-only')
      return json(
        { error: 'Trading is currently cancel-only. New orders are not accepted, but cancels are allowed.' },
        503,
      )
    if (kind === 'post' && state.mode === 'post-only' && !postOnly)
      return json({ error: 'only post-only orders are accepted', code: 'post_only_mode' }, 503)
    return undefined
  }

  function cancelIds(ids: readonly string[]) {
    const canceled: string[] = []
    const not_canceled: Record<string, string> = {}
    for (const id of ids) {
      if (state.resting.delete(id)) canceled.push(id)
      else not_canceled[id] = 'order not found'
    }
    return { canceled, not_canceled }
  }

  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(req) {
      const url = new URL(req.url)
      const route = `${req.method} ${url.pathname}`
      state.requests.push(route)
      state.queries.push(`${route}${url.search}`)
      const fail = state.failNext.get(route)?.shift()
      if (fail !== undefined) return json({ error: 'Internal server error' }, fail)
      if (route === 'POST /orders') {
        const body = (await req.json()) as {
          order: { tokenId: string; side: string; signature: string; makerAmount: string; takerAmount: string }
          postOnly: boolean
        }[]
        const refused = modeRefusal(
          'post',
          body.every((o) => o.postOnly),
        )
        if (refused) return refused
        state.batchSizes.orders.push(body.length)
        const grant = take('orders', body.length)
        if (!grant.ok) {
          state.throttled++
          return json({ error: 'Too Many Requests' }, 429, {
            ...limitHeaders('orders'),
            'Retry-After': String(grant.retryAfter),
          })
        }
        const out = body.map((o, i) => {
          const id =
            state.ids.get(o.order.signature) ?? `0x${Bun.hash(o.order.signature).toString(16).padStart(64, '0')}`
          const shares = Number(o.order.side === 'BUY' ? o.order.takerAmount : o.order.makerAmount) / 1e6
          const usd = Number(o.order.side === 'BUY' ? o.order.makerAmount : o.order.takerAmount) / 1e6
          if (state.matchPosts)
            return {
              success: true,
              orderID: id,
              errorMsg: '',
              status: 'matched',
              tradeIDs: [`trade-${i}`],
              makingAmount: String(usd),
              takingAmount: String(shares),
            }
          state.resting.set(id, {
            id,
            market: '',
            asset_id: o.order.tokenId,
            side: o.order.side as 'BUY' | 'SELL',
            price: String(Math.round((usd / shares) * 100) / 100),
            original_size: String(shares),
            size_matched: '0',
            status: 'ORDER_STATUS_LIVE',
          })
          return {
            success: true,
            orderID: id,
            errorMsg: '',
            status: 'live',
            tradeIDs: [],
            makingAmount: '',
            takingAmount: '',
          }
        })
        return json(out, 200, limitHeaders('orders'))
      }
      if (route === 'DELETE /orders') {
        const refused = modeRefusal('cancel', true)
        if (refused) return refused
        const ids = (await req.json()) as string[]
        state.batchSizes.cancels.push(ids.length)
        const grant = take('cancels', ids.length)
        if (!grant.ok) {
          state.throttled++
          return json({ error: 'Too Many Requests' }, 429, {
            ...limitHeaders('cancels'),
            'Retry-After': String(grant.retryAfter),
          })
        }
        return json(cancelIds(ids), 200, limitHeaders('cancels'))
      }
      if (route === 'DELETE /cancel-all') {
        state.cancelAlls++
        const refused = modeRefusal('cancel', true)
        if (refused) return refused
        const grant = take('cancels', 1 + state.resting.size)
        if (!grant.ok) {
          state.throttled++
          return json({ error: 'Too Many Requests' }, 429, {
            ...limitHeaders('cancels'),
            'Retry-After': String(grant.retryAfter),
          })
        }
        return json(cancelIds([...state.resting.keys()]), 200, limitHeaders('cancels'))
      }
      if (route === 'GET /data/orders')
        return json({ data: [...state.resting.values()], next_cursor: 'LTE=', limit: 500, count: state.resting.size })
      if (url.pathname.startsWith('/data/order/')) {
        const o = state.resting.get(url.pathname.slice('/data/order/'.length))
        return o ? json(o) : json({ error: 'order not found' }, 404)
      }
      if (route === 'GET /data/trades')
        return json({ data: state.trades, next_cursor: 'LTE=', limit: 500, count: state.trades.length })
      if (route === 'POST /v1/heartbeats') {
        const body = (await req.json()) as { heartbeat_id: string | null }
        const sent = body.heartbeat_id ?? ''
        if (state.heartbeatId !== '' && sent !== state.heartbeatId) {
          state.heartbeatsStale++
          return json({ error_msg: 'Invalid Heartbeat ID', heartbeat_id: state.heartbeatId }, 400)
        }
        state.heartbeatsAccepted++
        state.lastHeartbeatAt = Date.now()
        state.heartbeatId = crypto.randomUUID()
        if (state.dropHeartbeatAnswers > 0) {
          state.dropHeartbeatAnswers--
          // Accepted and rotated, but the answer never arrives.
          await Bun.sleep(2_000)
        }
        if (state.heartbeatAnswersWithoutId > 0) {
          state.heartbeatAnswersWithoutId--
          return json({})
        }
        return json({ heartbeat_id: state.heartbeatId })
      }
      if (route === 'GET /balance-allowance') return json({ balance: '1000000000', allowances: {} })
      if (route === 'GET /balance-allowance/update') return json('')
      if (route === 'GET /positions') {
        const limit = Math.min(500, Number(url.searchParams.get('limit') ?? 100))
        const offset = Number(url.searchParams.get('offset') ?? 0)
        return json(state.positions.slice(offset, offset + limit))
      }
      return json({ error: `no route ${route}` }, 404)
    },
  })
  const host = `http://127.0.0.1:${server.port}`
  const deadMan = opts.heartbeatTimeoutMs
    ? setInterval(() => {
        if (state.lastHeartbeatAt === 0 || Date.now() - state.lastHeartbeatAt < (opts.heartbeatTimeoutMs ?? 0)) return
        state.heartbeatExpired++
        state.resting.clear()
        state.lastHeartbeatAt = 0
        state.heartbeatId = ''
      }, 50)
    : undefined
  /** What another process of this signer left in a bucket, from now on. */
  const setTokens = (b: BucketName, tokens: number, perSec = buckets[b].rate) => {
    buckets[b].tokens = tokens
    buckets[b].rate = perSec
    buckets[b].last = Date.now()
  }
  return {
    server,
    host,
    state,
    buckets,
    setTokens,
    stop: () => {
      clearInterval(deadMan)
      server.stop(true)
    },
  }
}

export type WireServer = ReturnType<typeof startWireServer>

export const WIRE_KEY = `0x${'5a'.repeat(32)}`
const CREDS = {
  key: '00000000-0000-0000-0000-000000000000',
  secret: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
  passphrase: 'p'.repeat(64),
}

/** The real port (CCv2 client + raw trading calls) against the wire server. */
export function wirePort(
  srv: WireServer,
  opts: {
    readonly clock?: Clock
    readonly timeoutMs?: number
    readonly onHeaders?: (bucket: BucketName, headers: Headers) => void
  } = {},
): ExchangePort {
  const signer = createFastSigner(WIRE_KEY)
  const client = new ClobClient({
    host: srv.host,
    chain: 137,
    signer,
    creds: CREDS,
    throwOnError: true,
    retryOnError: false,
  })
  return createClobPort({
    client,
    trading: createTradingHttp({
      host: srv.host,
      creds: CREDS,
      signer,
      ...(opts.onHeaders ? { onHeaders: opts.onHeaders } : {}),
    }),
    clock: opts.clock ?? createManualClock(),
    dataApiUrl: srv.host,
    timeoutMs: opts.timeoutMs ?? 5_000,
  })
}
