import type { StoredFill } from '../../../plugins/persist/sqlite/queries.ts'
import {
  loadCountedFills,
  loadPositions,
  type PositionRow,
  replacePositions,
} from '../../../plugins/persist/sqlite/queries.ts'
import { createAccount } from '../../account.ts'
import {
  type CliIo,
  DEFAULT_DB,
  openCliStore,
  parseFlags,
  resolveFormat,
  resolveScope,
  runCommand,
  SCOPE_FLAGS,
  SCOPE_HELP,
  UsageError,
} from './args.ts'
import { fixed, renderCsv, renderTable, round } from './format.ts'

export const REBUILD_POSITIONS_USAGE = `usage: mm rebuild-positions [--db <path>] [--write] [--format table|csv|json] [--mode m] [--account a]

Rebuilds every token's position from the fills table (average cost, FAILED trades excluded) and shows it next
to the positions table. Never starts a server or contacts the exchange.
  --db      the daemon's database (default ${DEFAULT_DB})
  --write   replace the positions table with the rebuilt positions
  --format  table (default on a terminal), csv (default otherwise) or json
${SCOPE_HELP}
Fills and positions of one mode and account only; --write replaces only that account's rows.
`

export type PositionStatus = 'same' | 'differs' | 'missing in table' | 'not in fills'

export interface PositionDiff {
  readonly tokenId: string
  readonly conditionId: string
  readonly dbShares: number | null
  readonly rebuiltShares: number
  readonly dbAvgPrice: number | null
  readonly rebuiltAvgPrice: number
  readonly rebuiltRealizedPnl: number
  readonly status: PositionStatus
}

const EPSILON = 1e-6

/** Positions from fills, by the account's average-cost rules, and how they compare with the stored table. */
export function diffPositions(
  fills: readonly StoredFill[],
  stored: readonly PositionRow[],
  owner: { readonly mode: string; readonly account: string } = { mode: '', account: '' },
): { diffs: PositionDiff[]; rebuilt: PositionRow[] } {
  const account = createAccount()
  const conditionOf = new Map<string, string>()
  for (const f of fills) {
    account.applyFill(f)
    conditionOf.set(f.tokenId, f.conditionId)
  }
  const byToken = new Map(stored.map((p) => [p.tokenId, p]))
  const now = Date.now()
  const rebuilt: PositionRow[] = [...conditionOf].map(([tokenId, conditionId]) => {
    const p = account.token(tokenId)
    return {
      mode: owner.mode,
      account: owner.account,
      tokenId,
      conditionId,
      shares: round(p.shares, 6),
      avgPrice: round(p.avgPrice),
      realizedPnl: round(p.realizedPnl),
      updatedAt: now,
    }
  })
  const diffs: PositionDiff[] = rebuilt.map((r) => {
    const db = byToken.get(r.tokenId)
    let status: PositionStatus = 'same'
    if (!db) status = r.shares === 0 ? 'same' : 'missing in table'
    else if (
      Math.abs(db.shares - r.shares) > EPSILON ||
      (r.shares !== 0 && Math.abs(db.avgPrice - r.avgPrice) > EPSILON)
    )
      status = 'differs'
    return {
      tokenId: r.tokenId,
      conditionId: r.conditionId,
      dbShares: db?.shares ?? null,
      rebuiltShares: r.shares,
      dbAvgPrice: db?.avgPrice ?? null,
      rebuiltAvgPrice: r.avgPrice,
      rebuiltRealizedPnl: r.realizedPnl,
      status,
    }
  })
  for (const db of stored)
    if (!conditionOf.has(db.tokenId))
      diffs.push({
        tokenId: db.tokenId,
        conditionId: db.conditionId,
        dbShares: db.shares,
        rebuiltShares: 0,
        dbAvgPrice: db.avgPrice,
        rebuiltAvgPrice: 0,
        rebuiltRealizedPnl: 0,
        status: Math.abs(db.shares) > EPSILON ? 'not in fills' : 'same',
      })
  diffs.sort((a, b) => a.conditionId.localeCompare(b.conditionId) || a.tokenId.localeCompare(b.tokenId))
  return { diffs, rebuilt }
}

function render(diffs: readonly PositionDiff[], format: 'table' | 'csv' | 'json', summary: string): string {
  if (format === 'json') return `${JSON.stringify({ positions: diffs, summary }, null, 2)}\n`
  if (format === 'csv')
    return renderCsv(
      [
        'token_id',
        'condition_id',
        'db_shares',
        'rebuilt_shares',
        'db_avg_price',
        'rebuilt_avg_price',
        'rebuilt_realized_pnl',
        'status',
      ],
      diffs.map((d) => [
        d.tokenId,
        d.conditionId,
        d.dbShares,
        d.rebuiltShares,
        d.dbAvgPrice,
        d.rebuiltAvgPrice,
        d.rebuiltRealizedPnl,
        d.status,
      ]),
    )
  const rows = diffs.map((d) => [
    d.tokenId.length > 14 ? `${d.tokenId.slice(0, 6)}…${d.tokenId.slice(-6)}` : d.tokenId,
    `${d.conditionId.slice(0, 10)}…`,
    fixed(d.dbShares, 2),
    fixed(d.rebuiltShares, 2),
    fixed(d.dbAvgPrice, 4),
    fixed(d.rebuiltAvgPrice, 4),
    fixed(d.rebuiltRealizedPnl, 4),
    d.status,
  ])
  const headers = ['token', 'market', 'db shares', 'rebuilt', 'db avg', 'rebuilt avg', 'realized', 'status']
  return `${renderTable(headers, rows, ['token'])}${summary}\n`
}

/** `mm rebuild-positions`: positions from fills with a diff against the table; --write replaces it. */
export function runRebuildPositions(argv: string[], io: CliIo): Promise<number> {
  return runCommand('rebuild-positions', io, () => {
    const flags = parseFlags(argv, {
      db: { type: 'string', default: DEFAULT_DB },
      write: { type: 'boolean', default: false },
      format: { type: 'string' },
      ...SCOPE_FLAGS,
      help: { type: 'boolean', short: 'h' },
    })
    if (flags.help) {
      io.stdout(REBUILD_POSITIONS_USAGE)
      return 0
    }
    const format = resolveFormat(flags.format, io.isTTY)
    if (!flags.db) throw new UsageError('--db needs a path')
    const store = openCliStore(flags.db)
    try {
      const scope = resolveScope(store.db, flags)
      const { diffs, rebuilt } = diffPositions(
        loadCountedFills(store.db, Number.MAX_SAFE_INTEGER, scope),
        loadPositions(store.db, scope),
        scope,
      )
      const differing = diffs.filter((d) => d.status !== 'same').length
      let summary = `${scope.label}: ${diffs.length} tokens, ${differing} differ from the positions table`
      if (flags.write) {
        replacePositions(store.db, scope, rebuilt)
        summary += `; positions table replaced (${rebuilt.length} rows)`
      } else if (differing > 0) summary += '; run with --write to replace it'
      io.stdout(render(diffs, format, summary))
      return 0
    } finally {
      store.close()
    }
  })
}
