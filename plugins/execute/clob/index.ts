import { definePlugin } from '../../../pipeline/define-plugin.ts'
import { cancelKind, rejectionKind } from '../../../pipeline/metric-labels.ts'
import { ownsMarket } from '../../../pipeline/shard.ts'
import type { Market } from '../../../schemas/domain.ts'
import type { ExecuteHandler } from '../../../stages/io.ts'
import { createBalanceRefresher } from './balance-refresh.ts'
import { createCollateral } from './collateral.ts'
import { type ClobConfig, ClobConfigSchema, RELOADABLE, rulesOf, tierOf } from './config.ts'
import type { ExchangePort } from './exchange-port.ts'
import { createExecutor, type Executor, type ExecutorStatus } from './executor.ts'
import { createFastSigner } from './fast-signer.ts'
import { createHeartbeat, type Heartbeat } from './heartbeat.ts'
import { createOrderFactory } from './order-factory.ts'
import { createOrderBudget } from './rate-budget.ts'
import { createReconciler, type Reconciler } from './reconcile.ts'
import { withSharedHeaders } from './shared-headers.ts'
import { type ClobTransport, httpTransport } from './transport.ts'
import { type UserChannel, userSilenceMs } from './user-channel.ts'

export { type ClobConfig, ClobConfigSchema } from './config.ts'

/** The execute handler, plus what the daemon may read of it (/status) or tell it before start. */
export interface ClobExecuteHandler extends ExecuteHandler<ClobConfig> {
  /** Exchange mode, the signer's buckets and the markets waiting for them; undefined before start. */
  status(): ExecutorStatus | undefined
  /**
   * Match time (ms) of the last fill the database holds, or when the last run stopped: the start back-fills trades
   * from there, so fills matched while the daemon was down reach the database. Call before start().
   */
  backfillSince(ms: number): void
}

/**
 * Execute stage through @polymarket/clob-client-v2: diffs desired layers against resting orders, places and
 * cancels in batches, tracks every order through ambiguous outcomes, turns user-channel trades into fills and
 * positions, reconciles with the exchange, keeps the exchange heartbeat, and cancels everything on stop.
 */
