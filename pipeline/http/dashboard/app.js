// The mm dashboard: one EventSource on /events (the daemon's event bus), no polling. The chart and the controls
// are modules of their own.
import { renderChart as drawChart } from './chart.js'
import { mountControls } from './controls.js'

const state = {
  markets: new Map(),
  order: [],
  fills: [],
  samples: [],
  account: null,
  holds: { halted: null, allPaused: false, paused: [] },
  startedAt: 0,
  feed: 'connecting',
}

const $ = (id) => document.getElementById(id)
const esc = (s) =>
  String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c])
const px = (p) => (p === null || p === undefined ? '–' : Number(p).toFixed(3).replace(/0$/, ''))
const sz = (n) =>
  n === null || n === undefined
    ? '–'
    : Number(n) >= 1000
      ? `${(n / 1000).toFixed(1)}k`
      : Number(n).toFixed(n % 1 ? 1 : 0)
const usd = (n) => (n === null || n === undefined ? '–' : `${n < 0 ? '−' : ''}$${Math.abs(n).toFixed(2)}`)
const signed = (n) =>
  n === null || n === undefined ? '–' : `${n > 0 ? '+' : n < 0 ? '−' : ''}${Math.abs(n).toFixed(2)}`
const cls = (n) => (n > 0.005 ? 'pos' : n < -0.005 ? 'neg' : '')
const time = (ms) => new Date(ms).toLocaleTimeString([], { hour12: false })

// ---- feed -----------------------------------------------------------------------------------------------------

let source = null
let retryTimer = null

function setFeed(feed, text) {
  state.feed = feed
  $('conn-state').textContent = text
  $('conn-dot').className = `dot ${feed}`
  document.body.dataset.feed = feed
  const banner = $('banner')
  if (feed === 'stopping' || feed === 'reconnecting') {
    banner.hidden = false
    banner.textContent =
      feed === 'stopping'
        ? 'The daemon is stopping (cancelling every order). This page reconnects when a daemon is up again.'
        : 'No daemon answering. Reconnecting…'
  } else banner.hidden = true
}

function connect() {
  clearTimeout(retryTimer)
  source?.close()
  source = new EventSource('/events')
  source.addEventListener('snapshot', (e) => {
    applySnapshot(JSON.parse(e.data))
    setFeed('live', 'live')
  })
  source.addEventListener('market', (e) => {
    const m = JSON.parse(e.data)
    state.markets.set(m.condition_id, m)
    renderMarket(m)
  })
  source.addEventListener('markets', (e) => {
    setMarkets(JSON.parse(e.data))
    renderMarkets()
  })
  source.addEventListener('fill', (e) => {
    const fill = JSON.parse(e.data)
    const at = state.fills.findIndex((f) => f.key === fill.key)
    if (at >= 0) state.fills[at] = fill
    else state.fills.unshift(fill)
    state.fills.length = Math.min(state.fills.length, 50)
    renderFills()
  })
  source.addEventListener('account', (e) => {
    state.account = JSON.parse(e.data)
    renderAccount()
  })
  source.addEventListener('connections', (e) => renderConnections(JSON.parse(e.data)))
  source.addEventListener('holds', (e) => {
    state.holds = JSON.parse(e.data)
    renderHolds()
  })
  source.addEventListener('sample', (e) => {
    state.samples.push(JSON.parse(e.data))
    if (state.samples.length > 1800) state.samples.shift()
    renderChart()
  })
  source.addEventListener('stopping', () => {
    setFeed('stopping', 'stopping')
    source.close()
    retryTimer = setTimeout(connect, 1000)
  })
  source.onerror = () => {
    // A daemon restarting answers 503 or nothing: the browser gives up on such a stream, so reconnect here.
    if (source.readyState === EventSource.CLOSED || state.feed !== 'live') {
      source.close()
      if (state.feed !== 'stopping') setFeed('reconnecting', 'reconnecting…')
      retryTimer = setTimeout(connect, 1000)
    } else if (state.feed === 'live') setFeed('reconnecting', 'reconnecting…')
  }
}

function setMarkets(list) {
  state.markets = new Map(list.map((m) => [m.condition_id, m]))
  state.order = list.map((m) => m.condition_id)
}

