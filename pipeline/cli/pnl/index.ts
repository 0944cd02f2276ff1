/** The PnL commands of the CLI; pipeline/cli dispatches `export-pnl` and `rebuild-positions` here. */
export { type CliIo, UsageError } from './args.ts'
export { EXPORT_PNL_USAGE, runExportPnl } from './export-pnl.ts'
export { REBUILD_POSITIONS_USAGE, runRebuildPositions } from './rebuild-positions.ts'
