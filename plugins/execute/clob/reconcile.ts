import type { Account } from '../../../pipeline/account.ts'
import type { Clock } from '../../../pipeline/clock.ts'
import { fields, type Logger } from '../../../pipeline/logger.ts'
import { tokenLabel } from '../../../pipeline/market-names.ts'
import type { Market } from '../../../schemas/domain.ts'
import type { Collateral } from './collateral.ts'
import { ExchangeError, type ExchangePort } from './exchange-port.ts'
import type { Executor } from './executor.ts'

/**
 * Agreement with the exchange. At start: orders an earlier run left resting are cancelled or adopted, and token
 * holdings are seeded from the Data API. Periodically and after every user-channel reconnect: open orders are
 * compared (strays cancelled, vanished ones looked up), our trades back-filled from `/data/trades` (fills are
 * de-duplicated, so replays are harmless), and holdings compared with `/positions`. The Data API lags fills, so
 * drift is logged and exposed; when the same drift shows on two checks in a row (no fill and no Data API catch-up in
 * between) the holdings are set to the exchange's. The pUSD balance is read at start and on every reconciliation;
 * fills move it in between (collateral.ts).
 *
 * At start (issue 14): every exchange call is retried with back-off while the exchange answers transiently (5xx,
 * timeouts, 429, a restart): a transient error never fails the start. Fills matched while the daemon was down are
 * back-filled from `backfillSinceMs` (the last fill the database holds) after the holdings are seeded; those matched
 * before the seed are already in it, so they are recorded (for the database) without moving the holdings again.
 * The back-fill is the last step, after everything that could still fail, so no back-filled fill dies with a start.
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
  /** Aborts the start's retries (the daemon is stopping). */
  readonly signal?: AbortSignal
  /** First and longest pause between start retries. Default 1 s, 30 s. */
  readonly startRetryBaseMs?: number
  readonly startRetryMaxMs?: number
}

export interface Reconciler {
  /** `backfillSinceMs`: match time of the last fill the database holds (or the last stop); default now. */
  atStart(policy: StartPolicy, backfillSinceMs?: number): Promise<void>
  /** `/data/trades` since the last back-fill (or `fromSec`); fills matched before `seededBefore` are in the seed. */
  backfillTrades(fromSec?: number, seededBefore?: number): Promise<number>
  /**
   * A back-fill that must not be given up on a transient failure (after a user-channel reconnect, at stop): retried
   * with back-off up to `attempts` times; a fill missed here would otherwise wait for the next reconciliation.
   */
  backfillRetrying(what: string, attempts: number, signal?: AbortSignal): Promise<number>
  checkPositions(): Promise<void>
  /** GET /balance-allowance (COLLATERAL): the pUSD balance BUYs are fitted into. */
  readCollateral(): Promise<number>
  periodic(): Promise<void>
}

const DRIFT_EPS = 1e-6
const MAX_BALANCE_READS = 20

/** A failure the exchange may not repeat: no answer, 5xx, 429, a restart or restricted mode. */
function transient(err: unknown): boolean {
  if (!(err instanceof ExchangeError)) return false
  return err.kind !== 'rejected'
}

/** How far back a back-fill looks: trades keep changing status (MINED, CONFIRMED) for a while after the match. */
const BACKFILL_WINDOW_SEC = 3600

