import { createKeyStore } from '../../sim/auth.ts'
import { dataPositions } from '../../sim/catalog.ts'
import { createClobRoutes, type Route } from '../../sim/clob-routes.ts'
import { CONTRACTS } from '../../sim/contracts.ts'
import { createFaults } from '../../sim/faults.ts'
import { createHeartbeats } from '../../sim/heartbeats.ts'
import type { Ctx } from '../../sim/http.ts'
import type { Simulator } from '../../sim/index.ts'
import type { SimSocket, SocketData } from '../../sim/ws-hub.ts'
import type { VirtualClock } from '../clock.ts'

/**
 * The simulator's exchange reached without sockets: the same CLOB route handlers the HTTP server runs, called
 * with the request the client would have sent (body included, so order decoding and signature checks are the
 * real ones), and the same WebSocket hub writing into in-process sockets. What differs from a live run is the
 * transport only: latency is modelled on the virtual clock (a request reaches the engine `restMs/2` after it is
 * sent and its answer arrives `restMs/2` later; a frame arrives `wsMs` after the engine emitted it).
 */

export interface Latency {
  /** Round trip of one REST call, ms. */
  readonly restMs: number
  /** Delivery of one WebSocket frame, ms. */
  readonly wsMs: number
}

/** Stated assumption (no production figure in the protocol doc): a co-located VPS a few ms from the CLOB. */
export const DEFAULT_LATENCY: Latency = { restMs: 60, wsMs: 30 }

export interface RestAnswer {
  readonly status: number
  readonly body: unknown
  /** The answer's headers (Poly-RateLimit-*, Retry-After), as a live exchange sends them. */
  readonly headers: Headers
}

export interface InProcessExchange {
  readonly apiKey: string
  readonly address: string
  /** One REST call as the client would make it (L2-authenticated as our account). */
  call(method: string, path: string, query?: Record<string, string>, body?: unknown): Promise<RestAnswer>
  positions(): unknown[]
  /** A market-channel socket: `subscribe` sends the subscription text, frames arrive through `onFrame`. */
  marketSocket(onFrame: (text: string) => void): { send(text: string): void; close(): void }
  /** The user-channel socket, authenticated as our key. */
  userSocket(onFrame: (text: string) => void, markets: readonly string[]): { close(): void }
  stop(): void
}

function contractsOf(chainId: number) {
  const c = CONTRACTS[chainId]
  if (!c) throw new Error(`no contracts for chain ${chainId}`)
  return c
}

export function createInProcessExchange(
  sim: Simulator,
  clock: VirtualClock,
  address: string,
  latency: Latency = DEFAULT_LATENCY,
): InProcessExchange {
  const engine = sim.engine
  const scenario = sim.scenario
  const addr = address.toLowerCase()
  // Deterministic per address, in the shape of a CLOB key.
  const apiKey = `00000000-0000-4000-8000-${addr.slice(2, 14)}`
  let hbSeq = 0
  const heartbeats = createHeartbeats({
    clock,
    timeoutMs: scenario.heartbeat_timeout,
    newId: () => `hb-${++hbSeq}`,
    onExpire: (a) => engine.cancelAll(a),
  })
  const routes = createClobRoutes({
    engine,
    keys: createKeyStore('mm-lab'),
    clock,
    faults: createFaults(0, () => clock.now(), scenario.production.post_only_after_restart_ms),
    heartbeats,
    rateLimits: sim.rateLimits,
    accounts: sim.accounts,
    production: scenario.production,
    contracts: contractsOf(scenario.chain_id),
    chainId: scenario.chain_id,
    version: () => scenario.api_version,
    pageSize: 100,
  })
  const exact = new Map<string, Route>()
  const prefixed: Route[] = []
  for (const r of routes) {
    if (r.prefix) prefixed.push(r)
    else exact.set(`${r.method} ${r.path}`, r)
  }
  const find = (method: string, path: string) =>
    exact.get(`${method} ${path}`) ?? prefixed.find((r) => r.method === method && path.startsWith(r.path))

  const half = latency.restMs / 2
  const after = (ms: number) => new Promise<void>((resolve) => clock.setTimeout(resolve, ms))
  const sockets: SimSocket[] = []

  function fakeSocket(channel: 'market' | 'user', onFrame: (text: string) => void): SimSocket {
    const data: SocketData = sim.hub.newData(channel)
    const ws = {
      data,
      send(text: string) {
        clock.setTimeout(() => {
          if (!data.closed) onFrame(text)
        }, latency.wsMs)
        return text.length
      },
      close() {
        data.closed = true
      },
    } as unknown as SimSocket
    sockets.push(ws)
    sim.hub.open(ws)
    return ws
  }

  return {
    apiKey,
    address: addr,
    async call(method, path, query = {}, body) {
      await after(half)
      const route = find(method, path)
      let status = 404
      let answer: unknown = { error: 'not found' }
      let headers = new Headers()
      if (route) {
        const text = body === undefined ? '' : JSON.stringify(body)
        const ctx: Ctx = {
          req: new Request(`http://lab${path}`, { method }),
          method,
          path,
          query: new URLSearchParams(query),
          body: text,
          apiKey,
          address: addr,
        }
        const res = await route.handler(ctx)
        status = res.status
        headers = res.headers
        answer = JSON.parse(await res.text()) as unknown
      }
      await after(half)
      return { status, body: answer, headers }
    },
    positions() {
      const a = engine.findAccount(addr)
      return a ? dataPositions(a, (t) => engine.token(t)) : []
    },
    marketSocket(onFrame) {
      const ws = fakeSocket('market', onFrame)
      return {
        send: (text) => clock.setTimeout(() => sim.hub.message(ws, text), latency.wsMs),
        close: () => sim.hub.close(ws),
      }
    },
    userSocket(onFrame, markets) {
      const ws = fakeSocket('user', onFrame)
      ws.data.apiKey = apiKey
      for (const m of markets) ws.data.markets.add(m)
      return { close: () => sim.hub.close(ws) }
    },
    stop() {
      heartbeats.stop()
      for (const ws of sockets) sim.hub.close(ws)
    },
  }
}
