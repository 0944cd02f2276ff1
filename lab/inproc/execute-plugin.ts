import { definePlugin } from '../../pipeline/define-plugin.ts'
import { createCollateral } from '../../plugins/execute/clob/collateral.ts'
import type { ExchangePort } from '../../plugins/execute/clob/exchange-port.ts'
import { createExecutor, type Executor } from '../../plugins/execute/clob/executor.ts'
import { createFastSigner } from '../../plugins/execute/clob/fast-signer.ts'
import { createHeartbeat, type Heartbeat } from '../../plugins/execute/clob/heartbeat.ts'
import clob, { type ClobConfig, ClobConfigSchema } from '../../plugins/execute/clob/index.ts'
import { createOrderFactory } from '../../plugins/execute/clob/order-factory.ts'
import { createOrderBudget } from '../../plugins/execute/clob/rate-budget.ts'
import { createReconciler, type Reconciler } from '../../plugins/execute/clob/reconcile.ts'
import { parseUserFrame } from '../../plugins/execute/clob/user-channel-wire.ts'
import type { Market } from '../../schemas/domain.ts'
import type { ExecuteHandler } from '../../stages/io.ts'
import type { InProcessExchange } from './exchange.ts'
import { createInProcessPort } from './port.ts'

/**
 * The `clob` execute plugin with its transport swapped: the same executor (diffing, order state machine,
 * fitting BUYs to collateral and SELLs to holdings, rate budget), reconciler and heartbeat as
 * plugins/execute/clob/index.ts, wired the same way, but the port and the user channel are the in-process
 * exchange instead of @polymarket/clob-client-v2 and a WebSocket. Same name and config schema, so a config
 * written for `clob` runs unchanged.
 */
export function inProcessClob(ex: InProcessExchange) {
  return definePlugin({
    name: clob.name,
    stage: 'execute',
    summary: `${clob.summary} (backtest transport: in-process)`,
    config: ClobConfigSchema,
    reloadable: clob.reloadable ? [...clob.reloadable] : [],
    examples: [{ title: 'defaults', with: {} }],
    create(initial, ctx): ExecuteHandler<ClobConfig> {
      let cfg = initial
      const { resources, clock, log } = ctx
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
      const collateral = createCollateral({ now: () => clock.now(), marginUsd: () => cfg.collateral_reserve_usd })
      const budget = createOrderBudget({
        clock,
        log,
        safety: cfg.rate_limits.safety,
        backoffMaxMs: cfg.rate_limits.backoff_max,
      })
      const port: ExchangePort = createInProcessPort(ex)
      const executor: Executor = createExecutor({
        port,
        factory,
        clock,
        log,
        events: ctx.events,
        account: resources.account,
        metrics: {
          orderSent: (side) => core.ordersTotal.inc({ side }),
          fill: (side) => core.fillsTotal.inc({ side }),
          inventory: (tokenId, shares) => core.inventoryShares.set({ token_id: tokenId }, shares),
          rateLimited: () => {},
          collateralFree: () => {},
          marketsWaiting: () => {},
        },
        budget,
        apiKey: ex.apiKey,
        rules: () => ({
          requoteMidTicks: cfg.requote_mid_ticks,
          requoteQueueLevels: cfg.requote_queue_levels,
          orderMaxAgeMs: cfg.order_max_age,
          postOnly: cfg.post_only,
        }),
        markDirty: (id) => ctx.markDirty(id),
        notFoundGraceMs: cfg.not_found_grace,
        maxBudgetWaitMs: 1000,
        collateral,
      })
      let markets: readonly Market[] = []
      const reconciler: Reconciler = createReconciler({
        port,
        executor,
        account: resources.account,
        clock,
        log,
        user: factory.maker,
        markets: () => markets,
        setDrift: () => {},
        collateral,
      })
      let heartbeat: Heartbeat | undefined
      let user: { close(): void } | undefined
      const timers: (() => void)[] = []
      let stopped: Promise<void> | undefined
      const background = (what: string, task: () => Promise<unknown>) => {
        task().catch((err: unknown) => log.warn(`${what} failed: ${(err as Error).message}`))
      }
      const openUser = () => {
        user?.close()
        user = ex.userSocket(
          (text) => {
            for (const e of parseUserFrame(text).events) {
              if (e.kind === 'trade') executor.onTrade(e.trade)
              else executor.onUserOrder(e.order)
            }
          },
          markets.map((m) => m.conditionId),
        )
        resources.health.set('user-channel', true, '')
      }
      return {
        async start() {
          await reconciler.atStart(cfg.on_start)
          if (cfg.heartbeat) {
            heartbeat = createHeartbeat({
              port,
              clock,
              log,
              everyMs: cfg.heartbeat_every,
              onStatus: (up, reason) => resources.health.set('heartbeat', up, reason),
            })
            await heartbeat.beat()
            heartbeat.start()
          }
          openUser()
          timers.push(
            clock.setInterval(
              () => background('resolving unknown orders', () => executor.resolveUnknowns()),
              cfg.resolve_every,
            ),
          )
          timers.push(
            clock.setInterval(() => background('reconciliation', () => reconciler.periodic()), cfg.reconcile_every),
          )
        },
        async track(next) {
          markets = next
          // The user channel follows our markets by condition id, as the WebSocket client does in place.
          openUser()
          await executor.setMarkets(next)
        },
        run: (input) => executor.run(input),
        pull: (market, reason) => executor.pull(market, reason),
        liveOrders: (conditionId) => executor.liveOrders(conditionId),
        stop() {
          stopped ??= (async () => {
            for (const cancel of timers.splice(0)) cancel()
            const left = await executor.cancelEverything('stop', cfg.stop_timeout)
            if (left > 0) log.error(`stopped with ${left} orders possibly open`)
            try {
              await reconciler.backfillTrades()
            } catch (err) {
              log.warn(`final trade back-fill failed: ${(err as Error).message}`)
            }
            heartbeat?.stop()
            user?.close()
          })()
          return stopped
        },
        reconfigure(next) {
          cfg = next
          return true
        },
      }
    },
  })
}
