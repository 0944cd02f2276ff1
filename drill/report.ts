// The drill's verdict: each invariant with its figure, as a table for the terminal and JSON for the record.

import type { PositionMismatch } from './invariants.ts'
import type { LedgerFill } from './ledger.ts'
import type { ExposureRun } from './sampler.ts'

export interface RestartRecord {
  at_s: number
  why: string
  open_orders_at_kill: number
  /** Seconds from the kill until the exchange held no order of ours (null: still some at the deadline). */
  cleared_after_s: number | null
  start_fault: string | null
  ready_after_s: number | null
  /** /status vs the exchange, 5 s after the restart. */
  positions_after_restart: PositionMismatch[]
  /** The positions table vs the exchange, right after that. */
  table_after_restart: PositionMismatch[]
  realized_before: number | null
  realized_after: number | null
  /** Markets halted by the daily loss limit before the kill, and after the restart. */
  halted_before: string[]
  halted_after: string[]
}

export interface DrillReport {
  config: string
  seed: number
  duration_s: number
  out_dir: string
  account: string
  faults: {
    requested: number
    injected: number
    kinds_used: number
    by_kind: Record<string, number>
    refused_by_simulator: Record<string, number>
    /** Episodes after which the simulator's fault state was not back to quiet (a kind a reset does not clear). */
    not_cleared_by_reset: Record<string, number>
    unsupported_kinds: Array<{ name: string; answer: string }>
  }
  samples: number
  fills: {
    record_lag_s: { p50: number | null; p99: number | null; max: number | null; over_5s: number }
    exchange: number
    database: number
    lost: LedgerFill[]
    doubled: LedgerFill[]
    phantom: LedgerFill[]
    status_behind: number
    status_behind_examples: Array<{ fill: LedgerFill; exchangeStatus: string }>
  }
  positions: {
    status_vs_exchange_end: PositionMismatch[] | null
    table_vs_exchange_end: PositionMismatch[]
    replayed_fills_vs_exchange: PositionMismatch[]
    tokens: number
    end_by_token: Record<
      string,
      { exchange: number; status: number | null; positions_table: number; fills_replayed: number }
    >
  }
  restarts: RestartRecord[]
  failed_starts: Array<{ run: number; why: string; exit_code: number | null; reason: string }>
  unplanned_exits: Array<{ run: number; code: number | null; at_s: number; tail: string[] }>
  orders_after_stop: { exchange: number; orders_active_rows: number }
  stop: { exit_code: number | null; seconds: number }
  heartbeat_deadline_s: number
  stale_exposure: {
    grace_s: number
    seconds_beyond_grace: number
    by_kind: Record<string, { runs: number; seconds_beyond_grace: number; longest_s: number }>
    worst: ExposureRun[]
  }
  rejections: Record<string, number>
  unhandled_errors: Record<string, number>
  error_lines: Record<string, number>
  rss_mb: { start: number | null; end: number | null }
}

export interface Check {
  readonly figure: string
  readonly result: string
  readonly ok: boolean | undefined
}

const fillText = (f: LedgerFill) => `${f.tradeId} ${f.side} ${f.size} @ ${f.price} (order ${f.orderId.slice(0, 10)}…)`
const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0)
const top = (r: Record<string, number>, n = 4) =>
  Object.entries(r)
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, v]) => `${v}× ${k}`)
    .join('; ')

