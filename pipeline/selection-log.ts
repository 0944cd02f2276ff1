import type { Market } from '../schemas/domain.ts'

export interface SelectionDiff {
  readonly added: Market[]
  readonly removed: Market[]
  /** Markets in both selections, as `next` has them (metadata may have been refreshed). */
  readonly unchanged: Market[]
}

/** Compares two selections by conditionId; each list keeps the order of the selection it comes from. */
export function diffSelection(prev: readonly Market[], next: readonly Market[]): SelectionDiff {
  const prevIds = new Set(prev.map((m) => m.conditionId.toLowerCase()))
  const nextIds = new Set(next.map((m) => m.conditionId.toLowerCase()))
  return {
    added: next.filter((m) => !prevIds.has(m.conditionId.toLowerCase())),
    removed: prev.filter((m) => !nextIds.has(m.conditionId.toLowerCase())),
    unchanged: next.filter((m) => prevIds.has(m.conditionId.toLowerCase())),
  }
}

export interface SelectionStatus {
  /** Markets being traded after the update. */
  readonly activeMarkets: number
  /** Token → market mappings (book subscriptions). */
  readonly marketMappings: number
  /** Quote pipelines running. */
  readonly tradingStrategies: number
}

export interface SelectionChange {
  readonly diff: SelectionDiff
  /** True for the first load of the daemon's life. */
  readonly initial: boolean
  readonly status: SelectionStatus
  /** Where the selection came from, for the initial line: "sheet" (the original wording) or "file". */
  readonly source?: string
}

/** Python-style list, as the original daemon printed it: ['a', 'b']. */
function pyList(items: readonly string[]): string {
  return `[${items.map((s) => `'${s}'`).join(', ')}]`
}

function statusLines(s: SelectionStatus): string[] {
  return [
    'Market selection update complete:',
    `   - Active markets: ${s.activeMarkets}`,
    `   - Market mappings: ${s.marketMappings}`,
    `   - Trading strategies: ${s.tradingStrategies}`,
  ]
}

/**
 * The log lines users know from the original daemon. Markets are listed by their token1 (YES token) as the
 * original did, each followed by its question. Returns no lines when a later read changed nothing (the caller
 * logs `formatSelectionStatus` periodically instead).
 */
export function formatSelectionChange(change: SelectionChange): string[] {
  const { diff, status } = change
  if (change.initial) {
    const count = diff.added.length + diff.unchanged.length
    return [
      `Initial market selection: ${count} markets loaded from ${change.source ?? 'sheet'}`,
      ...diff.added.map((m) => `   + ${m.yesTokenId} ${m.question}`),
      ...statusLines(status),
    ]
  }
  if (diff.added.length === 0 && diff.removed.length === 0) return []
  const lines = ['MARKET SELECTION CHANGE DETECTED - Updating trading configuration']
  if (diff.added.length > 0) {
    lines.push(`Markets ADDED: ${pyList(diff.added.map((m) => m.yesTokenId))}`)
    lines.push(...diff.added.map((m) => `   + ${m.yesTokenId} ${m.question}`))
  }
  if (diff.removed.length > 0) {
    lines.push(`Markets REMOVED: ${pyList(diff.removed.map((m) => m.yesTokenId))}`)
    lines.push(...diff.removed.map((m) => `   - ${m.yesTokenId} ${m.question}`))
  }
  lines.push(...statusLines(status))
  return lines
}

/** The periodic line logged even when nothing changed. */
export function formatSelectionStatus(s: SelectionStatus): string {
  return `Market selection status: Active markets: ${s.activeMarkets}, Market mappings: ${s.marketMappings}, Trading strategies: ${s.tradingStrategies}`
}
