import type { Clock } from '../../../pipeline/clock.ts'
import type { Logger } from '../../../pipeline/logger.ts'
import { orderStatusWord, reportUnknownStatus } from './statuses.ts'
import { parseUserFrame, type UserEvent } from './user-channel-wire.ts'

/**
 * The user-channel WebSocket client (protocol doc §1.1, §1.2, §1.6): authenticates with the API credentials,
 * follows our markets by condition id (changed in place with subscribe/unsubscribe operations), keeps the
 * connection alive with text `PING`s, treats a silent socket as dead, and reconnects with back-off. Every
 * (re)connect is reported so the caller back-fills what it may have missed from `/data/trades`.
 */

export interface UserAuth {
  readonly apiKey: string
  readonly secret: string
  readonly passphrase: string
}

export interface UserChannelOptions {
  readonly url: string
  readonly auth: UserAuth
  readonly clock: Clock
  readonly log: Logger
  readonly onEvent: (event: UserEvent) => void
  /** After the subscribe frame went out; `reconnect` is false for the first connection. */
  readonly onConnected: (reconnect: boolean) => void
  readonly onStatus: (up: boolean, reason: string) => void
  /** Text PING period; default a third of `silenceMs` (at most 10 s), so a live socket is never taken for dead. */
  readonly pingMs?: number
  /**
   * No frame at all (not even PONG) for this long: the socket is dead, and our own fills may be arriving late.
   * Default 15 s, as the market feed and the exchange heartbeat deadline (see `userSilenceMs`).
   */
  readonly silenceMs?: number
  /**
   * Called once per silent spell, before the reconnect: quotes resting while our fills may be late should be
   * pulled (the back-fill after the reconnect brings the missed fills).
   */
  readonly onSilent?: (silentForMs: number) => void
  readonly backoffMs?: { readonly min: number; readonly max: number }
}

export interface UserChannel {
  start(): void
  setMarkets(conditionIds: readonly string[]): void
  /** Drop the socket now (as if the network did); it reconnects. */
  reconnect(reason: string): void
  stop(): void
  readonly connected: boolean
}

/** `…/ws/` + 'user', whatever form the configured base has (`…/ws/`, `…/ws`, or the bare host). */
export function userChannelUrl(base: string): string {
  if (base.endsWith('/ws/')) return `${base}user`
  if (base.endsWith('/ws')) return `${base}/user`
  return `${base.replace(/\/$/, '')}/ws/user`
}

export const DEFAULT_USER_SILENCE_MS = 15_000

/**
 * Silence timeout for a heartbeat period: three missed beats' worth, between 3 s and 15 s. The exchange cancels a
 * silent daemon's orders after 10 s + 5 s; our fills should not be later than that unnoticed.
 */
export function userSilenceMs(heartbeatEveryMs: number): number {
  return Math.min(DEFAULT_USER_SILENCE_MS, Math.max(3_000, 3 * heartbeatEveryMs))
}

