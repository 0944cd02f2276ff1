// The soak's figures from one size's raw observations. Every figure says where it came from; one that could not
// be measured is "n/a (why)", never a guess.
import { existsSync, readFileSync } from 'node:fs'
import { daemonLogFile, scanLog } from './log-scan.ts'
import { cpuPercent, mainThreadShares, type ProcSample } from './proc-stats.ts'
import {
  bucketQuantile,
  familiesMatching,
  type HistogramWindow,
  histogramDelta,
  type Scrape,
  total,
} from './prometheus.ts'
import type { SizeRun } from './run-size.ts'

export interface Figure {
  readonly text: string
  /** the number behind the text, in the unit the label names; absent when not measured */
  readonly value?: number
  /** for distributions: median and p99 in ms (for a histogram, the bounds of the buckets that hold them) */
  readonly p50Ms?: number
  readonly p99Ms?: number
  readonly source: string
}
export type Figures = Record<string, Figure>

const na = (why: string): Figure => ({ text: `n/a (${why})`, source: why })
const q = (xs: readonly number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? Number.NaN
}
const mb = (b: number) => b / 2 ** 20
const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })

function isScrape(s: Scrape | { error: string }): s is Scrape {
  return 'samples' in s
}

function bound(b: ReturnType<typeof bucketQuantile>, unit: 's'): string {
  if (!b) return '–'
  const t = (sec: number) => (sec < 1 ? `${fmt(sec * 1000, sec < 0.001 ? 1 : 0)} ms` : `${fmt(sec, 1)} ${unit}`)
  return 'upTo' in b ? `≤ ${t(b.upTo)}` : `> ${t(b.above)}`
}

function histogramFigure(h: HistogramWindow | undefined, name: string, what: string): Figure {
  if (!h) return na(`no ${what} metric`)
  if (h.count === 0) return na(`${name}: no observations in the window`)
  const mean = h.sum / h.count
  const ms = (b: ReturnType<typeof bucketQuantile>) => (b && 'upTo' in b ? b.upTo * 1000 : undefined)
  const p50Ms = ms(bucketQuantile(h, 0.5))
  const p99Ms = ms(bucketQuantile(h, 0.99))
  return {
    ...(p50Ms !== undefined ? { p50Ms } : {}),
    ...(p99Ms !== undefined ? { p99Ms } : {}),
    text: `p50 ${bound(bucketQuantile(h, 0.5), 's')}, p99 ${bound(bucketQuantile(h, 0.99), 's')}, mean ${fmt(mean * 1000)} ms (n ${fmt(h.count)})`,
    value: mean,
    source: `${name} (bucket bounds)`,
  }
}

function procFigures(samples: readonly ProcSample[], who: string): { rss: Figure; cpu: Figure; main: Figure } {
  if (samples.length < 2) {
    const none = na(`fewer than 2 /proc samples of the ${who}`)
    return { rss: none, cpu: none, main: none }
  }
  const shares = mainThreadShares(samples[0]!, samples.at(-1)!)
  const rss = samples.map((s) => mb(s.rssBytes))
  const perSec = samples.slice(1).map((s, i) => cpuPercent(samples[i]!, s))
  const overall = cpuPercent(samples[0]!, samples.at(-1)!)
  return {
    rss: {
      text: `median ${fmt(q(rss, 0.5))} MB, p99 ${fmt(q(rss, 0.99))} MB, max ${fmt(Math.max(...rss))} MB`,
      value: q(rss, 0.5),
      source: '/proc/<pid>/status VmRSS, 1 s samples',
    },
    cpu: {
      text: `${fmt(overall)}% (1 s samples: median ${fmt(q(perSec, 0.5))}%, p99 ${fmt(q(perSec, 0.99))}%)`,
      value: overall,
      source: '/proc/<pid>/stat utime+stime, % of one core',
    },
    main: {
      text: `on CPU ${fmt(shares.run)}%, waiting for a CPU ${fmt(shares.wait)}%`,
      value: shares.wait,
      source: '/proc/<pid>/schedstat of the main thread, % of wall time (waiting = the machine is busy elsewhere)',
    },
  }
}

