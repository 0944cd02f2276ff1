import { z } from 'zod'
import { definePlugin } from '../../../pipeline/define-plugin.ts'
import { cancelKind, rejectionKind } from '../../../pipeline/metric-labels.ts'
import type { Market } from '../../../schemas/domain.ts'
import { DurationSchema } from '../../../schemas/duration.ts'
import type { ExecuteHandler } from '../../../stages/io.ts'
import { loadClobClient } from './client.ts'
import { createCollateral } from './collateral.ts'
import { createClobPort, type ExchangePort } from './exchange-port.ts'
import { createExecutor, type Executor, type ExecutorRules } from './executor.ts'
import { createFastSigner } from './fast-signer.ts'
import { createHeartbeat, type Heartbeat } from './heartbeat.ts'
import { createOrderFactory } from './order-factory.ts'
import { createRateBudget } from './rate-budget.ts'
import { createReconciler, type Reconciler } from './reconcile.ts'
import { createUserChannel, type UserChannel, userChannelUrl } from './user-channel.ts'

const RateLimitsSchema = z.strictObject({
  safety: z
    .number()
    .gt(0)
    .lte(1)
    .default(0.8)
    .describe(
      'Fraction of each published limit we allow ourselves, in every window (POST /orders 1,000 per 10 s and 15,000 per 10 min, DELETE /orders alike, /data/orders 500 per 10 s, CLOB general 9,000 per 10 s)',
    ),
  backoff_max: DurationSchema.prefault('30s').describe(
    'Longest pause of an endpoint after repeated 429s (doubling from 1 s, with jitter)',
  ),
})

export const ClobConfigSchema = z.strictObject({
  requote_mid_ticks: z
    .number()
    .positive()
    .default(1)
    .describe('Requote a side when the mid moved at least this many ticks since it was quoted (REQUOTE_MID_TICKS)'),
  requote_queue_levels: z
    .number()
    .int()
    .nonnegative()
    .default(2)
    .describe(
      'Requote a side when its best order is this many price levels behind the touch; 0 = never (REQUOTE_QUEUE_LEVELS)',
    ),
  order_max_age: DurationSchema.prefault('12s').describe(
    'Requote a side when one of its orders is older than this (ORDER_MAX_AGE_SEC)',
  ),
  post_only: z.boolean().default(true).describe('Post-only GTC orders: an order that would cross is refused'),
  heartbeat: z
    .boolean()
    .default(true)
    .describe('Send exchange heartbeats, so the exchange cancels our orders ~15 s after the daemon dies'),
  heartbeat_every: DurationSchema.prefault('5s').describe('Heartbeat period (the exchange allows 10 s + 5 s)'),
  on_start: z
    .enum(['cancel', 'adopt'])
    .default('cancel')
    .describe('Orders an earlier run left resting: cancel them, or adopt them as ours'),
  reconcile_every: DurationSchema.prefault('30s').describe(
    'Compare open orders, trades and Data API positions with ours this often',
  ),
  resolve_every: DurationSchema.prefault('2s').describe('Look up orders whose submit outcome is unknown this often'),
  not_found_grace: DurationSchema.prefault('15s').describe(
    'An unknown order the exchange still does not know this long after its submit was never placed',
  ),
  request_timeout: DurationSchema.prefault('5s').describe(
    'An exchange call unanswered this long is ambiguous (orders become unknown, never assumed rejected)',
  ),
  stop_timeout: DurationSchema.prefault('10s').describe('How long stop() keeps trying to cancel every order'),
  rate_limits: RateLimitsSchema.prefault({}).describe('Self-imposed request budget, under the published limits'),
  collateral_reserve_usd: z
    .number()
    .nonnegative()
    .default(0)
    .describe(
      'pUSD never committed to BUYs: each batch of BUYs is fitted, nearest the touch first, into the balance minus what resting BUYs reserve minus this',
    ),
})
export type ClobConfig = z.infer<typeof ClobConfigSchema>