export function checks(r: DrillReport): Check[] {
  const kills = r.restarts.filter((x) => x.why === 'kill -9')
  const lateClear = kills.filter(
    (k) => k.open_orders_at_kill > 0 && (k.cleared_after_s === null || k.cleared_after_s > r.heartbeat_deadline_s),
  )
  const restartMismatch = r.restarts.filter(
    (x) => x.positions_after_restart.length > 0 || x.table_after_restart.length > 0,
  )
  const haltLost = r.restarts.filter((x) => x.halted_before.some((m) => !x.halted_after.includes(m)))
  const pos = r.positions
  return [
    {
      figure: 'faults injected',
      result: `${r.faults.injected} (${r.faults.requested} scheduled) of ${r.faults.kinds_used} kinds${Object.keys(r.faults.refused_by_simulator).length ? `; refused: ${top(r.faults.refused_by_simulator)}` : ''}`,
      ok: undefined,
    },
    { figure: 'fills: exchange / database', result: `${r.fills.exchange} / ${r.fills.database}`, ok: undefined },
    { figure: 'fills lost', result: String(r.fills.lost.length), ok: r.fills.lost.length === 0 },
    { figure: 'fills doubled', result: String(r.fills.doubled.length), ok: r.fills.doubled.length === 0 },
    {
      figure: 'fills unknown to the exchange (phantom)',
      result: String(r.fills.phantom.length),
      ok: r.fills.phantom.length === 0,
    },
    {
      figure: 'fill recorded after its trade (p50 / p99 / max; kills included)',
      result: `${r.fills.record_lag_s.p50 ?? '?'} s / ${r.fills.record_lag_s.p99 ?? '?'} s / ${r.fills.record_lag_s.max ?? '?'} s; ${r.fills.record_lag_s.over_5s} over 5 s`,
      ok: undefined,
    },
    {
      figure: 'fills whose status lags the exchange (e.g. MINED vs CONFIRMED)',
      result: String(r.fills.status_behind),
      ok: undefined,
    },
    {
      figure: '/status positions vs exchange at the end',
      result:
        pos.status_vs_exchange_end === null
          ? 'not read'
          : `${pos.status_vs_exchange_end.length} of ${pos.tokens} tokens differ`,
      ok: pos.status_vs_exchange_end !== null && pos.status_vs_exchange_end.length === 0,
    },
    {
      figure: 'positions table vs exchange at the end',
      result: `${pos.table_vs_exchange_end.length} of ${pos.tokens} tokens differ`,
      ok: pos.table_vs_exchange_end.length === 0,
    },
    {
      figure: 'fills table replayed vs exchange',
      result: `${pos.replayed_fills_vs_exchange.length} of ${pos.tokens} tokens differ`,
      ok: pos.replayed_fills_vs_exchange.length === 0,
    },
    {
      figure: 'positions (/status, table) vs exchange after each restart',
      result: `${restartMismatch.length} of ${r.restarts.length} restarts differ`,
      ok: restartMismatch.length === 0,
    },
    {
      figure: `orders cancelled by the heartbeat after each kill (≤ ${r.heartbeat_deadline_s} s)`,
      result: kills.map((k) => `${k.open_orders_at_kill} → 0 in ${k.cleared_after_s ?? '∞'} s`).join(', ') || 'no kill',
      ok: lateClear.length === 0,
    },
    {
      figure: 'orders resting after the final stop (exchange / orders_active)',
      result: `${r.orders_after_stop.exchange} / ${r.orders_after_stop.orders_active_rows}`,
      ok: r.orders_after_stop.exchange === 0 && r.orders_after_stop.orders_active_rows === 0,
    },
    {
      figure: `stale-quote exposure beyond ${r.stale_exposure.grace_s} s grace`,
      result: `${r.stale_exposure.seconds_beyond_grace} s (${Object.entries(r.stale_exposure.by_kind)
        .map(([k, v]) => `${k}: ${v.seconds_beyond_grace} s, longest ${v.longest_s} s`)
        .join('; ')})`,
      ok: r.stale_exposure.seconds_beyond_grace === 0,
    },
    {
      figure: 'failed restarts',
      result:
        r.failed_starts.length === 0
          ? '0'
          : `${r.failed_starts.length}: ${r.failed_starts.map((f) => `exit ${f.exit_code} "${f.reason.slice(0, 80)}"`).join('; ')}`,
      ok: r.failed_starts.length === 0,
    },
    {
      figure: 'exits other than planned',
      result: String(r.unplanned_exits.length),
      ok: r.unplanned_exits.length === 0,
    },
    {
      figure: 'unhandled errors in the log',
      result: sum(r.unhandled_errors) === 0 ? '0' : `${sum(r.unhandled_errors)}: ${top(r.unhandled_errors, 3)}`,
      ok: sum(r.unhandled_errors) === 0,
    },
    { figure: 'rejections by reason', result: sum(r.rejections) === 0 ? '0' : top(r.rejections), ok: undefined },
    {
      figure: 'daily-loss halts kept across restarts (/status realized USD before → after)',
      result:
        r.restarts.map((x) => `${x.realized_before ?? '?'} → ${x.realized_after ?? '?'}`).join(', ') +
        (haltLost.length ? `; ${haltLost.length} halt(s) lost` : ''),
      ok: haltLost.length === 0,
    },
    {
      figure: 'SIGTERM',
      result: `exit ${r.stop.exit_code ?? 'none (killed)'} in ${r.stop.seconds} s`,
      ok: r.stop.exit_code === 0,
    },
    { figure: 'RSS start / end', result: `${r.rss_mb.start ?? '?'} MB / ${r.rss_mb.end ?? '?'} MB`, ok: undefined },
  ]
}

export const verdict = (r: DrillReport) => checks(r).every((c) => c.ok !== false)

export function formatTable(r: DrillReport): string {
  const rows = checks(r)
  const w = Math.max(...rows.map((c) => c.figure.length))
  const lines = rows.map(
    (c) => `${c.ok === undefined ? '    ' : c.ok ? ' ok ' : 'FAIL'} ${c.figure.padEnd(w)}  ${c.result}`,
  )
  const offenders: string[] = []
  const list = (title: string, fills: LedgerFill[]) => {
    if (fills.length === 0) return
    offenders.push(`${title}:`)
    for (const f of fills.slice(0, 50)) offenders.push(`  ${fillText(f)}`)
    if (fills.length > 50) offenders.push(`  … ${fills.length - 50} more in the JSON`)
  }
  list('lost fills', r.fills.lost)
  list('doubled fills', r.fills.doubled)
  list('phantom fills', r.fills.phantom)
  for (const [title, m] of [
    ['positions table vs exchange', r.positions.table_vs_exchange_end],
    ['fills replayed vs exchange', r.positions.replayed_fills_vs_exchange],
    ['/status vs exchange', r.positions.status_vs_exchange_end ?? []],
  ] as const) {
    for (const x of m)
      offenders.push(`${title}: token ${x.tokenId.slice(0, 12)}… daemon ${x.daemon} vs exchange ${x.exchange}`)
  }
  return [
    `mm drill: ${r.config}, seed ${r.seed}, ${r.duration_s} s, ${r.restarts.filter((x) => x.why === 'kill -9').length} kills`,
    ...lines,
    ...offenders,
    `verdict: ${verdict(r) ? 'PASS' : 'FAIL'} (details: ${r.out_dir}/drill.json)`,
  ].join('\n')
}
