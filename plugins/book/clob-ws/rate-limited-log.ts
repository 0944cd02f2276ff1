import type { Clock } from '../../../pipeline/clock.ts'
import type { Logger } from '../../../pipeline/logger.ts'

/**
 * Bad input can arrive thousands of times a second; log each kind at most once per interval, with the count of
 * the lines held back since, so a misbehaving feed cannot flood the log.
 */
export interface RateLimitedLog {
  warn(key: string, message: string): void
}

export function createRateLimitedLog(log: Logger, clock: Clock, intervalMs: number): RateLimitedLog {
  const seen = new Map<string, { at: number; held: number }>()
  return {
    warn(key, message) {
      const now = clock.now()
      const s = seen.get(key)
      if (s && now - s.at < intervalMs) {
        s.held++
        return
      }
      const held = s?.held ?? 0
      seen.set(key, { at: now, held: 0 })
      if (seen.size > 1000) seen.clear()
      log.warn(held > 0 ? `${message} (${held} more like this not logged)` : message)
    },
  }
}
