import type { Clock } from '../../../pipeline/clock.ts'
import type { Logger } from '../../../pipeline/logger.ts'
import type { PluginMetrics } from '../../../pipeline/metrics.ts'
import type { Market } from '../../../schemas/domain.ts'
import { connectionLiveness, connectionLost, connectionOpened } from './connection-events.ts'
import type { Liveness } from './freshness.ts'
import { restBookHash, wsBookHash } from './hash.ts'
import {
  APPLIED,
  applyChecked,
  crossedProblem,
  INCONSISTENT,
  levelProblem,
  levelTicks,
  topProblem,
} from './integrity.ts'
import { createIngestMetrics, type IngestCounters, zeroCounters } from './market-data-metrics.ts'
import { ASK, BID, type BookSideIndex } from './order-book.ts'
import { createRateLimitedLog } from './rate-limited-log.ts'
import { type BufferedChange, TokenBook } from './token-book.ts'
import {
  type BestBidAskEvent,
  type BookEvent,
  type BookSummary,
  type DecodeResult,
  decodeEvent,
  isDecimal,
  type LastTradeEvent,
  type MarketResolvedEvent,
  type PriceChangeEvent,
  PriceChangeNumbers,
  parseDecimal,
  readPriceChange,
  stated,
  type TickSizeChangeEvent,
  type WireLevel,
} from './wire.ts'

/**
 * The socket-free core of the clob-ws plugin: books per token, fed by `ingestFrame(text)` (what a connection
 * calls for every data frame, and what the benchmark calls directly), by REST snapshots, and by connection
 * events. Every change marks its market dirty. Counters on the hot path are plain numbers, flushed to
 * Prometheus by `tick()`, because a labelled prom-client inc costs more than applying a level.
 */

export interface MarketDataOptions {
  readonly clock: Clock
  readonly log: Logger
  readonly metrics: PluginMetrics
  markDirty(conditionId: string): void
  /** Ask for a REST /book snapshot of a token (non-blocking; results come back through applyRestSnapshot). */
  requestSnapshot(tokenId: string): void
  cancelSnapshot(tokenId: string): void
  readonly verifyHash: boolean
  readonly checkBestBidAsk: boolean
  readonly tradeWindowMs: number
  /** After (re)subscribing, how long to wait for the WS `book` dump before asking REST. */
  readonly snapshotWaitMs: number
  readonly logIntervalMs?: number
  /** A fresh book whose last agreement with the exchange is older than this reads as stale; 0: no bound. */
  readonly agreementMaxAgeMs?: number
}

export interface TrackDiff {
  readonly added: readonly Market[]
  readonly removed: readonly Market[]
}

export interface MarketData {
  /** Start, keep or drop books so that exactly these markets' tokens are kept. */
  track(markets: readonly Market[]): TrackDiff
  token(tokenId: string): TokenBook | undefined
  books(): IterableIterator<TokenBook>
  /** One WebSocket text frame: one event or an array of events; `now` is when it arrived. Never throws. */
  ingestFrame(text: string, now?: number): void
  /** The same, for a frame already parsed (benchmarks separate JSON.parse from the rest this way). */
  ingestParsed(parsed: unknown, now?: number): void
  applyRestSnapshot(tokenId: string, summary: BookSummary, raw: Record<string, unknown>): void
  snapshotStarted(tokenId: string): void
  snapshotFailed(tokenId: string, reason: string): void
  /** Tokens now served by `liveness` (a shard's connection). */
  attach(tokenIds: readonly string[], liveness: Liveness): void
  /** The connection opened: its books wait for the initial dump from now on. */
  connectionOpened(liveness: Liveness): void
  /** The connection dropped: its books must be re-seeded once it is back. */
  connectionLost(liveness: Liveness, reason: string): void
  /** Live ↔ stale on a connection: re-run its markets so quotes are pulled or restored. */
  markConnection(liveness: Liveness): void
  /** The REST /book audit found the book wrong (twice): re-seed it. */
  auditMismatch(tokenId: string, reason: string): void
  /** Periodic housekeeping: snapshot wait timeouts, agreement bounds, metrics. */
  tick(): void
  readonly counters: IngestCounters
}

function short(id: string): string {
  return id.length > 14 ? `${id.slice(0, 6)}…${id.slice(-6)}` : id
}

