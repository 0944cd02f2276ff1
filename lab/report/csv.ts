import type { JobResult } from '../jobs.ts'
import { MARKOUT_HORIZONS_SEC } from '../recorder.ts'

/** fills.csv: one row per fill of every run, with the mid at the fill and the markouts (price units per share). */
export function fillsCsv(results: readonly JobResult[]): string {
  const head = [
    'variant',
    'scenario',
    'seed',
    'time_iso',
    'market',
    'outcome',
    'token_id',
    'side',
    'role',
    'price',
    'size',
    'fee_usd',
    'status',
    'mid_at_fill',
    ...MARKOUT_HORIZONS_SEC.map((h) => `markout_${h}s`),
  ]
  const q = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s)
  const lines = [head.join(',')]
  for (const r of results)
    for (const f of r.outcome.fills)
      lines.push(
        [
          r.job.variant.name,
          r.job.replay ? 'replay' : r.job.scenario,
          String(r.job.seed),
          new Date(f.at).toISOString(),
          f.market,
          f.outcome,
          f.tokenId,
          f.side,
          f.role,
          String(f.price),
          String(f.size),
          f.feeUsd.toFixed(6),
          f.status,
          f.midAtFill.toFixed(6),
          ...f.markouts.map((m) => (m === null ? '' : m.toFixed(6))),
        ]
          .map(q)
          .join(','),
      )
  return `${lines.join('\n')}\n`
}
