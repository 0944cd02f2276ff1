import type { Clock } from '../../../pipeline/clock.ts'
import type { Logger } from '../../../pipeline/logger.ts'
import { createLiveness, type Liveness } from './freshness.ts'
import type { OpenGate } from './open-gate.ts'

/**
 * One market-channel WebSocket. It subscribes with `{assets_ids, type: "market", custom_feature_enabled: true}`
 * on open (protocol doc §1.1), adds and removes tokens on the open socket with `operation` messages, sends the
 * text `PING` every ping_interval (§1.2), treats a socket silent beyond dead_after as dead, and reconnects with
 * capped exponential back-off and jitter; the back-off starts over once a connection has stayed up for
 * backoff_reset_after. Every open waits its turn at the shared open gate (staggered), and an upgrade answered
 * 429 waits at least RATE_LIMITED_MS (jittered) and holds the gate for every other connection as well.
 */

/** After a 429 on the upgrade: the least wait before the next open, scaled by a jitter in [1, 2). */
export const RATE_LIMITED_MS = 2000

/** The HTTP status of a refused upgrade, from the WebSocket error text ("Expected 101 status code: 429"). */
export function upgradeStatus(error: string): number | undefined {
  const m = /\b(?:status(?: code)?:?|HTTP\/\d(?:\.\d)?) ?(\d{3})\b/i.exec(error)
  const code = m ? Number(m[1]) : Number.NaN
  return code >= 100 && code !== 101 ? code : undefined
}

export interface ConnectionTimings {
  readonly pingIntervalMs: number
  readonly staleAfterMs: number
  readonly deadAfterMs: number
  readonly backoffMinMs: number
  readonly backoffMaxMs: number
  readonly backoffResetMs: number
}

export interface ConnectionOptions extends ConnectionTimings {
  readonly url: string
  readonly id: string
  readonly clock: Clock
  readonly log: Logger
  /** [0, 1); injected so tests can pin the jitter. */
  readonly random?: () => number
  /** Shared by every market connection so that opens are staggered; without one, opens run at once. */
  readonly gate?: OpenGate
  /** A data frame (not PONG) and when it arrived. */
  onFrame(text: string, now: number): void
  /** The socket opened and the subscription was sent. `reconnect` is false only for the first open. */
  onOpen(reconnect: boolean): void
  onClose(reason: string): void
  onLivenessChange(live: boolean, reason: string): void
}

export interface Connection {
  readonly id: string
  readonly liveness: Liveness
  readonly tokens: ReadonlySet<string>
  readonly isOpen: boolean
  /** Add tokens; the first call starts the connection, later ones subscribe on the open socket. */
  subscribe(tokenIds: readonly string[]): void
  unsubscribe(tokenIds: readonly string[]): void
  /** Drop the socket now and reconnect after the back-off. */
  drop(reason: string): void
  /** Periodic: dead-connection and stuck-connect detection. */
  check(now: number): void
  stop(): void
}

export function subscribeMessage(tokenIds: readonly string[]): string {
  return JSON.stringify({ assets_ids: tokenIds, type: 'market', custom_feature_enabled: true })
}

export function operationMessage(operation: 'subscribe' | 'unsubscribe', tokenIds: readonly string[]): string {
  return JSON.stringify(
    operation === 'subscribe'
      ? { operation, assets_ids: tokenIds, custom_feature_enabled: true, initial_dump: true }
      : { operation, assets_ids: tokenIds },
  )
}

/** Delay before reconnect attempt `attempt` (1-based): min·2^(attempt−1), capped, times a jitter in [0.5, 1). */
export function backoffDelay(attempt: number, minMs: number, maxMs: number, random: number): number {
  const raw = Math.min(maxMs, minMs * 2 ** Math.max(0, attempt - 1))
  return Math.round(raw * (0.5 + 0.5 * random))
}

