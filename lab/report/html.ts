import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { JobResult, VariantSummary } from '../jobs.ts'
import { METRICS } from '../metrics.ts'
import { MARKOUT_HORIZONS_SEC } from '../recorder.ts'
import { chartScript } from './chart-script.ts'

/**
 * report.html: one self-contained page. uPlot (its minified build and CSS, from node_modules) is inlined, the
 * data is embedded as JSON, nothing is fetched. Summary table of every variant; then per scenario the variants
 * side by side: PnL over time, inventory per market, fair value against mid with our quotes and fills, and the
 * markout distribution at 3/10/30 s.
 */

const require = createRequire(import.meta.url)
const uplotJs = () => readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8')
const uplotCss = () => readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8')

const MAX_POINTS = 1500

function esc(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string)
}

const round = (x: number | null, d = 5) =>
  x === null || !Number.isFinite(x) ? null : Math.round(x * 10 ** d) / 10 ** d

/** The charted run of one variant and scenario (its first seed), thinned to at most MAX_POINTS samples. */
function panelData(r: JobResult, allFills: readonly JobResult[]) {
  const o = r.outcome
  const stride = Math.max(1, Math.ceil(o.samples.length / MAX_POINTS))
  const samples = o.samples.filter((_, i) => i % stride === 0 || i === o.samples.length - 1)
  const t = samples.map((s) => Math.round(s.t / 1000))
  const pnl = {
    net: samples.map((s) => round(s.realized + s.unrealized, 2)),
    realized: samples.map((s) => round(s.realized, 2)),
    unrealized: samples.map((s) => round(s.unrealized, 2)),
    fees: samples.map((s) => round(-s.fees, 2)),
    rewards: samples.map((s) => round(s.rewards, 2)),
  }
  const markets = o.markets.map((m, i) => {
    // Fills in YES space, on the nearest charted sample.
    const buys: (number | null)[] = t.map(() => null)
    const sells: (number | null)[] = t.map(() => null)
    for (const f of o.fills) {
      if (f.conditionId !== m.conditionId) continue
      const yesPrice = f.outcome === 'YES' ? f.price : 1 - f.price
      const longYes = (f.side === 'BUY') === (f.outcome === 'YES')
      const sec = f.at / 1000
      let k = t.findIndex((x) => x >= sec)
      if (k < 0) k = t.length - 1
      ;(longYes ? buys : sells)[k] = round(yesPrice, 4)
    }
    return {
      slug: m.slug,
      inv: samples.map((s) => round(s.markets[i]?.invUsd ?? 0, 2)),
      mid: samples.map((s) => round(s.markets[i]?.mid ?? null, 4)),
      fair: samples.map((s) => round(s.markets[i]?.fair ?? null, 4)),
      bid: samples.map((s) => round(s.markets[i]?.bid ?? null, 4)),
      ask: samples.map((s) => round(s.markets[i]?.ask ?? null, 4)),
      buys,
      sells,
      fills: o.fills.filter((f) => f.conditionId === m.conditionId).length,
    }
  })
  // Markout distribution over every seed of this variant and scenario, in cents per share.
  const edges = Array.from({ length: 41 }, (_, i) => -5 + i * 0.25)
  const hist = MARKOUT_HORIZONS_SEC.map((_, h) => {
    const counts = edges.map(() => 0)
    for (const rr of allFills)
      for (const f of rr.outcome.fills) {
        const v = f.markouts[h]
        if (v === null || v === undefined || f.status === 'FAILED') continue
        const c = Math.min(edges.length - 1, Math.max(0, Math.round((v * 100 + 5) / 0.25)))
        counts[c] = (counts[c] ?? 0) + 1
      }
    return counts
  })
  return { seed: r.job.seed, t, pnl, markets, markout: { edges, hist } }
}

