import type { Clock } from '../../../pipeline/clock.ts'
import type { Logger } from '../../../pipeline/logger.ts'
import { type ExchangePort, HeartbeatWithoutIdError, StaleHeartbeatError } from './exchange-port.ts'

/**
 * The exchange's dead-man switch (protocol doc §2.4): once heartbeats have started, the exchange cancels every
 * open order when none arrives for 10 s (+5 s). A daemon that dies without cancelling therefore leaves nothing
 * resting for long. Beats every `everyMs`; health goes down when a beat fails, so quoting stops before the
 * exchange starts cancelling.
 *
 * The id rotates on every accepted beat (§7.3). A beat refused as stale (the previous answer was lost, say) names
 * the current id: the beat is sent again at once with it, so the switch never lapses. A 2xx answer without an id
 * starts a fresh chain on the next beat (the exchange then names the current id, as above).
 */

export interface Heartbeat {
  start(): void
  stop(): void
  /** One beat now; resolves true when it was acknowledged. */
  beat(): Promise<boolean>
}

export interface HeartbeatOptions {
  readonly port: ExchangePort
  readonly clock: Clock
  readonly log: Logger
  readonly everyMs: number
  readonly onStatus: (up: boolean, reason: string) => void
}

export function createHeartbeat(opts: HeartbeatOptions): Heartbeat {
  let id: string | undefined
  let cancel: (() => void) | undefined
  let busy = false
  let failures = 0
  // A beat waits for its answer at most one period: a hung answer (the beat may well have been accepted) must not
  // hold back the next beat, or the exchange's deadline passes while we wait.
  const limitMs = opts.everyMs
  async function send(): Promise<void> {
    try {
      id = await opts.port.heartbeat(id, limitMs)
    } catch (err) {
      if (!(err instanceof StaleHeartbeatError)) throw err
      opts.log.info('exchange heartbeat id was stale: sending again with the id the exchange named')
      id = err.currentId
      id = await opts.port.heartbeat(id, limitMs)
    }
  }

  async function beat(): Promise<boolean> {
    if (busy) return true
    busy = true
    try {
      await send()
      if (failures > 0) opts.log.info('exchange heartbeat restored')
      failures = 0
      opts.onStatus(true, '')
      return true
    } catch (err) {
      if (err instanceof HeartbeatWithoutIdError) {
        // Accepted, but nothing to chain on: the next beat starts afresh and learns the current id.
        opts.log.warn('heartbeat answer without heartbeat_id: the next beat starts a fresh chain')
        id = undefined
        opts.onStatus(true, '')
        return true
      }
      failures++
      // Anything else (timeout, 5xx) starts a fresh chain after a second failure.
      if (failures > 1) id = undefined
      opts.onStatus(false, `heartbeat failed: ${(err as Error).message}`)
      opts.log.warn(`exchange heartbeat failed (${failures} in a row): ${(err as Error).message}`)
      return false
    } finally {
      busy = false
    }
  }
  return {
    beat,
    start() {
      if (cancel) return
      void beat()
      cancel = opts.clock.setInterval(() => void beat(), opts.everyMs)
    },
    stop() {
      cancel?.()
      cancel = undefined
    },
  }
}
