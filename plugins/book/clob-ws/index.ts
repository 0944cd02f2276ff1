import { z } from 'zod'
import { definePlugin } from '../../../pipeline/define-plugin.ts'
import { DurationSchema } from '../../../schemas/duration.ts'
import { type BookHandler, pull } from '../../../stages/io.ts'
import { auditPassBoundMs, type BookAudit, type BookAuditStatus, createBookAudit } from './audit.ts'
import { type Connection, createConnection } from './connection.ts'
import { createMarketData, type MarketData } from './market-data.ts'
import { createOpenGate } from './open-gate.ts'
import { createShards } from './shards.ts'
import { createSnapshotFetcher } from './snapshot.ts'

export type { BookAuditStatus } from './audit.ts'
export type { ClobBookView } from './token-book.ts'

export const ClobWsConfigSchema = z
  .strictObject({
    ping_interval: DurationSchema.prefault('10s').describe('How often the text PING is sent on each connection'),
    stale_after: DurationSchema.prefault('15s').describe(
      'Books are stale (no quotes) once their connection has been silent this long; a PONG counts as data',
    ),
    dead_after: DurationSchema.prefault('30s').describe(
      'A connection silent this long (no PONG, no data) is dropped and reconnected',
    ),
    max_tokens_per_connection: z
      .int()
      .min(2)
      .max(500)
      .default(200)
      .describe(
        'Tokens per WebSocket connection before another connection (shard) is opened; production limits a market socket to about 500',
      ),
    connect_stagger: DurationSchema.prefault('500ms').describe(
      'Least time between two socket opens, across all connections (at start and after a mass reconnect); 0 opens at once',
    ),
    backoff_min: DurationSchema.prefault('250ms').describe('First reconnect delay'),
    backoff_max: DurationSchema.prefault('10s').describe(
      'Reconnect delay cap (the delay doubles per failed attempt); also the longest a dropped socket keeps its books out',
    ),
    backoff_reset_after: DurationSchema.prefault('5s').describe(
      'A connection up this long counts as healthy: the next reconnect starts from backoff_min again',
    ),
    snapshot_wait: DurationSchema.prefault('5s').describe(
      'After (re)subscribing, how long to wait for the WS book dump before fetching REST /book',
    ),
    reseed_timeout: DurationSchema.prefault('10s').describe('Timeout of one REST /book request'),
    reseed_concurrency: z.int().min(1).max(64).default(4).describe('REST /book requests in flight at once'),
    verify_hash: z
      .boolean()
      .default(true)
      .describe('Recompute the server book hash on book events and count mismatches'),
    check_best_bid_ask: z
      .boolean()
      .default(true)
      .describe('Re-seed a book whose top disagrees with a best_bid_ask event'),
    trade_window: DurationSchema.prefault('60s').describe('Window of the rolling trade statistics'),
    audit_rate: z
      .number()
      .min(0)
      .max(150)
      .default(5)
      .describe(
        'REST /book audits of fresh books per second, a share of the /book limit (1,500 per 10 s); 0 turns the audit off',
      ),
    audit_every: DurationSchema.prefault('10s').describe('Least time between two audits of one book'),
    audit_grace: DurationSchema.prefault('1s').describe(
      'After a REST /book answer, how long to wait for changes still on their way before comparing',
    ),
    audit_max_age: DurationSchema.prefault('120s').describe(
      'A book whose last agreement with the exchange (an agreeing audit or a snapshot) is older than this is not fresh, so its market is not quoted',
    ),
  })
  .superRefine((c, ctx) => {
    if (c.ping_interval >= c.stale_after) {
      ctx.addIssue({ code: 'custom', path: ['stale_after'], message: 'stale_after must be longer than ping_interval' })
    }
    if (c.stale_after > c.dead_after) {
      ctx.addIssue({ code: 'custom', path: ['dead_after'], message: 'dead_after must be at least stale_after' })
    }
    if (c.audit_rate > 0 && c.audit_every + c.audit_grace + c.reseed_timeout >= c.audit_max_age) {
      ctx.addIssue({
        code: 'custom',
        path: ['audit_max_age'],
        message: 'audit_max_age must be longer than audit_every + audit_grace + reseed_timeout',
      })
    }
    if (c.backoff_min > c.backoff_max) {
      ctx.addIssue({ code: 'custom', path: ['backoff_max'], message: 'backoff_max must be at least backoff_min' })
    }
  })