function metricsTable(variants: readonly VariantSummary[]): string {
  const head = METRICS.map(
    (m) => `<th title="${m.key}">${esc(m.label)}${m.unit ? ` <small>${esc(m.unit)}</small>` : ''}</th>`,
  )
  const rows = variants.map((v) => {
    const cells = METRICS.map((m) => {
      const a = v.metrics[m.key]
      if (a.mean === null) return '<td>–</td>'
      const scale = m.unit === '%' ? 100 : 1
      const d = m.key === 'fills' || m.key === 'volume_usd' ? 0 : 2
      const f = (x: number) => (x * scale).toFixed(d)
      const ci = a.ci95 && a.per_seed.length > 1 ? `<br><small>[${f(a.ci95[0])}, ${f(a.ci95[1])}]</small>` : ''
      const cls = m.key === 'pnl_net_usd' ? (a.mean >= 0 ? ' class="pos"' : ' class="neg"') : ''
      return `<td${cls}>${f(a.mean)}${ci}</td>`
    })
    return `<tr><td class="name">${esc(v.name)}</td><td>${esc(v.scenario)}</td><td>${v.seeds.length}</td>${cells.join('')}</tr>`
  })
  return `<table class="metrics"><thead><tr><th>variant</th><th>scenario</th><th>seeds</th>${head.join('')}</tr></thead><tbody>${rows.join('')}</tbody></table>`
}

export function renderHtml(variants: readonly VariantSummary[], results: readonly JobResult[]): string {
  const scenarios = [...new Set(variants.map((v) => v.scenario))]
  const panels = scenarios.map((sc) => ({
    scenario: sc,
    variants: variants
      .filter((v) => v.scenario === sc)
      .flatMap((v) => {
        const mine = results.filter(
          (r) => r.job.variant.name === v.name && (r.job.replay ? `replay:${r.job.replay}` : r.job.scenario) === sc,
        )
        const charted = mine.find((r) => r.outcome.samples.length > 0)
        return charted ? [{ name: v.name, meanPnl: v.metrics.pnl_net_usd.mean, ...panelData(charted, mine) }] : []
      }),
  }))
  const first = results[0]?.job
  const params = first
    ? `${(first.durationMs / 3_600_000).toFixed(2)} simulated hours per run · ${results.length} runs`
    : ''
  const data = JSON.stringify({ panels }).replace(/</g, '\\u003c')
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>mm backtest report</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${uplotCss()}
body{font:14px/1.4 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px;color:#1d232b;background:#fafbfc}
h1{font-size:22px;margin:0 0 4px}h2{font-size:18px;margin:32px 0 8px;border-bottom:1px solid #d8dde3;padding-bottom:4px}
h3{font-size:15px;margin:0 0 6px}.sub{color:#5b6670;margin-bottom:16px}
table.metrics{border-collapse:collapse;font-size:12px;background:#fff;box-shadow:0 1px 2px #0001}
table.metrics th,table.metrics td{border:1px solid #e1e5ea;padding:4px 6px;text-align:right;vertical-align:top}
table.metrics th{background:#f1f3f6;font-weight:600}table.metrics td.name{text-align:left;font-weight:600;white-space:nowrap}
td.pos{color:#137333}td.neg{color:#b3261e}small{color:#6b7680}
.grid{display:grid;grid-template-columns:repeat(var(--cols),minmax(420px,1fr));gap:16px}
.card{background:#fff;border:1px solid #e1e5ea;border-radius:6px;padding:12px;box-shadow:0 1px 2px #0001;min-width:0}
.chart{margin:6px 0 14px}.chart .title{font-size:12px;font-weight:600;color:#3b4650;margin-bottom:2px}
.u-legend{font-size:11px}
</style></head><body>
<h1>mm backtest report</h1>
<div class="sub">${esc(params)} · PnL net of fees, inventory marked at the final mid, rewards estimated apart (protocol doc §5, §7.6)</div>
${metricsTable(variants)}
<div id="panels"></div>
<script id="mm-data" type="application/json">${data}</script>
<script>${uplotJs()}</script>
<script>${chartScript}</script>
</body></html>
`
}