/** The plugin over a transport: HTTP and WebSocket by default; backtests pass an in-process one. */
export function createClobPlugin(transport: ClobTransport = httpTransport) {
  return definePlugin({
    name: 'clob',
    stage: 'execute',
    summary: 'Post-only GTC orders on the Polymarket CLOB: diff, batch, track, fills from the user channel.',
    config: ClobConfigSchema,
    reloadable: [...RELOADABLE],
    examples: [
      { title: 'defaults', with: {} },
      {
        title: 'slower requotes, adopt orders left by a previous run',
        with: { requote_mid_ticks: 2, on_start: 'adopt' },
      },
    ],
    create(initial, ctx): ClobExecuteHandler {
      let cfg = initial
      const { resources, clock } = ctx
      const log = ctx.log
      const creds = resources.credentials
      if (!creds.privateKey) throw new Error('execute clob needs a private key (PK)')
      const signer = createFastSigner(creds.privateKey, { log })
      const factory = createOrderFactory({
        signer,
        funder: creds.funder,
        signatureType: creds.signatureType,
        chainId: resources.exchange.chainId,
      })
      const core = ctx.metrics.core
      const drift = ctx.metrics.gauge('position_drift_shares', 'Data API holdings minus holdings from fills', [
        'token_id',
      ])
      const rateLimited = ctx.metrics.counter('rate_limited_total', 'Exchange 429 answers')
      const collateralFree = ctx.metrics.gauge(
        'collateral_free_usd',
        'pUSD BUYs may still use: balance − reserved by resting BUYs − collateral_reserve_usd',
      )
      const collateral = createCollateral({ now: () => clock.now(), marginUsd: () => cfg.collateral_reserve_usd })
      const tokensLeft = ctx.metrics.gauge('rate_tokens_left', "Tokens left in the signer's rate-limit bucket", [
        'bucket',
      ])
      const deferred = ctx.metrics.counter(
        'orders_deferred_total',
        'Orders and cancels not sent when wanted because the rate budget had no tokens for them',
        ['bucket'],
      )
      const waitingGauge = ctx.metrics.gauge('markets_waiting_budget', 'Markets whose orders wait for the rate budget')
      const tier = tierOf(cfg.rate_limits.tier)
      const budget = createOrderBudget({
        clock,
        log,
        safety: cfg.rate_limits.safety,
        backoffMaxMs: cfg.rate_limits.backoff_max,
        ...(tier ? { tier } : {}),
        onDeferred: (bucket, n) => deferred.inc({ bucket }, n),
      })
      const showTokens = () => {
        for (const bucket of ['orders', 'cancels'] as const) tokensLeft.set({ bucket }, budget.state(bucket).tokens)
      }

      let executor: Executor | undefined
      let port: ExchangePort | undefined
      let reconciler: Reconciler | undefined
      let heartbeat: Heartbeat | undefined
      let channel: UserChannel | undefined
      let markets: readonly Market[] = []
      const timers: (() => void)[] = []
      let stopped: Promise<void> | undefined
      let backfillFrom: number | undefined

      const ready = (): Executor => {
        if (!executor) throw new Error('execute clob used before start()')
        return executor
      }

      /** The executor against the exchange, or a dry run (`undefined`: nothing is sent, so nothing is counted). */
      // With several instances on one account, each owns its shard of the markets (and only its orders and fills).
      const owns = ownsMarket(resources.shard)
      const executorFor = (p: ExchangePort | undefined, apiKey: string): Executor =>
        createExecutor({
          port: p,
          factory,
          clock,
          log,
          events: ctx.events,
          account: resources.account,
          metrics: p
            ? {
                orderSent: (side) => core.ordersTotal.inc({ side }),
                fill: (side) => core.fillsTotal.inc({ side }),
                inventory: (tokenId, shares) => core.inventoryShares.set({ token_id: tokenId }, shares),
                rateLimited: () => rateLimited.inc(),
                collateralFree: (usd) => collateralFree.set(usd),
                marketsWaiting: (n) => waitingGauge.set(n),
                rejected: (reason) => core.ordersRejected.inc({ reason: rejectionKind(reason) }),
                cancelled: (reason, n) => core.ordersCancelled.inc({ reason: cancelKind(reason) }, n),
              }
            : {
                orderSent: () => {},
                fill: () => {},
                inventory: () => {},
                rateLimited: () => {},
                collateralFree: () => {},
                marketsWaiting: () => {},
              },
          budget,
          apiKey,
          owns,
          sharedBudget: () => resources.accountShare(),
          rules: () => rulesOf(cfg),
          markDirty: (id) => ctx.markDirty(id),
          notFoundGraceMs: cfg.not_found_grace,
          maxBudgetWaitMs: p ? 1000 : 0,
          ...(p ? { collateral } : {}),
        })

      /** Runs a background task, logging (never throwing) its failure. */
      const background = (what: string, task: () => Promise<unknown>) => {
        task().catch((err: unknown) => log.warn(`${what} failed: ${(err as Error).message}`))
      }

      return {
        async start() {
          if (executor) return
          let apiKey = ''
          if (!resources.dryRun) {
            const conn = await transport.connect({
              signer,
              credentials: creds,
              endpoints: resources.exchange,
              budget: withSharedHeaders(budget, () => resources.accountShare(), factory.signerAddress),
              owns,
              clock,
              log,
              timeoutMs: cfg.request_timeout,
            })
            apiKey = conn.apiKey
            log.info(`CLOB client ready for ${factory.maker} (API key from ${conn.keySource})`)
            port = conn.port
            const p = port
            const ex = executorFor(p, apiKey)
            executor = ex
            reconciler = createReconciler({
              port: p,
              executor: ex,
              account: resources.account,
              clock,
              log,
              user: factory.maker,
              markets: () => markets,
              setDrift: (tokenId, d) => drift.set({ token_id: tokenId }, d),
              collateral,
              signal: ctx.signal,
            })
            // Fills matched while we were down: from the newest one the database holds (or what the daemon said).
            backfillFrom ??= await resources.lastFillAt()
            await reconciler.atStart(cfg.on_start, backfillFrom)
            if (cfg.heartbeat) {
              heartbeat = createHeartbeat({
                port: p,
                clock,
                log,
                everyMs: cfg.heartbeat_every,
                onStatus: (up, reason) => resources.health.set('heartbeat', up, reason),
              })
              await heartbeat.beat()
              heartbeat.start()
            }
            const rec = reconciler
            const refresher = createBalanceRefresher({ port: p, clock, log })
            const protocolOf = (conditionId: string) =>
              markets.find((mk) => mk.conditionId === conditionId)?.protocol ?? 'v1'
            const offFill = ctx.events.on('fill', (e) =>
              refresher.fillSeen(e.fill.tokenId, protocolOf(e.fill.conditionId)),
            )
            timers.push(() => {
              offFill()
              refresher.stop()
            })
            channel = conn.userChannel({
              // Silence is reported as the channel going down: the engine pulls every market until it is back.
              silenceMs: cfg.user_channel_silence ?? userSilenceMs(cfg.heartbeat_every),
              onEvent: (e) => {
                if (e.kind === 'trade') ex.onTrade(e.trade)
                else ex.onUserOrder(e.order)
              },
              onConnected: (reconnect) => {
                if (!reconnect) return
                // Whatever happened while the socket was down comes back from REST.
                background('trade back-fill after reconnect', async () => {
                  const n = await rec.backfillRetrying('user channel back', 6, ctx.signal)
                  await ex.resolveUnknowns()
                  await ex.reconcileOpen(await p.openOrders())
                  await rec.readCollateral()
                  log.info(`user channel back: back-filled ${n} trades`)
                })
              },
              onStatus: (up, reason) => {
                resources.health.set('user-channel', up, reason)
                core.wsConnected.set({ channel: 'user', shard: '0' }, up ? 1 : 0)
                if (!up) core.wsReconnects.inc({ channel: 'user' })
              },
            })
            channel.setMarkets(markets.map((m) => m.conditionId))
            channel.start()
            timers.push(
              clock.setInterval(
                () => background('resolving unknown orders', () => ex.resolveUnknowns()),
                cfg.resolve_every,
              ),
            )
            timers.push(
              clock.setInterval(() => background('reconciliation', () => rec.periodic()), cfg.reconcile_every),
            )
            timers.push(clock.setInterval(showTokens, 1000))
          } else {
            executor = executorFor(undefined, apiKey)
            log.info(`dry run: orders for ${factory.maker} are signed and logged, nothing is sent`)
          }
        },
        async track(next) {
          markets = next
          channel?.setMarkets(next.map((m) => m.conditionId))
          await ready().setMarkets(next)
        },
        run(input) {
          return ready().run(input)
        },
        pull(market, reason) {
          return ready().pull(market, reason)
        },
        liveOrders(conditionId) {
          return executor ? executor.liveOrders(conditionId) : []
        },
        status() {
          return executor?.status()
        },
        backfillSince(ms) {
          backfillFrom = ms
        },
        stop() {
          stopped ??= (async () => {
            for (const cancel of timers.splice(0)) cancel()
            const ex = executor
            if (ex) {
              const left = await ex.cancelEverything('stop', cfg.stop_timeout)
              if (left > 0)
                log.error(
                  `stopped with ${left} orders possibly open` +
                    (heartbeat
                      ? '; the exchange heartbeat will cancel them'
                      : '; check the account (heartbeat is off)'),
                )
            }
            // Nothing rests any more, but a fill matched just before the cancel may still be on its way over the user
            // channel: one last back-fill so the positions we stop with are the exchange's.
            if (reconciler) {
              try {
                // Not tied to the (already aborted) instance signal: a few bounded tries, about 3.5 s at most.
                await reconciler.backfillRetrying('stop', 4)
              } catch (err) {
                log.warn(`final trade back-fill failed: ${(err as Error).message}`)
              }
            }
            heartbeat?.stop()
            channel?.stop()
          })()
          return stopped
        },
        reconfigure(next) {
          const changed = (Object.keys(next) as (keyof ClobConfig)[]).filter(
            (k) => JSON.stringify(next[k]) !== JSON.stringify(cfg[k]),
          )
          if (changed.some((k) => !(RELOADABLE as readonly string[]).includes(k))) return false
          cfg = next
          return true
        },
      }
    },
  })
}

export default createClobPlugin()
