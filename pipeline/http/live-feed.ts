import type { Daemon } from '../daemon.ts'
import { accountTotals, connectionsOf, fillRow, marketRow, snapshot } from './dashboard-data.ts'

/**
 * Server-sent events for the dashboard, driven by the daemon's event bus: a page gets one `snapshot`, then
 * `market` rows for the markets the bus says changed (coalesced, a few per second at most), `fill`,
 * `connections`, `holds`, `account` and `sample` (a point of the session's PnL and inventory chart). When the
 * daemon stops, every page gets `stopping` and the stream ends; the page reconnects to the next daemon.
 */

const FLUSH_EVERY_MS = 250
const SAMPLE_EVERY_MS = 2000
/** An hour of samples at one per 2 s. */
const MAX_SAMPLES = 1800
const MAX_FILLS = 50
/** The browser waits this long before reconnecting after the stream ends. */
const RETRY_MS = 1000

export interface LiveFeed {
  /** A new page: its event stream. */
  connect(signal: AbortSignal): Response
  readonly clients: () => number
  close(): void
}

interface Sample {
  readonly t: number
  readonly pnl: number
  readonly inventory: number
}

export function createLiveFeed(daemon: Daemon): LiveFeed {
  const encoder = new TextEncoder()
  const clients = new Set<ReadableStreamDefaultController<Uint8Array>>()
  const fills: ReturnType<typeof fillRow>[] = []
  const samples: Sample[] = []
  const dirty = new Set<string>()
  let accountDirty = false
  let closed = false

  const frame = (event: string, data: unknown) => encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)
  function send(event: string, data: unknown): void {
    if (clients.size === 0) return
    const bytes = frame(event, data)
    for (const c of clients) {
      try {
        c.enqueue(bytes)
      } catch {
        clients.delete(c)
      }
    }
  }

  const unsubscribe = [
    daemon.events.onAny((event) => {
      switch (event.type) {
        case 'fill': {
          const row = fillRow(daemon, event.fill)
          const at = fills.findIndex((f) => f.key === row.key)
          if (at >= 0) fills[at] = row
          else {
            fills.unshift(row)
            fills.length = Math.min(fills.length, MAX_FILLS)
          }
          send('fill', row)
          dirty.add(event.fill.conditionId)
          accountDirty = true
          break
        }
        case 'position':
          dirty.add(event.position.conditionId)
          accountDirty = true
          break
        case 'order':
          dirty.add(event.order.conditionId)
          break
        case 'quote':
        case 'pull':
          dirty.add(event.conditionId)
          break
        case 'risk':
          if (event.conditionId) dirty.add(event.conditionId)
          else for (const m of daemon.universe.markets()) dirty.add(m.conditionId)
          accountDirty = true
          break
        case 'selection':
          void snapshot(daemon).then((s) => send('markets', s.markets))
          break
        default:
          break
      }
    }),
    daemon.health.onChange(() => send('connections', connectionsOf(daemon))),
    daemon.holds.onChange(() => {
      send('holds', daemon.holds.state())
      for (const m of daemon.universe.markets()) dirty.add(m.conditionId)
    }),
    daemon.onStop((reason) => {
      send('stopping', { reason })
      close()
    }),
  ]

  async function flush(): Promise<void> {
    if (clients.size === 0) {
      dirty.clear()
      return
    }
    for (const m of daemon.universe.markets()) {
      if (!dirty.has(m.conditionId)) continue
      send('market', marketRow(daemon, m))
    }
    dirty.clear()
    if (accountDirty) {
      accountDirty = false
      send('account', await accountTotals(daemon))
    }
  }

  async function sample(): Promise<void> {
    const a = await accountTotals(daemon)
    const s = { t: daemon.clock.now(), pnl: a.session_pnl_usd, inventory: a.net_inventory_shares }
    samples.push(s)
    if (samples.length > MAX_SAMPLES) samples.shift()
    send('sample', s)
    send('account', a)
    // Book tops and fair values move without an order or fill: the sample refreshes every row too.
    for (const m of daemon.universe.markets()) dirty.add(m.conditionId)
  }

  const timers = [
    daemon.clock.setInterval(() => void flush(), FLUSH_EVERY_MS),
    daemon.clock.setInterval(() => void sample(), SAMPLE_EVERY_MS),
  ]
  void sample()

  function close(): void {
    if (closed) return
    closed = true
    for (const cancel of timers) cancel()
    for (const u of unsubscribe) u()
    for (const c of clients) {
      try {
        c.close()
      } catch {
        // already closed by the page
      }
    }
    clients.clear()
  }

  return {
    connect(signal) {
      let controller: ReadableStreamDefaultController<Uint8Array> | undefined
      const stream = new ReadableStream<Uint8Array>({
        async start(c) {
          controller = c
          c.enqueue(encoder.encode(`retry: ${RETRY_MS}\n\n`))
          if (closed) {
            c.enqueue(frame('stopping', { reason: 'the daemon is stopping' }))
            c.close()
            return
          }
          c.enqueue(frame('snapshot', { ...(await snapshot(daemon)), fills, samples }))
          clients.add(c)
        },
        cancel() {
          if (controller) clients.delete(controller)
        },
      })
      signal.addEventListener('abort', () => {
        if (controller) clients.delete(controller)
      })
      return new Response(stream, {
        headers: { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' },
      })
    },
    clients: () => clients.size,
    close,
  }
}