export function createConnection(opts: ConnectionOptions): Connection {
  const { clock, log } = opts
  const random = opts.random ?? Math.random
  const tokens = new Set<string>()
  const liveness = createLiveness(opts.id, opts.staleAfterMs, (live, reason) => opts.onLivenessChange(live, reason))
  let ws: WebSocket | undefined
  let open = false
  let started = false
  let stopped = false
  let everOpened = false
  let attempt = 0
  let openedAt = 0
  let connectStartedAt = 0
  let cancelPing: (() => void) | undefined
  let cancelReconnect: (() => void) | undefined
  let cancelTurn: (() => void) | undefined
  let lastError = ''

  /** Open at the gate's turn (at once without a gate). */
  function openAtTurn(): void {
    cancelReconnect = undefined
    if (stopped) return
    if (!opts.gate) {
      connect()
      return
    }
    cancelTurn?.()
    cancelTurn = opts.gate.request(() => {
      cancelTurn = undefined
      connect()
    })
  }

  function send(text: string): void {
    if (!ws || !open) return
    try {
      ws.send(text)
    } catch (err) {
      log.warn(`market ws ${opts.id}: send failed: ${err instanceof Error ? err.message : String(err)}`)
    }
  }

  function connect(): void {
    if (stopped) return
    connectStartedAt = clock.now()
    lastError = ''
    let socket: WebSocket
    try {
      socket = new WebSocket(opts.url)
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err)
      scheduleReconnect(`cannot connect: ${lastError}`, false)
      return
    }
    ws = socket
    socket.onopen = () => {
      if (ws !== socket) return
      open = true
      openedAt = clock.now()
      liveness.opened(openedAt)
      if (tokens.size > 0) socket.send(subscribeMessage([...tokens]))
      cancelPing = clock.setInterval(() => send('PING'), opts.pingIntervalMs)
      const reconnect = everOpened
      everOpened = true
      log.info(`market ws ${opts.id}: ${reconnect ? 'reconnected' : 'connected'}, ${tokens.size} tokens`)
      opts.onOpen(reconnect)
    }
    socket.onmessage = (ev: MessageEvent) => {
      if (ws !== socket) return
      const now = clock.now()
      liveness.touch(now)
      const data = ev.data
      if (typeof data !== 'string' || data === 'PONG') return
      liveness.data(now)
      opts.onFrame(data, now)
    }
    socket.onerror = (ev: Event) => {
      if (ws !== socket) return
      lastError = (ev as ErrorEvent).message || 'socket error'
    }
    socket.onclose = (ev: CloseEvent) => {
      if (ws !== socket) return
      const detail = [ev.code, ev.reason, lastError].filter((x) => x !== '' && x !== undefined).join(' ')
      lost(`socket closed (${detail})`)
    }
  }

  function detach(): boolean {
    const wasOpen = open
    const socket = ws
    ws = undefined
    open = false
    cancelPing?.()
    cancelPing = undefined
    if (socket) {
      socket.onopen = socket.onmessage = socket.onerror = socket.onclose = null
      try {
        socket.terminate()
      } catch {
        // already closed
      }
    }
    return wasOpen
  }

  function lost(reason: string): void {
    const wasOpen = detach()
    const healthy = wasOpen && clock.now() - openedAt >= opts.backoffResetMs
    if (wasOpen) {
      liveness.closed(reason)
      opts.onClose(reason)
    }
    const refused = wasOpen ? undefined : upgradeStatus(lastError)
    scheduleReconnect(
      refused === 429 ? `upgrade answered 429 (too many sockets opening)` : reason,
      healthy,
      refused === 429,
    )
  }

  function scheduleReconnect(reason: string, healthy: boolean, rateLimited = false): void {
    if (stopped) return
    if (healthy) attempt = 0
    attempt++
    let delay = backoffDelay(attempt, opts.backoffMinMs, opts.backoffMaxMs, random())
    if (rateLimited) {
      delay = Math.max(delay, Math.round(RATE_LIMITED_MS * (1 + random())))
      opts.gate?.hold(delay)
    }
    log.warn(`market ws ${opts.id}: ${reason}; reconnecting in ${delay}ms (attempt ${attempt})`)
    cancelReconnect?.()
    cancelReconnect = clock.setTimeout(openAtTurn, delay)
  }

  return {
    id: opts.id,
    liveness,
    tokens,
    get isOpen() {
      return open
    },
    subscribe(ids) {
      const fresh = ids.filter((id) => !tokens.has(id))
      for (const id of fresh) tokens.add(id)
      if (!started) {
        started = true
        openAtTurn()
      } else if (open && fresh.length > 0) send(operationMessage('subscribe', fresh))
    },
    unsubscribe(ids) {
      const gone = ids.filter((id) => tokens.delete(id))
      if (open && gone.length > 0) send(operationMessage('unsubscribe', gone))
    },
    drop(reason) {
      if (stopped || (!ws && !open)) return
      lost(reason)
    },
    check(now) {
      if (stopped) return
      if (open) {
        const silent = liveness.check(now)
        if (silent > opts.deadAfterMs) lost(`no data for ${Math.round(silent / 1000)}s, connection presumed dead`)
      } else if (ws && now - connectStartedAt > opts.deadAfterMs) {
        lost(`connect did not complete within ${Math.round(opts.deadAfterMs / 1000)}s`)
      }
    },
    stop() {
      if (stopped) return
      stopped = true
      cancelReconnect?.()
      cancelTurn?.()
      if (detach()) liveness.closed('stopped')
    },
  }
}
