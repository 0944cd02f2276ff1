import type { BookView, Level } from '../../schemas/domain.ts'
import type { Daemon } from '../daemon.ts'

const lvl = (l: Level | undefined) => (l ? { price: l.price, size: l.size } : null)

function bookStatus(b: BookView | undefined, now: number) {
  if (!b) return null
  return {
    token_id: b.tokenId,
    state: b.state,
    reason: b.stateReason || undefined,
    best_bid: lvl(b.bestBid()),
    best_ask: lvl(b.bestAsk()),
    tick_size: b.tickSize,
    age_ms: now - b.updatedAt,
  }
}

/** A book plugin's own check of its books against the exchange (clob-ws: the REST /book audit), when it has one. */
function auditOf(handler: object): unknown {
  const audit = (handler as { audit?: unknown }).audit
  return typeof audit === 'function' ? audit.call(handler) : undefined
}

/** GET /status: per market its books, fair value, quote, orders, position, PnL and risk; plus connections. */
export function buildStatus(daemon: Daemon) {
  const p = daemon.current()
  const execution = p.execute.handler.status?.()
  const waiting = new Map((execution?.waiting ?? []).map((w) => [w.conditionId, w]))
  const books = new Map([...p.book.handler.books()].map((b) => [b.tokenId, b]))
  const now = daemon.clock.now()
  const markets = daemon.universe.markets().map((m) => {
    const q = daemon.quotes.state(m.conditionId)
    const pos = daemon.account.position(m)
    const fair = q?.fair
    return {
      condition_id: m.conditionId,
      question: m.question,
      tick_size: m.tickSize,
      yes: bookStatus(books.get(m.yesTokenId), now),
      no: bookStatus(books.get(m.noTokenId), now),
      fair_value: fair ?? null,
      sigma: q?.sigma ?? null,
      quote: q?.pulledFor === undefined ? (q?.quote ?? null) : null,
      pulled_for: q?.pulledFor ?? null,
      /** Estimated liquidity-rewards score of the current quotes (Q_min, against the size-adjusted mid). */
      rewards_score: q?.pulledFor === undefined && q?.rewardsScore ? q.rewardsScore : null,
      risk: q?.verdict ? { state: q.verdict.state, reason: q.verdict.reason } : null,
      orders: p.execute.handler.liveOrders(m.conditionId),
      /** Orders of this market held back by the signer's rate budget, and for how long yet. */
      waiting_for_budget: waiting.get(m.conditionId) ?? null,
      position: { yes_shares: pos.yes.shares, no_shares: pos.no.shares, net_yes: pos.q },
      pnl: {
        realized_usd: pos.yes.realizedPnl + pos.no.realizedPnl,
        unrealized_usd: fair === undefined ? null : daemon.account.unrealized(m, fair),
      },
    }
  })
  return {
    generation: p.generation,
    config_hash: p.loaded.hash,
    dry_run: daemon.dryRun,
    exchange: daemon.exchange.endpoints.kind,
    connections: Object.fromEntries([...daemon.health.components].map(([k, v]) => [k, v])),
    /** The operator's pauses and halt (POST /control/*). */
    holds: daemon.holds.state(),
    /** The exchange's mode, the signer's token buckets (tier, tokens left) and the markets waiting for them. */
    execution: execution ?? null,
    book_audit: auditOf(p.book.handler) ?? null,
    markets,
  }
}