function applySnapshot(s) {
  setMarkets(s.markets)
  state.fills = s.fills
  state.samples = s.samples
  state.account = s.account
  state.holds = s.holds
  state.startedAt = s.started_at
  $('mode').textContent = s.dry_run ? `${s.mode} · dry run` : s.mode
  $('mode').className = `badge ${s.mode}`
  $('exchange').textContent =
    `${s.exchange === 'sim' ? 'embedded simulator' : 'Polymarket'} · config generation ${s.generation}`
  renderConnections(s.connections)
  renderMarkets()
  renderFills()
  renderAccount()
  renderHolds()
  renderChart()
}

// ---- rendering ------------------------------------------------------------------------------------------------

function renderConnections(list) {
  $('connections').innerHTML =
    list.length === 0
      ? '<span class="chip">no connections reported yet</span>'
      : list
          .map(
            (c) =>
              `<span class="chip ${c.up ? 'up' : 'down'}" title="${esc(c.reason || '')}"><i></i>${esc(c.name)} ${c.up ? 'up' : `down${c.reason ? `: ${esc(c.reason)}` : ''}`}</span>`,
          )
          .join('')
}

function bookCell(b) {
  if (!b || b.state === 'absent') return '<span class="muted">no book</span>'
  const stale = b.state !== 'fresh' ? ` <span class="tag warn">${esc(b.state)}</span>` : ''
  return `<span class="bid">${px(b.bid)}</span><span class="muted">×${sz(b.bid_size)}</span> <span class="ask">${px(b.ask)}</span><span class="muted">×${sz(b.ask_size)}</span>${stale}`
}

function ordersCell(orders) {
  if (orders.length === 0) return '<span class="muted">none</span>'
  const shown = orders
    .slice()
    .sort((a, b) => (a.outcome + a.side).localeCompare(b.outcome + b.side) || b.price - a.price)
    .slice(0, 4)
    .map(
      (o) =>
        `<span class="ord ${o.side === 'BUY' ? 'buy' : 'sell'}">${o.side} ${o.outcome} ${sz(o.size)}@${px(o.price)}</span>`,
    )
  const more = orders.length > 4 ? `<span class="muted">+${orders.length - 4} more</span>` : ''
  return `<div class="muted">${orders.length} resting</div><div class="ords">${shown.join('')}${more}</div>`
}

function riskCell(m) {
  const state = m.paused ? 'PAUSED' : (m.risk?.state ?? '–')
  const why = m.pulled_for ?? (m.risk && m.risk.state !== 'ACTIVE' ? m.risk.reason : '')
  return `<span class="tag ${state.toLowerCase()}">${esc(state)}</span>${why ? `<div class="why">${esc(why)}</div>` : ''}`
}

function rowHtml(m) {
  const q = m.quote
    ? `<span class="bid">${px(m.quote.bid)}</span> / <span class="ask">${px(m.quote.ask)}</span>`
    : '<span class="muted">pulled</span>'
  const pos = m.position
  return `
    <td class="q"><div class="question">${esc(m.question)}</div><div class="cid muted">${esc(m.condition_id.slice(0, 10))}…</div></td>
    <td class="num">${px(m.prices.yes)} / ${px(m.prices.no)}</td>
    <td class="num">${bookCell(m.yes)}</td>
    <td class="num">${bookCell(m.no)}</td>
    <td class="num">${px(m.fair_value)}</td>
    <td class="num">${q}</td>
    <td class="orders">${ordersCell(m.orders)}</td>
    <td class="num">Y ${sz(pos.yes)} · N ${sz(pos.no)}<div class="muted">net ${signed(pos.net_yes)}</div></td>
    <td class="num ${cls(m.pnl.total_usd)}">${usd(m.pnl.total_usd)}<div class="muted">real. ${usd(m.pnl.realized_usd)}</div></td>
    <td class="risk">${riskCell(m)}</td>
    <td><button type="button" class="small" data-market="${esc(m.condition_id)}" data-action="${m.paused ? 'resume' : 'pause'}">${m.paused ? 'Resume' : 'Pause'}</button></td>`
}

function renderMarket(m) {
  const row = document.querySelector(`tr[data-market="${CSS.escape(m.condition_id)}"]`)
  if (!row) return renderMarkets()
  row.innerHTML = rowHtml(m)
  row.className = m.quote ? '' : 'pulled'
}

function renderMarkets() {
  const body = $('markets').querySelector('tbody')
  const list = state.order.map((id) => state.markets.get(id)).filter(Boolean)
  $('market-count').textContent = `${list.length} traded · ${list.filter((m) => m.quote).length} quoting`
  body.innerHTML =
    list.length === 0
      ? '<tr><td colspan="11" class="muted">no markets selected</td></tr>'
      : list
          .map((m) => `<tr data-market="${esc(m.condition_id)}" class="${m.quote ? '' : 'pulled'}">${rowHtml(m)}</tr>`)
          .join('')
}

