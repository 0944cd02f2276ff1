import type { DaemonEvent } from '../stages/events.ts'
import type { Health } from './health.ts'
import type { Logger } from './logger.ts'
import type { TokenNames } from './market-names.ts'
import type { CoreMetrics } from './metrics.ts'

const RISK_STATES = ['ACTIVE', 'REDUCING', 'HALTED'] as const
/** The risk gauge's condition_id for the account-wide (daily loss) state. */
export const ACCOUNT_SCOPE = 'account'

/**
 * Keeps the names and the per-market metrics in step with the events: the token → question/outcome lookup,
 * mm_token_info and mm_market_risk_state.
 */
export function createOperatorView(deps: { readonly names: TokenNames; readonly metrics: CoreMetrics }) {
  const { names, metrics } = deps
  const infoKeys = new Map<string, Record<string, string>>()
  const withRisk = new Set<string>()

  function setRisk(conditionId: string, state: string): void {
    for (const s of RISK_STATES) metrics.riskState.set({ condition_id: conditionId, state: s }, s === state ? 1 : 0)
  }

  return {
    onEvent(e: DaemonEvent): void {
      if (e.type === 'selection') {
        names.update(e.markets)
        for (const m of e.markets) {
          for (const [tokenId, outcome] of [
            [m.yesTokenId, 'YES'],
            [m.noTokenId, 'NO'],
          ] as const) {
            const labels = { token_id: tokenId, condition_id: m.conditionId, question: m.question, outcome }
            const prev = infoKeys.get(tokenId)
            if (prev && prev.question !== m.question) metrics.tokenInfo.remove(prev)
            metrics.tokenInfo.set(labels, 1)
            infoKeys.set(tokenId, labels)
          }
          // A market starts ACTIVE; the risk stage reports transitions only.
          if (!withRisk.has(m.conditionId)) setRisk(m.conditionId, 'ACTIVE')
          withRisk.add(m.conditionId)
        }
        for (const id of e.removed) {
          for (const s of RISK_STATES) metrics.riskState.remove({ condition_id: id, state: s })
          withRisk.delete(id)
        }
      } else if (e.type === 'risk') setRisk(e.conditionId ?? ACCOUNT_SCOPE, e.state)
    },
  }
}

/**
 * Connection changes as log lines, except the first "down" of a component that has never been up: at start every
 * component registers as down until its first connect, and that is not news (the startup block says what runs).
 */
export function logHealthChanges(health: Health, log: Logger): () => void {
  const everUp = new Set<string>()
  return health.onChange((name, up) => {
    if (up) {
      const first = !everUp.has(name)
      everUp.add(name)
      log[first ? 'debug' : 'info'](`${name} ${first ? 'connected' : 'up again'}`)
      return
    }
    if (!everUp.has(name)) {
      log.debug(`${name} not connected yet`)
      return
    }
    const reason = health.components.get(name)?.reason
    log.warn(`${name} down${reason ? `: ${reason}` : ''}`)
  })
}
