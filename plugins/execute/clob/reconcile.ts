import type { Account } from '../../../pipeline/account.ts'
import type { Clock } from '../../../pipeline/clock.ts'
import { fields, type Logger } from '../../../pipeline/logger.ts'
import { tokenLabel } from '../../../pipeline/market-names.ts'
import type { Market } from '../../../schemas/domain.ts'
import type { Collateral } from './collateral.ts'
import type { ExchangePort } from './exchange-port.ts'
import type { Executor } from './executor.ts'

/**
 * Agreement with the exchange. At start: orders an earlier run left resting are cancelled or adopted, and token
 * holdings are seeded from the Data API. Periodically and after every user-channel reconnect: open orders are
 * compared (strays cancelled, vanished ones looked up), our trades back-filled from `/data/trades` (fills are
 * de-duplicated, so replays are harmless), and holdings compared with `/positions`. The Data API lags fills, so
 * drift is logged and exposed, not applied: fills are the source of truth between reconciliations. The pUSD
 * balance is read at start and on every reconciliation; fills move it in between (collateral.ts).
 */

export type StartPolicy = 'cancel' | 'adopt'

export interface ReconcilerDeps {
  readonly port: ExchangePort
  readonly executor: Executor
  readonly account: Account
  readonly clock: Clock
  readonly log: Logger
  /** The address positions are held by (funder, or the signer for EOA). */
  readonly user: string
  markets(): readonly Market[]
  setDrift(tokenId: string, drift: number): void
  readonly collateral: Collateral
}

export interface Reconciler {
  atStart(policy: StartPolicy): Promise<void>
  backfillTrades(): Promise<number>
  checkPositions(): Promise<void>
  /** GET /balance-allowance (COLLATERAL): the pUSD balance BUYs are fitted into. */
  readCollateral(): Promise<number>
  periodic(): Promise<void>
}

/** How far back a back-fill looks: trades keep changing status (MINED, CONFIRMED) for a while after the match. */
const BACKFILL_WINDOW_SEC = 3600

export function createReconciler(deps: ReconcilerDeps): Reconciler {
  const { port, executor, account, log } = deps
  let sinceSec = Math.floor(deps.clock.now() / 1000)

  async function backfillTrades(): Promise<number> {
    const after = Math.max(sinceSec, Math.floor(deps.clock.now() / 1000) - BACKFILL_WINDOW_SEC) - 5
    const trades = await port.trades(after)
    // Oldest first, so a position is built in the order the trades happened.
    for (const t of [...trades].reverse()) executor.onTrade(t)
    return trades.length
  }

  async function checkPositions(): Promise<void> {
    const rows = await port.positions(deps.user)
    const held = new Map(rows.map((r) => [r.asset, r.size]))
    for (const m of deps.markets()) {
      for (const token of [m.yesTokenId, m.noTokenId]) {
        const drift = (held.get(token) ?? 0) - account.token(token).shares
        deps.setDrift(token, drift)
        if (Math.abs(drift) > 1e-6) {
          log.info(
            `position drift on ${tokenLabel(m, token)}: Data API ${held.get(token) ?? 0}, fills ${account.token(token).shares}`,
            fields({ token_id: token, condition_id: m.conditionId }),
          )
        }
      }
    }
  }

  async function readCollateral(): Promise<number> {
    const startedAt = deps.clock.now()
    const usd = await port.collateral()
    deps.collateral.setBalance({ usd, startedAt, endedAt: deps.clock.now() })
    const free = executor.collateralFree()
    log.debug(`pUSD balance ${usd.toFixed(2)}, free for BUYs ${free === undefined ? '?' : free.toFixed(2)}`)
    return usd
  }

  return {
    async atStart(policy) {
      sinceSec = Math.floor(deps.clock.now() / 1000)
      const open = await port.openOrders()
      if (open.length > 0) {
        if (policy === 'adopt') {
          executor.adopt(open)
          log.info(`adopted ${open.length} orders left by an earlier run`)
        } else {
          const r = await port.cancelAll()
          log.info(`cancelled ${r.canceled.length} of ${open.length} orders left by an earlier run`)
          const left = await port.openOrders()
          if (left.length > 0) throw new Error(`${left.length} orders of an earlier run could not be cancelled`)
        }
      }
      // Holdings before our first fill come from the exchange; later ones from fills.
      const rows = await port.positions(deps.user)
      for (const r of rows) if (r.size !== 0) account.setHoldings(r.asset, r.size, r.avgPrice)
      if (rows.length > 0) log.info(`seeded holdings of ${rows.length} tokens from the Data API`)
      // After the cancels: the balance is read with nothing of an earlier run reserving it (or adopted as ours).
      const usd = await readCollateral()
      log.info(`pUSD balance ${usd.toFixed(2)}`)
    },
    backfillTrades,
    checkPositions,
    readCollateral,
    async periodic() {
      executor.prune(300_000)
      await executor.reconcileOpen(await port.openOrders())
      await executor.resolveUnknowns()
      await backfillTrades()
      await readCollateral()
      await checkPositions()
    },
  }
}