export function createUserChannel(opts: UserChannelOptions): UserChannel {
  const { clock, log } = opts
  const silenceMs = opts.silenceMs ?? DEFAULT_USER_SILENCE_MS
  const pingMs = opts.pingMs ?? Math.min(10_000, Math.floor(silenceMs / 3))
  // Checked more often than it is pinged, so a dead socket is noticed within a quarter of the timeout.
  const watchMs = Math.max(50, Math.min(pingMs, Math.floor(silenceMs / 4)))
  const backoff = opts.backoffMs ?? { min: 250, max: 10_000 }
  let ws: WebSocket | undefined
  let markets = new Set<string>()
  let running = false
  let open = false
  let connects = 0
  let failures = 0
  let lastFrame = 0
  let cancelTimers: (() => void)[] = []
  let cancelRetry: (() => void) | undefined
  let rejectedLogged = 0

  const clearTimers = () => {
    for (const c of cancelTimers) c()
    cancelTimers = []
  }

  function send(frame: unknown): void {
    if (ws && open) ws.send(JSON.stringify(frame))
  }

  function scheduleReconnect(reason: string): void {
    if (!running || cancelRetry) return
    const delay = Math.min(backoff.max, backoff.min * 2 ** Math.min(failures, 10)) * (0.75 + Math.random() / 2)
    failures++
    log.info(`user channel down (${reason}); reconnecting in ${Math.round(delay)} ms`)
    cancelRetry = clock.setTimeout(() => {
      cancelRetry = undefined
      connect()
    }, delay)
  }

  function onDown(socket: WebSocket, reason: string): void {
    if (socket !== ws) return
    ws = undefined
    const wasOpen = open
    open = false
    clearTimers()
    if (wasOpen || connects === 0) opts.onStatus(false, reason)
    scheduleReconnect(reason)
  }

  function connect(): void {
    if (!running) return
    let socket: WebSocket
    try {
      socket = new WebSocket(opts.url)
    } catch (err) {
      opts.onStatus(false, `connect failed: ${(err as Error).message}`)
      scheduleReconnect('connect failed')
      return
    }
    ws = socket
    socket.addEventListener('open', () => {
      if (socket !== ws) return
      open = true
      failures = 0
      lastFrame = clock.now()
      const { apiKey, secret, passphrase } = opts.auth
      send({ auth: { apiKey, secret, passphrase }, markets: [...markets], type: 'user' })
      cancelTimers.push(
        clock.setInterval(() => {
          if (socket !== ws) return
          const silentFor = clock.now() - lastFrame
          if (silentFor <= silenceMs) return
          log.warn(`user channel silent for ${silentFor} ms (limit ${silenceMs} ms): reconnecting`)
          try {
            opts.onSilent?.(silentFor)
          } catch (err) {
            log.error(`user channel silence handler failed: ${(err as Error).message}`)
          }
          socket.close()
          onDown(socket, 'silent')
        }, watchMs),
        clock.setInterval(() => {
          if (socket === ws) socket.send('PING')
        }, pingMs),
      )
      const reconnect = connects > 0
      connects++
      opts.onStatus(true, '')
      opts.onConnected(reconnect)
    })
    socket.addEventListener('message', (ev: MessageEvent) => {
      if (socket !== ws) return
      lastFrame = clock.now()
      const text = typeof ev.data === 'string' ? ev.data : String(ev.data)
      const { events, rejected } = parseUserFrame(text)
      for (const r of rejected) {
        // A malformed frame is reported, never fatal; rate-limited so a storm does not flood the log.
        if (rejectedLogged++ < 20) log.warn(`user channel: ignored frame (${r})`)
      }
      for (const e of events) {
        // Unknown trade statuses are reported where fills are read (fills.ts), for REST trades too.
        if (e.kind === 'order' && orderStatusWord(e.order.status) === undefined) {
          reportUnknownStatus(log, 'order', e.order.status, clock.now())
        }
        try {
          opts.onEvent(e)
        } catch (err) {
          log.error(`user channel handler failed: ${(err as Error).message}`)
        }
      }
    })
    socket.addEventListener('close', (ev: CloseEvent) =>
      onDown(socket, `closed ${ev.code}${ev.reason ? ` ${ev.reason}` : ''}`),
    )
    socket.addEventListener('error', () => onDown(socket, 'socket error'))
  }

  return {
    get connected() {
      return open
    },
    start() {
      if (running) return
      running = true
      connect()
    },
    setMarkets(ids) {
      const next = new Set(ids)
      const added = [...next].filter((m) => !markets.has(m))
      const removed = [...markets].filter((m) => !next.has(m))
      markets = next
      if (added.length > 0) send({ operation: 'subscribe', markets: added })
      if (removed.length > 0) send({ operation: 'unsubscribe', markets: removed })
    },
    reconnect(reason) {
      const s = ws
      if (!s) return
      s.close()
      onDown(s, reason)
    },
    stop() {
      running = false
      cancelRetry?.()
      cancelRetry = undefined
      clearTimers()
      const s = ws
      ws = undefined
      open = false
      s?.close()
    },
  }
}
