import type { Market, RiskState, SelectionRow } from '../schemas/domain.ts'
import type { EnrichOutput, RiskVerdict, SideAllowance, SourceOutput } from './io.ts'

/** How several plugins in one stage combine. Pure functions, so the rules are tested on their own. */

const SEVERITY: Record<RiskState, number> = { ACTIVE: 0, REDUCING: 1, HALTED: 2 }

export const ALLOW_ALL: SideAllowance = { allowed: true, spreadMultiplier: 1, sizeMultiplier: 1 }
export const ACTIVE_VERDICT: RiskVerdict = { state: 'ACTIVE', reason: '', bid: ALLOW_ALL, ask: ALLOW_ALL }

function strictestSide(a: SideAllowance, b: SideAllowance): SideAllowance {
  return {
    allowed: a.allowed && b.allowed,
    spreadMultiplier: Math.max(a.spreadMultiplier, b.spreadMultiplier),
    sizeMultiplier: Math.min(a.sizeMultiplier, b.sizeMultiplier),
  }
}

/** Risk: all must pass; the strictest wins on every field. Reasons of every restricting plugin are kept. */
export function combineRiskVerdicts(verdicts: readonly RiskVerdict[]): RiskVerdict {
  let out = ACTIVE_VERDICT
  const reasons: string[] = []
  for (const v of verdicts) {
    if (v.reason) reasons.push(v.reason)
    out = {
      state: SEVERITY[v.state] > SEVERITY[out.state] ? v.state : out.state,
      reason: '',
      bid: strictestSide(out.bid, v.bid),
      ask: strictestSide(out.ask, v.ask),
    }
  }
  if (out.state === 'HALTED') {
    const blocked = { allowed: false, spreadMultiplier: 1, sizeMultiplier: 0 }
    out = { ...out, bid: blocked, ask: blocked }
  }
  return { ...out, reason: reasons.join('; ') }
}

function rowKey(row: SelectionRow): string {
  return `${row.token1}/${row.token2}`
}

export interface MergedSources extends SourceOutput {
  /** Rows another source already listed (also in `rejected`). */
  readonly duplicates: readonly { readonly origin: string; readonly reason: string }[]
}

/** Sources: concatenated in order; a market listed twice keeps its first row, the repeat is reported. */
export function mergeSourceOutputs(outputs: readonly SourceOutput[]): MergedSources {
  const seen = new Map<string, SelectionRow>()
  const rejected: { origin: string; reason: string }[] = []
  const duplicates: { origin: string; reason: string }[] = []
  for (const out of outputs) {
    rejected.push(...out.rejected)
    for (const row of out.rows) {
      const first = seen.get(rowKey(row))
      if (first) duplicates.push({ origin: row.origin, reason: `duplicate of ${first.origin}` })
      else seen.set(rowKey(row), row)
    }
  }
  return { rows: [...seen.values()], rejected: [...rejected, ...duplicates], duplicates }
}

/** Enrich: each plugin refines the previous one's markets; exclusions accumulate. */
export function foldEnrichOutputs(previous: EnrichOutput, next: EnrichOutput): EnrichOutput {
  return { markets: next.markets, excluded: [...previous.excluded, ...next.excluded] }
}

export function marketKey(market: Market): string {
  return market.conditionId
}
