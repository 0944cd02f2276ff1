import {
  loadCountedFills,
  loadLastFairs,
  loadMarkets,
  upsertPnlDaily,
} from '../../../plugins/persist/sqlite/queries.ts'
import {
  type CliIo,
  DEFAULT_DB,
  openCliStore,
  parseFlags,
  parseUtcDay,
  resolveFormat,
  resolveScope,
  runCommand,
  SCOPE_FLAGS,
  SCOPE_HELP,
  UsageError,
} from './args.ts'
import { computeDailyPnl, type DailyPnl } from './compute-pnl.ts'
import { fixed, renderCsv, renderTable } from './format.ts'

export const EXPORT_PNL_USAGE = `usage: mm export-pnl [--date YYYY-MM-DD] [--db <path>] [--format table|csv|json] [--mode m] [--account a]

Realized PnL (average cost), fees, rebates and unrealized PnL at the day's last fair value, per market, for one
UTC day (default: today), printed and written to the database: the result replaces that day's rows in the
pnl_daily table. Reads fills from the database only; never starts a server or contacts the exchange.
  --date    the UTC day, YYYY-MM-DD
  --db      the daemon's database (default ${DEFAULT_DB})
  --format  table (default on a terminal), csv (default otherwise) or json
${SCOPE_HELP}
One mode and account at a time: paper and live, or two accounts, are never summed.
`

const CSV_HEADERS = [
  'date',
  'condition_id',
  'question',
  'fills',
  'volume_usd',
  'realized_usd',
  'fees_usd',
  'rebates_usd',
  'net_realized_usd',
  'unrealized_usd',
  'fair',
  'fair_at',
  'yes_shares',
  'no_shares',
]

function renderPnl(pnl: DailyPnl, format: 'table' | 'csv' | 'json', path: string): string {
  if (format === 'json') return `${JSON.stringify(pnl, null, 2)}\n`
  if (format === 'csv')
    return renderCsv(
      CSV_HEADERS,
      pnl.markets.map((m) => [
        pnl.date,
        m.conditionId,
        m.question,
        m.fills,
        m.volumeUsd,
        m.realizedUsd,
        m.feesUsd,
        m.rebatesUsd,
        m.netRealizedUsd,
        m.unrealizedUsd,
        m.fair,
        m.fairAt === null ? null : new Date(m.fairAt).toISOString(),
        m.yesShares,
        m.noShares,
      ]),
    )
  const label = (id: string, question: string) => (question ? question.slice(0, 40) : `${id.slice(0, 10)}…`)
  const rows = pnl.markets.map((m) => [
    label(m.conditionId, m.question),
    String(m.fills),
    fixed(m.volumeUsd, 2),
    fixed(m.realizedUsd, 4),
    fixed(m.feesUsd, 4),
    fixed(m.rebatesUsd, 4),
    fixed(m.netRealizedUsd, 4),
    fixed(m.unrealizedUsd, 4),
    fixed(m.fair, 4),
  ])
  const t = pnl.total
  rows.push([
    'total',
    String(t.fills),
    fixed(t.volumeUsd, 2),
    fixed(t.realizedUsd, 4),
    fixed(t.feesUsd, 4),
    fixed(t.rebatesUsd, 4),
    fixed(t.netRealizedUsd, 4),
    fixed(t.unrealizedUsd, 4),
    '',
  ])
  const headers = ['market', 'fills', 'volume', 'realized', 'fees', 'rebates', 'net realized', 'unrealized', 'fair']
  const notes = pnl.markets.filter((m) => m.note).map((m) => `  ${label(m.conditionId, m.question)}: ${m.note}\n`)
  return `PnL for ${pnl.date} (UTC), USD, from ${path}\n${renderTable(headers, rows)}${notes.join('')}`
}

/** `mm export-pnl`: prints the day's PnL and upserts pnl_daily. Returns the exit code. */
export function runExportPnl(argv: string[], io: CliIo): Promise<number> {
  return runCommand('export-pnl', io, () => {
    const flags = parseFlags(argv, {
      date: { type: 'string' },
      db: { type: 'string', default: DEFAULT_DB },
      format: { type: 'string' },
      ...SCOPE_FLAGS,
      help: { type: 'boolean', short: 'h' },
    })
    if (flags.help) {
      io.stdout(EXPORT_PNL_USAGE)
      return 0
    }
    const day = parseUtcDay(flags.date ?? new Date().toISOString().slice(0, 10))
    const format = resolveFormat(flags.format, io.isTTY)
    if (!flags.db) throw new UsageError('--db needs a path')
    const store = openCliStore(flags.db)
    try {
      const scope = resolveScope(store.db, flags)
      const pnl = computeDailyPnl({
        day,
        fills: loadCountedFills(store.db, day.end, scope),
        markets: loadMarkets(store.db),
        fairs: loadLastFairs(store.db, day.date, scope),
      })
      upsertPnlDaily(store.db, scope, day.date, pnl.markets, Date.now())
      io.stdout(renderPnl(pnl, format, `${store.path}, ${scope.label}`))
      return 0
    } finally {
      store.close()
    }
  })
}
