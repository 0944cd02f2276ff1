import type { VariantSummary } from '../jobs.ts'
import type { Aggregate } from '../metrics.ts'

/** The terminal table: per scenario, every variant's mean and 95% interval across seeds, best mean PnL first. */

const COLUMNS: { key: keyof VariantSummary['metrics']; head: string; scale?: number; digits: number; ci?: boolean }[] =
  [
    { key: 'pnl_net_usd', head: 'PnL net USD [95% CI]', digits: 2, ci: true },
    { key: 'rewards_est_usd', head: 'rewards', digits: 2 },
    { key: 'fees_usd', head: 'fees', digits: 2 },
    { key: 'fills', head: 'fills', digits: 0 },
    { key: 'volume_usd', head: 'volume', digits: 0 },
    { key: 'markout_10s', head: 'mk10s ¢', digits: 2 },
    { key: 'markout_30s', head: 'mk30s ¢', digits: 2 },
    { key: 'max_abs_inventory_usd', head: 'max|inv|', digits: 0 },
    { key: 'two_sided_uptime', head: '2-sided', scale: 100, digits: 0 },
    { key: 'orders_per_fill', head: 'ord/fill', digits: 1 },
    { key: 'time_reducing', head: 'REDUC%', scale: 100, digits: 1 },
    { key: 'time_halted', head: 'HALT%', scale: 100, digits: 1 },
  ]

function cell(a: Aggregate, digits: number, scale = 1, ci = false): string {
  if (a.mean === null) return '–'
  const f = (x: number) => (x * scale).toFixed(digits)
  return ci && a.ci95 ? `${f(a.mean)} [${f(a.ci95[0])}, ${f(a.ci95[1])}]` : f(a.mean)
}

export function formatTable(variants: readonly VariantSummary[]): string {
  const scenarios = [...new Set(variants.map((v) => v.scenario))]
  const out: string[] = []
  for (const sc of scenarios) {
    const rows = variants.filter((v) => v.scenario === sc)
    const seeds = rows[0]?.seeds ?? []
    out.push(
      `\nscenario ${sc} — ${seeds.length} seed(s) ${seeds.length > 1 ? `${seeds[0]}..${seeds.at(-1)}` : (seeds[0] ?? '')}`,
    )
    const table = [
      ['variant', ...COLUMNS.map((c) => c.head)],
      ...rows.map((v) => [v.name, ...COLUMNS.map((c) => cell(v.metrics[c.key], c.digits, c.scale, c.ci))]),
    ]
    const widths = table[0]?.map((_, i) => Math.max(...table.map((r) => (r[i] ?? '').length))) ?? []
    for (const [i, r] of table.entries()) {
      out.push(r.map((c, j) => (j === 0 ? c.padEnd(widths[j] ?? 0) : c.padStart(widths[j] ?? 0))).join('  '))
      if (i === 0) out.push(widths.map((w) => '-'.repeat(w)).join('  '))
    }
  }
  return `${out.join('\n')}\n`
}