export function createReconciler(deps: ReconcilerDeps): Reconciler {
  const { port, executor, account, log } = deps
  let sinceSec = Math.floor(deps.clock.now() / 1000)
  /** Drift per token at the last check: the same drift twice is not lag, it is ours to correct. */
  const lastDrift = new Map<string, number>()

  async function backfillTrades(fromSec?: number, seededBefore?: number): Promise<number> {
    const after =
      fromSec !== undefined
        ? fromSec
        : Math.max(sinceSec, Math.floor(deps.clock.now() / 1000) - BACKFILL_WINDOW_SEC) - 5
    const trades = await port.trades(after)
    // Oldest first, so a position is built in the order the trades happened.
    for (const t of [...trades].reverse()) executor.onTrade(t, seededBefore)
    return trades.length
  }

  async function checkPositions(): Promise<void> {
    const rows = await port.positions(deps.user)
    const held = new Map(rows.map((r) => [r.asset, r]))
    for (const m of deps.markets()) {
      for (const token of [m.yesTokenId, m.noTokenId]) {
        const row = held.get(token)
        const exchange = row?.size ?? 0
        const ours = account.token(token).shares
        const drift = exchange - ours
        deps.setDrift(token, drift)
        const before = lastDrift.get(token)
        lastDrift.set(token, drift)
        if (Math.abs(drift) <= DRIFT_EPS) continue
        if (before !== undefined && Math.abs(before - drift) <= DRIFT_EPS) {
          log.warn(
            `position of ${tokenLabel(m, token)} set to the exchange's: ${ours} → ${exchange} (same drift twice)`,
            fields({ token_id: token, condition_id: m.conditionId }),
          )
          account.setHoldings(token, exchange, row?.avgPrice ?? account.token(token).avgPrice)
          lastDrift.set(token, 0)
          deps.setDrift(token, 0)
        } else
          log.info(
            `position drift on ${tokenLabel(m, token)}: Data API ${exchange}, fills ${ours}`,
            fields({ token_id: token, condition_id: m.conditionId }),
          )
      }
    }
  }

  /**
   * Settled token balances of what we hold (CONDITIONAL, CONDITIONAL-V2 for a V2 market): SELLs are capped by them.
   * At most MAX_BALANCE_READS a pass, round robin, under the endpoint's limit (200 per 10 s, §2.5).
   */
  let balanceCursor = 0
  async function readTokenBalances(): Promise<void> {
    const held: [string, 'v1' | 'v2'][] = []
    for (const m of deps.markets())
      for (const t of [m.yesTokenId, m.noTokenId]) if (account.token(t).shares > 0) held.push([t, m.protocol ?? 'v1'])
    const n = Math.min(held.length, MAX_BALANCE_READS)
    for (let i = 0; i < n; i++) {
      const [token, protocol] = held[(balanceCursor + i) % held.length] as [string, 'v1' | 'v2']
      const startedAt = deps.clock.now()
      try {
        executor.setTokenBalance(token, await port.tokenBalance(token, protocol), startedAt)
      } catch (err) {
        log.debug(`balance of token ${token} not read: ${(err as Error).message}`)
      }
    }
    balanceCursor = held.length === 0 ? 0 : (balanceCursor + n) % held.length
  }

  /** Start calls are retried while the exchange answers transiently; a definite refusal (4xx) fails the start. */
  async function untilAnswered<T>(what: string, call: () => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await call()
      } catch (err) {
        if (!transient(err) || deps.signal?.aborted) throw err
        const ms = Math.min(deps.startRetryMaxMs ?? 30_000, (deps.startRetryBaseMs ?? 1000) * 2 ** attempt)
        log.warn(`start: ${what} failed (${(err as Error).message}); retrying in ${ms} ms`)
        await deps.clock.sleep(ms, deps.signal)
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
    async atStart(policy, backfillSinceMs) {
      const startedAt = deps.clock.now()
      sinceSec = Math.floor(startedAt / 1000)
      const open = await untilAnswered('GET /data/orders', () => port.openOrders())
      if (open.length > 0) {
        if (policy === 'adopt') {
          executor.adopt(open)
          log.info(`adopted ${open.length} orders left by an earlier run`)
        } else {
          // By id, in batches that fit the cancel bucket (a cancel-all costs 1 + every order it cancels).
          await untilAnswered('cancelling orders of an earlier run', async () => {
            const ids = (await port.openOrders()).map((w) => w.id)
            const left = await executor.cancelIds(ids, 'left by an earlier run', 30_000)
            if (left > 0)
              throw new ExchangeError(`${left} orders of an earlier run not confirmed cancelled`, 'ambiguous')
          })
          const left = await untilAnswered('GET /data/orders', () => port.openOrders())
          if (left.length > 0) throw new Error(`${left.length} orders of an earlier run could not be cancelled`)
          log.info(`cancelled ${open.length} orders left by an earlier run`)
        }
      }
      // Holdings before our first fill come from the exchange; later ones from fills.
      const seededAt = deps.clock.now()
      const rows = await untilAnswered('GET /positions', () => port.positions(deps.user))
      for (const r of rows) if (r.size !== 0) account.setHoldings(r.asset, r.size, r.avgPrice)
      if (rows.length > 0) log.info(`seeded holdings of ${rows.length} tokens from the Data API`)
      // After the cancels: the balance is read with nothing of an earlier run reserving it (or adopted as ours).
      const usd = await untilAnswered('GET /balance-allowance', () => readCollateral())
      log.info(`pUSD balance ${usd.toFixed(2)}`)
      await readTokenBalances()
      // Last: fills matched while we were down. Matched before the seed, they are in it already.
      const fromSec = Math.floor((backfillSinceMs ?? startedAt) / 1000) - 5
      const n = await untilAnswered('GET /data/trades', () => backfillTrades(fromSec, seededAt))
      if (backfillSinceMs !== undefined)
        log.info(`back-filled ${n} trades matched since ${new Date(backfillSinceMs).toISOString()}`)
    },
    backfillTrades,
    async backfillRetrying(what, attempts, signal) {
      for (let attempt = 1; ; attempt++) {
        try {
          return await backfillTrades()
        } catch (err) {
          if (attempt >= attempts || !transient(err) || signal?.aborted) throw err
          const ms = Math.min(10_000, 500 * 2 ** (attempt - 1))
          log.warn(`${what}: trade back-fill failed (${(err as Error).message}); retrying in ${ms} ms`)
          await deps.clock.sleep(ms, signal)
        }
      }
    },
    checkPositions,
    readCollateral,
    // Each step on its own: a 5xx on open orders must not also skip the trade back-fill (a fill missed on the
    // user channel is found here), nor the balance reads.
    async periodic() {
      executor.prune(300_000)
      const steps: [string, () => Promise<unknown>][] = [
        ['open orders', async () => executor.reconcileOpen(await port.openOrders())],
        ['unknown orders', () => executor.resolveUnknowns()],
        ['trade back-fill', () => backfillTrades()],
        ['pUSD balance', () => readCollateral()],
        ['positions', () => checkPositions()],
        ['token balances', () => readTokenBalances()],
      ]
      const failed: string[] = []
      for (const [name, step] of steps) {
        try {
          await step()
        } catch (err) {
          failed.push(`${name} (${(err as Error).message})`)
        }
      }
      if (failed.length > 0) throw new Error(`reconciliation incomplete: ${failed.join('; ')}`)
    },
  }
}
