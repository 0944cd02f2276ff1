import type { TokenNames } from '../../../pipeline/market-names.ts'
import type { Fill, RiskState } from '../../../schemas/domain.ts'
import type { DaemonEvent } from '../../../stages/events.ts'

/** What deserves a person's attention, as one line of text each. The webhook plugin posts them. */
export type AlertKind = 'risk' | 'halt' | 'disconnect' | 'reconnect' | 'fill'
export const ALERT_KINDS: readonly AlertKind[] = ['risk', 'halt', 'disconnect', 'reconnect', 'fill']

export interface Alert {
  readonly kind: AlertKind
  readonly text: string
  readonly at: number
}

export interface AlertRules {
  /** A fill of at least this many shares, or of at least `fillMinUsd`, is posted. */
  readonly fillMinShares: number
  readonly fillMinUsd: number
  readonly risk: boolean
}

export function fillIsLarge(f: Fill, rules: AlertRules): boolean {
  return f.status !== 'FAILED' && (f.size >= rules.fillMinShares || f.price * f.size >= rules.fillMinUsd)
}

/**
 * Turns daemon events into alerts: risk transitions (a HALT is its own kind), large fills. Keeps the last risk
 * state per scope so a message says where it came from, and names markets from the selection events.
 */
export function createAlertRules(names: TokenNames) {
  const lastRisk = new Map<string, RiskState>()
  return {
    fromEvent(e: DaemonEvent, rules: AlertRules): Alert | undefined {
      if (e.type === 'selection') {
        names.update(e.markets)
        return undefined
      }
      if (e.type === 'risk') {
        const scope = e.conditionId ?? 'account'
        const prev = lastRisk.get(scope) ?? 'ACTIVE'
        lastRisk.set(scope, e.state)
        if (prev === e.state) return undefined
        const where = e.conditionId === undefined ? 'account' : names.describeMarket(e.conditionId)
        if (e.state === 'HALTED') return { kind: 'halt', at: e.at, text: `HALTED ${where}: ${e.reason} (was ${prev})` }
        if (!rules.risk) return undefined
        return { kind: 'risk', at: e.at, text: `risk ${where}: ${prev} → ${e.state}: ${e.reason}` }
      }
      if (e.type === 'fill' && fillIsLarge(e.fill, rules)) {
        const f = e.fill
        return {
          kind: 'fill',
          at: e.at,
          text:
            `large fill: ${f.side} ${f.size} ${names.describeToken(f.tokenId)} @ ${f.price} ` +
            `(${(f.price * f.size).toFixed(2)} USD, ${f.role.toLowerCase()})`,
        }
      }
      return undefined
    },
  }
}
