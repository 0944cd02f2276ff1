import { type CapsStatus, isCapsHandler } from '../../plugins/risk/caps/index.ts'
import type { BookView, Fill, Market } from '../../schemas/domain.ts'
import type { Daemon } from '../daemon.ts'

/**
 * What the dashboard shows, built from the daemon's own state: one snapshot when a page connects, then one
 * market row or account line at a time as the event bus reports changes. Figures keep the units of the rest of
 * the daemon: prices in (0, 1), sizes in shares, money in USD.
 */

const top = (b: BookView | undefined) => ({
  bid: b?.bestBid()?.price ?? null,
  bid_size: b?.bestBid()?.size ?? null,
  ask: b?.bestAsk()?.price ?? null,
  ask_size: b?.bestAsk()?.size ?? null,
  state: b?.state ?? 'absent',
})

function capsStatus(daemon: Daemon): CapsStatus | undefined {
  for (const r of daemon.current().risk) if (isCapsHandler(r.handler)) return r.handler.status()
  return undefined
}

/** Outcome names of a market: Yes/No unless its selection said otherwise. */
export function outcomeOf(market: Market, tokenId: string): 'YES' | 'NO' | undefined {
  if (tokenId === market.yesTokenId) return 'YES'
  if (tokenId === market.noTokenId) return 'NO'
  return undefined
}

export function marketRow(daemon: Daemon, market: Market, caps = capsStatus(daemon)) {
  const p = daemon.current()
  const books = new Map([...p.book.handler.books()].map((b) => [b.tokenId, b]))
  const yes = books.get(market.yesTokenId)
  const no = books.get(market.noTokenId)
  const q = daemon.quotes.state(market.conditionId)
  const pos = daemon.account.position(market)
  const fair = q?.fair
  const mid = (b: BookView | undefined) => {
    const bid = b?.bestBid()?.price
    const ask = b?.bestAsk()?.price
    return bid !== undefined && ask !== undefined ? (bid + ask) / 2 : null
  }
  const riskOfMarket = caps?.markets.find((m) => m.conditionId === market.conditionId)
  const realized = pos.yes.realizedPnl + pos.no.realizedPnl
  const unrealized = fair === undefined ? null : daemon.account.unrealized(market, fair)
  const held = daemon.holds.reasonFor(market.conditionId)
  return {
    condition_id: market.conditionId,
    question: market.question,
    tick_size: market.tickSize,
    /** Outcome prices: the YES fair value and its complement, else the book mids. */
    prices: { yes: fair ?? mid(yes), no: fair === undefined ? mid(no) : 1 - fair },
    yes: top(yes),
    no: top(no),
    fair_value: fair ?? null,
    quote: q?.pulledFor === undefined && q?.quote ? { bid: q.quote.bid, ask: q.quote.ask } : null,
    orders: p.execute.handler.liveOrders(market.conditionId).map((o) => ({
      outcome: outcomeOf(market, o.tokenId) ?? '?',
      side: o.side,
      price: o.price,
      size: o.size,
      filled: o.filled,
      status: o.status,
    })),
    position: { yes: pos.yes.shares, no: pos.no.shares, net_yes: pos.q },
    pnl: { realized_usd: realized, unrealized_usd: unrealized, total_usd: realized + (unrealized ?? 0) },
    exposure_usd: riskOfMarket?.exposureUsd ?? null,
    risk: q?.verdict
      ? { state: q.verdict.state, reason: q.verdict.reason }
      : riskOfMarket
        ? { state: riskOfMarket.state, reason: riskOfMarket.reason }
        : null,
    pulled_for: q?.pulledFor ?? null,
    paused: held !== undefined,
  }
}

export type MarketRow = ReturnType<typeof marketRow>

async function metricValue(daemon: Daemon, name: string): Promise<number | null> {
  const m = await daemon.registry.getSingleMetric(name)?.get()
  if (!m || m.values.length === 0) return null
  return m.values.reduce((sum, v) => sum + v.value, 0)
}

/** Whatever the executor reports about itself (rate budget, deferred requotes), when it reports anything. */
function executorStatus(daemon: Daemon): unknown {
  const h = daemon.current().execute.handler as { status?: () => unknown }
  if (typeof h.status !== 'function') return null
  try {
    return h.status()
  } catch {
    return null
  }
}

export async function accountTotals(daemon: Daemon) {
  const caps = capsStatus(daemon)
  const rows = daemon.universe.markets().map((m) => marketRow(daemon, m, caps))
  const dayStart = Math.floor(daemon.clock.now() / 86_400_000) * 86_400_000
  const exposure = caps ? caps.markets.reduce((s, m) => s + Math.abs(m.exposureUsd), 0) : null
  return {
    pusd_free: await metricValue(daemon, 'mm_collateral_free_usd'),
    exposure_usd: exposure,
    daily_pnl_usd: caps?.daily?.pnlUsd ?? daemon.account.realizedSince(dayStart),
    loss_limit_usd: caps?.daily?.limitUsd ?? null,
    daily_halt: caps?.daily?.halted?.reason ?? null,
    risk_state: caps?.state ?? null,
    risk_reason: caps?.reason ?? null,
    session_pnl_usd: rows.reduce((s, r) => s + r.pnl.total_usd, 0),
    net_inventory_shares: rows.reduce((s, r) => s + Math.abs(r.position.net_yes), 0),
    rate: {
      rate_limited_total: await metricValue(daemon, 'mm_rate_limited_total'),
      executor: executorStatus(daemon),
    },
  }
}

export function connectionsOf(daemon: Daemon) {
  return [...daemon.health.components].map(([name, c]) => ({ name, up: c.up, reason: c.reason, since: c.since }))
}

export function fillRow(daemon: Daemon, fill: Fill) {
  const market = daemon.universe.markets().find((m) => m.conditionId === fill.conditionId)
  return {
    /** One row per fill: a status change (MATCHED → MINED → CONFIRMED) updates it. */
    key: `${fill.tradeId}/${fill.orderId}`,
    at: fill.timestamp,
    trade_id: fill.tradeId,
    question: market?.question ?? fill.conditionId,
    condition_id: fill.conditionId,
    outcome: market ? (outcomeOf(market, fill.tokenId) ?? '?') : '?',
    side: fill.side,
    price: fill.price,
    size: fill.size,
    fee_usd: fill.feeUsd,
    role: fill.role,
    status: fill.status,
  }
}

export async function snapshot(daemon: Daemon) {
  const p = daemon.current()
  const caps = capsStatus(daemon)
  return {
    mode: p.loaded.config.mode,
    exchange: daemon.exchange.endpoints.kind,
    dry_run: daemon.dryRun,
    generation: p.generation,
    started_at: daemon.startedAt,
    now: daemon.clock.now(),
    connections: connectionsOf(daemon),
    holds: daemon.holds.state(),
    markets: daemon.universe.markets().map((m) => marketRow(daemon, m, caps)),
    account: await accountTotals(daemon),
  }
}
