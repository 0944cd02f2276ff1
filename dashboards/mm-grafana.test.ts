import { describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { createMetricsRegistry, ORIGINAL_METRIC_NAMES } from '../pipeline/metrics.ts'
import { startProcessMetrics } from '../pipeline/process-metrics.ts'

/**
 * The shipped Grafana dashboard stays true to the code: every core metric has a panel, and no panel queries a
 * metric that nothing defines (a renamed metric would otherwise leave an empty graph).
 */
const root = join(import.meta.dir, '..')

interface Panel {
  id: number
  type: string
  title: string
  gridPos: { x: number; y: number; w: number; h: number }
  targets?: { expr: string; refId: string; datasource: { uid: string } }[]
}

const dashboard = (await Bun.file(join(import.meta.dir, 'mm-grafana.json')).json()) as {
  uid: string
  panels: Panel[]
  templating: { list: { name: string }[] }
}

/** Names of metrics plugins create through ctx.metrics (`metrics.gauge('name', …)`), with the mm_ prefix. */
async function pluginMetricNames(): Promise<Set<string>> {
  const names = new Set<string>()
  const re = /\.(?:gauge|counter|histogram)(?:<[^>]*>)?\(\s*'([a-z_]+)'/g
  for (const dir of ['plugins', 'pipeline'])
    for await (const file of new Bun.Glob('**/*.ts').scan({ cwd: join(root, dir) })) {
      if (file.endsWith('.test.ts')) continue
      const text = await Bun.file(join(root, dir, file)).text()
      for (const m of text.matchAll(re)) names.add(m[1]?.startsWith('mm_') ? m[1] : `mm_${m[1]}`)
    }
  return names
}

const coreNames = (await createMetricsRegistry().registry.getMetricsAsJSON()).map((m) => m.name)
/** The process metrics the daemon registers beside the core ones (prom-client's defaults, the lag probe). */
const processNames = await (async () => {
  const { registry } = createMetricsRegistry()
  const probe = startProcessMetrics(registry)
  probe.stop()
  return (await registry.getMetricsAsJSON()).map((m) => m.name).filter((n) => !coreNames.includes(n))
})()
const queried = dashboard.panels
  .flatMap((p) => p.targets ?? [])
  .flatMap((t) => [...t.expr.matchAll(/\bmm_[a-z_]+/g)].map((m) => m[0].replace(/_(bucket|sum|count)$/, '')))

describe('Grafana dashboard', () => {
  test('every core metric (the original names included) has a panel', () => {
    for (const name of ORIGINAL_METRIC_NAMES) expect(coreNames).toContain(name)
    const missing = coreNames.filter((n) => !queried.includes(n))
    expect(missing).toEqual([])
  })

  test('memory, CPU, start time and event-loop lag have panels; per-token panels show names, not ids', () => {
    for (const name of [
      'mm_process_resident_memory_bytes',
      'mm_process_cpu_seconds_total',
      'mm_process_start_time_seconds',
      'mm_event_loop_lag_seconds',
    ])
      expect(queried).toContain(name)
    for (const p of dashboard.panels.filter((q) => (q.targets ?? []).some((t) => t.expr.includes('token_id=~'))))
      expect(p.targets?.[0]?.expr, p.title).toContain('mm_token_info')
  })

  test('every queried metric is defined by the core or by a plugin', async () => {
    const defined = new Set([...coreNames, ...processNames, ...(await pluginMetricNames())])
    expect(defined.has('mm_persist_commits_total')).toBe(true)
    expect([...new Set(queried)].filter((n) => !defined.has(n))).toEqual([])
  })

  test('panels are well-formed: unique ids, a query each, the datasource variable, no overlap', () => {
    expect(dashboard.uid).toBe('mm-market-maker')
    expect(dashboard.templating.list.map((v) => v.name)).toContain('datasource')
    const ids = dashboard.panels.map((p) => p.id)
    expect(new Set(ids).size).toBe(ids.length)
    for (const p of dashboard.panels.filter((q) => q.type !== 'row')) {
      expect(p.targets?.length ?? 0).toBeGreaterThan(0)
      for (const t of p.targets ?? []) expect(t.datasource.uid).toBe('${datasource}')
    }
    const cells = new Set<string>()
    for (const p of dashboard.panels)
      for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++)
        for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
          const key = `${x},${y}`
          expect(cells.has(key), `${p.title} overlaps another panel at ${key}`).toBe(false)
          cells.add(key)
        }
  })
})