const rulesOf = (cfg: ClobConfig): ExecutorRules => ({
  requoteMidTicks: cfg.requote_mid_ticks,
  requoteQueueLevels: cfg.requote_queue_levels,
  orderMaxAgeMs: cfg.order_max_age,
  postOnly: cfg.post_only,
})

const RELOADABLE = ['requote_mid_ticks', 'requote_queue_levels', 'order_max_age', 'collateral_reserve_usd'] as const

/**
 * Execute stage through @polymarket/clob-client-v2: diffs desired layers against resting orders, places and
 * cancels in batches, tracks every order through ambiguous outcomes, turns user-channel trades into fills and
 * positions, reconciles with the exchange, keeps the exchange heartbeat, and cancels everything on stop.
 */
export default definePlugin({
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
  create(initial, ctx): ExecuteHandler<ClobConfig> {
    let cfg = initial
    const { resources, clock } = ctx
    const log = ctx.log
    const creds = resources.credentials
    if (!creds.privateKey) throw new Error('execute clob needs a private key (PK)')
    const signer = createFastSigner(creds.privateKey)
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
    const budget = createRateBudget(() => clock.now(), {
      safety: cfg.rate_limits.safety,
      backoffMaxMs: cfg.rate_limits.backoff_max,
    })

    let executor: Executor | undefined
    let port: ExchangePort | undefined
    let reconciler: Reconciler | undefined
    let heartbeat: Heartbeat | undefined
    let channel: UserChannel | undefined
    let markets: readonly Market[] = []
    const timers: (() => void)[] = []
    let stopped: Promise<void> | undefined

    const ready = (): Executor => {
      if (!executor) throw new Error('execute clob used before start()')
      return executor
    }

    /** The executor against the exchange, or a dry run (`undefined`: nothing is sent, so nothing is counted). */
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
              rejected: (reason) => core.ordersRejected.inc({ reason: rejectionKind(reason) }),
              cancelled: (reason, n) => core.ordersCancelled.inc({ reason: cancelKind(reason) }, n),
            }
          : {
              orderSent: () => {},
              fill: () => {},
              inventory: () => {},
              rateLimited: () => {},
              collateralFree: () => {},
            },
        budget,
        apiKey,
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
          const built = await loadClobClient({
            host: resources.exchange.clobUrl,
            chainId: resources.exchange.chainId,
            signer,
            credentials: creds,
          })
          apiKey = built.creds.key
          log.info(`CLOB client ready for ${factory.maker} (API key from ${built.credsSource})`)
          port = createClobPort({
            client: built.client,
            clock,
            dataApiUrl: resources.exchange.dataApiUrl,
            timeoutMs: cfg.request_timeout,
          })
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
          })
          await reconciler.atStart(cfg.on_start)
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
          channel = createUserChannel({
            url: userChannelUrl(resources.exchange.wsUrl),
            auth: { apiKey, secret: built.creds.secret, passphrase: built.creds.passphrase },
            clock,
            log,
            onEvent: (e) => {
              if (e.kind === 'trade') ex.onTrade(e.trade)
              else ex.onUserOrder(e.order)
            },
            onConnected: (reconnect) => {
              if (!reconnect) return
              // Whatever happened while the socket was down comes back from REST.
              background('trade back-fill after reconnect', async () => {
                const n = await rec.backfillTrades()
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
          timers.push(clock.setInterval(() => background('reconciliation', () => rec.periodic()), cfg.reconcile_every))
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
      stop() {
        stopped ??= (async () => {
          for (const cancel of timers.splice(0)) cancel()
          const ex = executor
          if (ex) {
            const left = await ex.cancelEverything('stop', cfg.stop_timeout)
            if (left > 0)
              log.error(
                `stopped with ${left} orders possibly open` +
                  (heartbeat ? '; the exchange heartbeat will cancel them' : '; check the account (heartbeat is off)'),
              )
          }
          // Nothing rests any more, but a fill matched just before the cancel may still be on its way over the user
          // channel: one last back-fill so the positions we stop with are the exchange's.
          if (reconciler) {
            try {
              await reconciler.backfillTrades()
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