/** Least-squares slope of RSS over the window: memory that grows with time rather than with markets. */
function rssDrift(samples: readonly ProcSample[]): Figure {
  if (samples.length < 10) return na('fewer than 10 RSS samples')
  const t0 = samples[0]!.at
  const xs = samples.map((p) => (p.at - t0) / 60_000)
  const ys = samples.map((p) => mb(p.rssBytes))
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length
  const my = ys.reduce((a, b) => a + b, 0) / ys.length
  let num = 0
  let den = 0
  for (let i = 0; i < xs.length; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my)
    den += (xs[i]! - mx) ** 2
  }
  const slope = num / den
  return {
    text: `${slope >= 0 ? '+' : ''}${fmt(slope, 1)} MB/min`,
    value: slope,
    source: 'least-squares slope of the 1 s RSS samples over the window',
  }
}

function lagFromProbe(file: string | undefined, from: number, to: number): Figure {
  if (!file || !existsSync(file)) return na('no lag metric and no probe samples')
  const xs: number[] = []
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [at, ...ms] = line.split(' ')
    const t = Number(at)
    // A line holds the second before `at`.
    if (!(t > from && t <= to + 1000)) continue
    for (const m of ms) xs.push(Number(m))
  }
  if (xs.length === 0) return na('no probe samples in the window')
  return {
    text: `p50 ${fmt(q(xs, 0.5), 1)} ms, p99 ${fmt(q(xs, 0.99), 1)} ms, max ${fmt(Math.max(...xs))} ms (n ${fmt(xs.length)})`,
    value: q(xs, 0.99),
    p50Ms: q(xs, 0.5),
    p99Ms: q(xs, 0.99),
    source: 'harness probe preloaded in the daemon: lateness of a 10 ms timer (the daemon has no lag metric)',
  }
}

function lagFromMetric(before: Scrape, after: Scrape): Figure | undefined {
  const name = familiesMatching(after, /event_?loop.*lag/i)[0]
  if (!name) return undefined
  const type = after.types.get(name)
  if (type === 'histogram') return histogramFigure(histogramDelta(before, after, name), name, 'lag')
  const v = total(after, name)
  if (v === undefined) return undefined
  return {
    text: `${fmt(v * (name.endsWith('_seconds') ? 1000 : 1), 1)} ms at window end`,
    value: v,
    source: `${name} (${type})`,
  }
}

function delta(before: Scrape, after: Scrape, name: string, where?: (l: Readonly<Record<string, string>>) => boolean) {
  const a = total(after, name, where)
  if (a === undefined) return undefined
  return a - (total(before, name, where) ?? 0)
}

function countFigure(metric: { name: string; value: number } | undefined, logged: number, what: string): Figure {
  if (metric) return { text: fmt(metric.value), value: metric.value, source: metric.name }
  return { text: fmt(logged), value: logged, source: `daemon log lines (${what}); no metric` }
}

function bySeconds(at: number | undefined, start: number, max: number, n: number, limitSec: number): Figure {
  if (at !== undefined) return { text: `${fmt((at - start) / 1000, 1)} s`, value: (at - start) / 1000, source: '' }
  return { text: `not reached (at most ${fmt(max)} of ${fmt(n)} within ${fmt(limitSec)} s)`, source: '' }
}

