import { join } from 'node:path'
import type { Server, ServerWebSocket } from 'bun'

/**
 * A small loopback market-channel server for tests (the simulator is another module): WebSocket at /ws/market,
 * REST GET /book. Books are seeded from the in-tree wire fixtures and kept as a model, so every price_change it
 * emits carries the true best_bid / best_ask and REST /book always answers the model's current state. Tests
 * can withhold a frame from the wire, drop every connection, or make the server go silent.
 */

/** The project's own wire fixtures (tests/fixtures/wire/), shaped like the real protocol. */
export const FIXTURES = join(import.meta.dir, '../../../../tests/fixtures/wire')

export interface Level {
  price: string
  size: string
}

interface ModelBook {
  market: string
  assetId: string
  tick: string
  bids: Map<string, string>
  asks: Map<string, string>
  ts: number
  lastTrade: string
}

export interface FixtureServer {
  readonly port: number
  readonly wsBase: string
  readonly clobUrl: string
  /** Every text message clients sent (subscriptions, operations, PING). */
  readonly received: string[]
  /** WebSocket connections accepted so far. */
  readonly connections: () => number
  /** Upgrade requests so far, refused ones included. */
  readonly upgrades: () => number
  /** The next this many upgrades are answered 429 (production does so when many sockets open at once). */
  refuseUpgrades: number
  /** When set, REST /book answers this HTTP status instead of the book. */
  restStatus: number | undefined
  /**
   * The sockets connected now go frozen (py-clob-client #292): they keep answering PING with PONG but carry no
   * data any more, while the model and REST /book move on. Sockets opened later are healthy.
   */
  freeze(): void
  readonly restRequests: string[]
  /** When true, the server neither answers PING nor sends anything. */
  silent: boolean
  /** When false, subscriptions get no initial book dump (tests the REST fallback). */
  dumpOnSubscribe: boolean
  seed(assetId: string, market: string, bids: Level[], asks: Level[], tick?: string): void
  /** Change one level in the model; emit the price_change unless `deliver` is false (a lost frame). */
  change(assetId: string, side: 'BUY' | 'SELL', price: string, size: string, deliver?: boolean): string
  /** Send a raw frame to every connected client. */
  sendRaw(text: string): void
  bookEvent(assetId: string): Record<string, unknown>
  restBook(assetId: string): Record<string, unknown>
  dropAll(): void
  stop(): Promise<void>
}

/** "0.50" and "0.5" are one level. */
const key = (price: string) => String(Number(price))

function sortedLevels(m: Map<string, string>, ascending: boolean): Level[] {
  const out = [...m.entries()].map(([price, size]) => ({ price, size }))
  out.sort((a, b) => (ascending ? Number(a.price) - Number(b.price) : Number(b.price) - Number(a.price)))
  return out
}

