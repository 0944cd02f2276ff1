import { gammaMarket } from '../../sim/catalog.ts'
import type { Simulator } from '../../sim/index.ts'
import type { VirtualClock } from '../clock.ts'
import type { InProcessExchange } from './exchange.ts'

/**
 * The sockets and HTTP the unchanged market-data and Gamma plugins use, in-process: `WebSocket` (the market
 * channel of clob-ws) and `fetch` (REST /book re-seeds, Gamma /markets) are replaced, for the duration of a
 * backtest, by versions that reach the simulator's hub and route handlers through the virtual clock. Only URLs
 * under LAB_HOST are served; anything else is refused, so a backtest never reaches the network.
 */
export const LAB_HOST = 'lab.invalid'
export const LAB_HTTP = `http://${LAB_HOST}`
export const LAB_WS = `ws://${LAB_HOST}/ws/`

type Listener = (ev: unknown) => void

export function installTransport(sim: Simulator, ex: InProcessExchange, clock: VirtualClock, wsMs: number): () => void {
  const realWebSocket = globalThis.WebSocket
  const realFetch = globalThis.fetch

  class InProcessWebSocket {
    static readonly CONNECTING = 0
    static readonly OPEN = 1
    static readonly CLOSING = 2
    static readonly CLOSED = 3
    readyState = 0
    onopen: Listener | null = null
    onmessage: Listener | null = null
    onerror: Listener | null = null
    onclose: Listener | null = null
    private readonly listeners = new Map<string, Listener[]>()
    private socket: { send(text: string): void; close(): void } | undefined
    constructor(readonly url: string) {
      if (!url.startsWith(`ws://${LAB_HOST}/`) || !url.endsWith('/market'))
        throw new Error(`backtest transport: no WebSocket for ${url}`)
      clock.setTimeout(() => {
        if (this.readyState !== 0) return
        this.socket = ex.marketSocket((text) => {
          if (this.readyState === 1) this.emit('message', { data: text })
        })
        this.readyState = 1
        this.emit('open', {})
      }, wsMs)
    }
    addEventListener(type: string, fn: Listener) {
      this.listeners.set(type, [...(this.listeners.get(type) ?? []), fn])
    }
    removeEventListener(type: string, fn: Listener) {
      this.listeners.set(
        type,
        (this.listeners.get(type) ?? []).filter((f) => f !== fn),
      )
    }
    private emit(type: string, ev: unknown) {
      const prop = (this as unknown as Record<string, Listener | null>)[`on${type}`]
      prop?.(ev)
      for (const fn of this.listeners.get(type) ?? []) fn(ev)
    }
    send(text: string) {
      if (this.readyState !== 1) throw new Error('WebSocket is not open')
      this.socket?.send(text)
    }
    close(code = 1000, reason = '') {
      if (this.readyState >= 2) return
      this.readyState = 3
      this.socket?.close()
      clock.setTimeout(() => this.emit('close', { code, reason }), 0)
    }
    terminate() {
      this.readyState = 3
      this.socket?.close()
    }
  }

  const gammaMarkets = (q: URLSearchParams) => {
    const want = new Set(q.getAll('clob_token_ids'))
    return sim.engine.markets.flatMap((m, i) => (m.spec.tokens.some((t) => want.has(t)) ? [gammaMarket(m, i, 0)] : []))
  }

  const labFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url)
    if (url.host !== LAB_HOST) throw new Error(`backtest transport: no network (${url.origin})`)
    const method = (init?.method ?? 'GET').toUpperCase()
    if (url.pathname === '/gamma/markets') {
      const body = await new Promise<unknown>((resolve) =>
        clock.setTimeout(() => resolve(gammaMarkets(url.searchParams)), 0),
      )
      return Response.json(body)
    }
    const query = Object.fromEntries(url.searchParams)
    const body = typeof init?.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined
    const a = await ex.call(method, url.pathname, query, body)
    return Response.json(a.body, { status: a.status })
  }

  globalThis.WebSocket = InProcessWebSocket as unknown as typeof WebSocket
  globalThis.fetch = labFetch as typeof fetch
  return () => {
    globalThis.WebSocket = realWebSocket
    globalThis.fetch = realFetch
  }
}
