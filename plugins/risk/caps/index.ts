import { z } from 'zod'
import { definePlugin } from '../../../pipeline/define-plugin.ts'
import type { RiskState } from '../../../schemas/domain.ts'
import type { QuoteHandler, RiskInput, RiskVerdict, SideAllowance } from '../../../stages/io.ts'
import { createAccountSync } from './account-sync.ts'
import { type CapsConfig, CapsConfigSchema } from './config.ts'
import { createDailyLoss, type DailyLossStatus } from './daily-loss.ts'
import { checkExposure, exposureOf } from './exposure.ts'
import { noQuoteGate } from './gates.ts'
import { createMarkoutTracker, createPenaltyBook, type Mark } from './markouts.ts'
import { createRiskMetrics, createTransitions } from './transitions.ts'

export type { CapsConfig } from './config.ts'

/** Below this excess over 1 a markout penalty is applied but not reported as a restriction. */
const PENALTY_REPORTED = 0.01

const BLOCKED: SideAllowance = { allowed: false, spreadMultiplier: 1, sizeMultiplier: 0 }

export interface CapsResetResult {
  readonly at: number
  /** A daily-loss halt was lifted. */
  readonly wasHalted: boolean
  /** The day's PnL (USD) just before the reset; the count restarts from 0. */
  readonly pnlUsdBefore: number
}

export interface CapsMarketStatus {
  readonly conditionId: string
  readonly state: RiskState
  readonly reason: string
  readonly exposureUsd: number
  readonly markoutMean: number | undefined
  readonly markoutMultiplier: number
}

export interface CapsStatus {
  readonly state: RiskState
  readonly reason: string
  readonly daily: DailyLossStatus | undefined
  readonly pendingMarkouts: number
  readonly markets: readonly CapsMarketStatus[]
}

/** The `caps` handler: a risk stage handler plus the operator's reset and a status view. */
export interface CapsHandler extends QuoteHandler<RiskInput, RiskVerdict, CapsConfig> {
  /**
   * Explicit reset of the daily loss limit (for an HTTP route such as `POST /risk/reset`): lifts a daily-loss
   * halt and counts the day's PnL from now (realized and unrealized baselines move to the current values), so
   * the same loss does not halt again at the next run. Lifting a halt marks every known market dirty. The
   * next 00:00 UTC starts a fresh day as usual.
   */
  reset(why?: string): CapsResetResult
  /** Global and per-market risk state, for `/status`. */
  status(): CapsStatus
}

/** True for a risk handler that offers the explicit daily-loss reset (the `caps` plugin). */
export function isCapsHandler(handler: unknown): handler is CapsHandler {
  return (
    typeof handler === 'object' &&
    handler !== null &&
    typeof (handler as { reset?: unknown }).reset === 'function' &&
    typeof (handler as { status?: unknown }).status === 'function' &&
    typeof (handler as { run?: unknown }).run === 'function'
  )
}

const SnapshotSchema = z.object({ daily: z.unknown(), penalties: z.unknown() })

/**
 * Risk caps per DESIGN §4. Per market: inventory soft cap (the exposure-adding side widened and shrunk), hard
 * cap (REDUCING: only the reducing side), no quotes (HALTED) on a lost connection, a book that is not fresh, a
 * closed / not-accepting market or one too close to resolution, and a spread penalty from that market's own
 * adverse markouts. Globally: a UTC-day loss limit that halts every market until 00:00 UTC or `reset()`.
 *
 * The no-quote conditions are returned as a HALTED verdict (not `pull`) so they count as this plugin's risk
 * state: logged once per transition, emitted as a `risk` event and visible in `mm_risk_state`; the engine
 * pulls a HALTED market's quotes either way.
 */
