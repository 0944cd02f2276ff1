import { MARKOUT_HORIZONS_SEC, type Sample } from './recorder.ts'
import type { RunOutcome } from './run.ts'

/**
 * The figures of one run, and their mean and 95% interval across seeds. Every metric is a number per run (null
 * when it cannot be measured, e.g. a markout without fills); the names are the stable keys of summary.json.
 */

export const METRICS = [
  { key: 'pnl_net_usd', label: 'PnL net', unit: 'USD', better: 'high' },
  { key: 'rewards_est_usd', label: 'rewards est', unit: 'USD', better: 'high' },
  { key: 'fees_usd', label: 'fees', unit: 'USD', better: 'low' },
  { key: 'fills', label: 'fills', unit: '', better: 'high' },
  { key: 'volume_usd', label: 'volume', unit: 'USD', better: 'high' },
  { key: 'markout_3s', label: 'markout 3s', unit: '¢/sh', better: 'high' },
  { key: 'markout_10s', label: 'markout 10s', unit: '¢/sh', better: 'high' },
  { key: 'markout_30s', label: 'markout 30s', unit: '¢/sh', better: 'high' },
  { key: 'max_abs_inventory_usd', label: 'max |inv|', unit: 'USD', better: 'low' },
  { key: 'two_sided_uptime', label: 'two-sided', unit: '%', better: 'high' },
  { key: 'inventory_half_life_s', label: 'inv half-life', unit: 's', better: 'low' },
  { key: 'rewards_eligible_time', label: 'in rewards band', unit: '%', better: 'high' },
  { key: 'orders_per_fill', label: 'orders/fill', unit: '', better: 'low' },
  { key: 'cancels_per_fill', label: 'cancels/fill', unit: '', better: 'low' },
  { key: 'time_reducing', label: 'REDUCING', unit: '%', better: 'low' },
  { key: 'time_halted', label: 'HALTED', unit: '%', better: 'low' },
] as const

export type MetricKey = (typeof METRICS)[number]['key']
export type RunMetrics = Record<MetricKey, number | null>

const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null)

/** Per-market AR(1) decay of inventory between samples → the time for half of it to be worked off. */
function halfLifeSec(samples: readonly Sample[], stepSec: number): number | null {
  const n = samples[0]?.markets.length ?? 0
  const lives: number[] = []
  for (let i = 0; i < n; i++) {
    let num = 0
    let den = 0
    for (let k = 1; k < samples.length; k++) {
      const a = samples[k - 1]?.markets[i]?.invShares ?? 0
      const b = samples[k]?.markets[i]?.invShares ?? 0
      num += a * b
      den += a * a
    }
    if (den === 0) continue
    const phi = num / den
    if (phi > 0 && phi < 1) lives.push((Math.log(0.5) / Math.log(phi)) * stepSec)
  }
  if (lives.length === 0) return null
  lives.sort((a, b) => a - b)
  return lives[Math.floor(lives.length / 2)] ?? null
}

export function runMetrics(r: RunOutcome): RunMetrics {
  const fills = r.fills.filter((f) => f.status !== 'FAILED')
  const markout = (i: number) =>
    mean(
      fills.flatMap((f) =>
        f.markouts[i] === null || f.markouts[i] === undefined ? [] : [(f.markouts[i] as number) * 100],
      ),
    )
  const open = r.samples.flatMap((s) => s.markets.filter((m) => m.state !== 'CLOSED'))
  const frac = (pred: (m: (typeof open)[number]) => boolean) =>
    open.length ? open.filter(pred).length / open.length : null
  const stepSec = r.samples.length > 1 ? ((r.samples[1]?.t ?? 0) - (r.samples[0]?.t ?? 0)) / 1000 : 5
  const n = fills.length
  const [m3, m10, m30] = MARKOUT_HORIZONS_SEC.map((_, i) => markout(i))
  return {
    pnl_net_usd: r.pnlNetUsd,
    rewards_est_usd: r.rewardsEstUsd,
    fees_usd: r.feesUsd,
    fills: n,
    volume_usd: fills.reduce((a, f) => a + f.price * f.size, 0),
    markout_3s: m3 ?? null,
    markout_10s: m10 ?? null,
    markout_30s: m30 ?? null,
    max_abs_inventory_usd: r.maxAbsInventoryUsd,
    two_sided_uptime: frac((m) => m.twoSided),
    inventory_half_life_s: halfLifeSec(r.samples, stepSec),
    rewards_eligible_time: frac((m) => m.rewardEligible),
    orders_per_fill: n ? r.ordersSent / n : null,
    cancels_per_fill: n ? r.ordersCancelled / n : null,
    time_reducing: frac((m) => m.state === 'REDUCING'),
    time_halted: frac((m) => m.state === 'HALTED'),
  }
}

// Two-sided Student t quantiles (0.975) by degrees of freedom; beyond 30 the normal value.
const T975 = [
  0, 12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12,
  2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
]

export interface Aggregate {
  readonly mean: number | null
  readonly ci95: [number, number] | null
  readonly per_seed: (number | null)[]
}

export function aggregate(values: readonly (number | null)[]): Aggregate {
  const xs = values.filter((v): v is number => v !== null && Number.isFinite(v))
  const m = mean(xs)
  if (m === null) return { mean: null, ci95: null, per_seed: [...values] }
  if (xs.length < 2) return { mean: m, ci95: [m, m], per_seed: [...values] }
  const sd = Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1))
  const t = T975[xs.length - 1] ?? 1.96
  const h = (t * sd) / Math.sqrt(xs.length)
  return { mean: m, ci95: [m - h, m + h], per_seed: [...values] }
}
