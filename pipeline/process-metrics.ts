import { collectDefaultMetrics, Histogram, type Registry } from 'prom-client'
import { LATENCY_BUCKETS } from './metrics.ts'

export interface LagProbe {
  /** Lateness of the last probe tick, in ms. */
  readonly lastLagMs: number
  stop(): void
}

/**
 * Process metrics: prom-client's defaults under the mm_ prefix (mm_process_cpu_seconds_total,
 * mm_process_resident_memory_bytes, mm_process_start_time_seconds, mm_nodejs_heap_size_used_bytes, …; all of
 * these work under Bun), plus our own event-loop lag histogram from a timer probe: a timer due in `everyMs` that
 * fires late by L ms means every frame and fill waited up to L ms too. The probe measures the real event loop,
 * so it uses real timers whatever clock the daemon runs on.
 */
export function startProcessMetrics(registry: Registry, everyMs = 100): LagProbe {
  collectDefaultMetrics({ register: registry, prefix: 'mm_' })
  const lag = new Histogram({
    name: 'mm_event_loop_lag_seconds',
    help: `How late a ${everyMs} ms timer fires: time the event loop was busy elsewhere`,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  })
  let lastLagMs = 0
  let due = performance.now() + everyMs
  const timer = setInterval(() => {
    const now = performance.now()
    lastLagMs = Math.max(0, now - due)
    lag.observe(lastLagMs / 1000)
    due = now + everyMs
  }, everyMs)
  timer.unref?.()
  return {
    get lastLagMs() {
      return lastLagMs
    },
    stop: () => clearInterval(timer),
  }
}