export function computeFigures(run: SizeRun, limitSec: number): Figures {
  const f: Figures = {}
  const windowSec = (run.windowTo - run.windowFrom) / 1000
  const d = procFigures(run.daemonProc, 'daemon')
  const s = procFigures(run.simProc, 'simulator')
  f.daemonRss = d.rss
  f.daemonCpu = d.cpu
  f.daemonMainThread = d.main
  f.rssPerMarket =
    d.rss.value === undefined
      ? na('no RSS')
      : {
          text: `${fmt((d.rss.value * 1024) / run.markets)} kB`,
          value: d.rss.value / run.markets,
          source: 'median RSS / markets (includes the fixed base)',
        }
  f.rssDrift = rssDrift(run.daemonProc)
  f.simRss = s.rss
  f.simCpu = s.cpu

  const before = isScrape(run.before) ? run.before : undefined
  const after = isScrape(run.after) ? run.after : undefined
  const noMetrics = `/metrics not read: ${!before ? (run.before as { error: string }).error : (run.after as { error: string }).error}`
  const probe = lagFromProbe(run.lagFile, run.windowFrom, run.windowTo)
  const metricLag = before && after ? lagFromMetric(before, after) : undefined
  f.loopLag = metricLag ?? probe
  if (metricLag) f.loopLagProbe = probe

  if (before && after) {
    const frame = familiesMatching(after, /frame.*(dirty|market)|ws_to_dirty/i).find(
      (n) => after.types.get(n) === 'histogram',
    )
    f.frameToDirty = frame
      ? histogramFigure(histogramDelta(before, after, frame), frame, 'frame → dirty')
      : na('the daemon has no frame → dirty metric')
    const sent =
      familiesMatching(after, /dirty_to_(order|sent)/i).find((n) => after.types.get(n) === 'histogram') ??
      (after.types.has('mm_quote_to_order_seconds') ? 'mm_quote_to_order_seconds' : undefined)
    f.dirtyToSent = sent
      ? histogramFigure(histogramDelta(before, after, sent), sent, 'dirty → sent')
      : na('no dirty → orders metric')
    const orders = delta(before, after, 'mm_orders_total')
    f.ordersPerSec =
      orders === undefined
        ? na('no mm_orders_total')
        : {
            text: `${fmt(orders / windowSec, 1)}/s (${fmt(orders)} in ${fmt(windowSec)} s)`,
            value: orders / windowSec,
            source: 'mm_orders_total (orders sent)',
          }
    const gaps = delta(before, after, 'mm_seq_gaps_total') ?? 0
    const reloads = delta(before, after, 'mm_snapshot_reload_total') ?? 0
    f.bookInvalidations = {
      text: `${fmt(gaps)} gaps, ${fmt(reloads)} re-seeds`,
      value: gaps + reloads,
      source: 'mm_seq_gaps_total, mm_snapshot_reload_total',
    }
    const pulls = after.samples.filter((x) => x.name === 'mm_quote_pulls_total')
    f.pulls =
      pulls.length === 0
        ? { text: '0', value: 0, source: 'mm_quote_pulls_total' }
        : {
            text: pulls
              .map(
                (p) =>
                  `${p.labels.reason} ${fmt(p.value - (total(before, p.name, (l) => l.reason === p.labels.reason) ?? 0))}`,
              )
              .join(', '),
            value: delta(before, after, 'mm_quote_pulls_total') ?? 0,
            source: 'mm_quote_pulls_total by reason',
          }
    const stageErrors = delta(before, after, 'mm_stage_errors_total') ?? 0
    f.stageErrors = { text: fmt(stageErrors), value: stageErrors, source: 'mm_stage_errors_total' }
    // The per-signer order budget, once the daemon exposes one: every matching family, deltas for counters.
    const budget = familiesMatching(after, /budget|token_bucket/i)
    f.rateBudget =
      budget.length === 0
        ? na('the daemon has no rate-budget metric')
        : {
            text: budget
              .map((n) =>
                after.types.get(n) === 'counter'
                  ? `${n} +${fmt(delta(before, after, n) ?? 0)}`
                  : `${n} ${fmt(total(after, n) ?? Number.NaN, 2)}`,
              )
              .join(', '),
            source: 'families matching /budget|token_bucket/ (counters: change in the window; others: at its end)',
          }
    const ws = total(after, 'mm_ws_connected')
    f.daemonWsUp =
      ws === undefined
        ? na('no mm_ws_connected')
        : { text: fmt(ws), value: ws, source: 'mm_ws_connected (sum) at window end' }
  } else {
    for (const k of [
      'rateBudget',
      'frameToDirty',
      'dirtyToSent',
      'ordersPerSec',
      'bookInvalidations',
      'pulls',
      'stageErrors',
      'daemonWsUp',
    ])
      f[k] = na(noMetrics)
  }

  const sock = run.sockets.map((x) => x.value)
  f.wsConnections =
    sock.length === 0
      ? na('simulator admin state not read')
      : {
          text: `market ${fmt(
            q(
              sock.map((x) => x.market),
              0.5,
            ),
          )}, user ${fmt(
            q(
              sock.map((x) => x.user),
              0.5,
            ),
          )} (median; max ${fmt(Math.max(...sock.map((x) => x.market + x.user)))} total)`,
          value: q(
            sock.map((x) => x.market + x.user),
            0.5,
          ),
          source: 'simulator GET /admin/state sockets',
        }
  f.allResting = {
    ...bySeconds(run.allRestingAt, run.daemonStartAt, run.maxMarketsResting, run.markets, limitSec),
    source: 'simulator: every market has an order of ours resting',
  }
  f.allQuoted =
    run.statusMs.length === 0 && run.allQuotedAt === undefined
      ? na(`/status never answered: ${run.statusFailures[0] ?? 'no request'}`)
      : {
          ...bySeconds(run.allQuotedAt, run.daemonStartAt, run.maxMarketsQuoted, run.markets, limitSec),
          source: 'daemon /status: every market has a quote',
        }
  f.statusAnswer =
    run.statusMs.length === 0
      ? na(`no /status answer: ${run.statusFailures[0] ?? ''}`)
      : {
          text: `median ${fmt(q(run.statusMs, 0.5))} ms, max ${fmt(Math.max(...run.statusMs))} ms (n ${run.statusMs.length}${run.statusFailures.length ? `, ${run.statusFailures.length} failed` : ''})`,
          value: q(run.statusMs, 0.5),
          source: 'GET /status answer time',
        }
  const resting = run.resting.filter((x) => x.at >= run.windowFrom).map((x) => x.value)
  f.restingOrders =
    resting.length === 0
      ? na('no account reads in the window')
      : {
          text: `median ${fmt(q(resting, 0.5))}`,
          value: q(resting, 0.5),
          source: 'simulator GET /admin/accounts/<address> open orders',
        }

  const logFile = daemonLogFile(run.dir)
  if (logFile) {
    const c = scanLog(logFile, run.windowFrom, run.windowTo)
    const reject = before && after ? rejectedMetric(before, after) : undefined
    f.requestTimeouts = countFigure(undefined, c.requestTimeouts, '"no answer after N ms"')
    f.heartbeatFailures = countFigure(undefined, c.heartbeatFailures, '"exchange heartbeat failed"')
    f.postOnlyRejections = countFigure(reject, c.postOnlyRejections, '"rejected: … post-only"')
    f.rateLimited = countFigure(
      before && after ? maybe(delta(before, after, 'mm_rate_limited_total'), 'mm_rate_limited_total') : undefined,
      c.rateLimited,
      '"rate limited (429)"',
    )
    f.logErrors = { text: fmt(c.errors), value: c.errors, source: 'daemon log lines at level error' }
  } else
    for (const k of ['requestTimeouts', 'heartbeatFailures', 'postOnlyRejections', 'rateLimited', 'logErrors'])
      f[k] = na('daemon log file not found')
  f.metricsScrape =
    run.metricsScrapeMs.length === 0
      ? na('no /metrics answer')
      : {
          text: `${run.metricsScrapeMs.map((m) => fmt(m)).join(', ')} ms`,
          value: Math.max(...run.metricsScrapeMs),
          source: 'GET /metrics answer time',
        }
  f.shutdown = {
    text: `${run.daemonStop} after ${fmt(run.daemonStopMs / 1000, 1)} s`,
    value: run.daemonStopMs / 1000,
    source: 'SIGINT → exit',
  }
  return f
}

function maybe(v: number | undefined, name: string) {
  return v === undefined ? undefined : { name, value: v }
}

/** A rejection counter by reason (once the daemon has one): the post-only reasons summed. */
function rejectedMetric(before: Scrape, after: Scrape) {
  const name = familiesMatching(after, /reject/i).find((n) => after.types.get(n) === 'counter')
  if (!name) return undefined
  const postOnly = (l: Readonly<Record<string, string>>) => Object.values(l).some((v) => /post.?only|cross/i.test(v))
  return { name: `${name}{reason~post-only}`, value: delta(before, after, name, postOnly) ?? 0 }
}