export type ClobWsConfig = z.infer<typeof ClobWsConfigSchema>

/** How often connections are checked and metrics flushed. */
const TICK_MS = 1000

export function marketChannelUrl(wsBase: string): string {
  return `${wsBase.replace(/\/+$/, '')}/market`
}

export default definePlugin({
  name: 'clob-ws',
  stage: 'book',
  summary: 'L2 books per token from the CLOB market WebSocket, checked against the feed and re-seeded from REST /book.',
  config: ClobWsConfigSchema,
  examples: [
    { title: 'defaults', with: {} },
    { title: 'smaller shards, faster staleness', with: { max_tokens_per_connection: 100, stale_after: '12s' } },
  ],
  create(cfg, ctx) {
    const { clock, log } = ctx
    const core = ctx.metrics.core
    const url = marketChannelUrl(ctx.resources.exchange.wsUrl)
    const health = ctx.resources.health
    let stopped = false

    const fetcher = createSnapshotFetcher({
      clobUrl: ctx.resources.exchange.clobUrl,
      clock,
      timeoutMs: cfg.reseed_timeout,
      concurrency: cfg.reseed_concurrency,
      signal: ctx.signal,
      onStart: (id) => data.snapshotStarted(id),
      onSnapshot: (id, summary, raw) => data.applyRestSnapshot(id, summary, raw),
      onFailure: (id, reason) => data.snapshotFailed(id, reason),
    })

    const data: MarketData = createMarketData({
      clock,
      log,
      metrics: ctx.metrics,
      markDirty: (id) => ctx.markDirty(id),
      requestSnapshot: (id) => fetcher.request(id),
      cancelSnapshot: (id) => fetcher.cancel(id),
      verifyHash: cfg.verify_hash,
      checkBestBidAsk: cfg.check_best_bid_ask,
      tradeWindowMs: cfg.trade_window,
      snapshotWaitMs: cfg.snapshot_wait,
      agreementMaxAgeMs: cfg.audit_rate > 0 ? cfg.audit_max_age : 0,
    })

    const auditTimings = {
      ratePerSec: cfg.audit_rate,
      everyMs: cfg.audit_every,
      graceMs: cfg.audit_grace,
      timeoutMs: cfg.reseed_timeout,
    }
    const audit: BookAudit = createBookAudit({
      clobUrl: ctx.resources.exchange.clobUrl,
      clock,
      log,
      metrics: ctx.metrics,
      signal: ctx.signal,
      ...auditTimings,
      maxAgeMs: cfg.audit_max_age,
      books: () => data.books(),
      token: (id) => data.token(id),
      onMismatch(tb, reason, frozen) {
        data.auditMismatch(tb.tokenId, reason)
        if (frozen) shards.connectionOf(tb.tokenId)?.drop(`frozen feed: ${reason}`)
      },
    })

    /** The audit's figures in /status (connections → book-audit); always up: stale books pull their own markets. */
    function reportAudit(): void {
      const a = audit.status()
      if (!a.enabled) {
        health.set('book-audit', true, 'off (audit_rate 0)')
        return
      }
      const last = a.last_pass_s === null ? 'none yet' : `${a.last_pass_s.toFixed(1)}s`
      const oldest = a.oldest_agreement_s === null ? '-' : `${a.oldest_agreement_s.toFixed(0)}s`
      health.set(
        'book-audit',
        true,
        `${a.books} fresh books; last pass ${last} (bound ${a.pass_bound_s.toFixed(0)}s); oldest agreement ${oldest} (max ${a.max_age_s.toFixed(0)}s); ${a.mismatches} mismatches, ${a.reconnects} reconnects`,
      )
    }

    function updateHealth(): void {
      const conns = shards.connections()
      const down = conns.filter((c) => !c.liveness.live)
      if (down.length === 0) health.set('market-data', true, '')
      else {
        const first = down[0] as Connection
        health.set(
          'market-data',
          false,
          `${down.length}/${conns.length} market connections down: ${first.liveness.reason}`,
        )
      }
    }

    const gate = createOpenGate(clock, cfg.connect_stagger)

    const shards = createShards({
      maxTokens: cfg.max_tokens_per_connection,
      attach: (ids, conn) => data.attach(ids, conn.liveness),
      create: (id) => {
        const conn: Connection = createConnection({
          url,
          id,
          clock,
          log,
          gate,
          pingIntervalMs: cfg.ping_interval,
          staleAfterMs: cfg.stale_after,
          deadAfterMs: cfg.dead_after,
          backoffMinMs: cfg.backoff_min,
          backoffMaxMs: cfg.backoff_max,
          backoffResetMs: cfg.backoff_reset_after,
          onFrame: (text, now) => data.ingestFrame(text, now),
          onOpen: (reconnect) => {
            core.wsConnected.set({ channel: 'market', shard: id }, 1)
            if (reconnect) core.wsReconnects.inc({ channel: 'market' })
            data.connectionOpened(conn.liveness)
            updateHealth()
          },
          onClose: (reason) => {
            core.wsConnected.set({ channel: 'market', shard: id }, 0)
            data.connectionLost(conn.liveness, reason)
            updateHealth()
          },
          onLivenessChange: () => {
            data.markConnection(conn.liveness)
            updateHealth()
          },
        })
        return conn
      },
    })

    const cancelTick = clock.setInterval(() => {
      const now = clock.now()
      for (const c of shards.connections()) c.check(now)
      data.tick()
      reportAudit()
    }, TICK_MS)

    function stop(): void {
      if (stopped) return
      stopped = true
      cancelTick()
      audit.stop()
      gate.stop()
      fetcher.stop()
      for (const c of shards.connections()) core.wsConnected.remove({ channel: 'market', shard: c.id })
      shards.stop()
    }
    ctx.signal.addEventListener('abort', stop, { once: true })

    const handler: BookHandler<ClobWsConfig> & {
      readonly data: MarketData
      connections(): readonly Connection[]
      /** The REST /book audit's figures, for /status. */
      audit(): BookAuditStatus
    } = {
      data,
      connections: () => shards.connections(),
      audit: () => audit.status(),
      async track(markets) {
        if (stopped) return
        const diff = data.track(markets)
        for (const m of diff.added) log.info(`book: tracking ${m.conditionId.slice(0, 10)}… (${m.question})`)
        for (const m of diff.removed) log.info(`book: dropped ${m.conditionId.slice(0, 10)}…`)
        const before = [...shards.connections()]
        shards.apply(diff.added, diff.removed)
        const after = new Set(shards.connections())
        for (const c of before) if (!after.has(c)) core.wsConnected.remove({ channel: 'market', shard: c.id })
        updateHealth()
        const bound = auditPassBoundMs([...data.books()].length, auditTimings)
        if (bound > cfg.audit_max_age) {
          log.warn(
            `book audit: a pass over ${[...data.books()].length} books takes up to ${Math.round(bound / 1000)}s at audit_rate ${cfg.audit_rate}/s, longer than audit_max_age ${Math.round(cfg.audit_max_age / 1000)}s: books will go stale; raise audit_rate or audit_max_age`,
          )
        }
        reportAudit()
      },
      run({ market }) {
        const yes = data.token(market.yesTokenId)
        const no = data.token(market.noTokenId)
        if (!yes || !no) return pull('book: market not tracked by clob-ws')
        if (yes.state !== 'fresh') return pull(`YES book ${yes.state}: ${yes.stateReason}`)
        if (no.state !== 'fresh') return pull(`NO book ${no.state}: ${no.stateReason}`)
        return { yes, no }
      },
      books: () => data.books(),
      stop,
    }
    return handler
  },
})