export default definePlugin({
  name: 'caps',
  stage: 'risk',
  summary:
    'Inventory soft/hard caps (fractions of capital), UTC-day loss limit (percent), per-market markout penalty, ' +
    'no quotes on stale books, lost connections, closed or resolving markets.',
  config: CapsConfigSchema,
  reloadable: [
    'soft_cap',
    'hard_cap',
    'daily_loss_limit_pct',
    'soft_cap_widen',
    'soft_cap_shrink',
    'side_size_usd',
    'markout_horizons',
    'markout_penalty',
    'min_time_to_resolution',
    'share_every',
  ],
  examples: [
    { title: 'defaults (SOFT_CAP_DELTA_PCT 0.015, HARD_CAP_DELTA_PCT 0.03, DAILY_LOSS_LIMIT_PCT 1.0)', with: {} },
    {
      title: 'conservative, quicker markout memory',
      with: {
        soft_cap: 0.01,
        hard_cap: 0.02,
        daily_loss_limit_pct: 0.5,
        markout_penalty: { threshold: 0.001, max_multiplier: 3, half_life: '5m' },
      },
    },
  ],
  create(config, ctx): CapsHandler {
    let cfg = config
    const { clock, log, events } = ctx
    const metrics = createRiskMetrics(ctx.metrics)
    const transitions = createTransitions({ log, events, metrics })
    const marks = new Map<string, Mark>()
    const exposures = new Map<string, number>()
    const penalties = createPenaltyBook()
    let runningId: string | undefined
    let lastDaily: DailyLossStatus | undefined

    /** Requote every market the plugin knows, except the one being computed (it is using the new state now). */
    function markAllDirty() {
      for (const id of marks.keys()) if (id !== runningId) ctx.markDirty(id)
    }

    const daily = createDailyLoss({
      account: ctx.resources.account,
      clock,
      onChange(change) {
        transitions.global(change.kind === 'halted' ? 'HALTED' : 'ACTIVE', change.reason, change.at)
        markAllDirty()
      },
      peers: () => {
        const p = sync.peers()
        return p && { pnlUsd: p.pnlUsd, instances: p.instances.length }
      },
    })

    // Instances of one account share its daily loss limit (and report their exposure) through the database.
    const sync = createAccountSync({
      share: () => ctx.resources.accountShare(),
      clock,
      log,
      everyMs: () => cfg.share_every,
      own: () => {
        const status = lastDaily ?? daily.check(clock.now(), ctx.resources.capitalUsd, cfg.daily_loss_limit_pct)
        let exposureUsd = 0
        for (const e of exposures.values()) exposureUsd += Math.abs(e)
        return {
          day: status.dayStart,
          pnlUsd: status.pnlUsd - status.peersPnlUsd,
          exposureUsd,
          halted: daily.halted() !== undefined,
        }
      },
      // A loss elsewhere halts here at once, not at this instance's next quote.
      onPeers: () => {
        lastDaily = daily.check(clock.now(), ctx.resources.capitalUsd, cfg.daily_loss_limit_pct)
        metrics.dailyPnlUsd.set(lastDaily.pnlUsd)
      },
    })

    const tracker = createMarkoutTracker({
      clock,
      horizonsMs: () => cfg.markout_horizons,
      markOf: (id) => marks.get(id),
      onMarkout(s) {
        const id = s.fill.conditionId
        const horizonSec = s.horizonMs / 1000
        events.emit({
          type: 'markout',
          at: s.at,
          tradeId: s.fill.tradeId,
          conditionId: id,
          tokenId: s.fill.tokenId,
          horizonSec,
          markout: s.markout,
        })
        metrics.markouts.inc({ horizon_sec: String(horizonSec) })
        const r = penalties.record(id, s.markout, s.at, cfg.markout_penalty)
        metrics.markoutMean.set({ condition_id: id }, r.mean)
        log.debug(
          `markout ${s.fill.tradeId} ${s.fill.side} ${s.fill.price} @${horizonSec}s: ${s.markout.toFixed(4)} ` +
            `(fair ${s.fair.toFixed(4)}), mean ${r.mean.toFixed(4)}, penalty ×${r.after.toFixed(3)}`,
        )
        if (Math.abs(r.after - r.before) > 1e-9) ctx.markDirty(id)
      },
      onSkip(fill, horizonMs, why) {
        log.debug(`markout ${fill.tradeId} @${horizonMs / 1000}s not measured: ${why}`)
      },
    })

    let offFill: (() => void) | undefined

    function verdict(
      id: string,
      now: number,
      state: RiskState,
      causes: readonly string[],
      reason: string,
      bid: SideAllowance,
      ask: SideAllowance,
    ): RiskVerdict {
      transitions.market(id, state, causes, reason, now)
      return { state, reason, bid, ask }
    }

    function evaluate(input: RiskInput): RiskVerdict {
      const { market, now } = input
      const id = market.conditionId
      const fair = input.quote.fair
      const gate = noQuoteGate({ ...input, fair }, cfg.min_time_to_resolution)
      if (gate?.cause !== 'fair') {
        marks.set(id, { market, fair, at: now })
        daily.mark(market, fair)
      }
      lastDaily = daily.check(now, input.capitalUsd, cfg.daily_loss_limit_pct)
      metrics.dailyPnlUsd.set(lastDaily.pnlUsd)
      // Exposure is reported whatever the verdict: a halted market may still hold inventory.
      const exposureUsd = exposureOf(input.position.q, fair)
      exposures.set(id, exposureUsd)
      metrics.exposureUsd.set({ condition_id: id }, exposureUsd)

      const halt = lastDaily.halted
      if (halt) return verdict(id, now, 'HALTED', ['daily-loss'], halt.reason, BLOCKED, BLOCKED)
      if (gate) return verdict(id, now, 'HALTED', [gate.cause], gate.reason, BLOCKED, BLOCKED)

      const exposure = checkExposure(input.position.q, fair, input.capitalUsd, cfg)
      const penalty = penalties.multiplier(id, now, cfg.markout_penalty)
      metrics.markoutPenalty.set({ condition_id: id }, penalty)

      const causes: string[] = []
      const reasons: string[] = []
      if (exposure.level !== 'none') {
        causes.push(`${exposure.level}-cap-${exposure.addingSide}`)
        reasons.push(exposure.reason)
      }
      if (penalty - 1 >= PENALTY_REPORTED) {
        causes.push('markout')
        const mean = penalties.mean(id) ?? 0
        reasons.push(`markout penalty: spread ×${penalty.toFixed(3)} both sides (recent mean ${mean.toFixed(4)})`)
      }
      // Independent reasons to widen compound: a side at the soft cap in a toxic market widens by both.
      const widen = (s: SideAllowance): SideAllowance =>
        s.allowed ? { ...s, spreadMultiplier: s.spreadMultiplier * penalty } : s
      const state: RiskState = exposure.level === 'hard' ? 'REDUCING' : 'ACTIVE'
      return verdict(id, now, state, causes, reasons.join('; '), widen(exposure.bid), widen(exposure.ask))
    }

    const handler: CapsHandler = {
      run(input) {
        runningId = input.market.conditionId
        try {
          return evaluate(input)
        } finally {
          runningId = undefined
        }
      },
      start() {
        offFill ??= events.on('fill', (e) => tracker.onFill(e.fill))
        daily.start()
        sync.start()
      },
      stop() {
        offFill?.()
        offFill = undefined
        tracker.stop()
        daily.stop()
        sync.stop()
      },
      reconfigure(next) {
        cfg = next
        return true
      },
      reset(why = 'operator request') {
        const at = clock.now()
        const r = daily.reset(at, why)
        log.info(
          `daily loss reset (${why}): PnL before ${r.pnlUsdBefore.toFixed(2)} USD, counting from 0` +
            (r.wasHalted ? ', halt lifted' : ''),
        )
        return { at, ...r }
      },
      status() {
        const g = transitions.globalState()
        return {
          state: g.state,
          reason: g.reason,
          daily: lastDaily,
          pendingMarkouts: tracker.pending(),
          markets: [...marks.keys()].map((id) => {
            const s = transitions.marketState(id)
            return {
              conditionId: id,
              state: s?.state ?? 'ACTIVE',
              reason: s?.reason ?? '',
              exposureUsd: exposures.get(id) ?? 0,
              markoutMean: penalties.mean(id),
              markoutMultiplier: penalties.multiplier(id, clock.now(), cfg.markout_penalty),
            }
          }),
        }
      },
      snapshot: () => ({ daily: daily.snapshot(), penalties: penalties.snapshot() }),
      restore(state) {
        const parsed = SnapshotSchema.safeParse(state)
        if (!parsed.success) return
        daily.restore(parsed.data.daily)
        penalties.restore(parsed.data.penalties)
        const halt = daily.halted()
        if (halt) transitions.adoptGlobal('HALTED', halt.reason)
      },
    }
    return handler
  },
})