export function startFixtureServer(): FixtureServer {
  const books = new Map<string, ModelBook>()
  const subscribed = new Map<ServerWebSocket<unknown>, Set<string>>()
  const received: string[] = []
  const restRequests: string[] = []
  let connections = 0
  let upgrades = 0
  const frozen = new Set<ServerWebSocket<unknown>>()
  let clock = 1_786_604_072_222

  function top(b: ModelBook): { best_bid: string; best_ask: string } {
    const bids = sortedLevels(b.bids, false)
    const asks = sortedLevels(b.asks, true)
    return { best_bid: bids[0]?.price ?? '0', best_ask: asks[0]?.price ?? '1' }
  }

  function bookEvent(assetId: string): Record<string, unknown> {
    const b = books.get(assetId)
    if (!b) throw new Error(`no model book for ${assetId}`)
    return {
      market: b.market,
      asset_id: b.assetId,
      timestamp: String(b.ts),
      bids: sortedLevels(b.bids, true),
      asks: sortedLevels(b.asks, false),
      tick_size: b.tick,
      event_type: 'book',
      last_trade_price: b.lastTrade,
    }
  }

  function restBook(assetId: string): Record<string, unknown> {
    const b = books.get(assetId)
    if (!b) throw new Error(`no model book for ${assetId}`)
    return {
      market: b.market,
      asset_id: b.assetId,
      timestamp: String(b.ts),
      hash: '',
      bids: sortedLevels(b.bids, true),
      asks: sortedLevels(b.asks, false),
      min_order_size: '5',
      tick_size: b.tick,
      neg_risk: false,
      last_trade_price: b.lastTrade,
    }
  }

  function sendTo(ws: ServerWebSocket<unknown>, text: string): void {
    if (!server_.silent) ws.send(text)
  }

  const server: Server<unknown> = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    fetch(req, srv) {
      const url = new URL(req.url)
      if (url.pathname === '/ws/market') {
        upgrades++
        if (server_.refuseUpgrades > 0) {
          server_.refuseUpgrades--
          return new Response('Too Many Requests', { status: 429, headers: { 'retry-after': '1' } })
        }
        if (srv.upgrade(req, { data: undefined })) return undefined
        return new Response('upgrade failed', { status: 400 })
      }
      if (url.pathname === '/book') {
        const id = url.searchParams.get('token_id') ?? ''
        restRequests.push(id)
        if (server_.restStatus !== undefined)
          return Response.json({ error: 'unavailable' }, { status: server_.restStatus })
        if (!books.has(id))
          return Response.json({ error: 'No orderbook exists for the requested token id' }, { status: 404 })
        return Response.json(restBook(id))
      }
      return new Response('not found', { status: 404 })
    },
    websocket: {
      open(ws) {
        connections++
        subscribed.set(ws, new Set())
      },
      message(ws, message) {
        const text = typeof message === 'string' ? message : message.toString()
        received.push(text)
        if (text === 'PING') {
          sendTo(ws, 'PONG')
          return
        }
        let msg: { assets_ids?: string[]; operation?: string; type?: string }
        try {
          msg = JSON.parse(text)
        } catch {
          return
        }
        const set = subscribed.get(ws) ?? new Set<string>()
        const ids = msg.assets_ids ?? []
        if (msg.operation === 'unsubscribe') {
          for (const id of ids) set.delete(id)
          return
        }
        for (const id of ids) set.add(id)
        const dump = ids.filter((id) => books.has(id)).map(bookEvent)
        if (server_.dumpOnSubscribe && dump.length > 0 && !frozen.has(ws)) sendTo(ws, JSON.stringify(dump))
      },
      close(ws) {
        subscribed.delete(ws)
        frozen.delete(ws)
      },
    },
  })

  const server_: FixtureServer = {
    port: server.port as number,
    wsBase: `ws://127.0.0.1:${server.port}/ws/`,
    clobUrl: `http://127.0.0.1:${server.port}`,
    received,
    restRequests,
    connections: () => connections,
    upgrades: () => upgrades,
    refuseUpgrades: 0,
    restStatus: undefined,
    freeze() {
      for (const ws of subscribed.keys()) frozen.add(ws)
    },
    silent: false,
    dumpOnSubscribe: true,
    seed(assetId, market, bids, asks, tick = '0.01') {
      books.set(assetId, {
        market,
        assetId,
        tick,
        bids: new Map(bids.map((l) => [key(l.price), l.size])),
        asks: new Map(asks.map((l) => [key(l.price), l.size])),
        ts: ++clock,
        lastTrade: '0.5',
      })
    },
    change(assetId, side, price, size, deliver = true) {
      const b = books.get(assetId)
      if (!b) throw new Error(`no model book for ${assetId}`)
      const levels = side === 'BUY' ? b.bids : b.asks
      if (Number(size) === 0) levels.delete(key(price))
      else levels.set(key(price), size)
      b.ts = ++clock
      const frame = JSON.stringify({
        market: b.market,
        price_changes: [{ asset_id: assetId, price, size, side, hash: 'x'.repeat(40), ...top(b) }],
        timestamp: String(b.ts),
        event_type: 'price_change',
      })
      if (deliver) server_.sendRaw(frame)
      return frame
    },
    sendRaw(text) {
      for (const [ws, set] of subscribed) if (set.size > 0 && !frozen.has(ws)) sendTo(ws, text)
    },
    bookEvent,
    restBook,
    dropAll() {
      for (const ws of subscribed.keys()) ws.terminate()
    },
    async stop() {
      await server.stop(true)
    },
  }
  return server_
}

/** Poll until `cond` holds; tests wait for socket round trips this way, never on timings. */
export async function waitFor(cond: () => boolean, what: string, limitMs = 5000): Promise<void> {
  const start = performance.now()
  while (!cond()) {
    if (performance.now() - start > limitMs) throw new Error(`timed out waiting for ${what}`)
    await Bun.sleep(5)
  }
}
