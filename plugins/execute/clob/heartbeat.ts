import type { Clock } from '../../../pipeline/clock.ts'
import type { Logger } from '../../../pipeline/logger.ts'
import type { ExchangePort } from './exchange-port.ts'

/**
 * The exchange's dead-man switch (protocol doc §2.4): once heartbeats have started, the exchange cancels every
 * open order when none arrives for 10 s (+5 s). A daemon that dies without cancelling therefore leaves nothing
 * resting for long. Beats every `everyMs`; health goes down when a beat fails, so quoting stops before the
 * exchange starts cancelling.
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
  async function beat(): Promise<boolean> {
    if (busy) return true
    busy = true
    try {
      id = await opts.port.heartbeat(id)
      if (failures > 0) opts.log.info('exchange heartbeat restored')
      failures = 0
      opts.onStatus(true, '')
      return true
    } catch (err) {
      failures++
      // A lost id is answered with a new one (handled by the port); anything else starts a fresh chain.
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
