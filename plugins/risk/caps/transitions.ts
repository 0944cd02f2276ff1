import type { Counter, Gauge } from 'prom-client'
import type { EventBus } from '../../../pipeline/event-bus.ts'
import type { Logger } from '../../../pipeline/logger.ts'
import type { PluginMetrics } from '../../../pipeline/metrics.ts'
import type { RiskState } from '../../../schemas/domain.ts'

export const STATE_CODE: Record<RiskState, number> = { ACTIVE: 0, REDUCING: 1, HALTED: 2 }

export interface RiskMetrics {
  readonly state: Gauge<'condition_id'>
  readonly globalState: Gauge
  readonly exposureUsd: Gauge<'condition_id'>
  readonly dailyPnlUsd: Gauge
  readonly markoutMean: Gauge<'condition_id'>
  readonly markoutPenalty: Gauge<'condition_id'>
  readonly markouts: Counter<'horizon_sec'>
  readonly transitions: Counter<'scope' | 'state'>
}

export function createRiskMetrics(m: PluginMetrics): RiskMetrics {
  return {
    state: m.gauge('risk_state', 'Risk state per market: 0 ACTIVE, 1 REDUCING, 2 HALTED', ['condition_id']),
    globalState: m.gauge('risk_global_state', 'Global risk state: 0 ACTIVE, 2 HALTED (daily loss limit)'),
    exposureUsd: m.gauge(
      'exposure_usd',
      'Net exposure in USD per market at fair: YES held at fair (> 0), NO held at 1 − fair (< 0)',
      ['condition_id'],
    ),
    dailyPnlUsd: m.gauge('daily_pnl_usd', 'PnL of the current UTC day in USD, realized + change of unrealized at fair'),
    markoutMean: m.gauge('markout_mean', 'Half-life-weighted mean markout per share, price units', ['condition_id']),
    markoutPenalty: m.gauge('markout_penalty', 'Markout spread multiplier per market (1 = none)', ['condition_id']),
    markouts: m.counter('markouts_total', 'Fill markouts measured', ['horizon_sec']),
    transitions: m.counter('risk_transitions_total', 'Risk state transitions', ['scope', 'state']),
  }
}

export interface Transitions {
  /**
   * Records a market's verdict. Logs, emits a `risk` event and counts only when the state or the set of causes
   * changed, so a steady state is reported once, not on every run. Returns true on a transition.
   */
  market(conditionId: string, state: RiskState, causes: readonly string[], reason: string, at: number): boolean
  /** The same for the global (daily loss) state. */
  global(state: RiskState, reason: string, at: number): boolean
  /** Adopt a global state without reporting a transition (state carried across a reload). */
  adoptGlobal(state: RiskState, reason: string): void
  marketState(conditionId: string): { readonly state: RiskState; readonly reason: string } | undefined
  globalState(): { readonly state: RiskState; readonly reason: string }
}

interface Known {
  state: RiskState
  key: string
  reason: string
}

export function createTransitions(deps: {
  readonly log: Logger
  readonly events: EventBus
  readonly metrics: RiskMetrics
}): Transitions {
  const { log, events, metrics } = deps
  const markets = new Map<string, Known>()
  let global: Known = { state: 'ACTIVE', key: 'ACTIVE', reason: '' }

  function report(scope: string, conditionId: string | undefined, prev: Known, next: Known, at: number) {
    const why = next.reason || (prev.reason ? `cleared (was ${prev.state}: ${prev.reason})` : 'cleared')
    const line = `risk ${scope}: ${prev.state} → ${next.state}: ${why}`
    if (next.state === 'ACTIVE') log.info(line)
    else log.warn(line)
    metrics.transitions.inc({ scope: conditionId === undefined ? 'global' : 'market', state: next.state })
    events.emit({ type: 'risk', at, conditionId, state: next.state, reason: why })
  }

  return {
    market(conditionId, state, causes, reason, at) {
      const prev = markets.get(conditionId) ?? { state: 'ACTIVE', key: 'ACTIVE', reason: '' }
      const key = [state, ...causes].join('|')
      metrics.state.set({ condition_id: conditionId }, STATE_CODE[state])
      if (prev.key === key) {
        prev.reason = reason
        return false
      }
      const next = { state, key, reason }
      markets.set(conditionId, next)
      report(`${conditionId.slice(0, 10)}…`, conditionId, prev, next, at)
      return true
    },
    global(state, reason, at) {
      metrics.globalState.set(STATE_CODE[state])
      if (global.state === state) return false
      const next = { state, key: state, reason }
      const prev = global
      global = next
      report('global', undefined, prev, next, at)
      return true
    },
    adoptGlobal(state, reason) {
      global = { state, key: state, reason }
      metrics.globalState.set(STATE_CODE[state])
    },
    marketState(conditionId) {
      const k = markets.get(conditionId)
      return k ? { state: k.state, reason: k.reason } : undefined
    },
    globalState: () => ({ state: global.state, reason: global.reason }),
  }
}