export function createMarketData(opts: MarketDataOptions): MarketData {
  const { clock, metrics } = opts
  const core = metrics.core
  const rl = createRateLimitedLog(opts.log, clock, opts.logIntervalMs ?? 10_000)
  const tokens = new Map<string, TokenBook>()
  const markets = new Map<string, Market>()
  const problem = { reason: '' }
  const nums = new PriceChangeNumbers()

  const counters = zeroCounters()
  const eventCounts = new Map<string, number>()
  /** price_change events counted apart: a Map update per frame costs more than the rest of the bookkeeping. */
  let priceChanges = 0
  const ingestMetrics = createIngestMetrics(metrics)
  const connDeps = {
    now: () => clock.now(),
    requestSnapshot: opts.requestSnapshot,
    cancelSnapshot: opts.cancelSnapshot,
    markDirty: opts.markDirty,
  }

  // ---- state changes --------------------------------------------------------------------------------------

  function invalidate(tb: TokenBook, reason: string): void {
    if (tb.status === 'resolved') return
    const wasFresh = tb.status === 'fresh'
    tb.status = 'invalid'
    tb.reason = reason
    tb.buffer = []
    tb.bufferOverflow = false
    core.seqGaps.inc({ token_id: tb.tokenId })
    rl.warn(`gap:${tb.tokenId}`, `book ${short(tb.tokenId)} invalid: ${reason}; re-seeding from REST /book`)
    if (wasFresh || tb.liveness.connected) opts.requestSnapshot(tb.tokenId)
    opts.markDirty(tb.conditionId)
  }

  /** Replace the book's levels; '' on success, else why the snapshot cannot be used. */
  function loadLevels(tb: TokenBook, bids: readonly WireLevel[], asks: readonly WireLevel[], tick: number): string {
    const book = tb.book
    if (tick !== book.tickSize) book.reset(tick)
    else book.clear()
    for (let s = 0; s < 2; s++) {
      const side = (s === 0 ? BID : ASK) as BookSideIndex
      for (const l of s === 0 ? bids : asks) {
        if (!stated(l.price) || !stated(l.size)) continue // "" or missing: no level (§7.6)
        const price = +l.price
        const t = levelTicks(book, price)
        if (t < 0) return `snapshot ${levelProblem(book, price)}`
        book.set(side, t, +l.size)
      }
      counters.levels += s === 0 ? bids.length : asks.length
    }
    const crossed = crossedProblem(book)
    return crossed === '' ? '' : `snapshot ${crossed}`
  }

  function seed(
    tb: TokenBook,
    bids: readonly WireLevel[],
    asks: readonly WireLevel[],
    tickStr: string | undefined,
    ts: number,
  ) {
    const tick = stated(tickStr) && +tickStr > 0 ? +tickStr : tb.book.tickSize
    const held = tb.buffer
    const overflow = tb.bufferOverflow
    tb.buffer = []
    tb.bufferOverflow = false
    const bad = loadLevels(tb, bids, asks, tick)
    const now = clock.now()
    tb.updatedAt = now
    if (bad !== '') {
      tb.book.clear()
      invalidate(tb, bad)
      return
    }
    tb.status = 'fresh'
    tb.reason = ''
    tb.seedEpoch++
    tb.agreedAt = now
    tb.seededTs = ts
    tb.serverTs = ts
    // Changes held during the reload go on top when not older than the snapshot. Sizes are absolute, so one
    // from the snapshot's own millisecond is harmless to re-apply; it is not checked, since the snapshot may
    // already include later changes of that millisecond.
    for (let i = 0; i < held.length; i++) {
      const c = held[i] as BufferedChange
      if (c.ts < ts) continue
      const outcome = applyChecked(tb.book, c.side, c.price, c.size, c.bestBid, c.bestAsk, c.ts > ts, problem)
      counters.levels++
      if (outcome !== APPLIED) {
        invalidate(tb, problem.reason)
        // What is not older than the failure waits for the next snapshot, the failing change included when real.
        for (let j = outcome === INCONSISTENT ? i : i + 1; j < held.length; j++) tb.hold(held[j] as BufferedChange)
        return
      }
      tb.serverTs = c.ts
    }
    if (overflow) invalidate(tb, 'more changes arrived during the reload than could be held')
  }

  // ---- events ---------------------------------------------------------------------------------------------

  /** The entries' numbers are in `nums`: readPriceChange filled it just before. */
  function onPriceChange(ev: PriceChangeEvent, now: number): void {
    const ts = nums.timestamp
    const list = ev.price_changes
    let marked = ''
    for (let i = 0; i < list.length; i++) {
      const e = list[i] as PriceChangeEvent['price_changes'][number]
      const tb = tokens.get(e.asset_id)
      if (tb === undefined) {
        unknownAsset(e.asset_id)
        continue
      }
      const side: BookSideIndex = e.side === 'BUY' ? BID : ASK
      const price = nums.price[i] as number
      const size = nums.size[i] as number
      const bestBid = nums.bid[i] as number
      const bestAsk = nums.ask[i] as number
      counters.levels++
      tb.wsEvents++
      if (Number.isNaN(price) || Number.isNaN(size)) {
        // No level stated (§7.6: "" is absent): nothing to apply, but a stated top must still agree.
        if (tb.status === 'fresh') {
          const reason = topProblem(tb.book, bestBid, bestAsk)
          if (reason !== '') invalidate(tb, reason)
        }
      } else if (tb.status === 'fresh') {
        const outcome = applyChecked(tb.book, side, price, size, bestBid, bestAsk, true, problem)
        if (tb.auditLog !== undefined) tb.recordForAudit(ts, side, price, size)
        if (outcome === APPLIED) {
          tb.serverTs = ts
          tb.updatedAt = now
        } else {
          invalidate(tb, problem.reason)
          // Applied but inconsistent: the change itself is real, keep it for the snapshot to build on.
          if (outcome === INCONSISTENT) tb.hold({ ts, side, price, size, bestBid, bestAsk })
        }
      } else if (tb.status !== 'resolved') {
        tb.hold({ ts, side, price, size, bestBid, bestAsk })
      }
      if (tb.conditionId !== marked) {
        marked = tb.conditionId
        opts.markDirty(marked)
      }
    }
  }

  function onBook(ev: BookEvent): void {
    const tb = tokens.get(ev.asset_id)
    if (tb === undefined) {
      unknownAsset(ev.asset_id)
      return
    }
    if (tb.status === 'resolved') return
    tb.wsEvents++
    const ts = +ev.timestamp
    if (ts < tb.minSnapshotTs && !onNewGrid(tb, ev.tick_size)) return // predates a tick_size_change
    if (opts.verifyHash && ev.hash !== undefined) checkHash(tb, ev.hash, wsBookHash(ev, tb.minOrderSize, tb.negRisk))
    opts.cancelSnapshot(tb.tokenId)
    seed(tb, ev.bids, ev.asks, ev.tick_size, ts)
    opts.markDirty(tb.conditionId)
  }

  function onTickSize(ev: TickSizeChangeEvent): void {
    const tb = tokens.get(ev.asset_id)
    if (tb === undefined) {
      unknownAsset(ev.asset_id)
      return
    }
    if (tb.status === 'resolved') return
    tb.wsEvents++
    // A new epoch: the old levels are on the old grid; drop them and take a snapshot from after the change. A new
    // tick not stated ("") is taken from that snapshot.
    if (stated(ev.new_tick_size)) tb.book.reset(+ev.new_tick_size)
    else tb.book.clear()
    tb.minSnapshotTs = +ev.timestamp
    tb.status = 'invalid'
    tb.reason = `tick size changed ${ev.old_tick_size || '?'} -> ${ev.new_tick_size || '?'}; re-seeding`
    tb.buffer = []
    tb.bufferOverflow = false
    tb.updatedAt = clock.now()
    opts.log.info(`book ${short(tb.tokenId)}: ${tb.reason}`)
    opts.requestSnapshot(tb.tokenId)
    opts.markDirty(tb.conditionId)
  }

  function onLastTrade(ev: LastTradeEvent, now: number): void {
    const tb = tokens.get(ev.asset_id)
    if (tb === undefined) {
      unknownAsset(ev.asset_id)
      return
    }
    if (!stated(ev.price) || !stated(ev.size)) return // a trade without its price or size tells nothing
    tb.tradeWindow.record(now, +ev.price, +ev.size, ev.side)
    opts.markDirty(tb.conditionId)
  }

  function onBestBidAsk(ev: BestBidAskEvent, now: number): void {
    const tb = tokens.get(ev.asset_id)
    if (tb === undefined) {
      unknownAsset(ev.asset_id)
      return
    }
    if (!opts.checkBestBidAsk || tb.status !== 'fresh' || +ev.timestamp < tb.serverTs) return
    const bid = ev.best_bid ? parseDecimal(ev.best_bid) : Number.NaN
    const ask = ev.best_ask ? parseDecimal(ev.best_ask) : Number.NaN
    const reason = topProblem(tb.book, bid, ask)
    if (reason !== '') invalidate(tb, `best_bid_ask event: ${reason}`)
    else tb.updatedAt = now
  }

  function onResolved(ev: MarketResolvedEvent): void {
    for (const id of ev.assets_ids) {
      const tb = tokens.get(id)
      if (tb === undefined) continue
      opts.cancelSnapshot(id)
      tb.status = 'resolved'
      tb.reason = `market resolved${ev.winning_outcome ? ` (${ev.winning_outcome})` : ''}`
      tb.buffer = []
      opts.log.info(`book ${short(id)}: ${tb.reason}; no more quotes`)
      opts.markDirty(tb.conditionId)
    }
  }

  /** A snapshot stamped before a tick_size_change is still usable when it is already on the new grid. */
  function onNewGrid(tb: TokenBook, tick: string | undefined): boolean {
    return tick !== undefined && +tick === tb.book.tickSize
  }

  function unknownAsset(id: string): void {
    counters.unknownAssets++
    rl.warn('unknown_asset', `market channel sent an event for untracked token ${short(id)}; ignored`)
  }

  function badEvent(r: Extract<DecodeResult, { ok: false }>): void {
    if (r.kind === 'unknown_event') {
      counters.unknownEvents++
      rl.warn(`unknown:${r.eventType}`, `market channel: ${r.message}; ignored`)
      return
    }
    counters.schemaErrors++
    rl.warn(`schema:${r.eventType}`, `market channel: bad ${r.eventType || 'event'} (${r.message}); ignored`)
    // A refused change may be one the book needed: books it names cannot be trusted until re-seeded.
    for (const id of r.assetIds) {
      const tb = tokens.get(id)
      if (tb !== undefined && tb.status === 'fresh') invalidate(tb, `refused a malformed ${r.eventType || 'event'}`)
    }
  }

  function checkHash(tb: TokenBook, feed: string, mine: string | undefined): void {
    if (mine === undefined) {
      counters.hashUnverifiable++
      return
    }
    if (mine === feed) {
      counters.hashMatch++
      return
    }
    counters.hashMismatch++
    rl.warn('hash', `book ${short(tb.tokenId)}: server hash ${feed} differs from the recomputed ${mine}`)
  }

  function ingestEvent(raw: unknown, now: number): void {
    counters.events++
    if (typeof raw === 'object' && raw !== null) {
      const o = raw as Record<string, unknown>
      const type = o.event_type
      if (type === 'price_change' && readPriceChange(o, nums)) {
        priceChanges++
        onPriceChange(o, now)
        return
      }
    }
    const r = decodeEvent(raw)
    if (!r.ok) {
      badEvent(r)
      return
    }
    const ev = r.event
    bump(ev.event_type)
    switch (ev.event_type) {
      case 'price_change':
        // Old formats, normalized by decodeEvent: read their numbers the same way.
        if (readPriceChange(ev as unknown as Record<string, unknown>, nums)) onPriceChange(ev, now)
        return
      case 'book':
        onBook(ev)
        return
      case 'tick_size_change':
        onTickSize(ev)
        return
      case 'last_trade_price':
        onLastTrade(ev, now)
        return
      case 'best_bid_ask':
        onBestBidAsk(ev, now)
        return
      case 'market_resolved':
        onResolved(ev)
        return
      case 'new_market':
        return
    }
  }

  function ingestParsed(parsed: unknown, now: number): void {
    if (Array.isArray(parsed)) for (let i = 0; i < parsed.length; i++) ingestEvent(parsed[i], now)
    else ingestEvent(parsed, now)
  }

  function bump(type: string): void {
    eventCounts.set(type, (eventCounts.get(type) ?? 0) + 1)
  }

  function flushMetrics(now: number): void {
    eventCounts.set('price_change', (eventCounts.get('price_change') ?? 0) + priceChanges)
    priceChanges = 0
    ingestMetrics.flush(now, counters, eventCounts, tokens.values())
  }

  function forget(tb: TokenBook): void {
    opts.cancelSnapshot(tb.tokenId)
    ingestMetrics.forget(tb.tokenId)
  }

  return {
    counters,
    track(next) {
      const now = clock.now()
      const wanted = new Map<string, Market>()
      for (const m of next) wanted.set(m.conditionId, m)
      const added: Market[] = []
      const removed: Market[] = []
      for (const [id, m] of markets) {
        if (wanted.has(id)) continue
        removed.push(m)
        markets.delete(id)
        for (const t of [m.yesTokenId, m.noTokenId]) {
          const tb = tokens.get(t)
          if (tb) forget(tb)
          tokens.delete(t)
        }
      }
      for (const [id, m] of wanted) {
        const known = markets.get(id)
        markets.set(id, m)
        if (known) {
          for (const t of [m.yesTokenId, m.noTokenId]) {
            const tb = tokens.get(t)
            if (tb) {
              tb.minOrderSize = m.minOrderSize
              tb.negRisk = m.negRisk
            }
          }
          continue
        }
        added.push(m)
        for (const t of [m.yesTokenId, m.noTokenId]) {
          const tb = new TokenBook(t, m.conditionId, m, now, opts.tradeWindowMs, clock.now)
          tb.agreementMaxAgeMs = opts.agreementMaxAgeMs ?? 0
          tokens.set(t, tb)
        }
      }
      return { added, removed }
    },
    token: (id) => tokens.get(id),
    books: () => tokens.values(),
    ingestFrame(text, arrivedAt) {
      counters.frames++
      let parsed: unknown
      try {
        parsed = JSON.parse(text)
      } catch {
        counters.jsonErrors++
        rl.warn('json', `market channel sent a frame that is not JSON (${text.length} bytes): ${text.slice(0, 80)}`)
        return
      }
      ingestParsed(parsed, arrivedAt ?? clock.now())
    },
    ingestParsed(parsed, arrivedAt) {
      ingestParsed(parsed, arrivedAt ?? clock.now())
    },
    applyRestSnapshot(tokenId, summary, raw) {
      const tb = tokens.get(tokenId)
      if (tb === undefined || tb.status === 'resolved' || tb.status === 'fresh') return
      const ts = +summary.timestamp
      if (ts < tb.minSnapshotTs && !onNewGrid(tb, summary.tick_size)) {
        tb.status = 'invalid'
        tb.reason = 'REST /book predates the tick size change; asking again'
        opts.requestSnapshot(tokenId)
        return
      }
      if (opts.verifyHash && summary.hash !== undefined) checkHash(tb, summary.hash, restBookHash(raw))
      if (stated(summary.min_order_size) && isDecimal(summary.min_order_size)) tb.minOrderSize = +summary.min_order_size
      if (summary.neg_risk !== undefined) tb.negRisk = summary.neg_risk
      core.snapshotReloads.inc({ token_id: tokenId })
      seed(tb, summary.bids, summary.asks, summary.tick_size, ts)
      opts.markDirty(tb.conditionId)
    },
    snapshotStarted(tokenId) {
      const tb = tokens.get(tokenId)
      if (tb === undefined || tb.status === 'fresh' || tb.status === 'resolved') return
      tb.status = 'reloading'
    },
    snapshotFailed(tokenId, reason) {
      const tb = tokens.get(tokenId)
      if (tb === undefined) return
      ingestMetrics.reloadFailed(tokenId)
      rl.warn(`reload:${tokenId}`, `book ${short(tokenId)}: ${reason}; retrying`)
      if (tb.status === 'reloading') {
        tb.status = 'invalid'
        tb.reason = `${reason}; retrying`
      }
    },
    attach(tokenIds, liveness) {
      for (const id of tokenIds) {
        const tb = tokens.get(id)
        if (tb) tb.liveness = liveness
      }
    },
    connectionOpened: (liveness) => connectionOpened(tokens.values(), liveness, connDeps),
    connectionLost: (liveness, reason) => connectionLost(tokens.values(), liveness, reason, connDeps),
    markConnection: (liveness) => connectionLiveness(tokens.values(), liveness, connDeps),
    auditMismatch(tokenId, reason) {
      const tb = tokens.get(tokenId)
      if (tb === undefined || tb.status !== 'fresh') return
      invalidate(tb, `REST /book audit: ${reason}`)
    },
    tick() {
      const now = clock.now()
      for (const tb of tokens.values()) {
        const expired = tb.status === 'fresh' && tb.agreementTooOld()
        if (expired !== tb.agreementExpired) {
          tb.agreementExpired = expired
          if (expired) rl.warn(`agreement:${tb.tokenId}`, `book ${short(tb.tokenId)} not fresh: ${tb.stateReason}`)
          opts.markDirty(tb.conditionId)
        }
        if (
          tb.status === 'awaiting' &&
          tb.liveness.connected &&
          !tb.reseedWhenLive &&
          now - tb.awaitingSince >= opts.snapshotWaitMs
        ) {
          opts.requestSnapshot(tb.tokenId)
        }
      }
      flushMetrics(now)
    },
  }
}