function renderFills() {
  const body = $('fills').querySelector('tbody')
  body.innerHTML =
    state.fills.length === 0
      ? '<tr><td colspan="9" class="muted">no fills this session yet</td></tr>'
      : state.fills
          .slice(0, 15)
          .map(
            (f) => `<tr>
      <td class="num">${time(f.at)}</td><td>${esc(f.question)}</td><td><span class="tag">${esc(f.outcome)}</span></td>
      <td class="${f.side === 'BUY' ? 'bid' : 'ask'}">${f.side}</td><td class="num">${px(f.price)}</td><td class="num">${sz(f.size)}</td>
      <td class="num">${usd(f.fee_usd)}</td><td class="muted">${esc(f.role)}</td><td class="muted">${esc(f.status)}</td></tr>`,
          )
          .join('')
}

function renderAccount() {
  const a = state.account
  if (!a) return
  $('a-pusd').textContent = usd(a.pusd_free)
  $('a-exposure').textContent = usd(a.exposure_usd)
  $('a-session').textContent = usd(a.session_pnl_usd)
  $('a-session').className = `value ${cls(a.session_pnl_usd)}`
  $('a-inventory').textContent = `${sz(a.net_inventory_shares)} sh`
  const daily = $('a-daily')
  daily.innerHTML = `<span class="${cls(a.daily_pnl_usd)}">${usd(a.daily_pnl_usd)}</span>${a.loss_limit_usd ? ` <span class="limit muted">of −$${a.loss_limit_usd.toFixed(0)} limit</span>` : ''}`
  const used = a.loss_limit_usd ? Math.min(1, Math.max(0, -a.daily_pnl_usd / a.loss_limit_usd)) : 0
  $('a-daily-bar').style.width = `${(used * 100).toFixed(1)}%`
  $('a-daily-bar').className = used > 0.75 ? 'hot' : used > 0.4 ? 'warm' : ''
  const risk = a.daily_halt ? 'HALTED' : (a.risk_state ?? '–')
  $('a-risk').innerHTML =
    `<span class="tag ${risk.toLowerCase()}">${esc(risk)}</span>${a.daily_halt ? `<div class="why">${esc(a.daily_halt)}</div>` : ''}`
  renderRate(a.rate)
  if (state.startedAt) $('uptime').textContent = `up ${Math.round((Date.now() - state.startedAt) / 60000)} min`
}

function flatten(obj, prefix = '') {
  if (obj === null || typeof obj !== 'object') return [[prefix, obj]]
  return Object.entries(obj).flatMap(([k, v]) => flatten(v, prefix ? `${prefix}.${k}` : k))
}

function renderRate(rate) {
  const rows = [['exchange 429 answers', rate?.rate_limited_total ?? 0]]
  if (rate?.executor) for (const [k, v] of flatten(rate.executor)) rows.push([k.replace(/_/g, ' '), v])
  $('rate').innerHTML = `<table class="kv">${rows
    .map(
      ([k, v]) => `<tr><th>${esc(k)}</th><td class="num">${esc(typeof v === 'number' ? +v.toFixed(3) : v)}</td></tr>`,
    )
    .join(
      '',
    )}</table>${rate?.executor ? '' : '<p class="muted small">The executor reports no per-signer budget or deferred requotes yet; they appear here when it does.</p>'}`
}

function renderHolds() {
  const h = state.holds
  const notice = $('notice')
  const text = h.halted
    ? `HALTED by the operator (${h.halted}): every order cancelled. “Resume all” lifts it.`
    : h.allPaused
      ? 'All quoting paused by the operator. “Resume all” lifts it.'
      : h.paused.length > 0
        ? `${h.paused.length} market${h.paused.length > 1 ? 's' : ''} paused by the operator.`
        : ''
  notice.hidden = text === ''
  notice.textContent = text
  notice.className = `notice ${h.halted ? 'halted' : ''}`
}

const renderChart = () => drawChart(state.samples)

mountControls(renderHolds)

setInterval(() => {
  if (state.startedAt && state.feed === 'live')
    $('uptime').textContent = `up ${Math.round((Date.now() - state.startedAt) / 60000)} min`
}, 30_000)

connect()
