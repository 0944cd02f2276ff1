import { expect, test } from 'bun:test'
import { cancelKind, rejectionKind } from './metric-labels.ts'
import { createMetricsRegistry, createPluginMetrics } from './metrics.ts'
import { startProcessMetrics } from './process-metrics.ts'

test('counters a dashboard rates over are present at 0 before anything happens', async () => {
  const { registry } = createMetricsRegistry()
  const text = await registry.metrics()
  for (const series of [
    'mm_orders_total{side="BUY"} 0',
    'mm_fills_total{side="SELL"} 0',
    'mm_orders_rejected_total{reason="balance"} 0',
    'mm_orders_rejected_total{reason="post_only_crosses"} 0',
    'mm_orders_cancelled_total{reason="requote"} 0',
    'mm_quote_pulls_total{reason="risk"} 0',
    'mm_ws_reconnects_total{channel="user"} 0',
  ])
    expect(text).toContain(series)
})

test('latency histograms reach past a minute', async () => {
  const { core } = createMetricsRegistry()
  core.quoteLatency.observe(45)
  const m = await core.quoteLatency.get()
  const les = m.values.filter((v) => v.metricName?.endsWith('_bucket')).map((v) => v.labels.le)
  expect(les).toContain(60)
  // 45 s lands below the 60 s bucket, not only in +Inf.
  expect(m.values.find((v) => v.labels.le === 60)?.value).toBe(1)
  expect(m.values.find((v) => v.labels.le === 30)?.value).toBe(0)
})

test('exchange rejection messages map to a few reason kinds', () => {
  expect(rejectionKind('not enough balance / allowance')).toBe('balance')
  expect(rejectionKind('invalid post-only order: order crosses book')).toBe('post_only_crosses')
  expect(rejectionKind('order price breaks minimum tick size rule: 0.001')).toBe('tick_size')
  expect(rejectionKind('HTTP 503 Service Unavailable')).toBe('server_error')
  expect(rejectionKind('something new')).toBe('other')
  expect(cancelKind('requote')).toBe('requote')
  expect(cancelKind('SIGTERM')).toBe('stop')
  expect(cancelKind('risk HALTED: daily loss')).toBe('stop')
  expect(cancelKind('stale book: no update for 15 s')).toBe('pull')
  expect(cancelKind('unknown and no longer wanted')).toBe('stray')
})

test('a blocked event loop shows in the lag histogram and the process metrics are exported', async () => {
  const { registry } = createMetricsRegistry()
  const probe = startProcessMetrics(registry, 20)
  try {
    await Bun.sleep(50)
    const until = performance.now() + 250
    while (performance.now() < until) {
      // block the loop: the probe's timer cannot fire
    }
    await Bun.sleep(60)
    const text = await registry.metrics()
    const over = /mm_event_loop_lag_seconds_bucket\{le="0\.1"\} (\d+)/.exec(text)
    const count = /mm_event_loop_lag_seconds_count (\d+)/.exec(text)
    // At least one tick was ≥ 100 ms late: fewer ticks at or below 0.1 s than ticks in all.
    expect(Number(over?.[1])).toBeLessThan(Number(count?.[1]))
    for (const name of [
      'mm_process_cpu_seconds_total',
      'mm_process_resident_memory_bytes',
      'mm_process_start_time_seconds',
      'mm_nodejs_heap_size_used_bytes',
    ])
      expect(text).toContain(name)
  } finally {
    probe.stop()
  }
})

test('a plugin histogram without its own buckets also reaches past a minute', async () => {
  const { registry, core } = createMetricsRegistry()
  const h = createPluginMetrics(registry, core).histogram('plugin_wait_seconds', 'A plugin wait')
  h.observe(59)
  const values = (await h.get()).values
  expect(values.find((v) => v.labels.le === 60)?.value).toBe(1)
})
