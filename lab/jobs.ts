import { basename } from 'node:path'
import type { Overrides } from './config.ts'
import { aggregate, METRICS, type MetricKey, type RunMetrics } from './metrics.ts'
import type { RunOutcome } from './run.ts'

/** What a sweep runs: variants (config file + overrides) × scenarios × seeds, each one job. */

export interface Variant {
  readonly name: string
  readonly configFile: string
  readonly overrides: Overrides
}

export interface Job {
  readonly id: number
  readonly variant: Variant
  /** Scenario name or file, as given. */
  readonly scenario: string
  readonly replay: string | undefined
  readonly seed: number
  readonly durationMs: number
  /** Keep the time series (the report charts one seed per variant and scenario). */
  readonly keepSeries: boolean
}

export interface JobResult {
  readonly job: Job
  readonly metrics: RunMetrics
  readonly outcome: RunOutcome
}

/** Every combination of the `--set` value lists, applied to every config. */
export function variantsOf(
  configs: readonly string[],
  sets: readonly { path: string; values: unknown[] }[],
): Variant[] {
  let combos: { path: string; value: unknown }[][] = [[]]
  for (const s of sets) combos = combos.flatMap((c) => s.values.map((value) => [...c, { path: s.path, value }]))
  const names = new Map<string, number>()
  return configs.flatMap((configFile) =>
    combos.map((overrides) => {
      const base = basename(configFile).replace(/\.ya?ml$/, '')
      const label = overrides.map((o) => `${o.path.split('.').at(-1)}=${JSON.stringify(o.value)}`).join(' ')
      let name = label ? `${base} ${label}` : base
      const seen = names.get(name) ?? 0
      names.set(name, seen + 1)
      if (seen > 0) name = `${name} #${seen + 1}`
      return { name, configFile, overrides }
    }),
  )
}

export interface VariantSummary {
  readonly name: string
  readonly config: string
  readonly overrides: Overrides
  readonly scenario: string
  readonly seeds: number[]
  readonly metrics: Record<MetricKey, ReturnType<typeof aggregate>>
}

/** summary.json's `variants`: one entry per variant and scenario, seeds in order, best mean PnL first. */
export function summarize(results: readonly JobResult[]): VariantSummary[] {
  const groups = new Map<string, JobResult[]>()
  for (const r of results) {
    const k = `${r.job.variant.name}\u0000${r.job.scenario}`
    groups.set(k, [...(groups.get(k) ?? []), r])
  }
  const out: VariantSummary[] = []
  for (const rs of groups.values()) {
    rs.sort((a, b) => a.job.seed - b.job.seed)
    const first = rs[0] as JobResult
    const metrics = Object.fromEntries(
      METRICS.map((m) => [m.key, aggregate(rs.map((r) => r.metrics[m.key]))]),
    ) as VariantSummary['metrics']
    out.push({
      name: first.job.variant.name,
      config: first.job.variant.configFile,
      overrides: first.job.variant.overrides,
      scenario: first.job.replay ? `replay:${first.job.replay}` : first.job.scenario,
      seeds: rs.map((r) => r.job.seed),
      metrics,
    })
  }
  const pnl = (v: VariantSummary) => v.metrics.pnl_net_usd.mean ?? Number.NEGATIVE_INFINITY
  return out.sort((a, b) => (a.scenario === b.scenario ? pnl(b) - pnl(a) : a.scenario < b.scenario ? -1 : 1))
}
