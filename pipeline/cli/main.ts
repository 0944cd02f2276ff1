#!/usr/bin/env bun
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { builtins } from '../../plugins/index.ts'
import { formatIssues } from '../config/errors.ts'
import { loadConfig } from '../config/load.ts'
import { checkPluginConformance } from '../conformance.ts'
import { missingInputFiles } from './check-files.ts'
import { runDaemonCommand } from './run-daemon.ts'

export const USAGE = `mm — market-making daemon for Polymarket binary markets

Usage:
  bun run mm [--config <file>] [--test] [--port <p>] [--adopt-state]
                                            run the daemon (default config: mm.config.yaml)
  bun run mm check-config [--config <file>] load, resolve and build the config without starting
  bun run mm check-plugin <file> [--with <json>]
                                            check a plugin file against the plugin contract
  bun run mm sim [--scenario <name|file>] [--port <p>] [--seed <n>]
                                            run the exchange simulator on its own
  bun run mm record --out <file.jsonl> --url <ws url> --assets <id,id>
                                            journal raw market-channel frames
  bun run mm export-pnl --date YYYY-MM-DD [--db <file>] [--format table|csv|json]
                                            print a day's PnL per market and write it to pnl_daily
  bun run mm rebuild-positions [--db <file>] [--write]
  bun run mm preflight [--config <file>] [--probe-order] [--json]
                                            the account as the exchange sees it: keys, balances,
                                            allowances, rate-limit tier, clock; exit 1 on any problem
  bun run mm drill --config <file> [--duration 30m] [--faults 1000] [--kills 5] [--seed n] [--out dir]
                                            fault drill: simulator + daemon, faults, kill -9s, judged
                                            against the exchange's ledger (exit 0 when every invariant holds)
  bun run mm backtest --config <file> [--scenario <name|file>] [--replay <frames.jsonl>] [--duration 6h]
                      [--seeds 1..20] [--set <path>=<v1,v2,…>] [--out report/]
                                            run the daemon in simulated time; table and HTML report
  bun run mm --help

Options:
  --config <file>   the YAML config (default: mm.config.yaml)
  --test            dry run: no order is sent anywhere; each order that would be sent is logged,
                    to the console and to logs/mm_test_<timestamp>.log
  --port <p>        serve the HTTP API and dashboard on this port (overrides server.port; env MM_PORT;
                    0 picks a free port)
  --adopt-state     start even on a database another mode (paper/live) or account wrote, and claim it
`

export interface CliIo {
  stdout(text: string): void
  stderr(text: string): void
  readonly isTTY: boolean
}

const defaultIo: CliIo = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  isTTY: Boolean(process.stdout.isTTY),
}

function usage(io: CliIo): number {
  io.stdout(USAGE)
  return 0
}

/** A one-line usage error: exit code 2. */
class UsageError extends Error {}

function parseConfigFlags(argv: string[], forRun: boolean) {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string' },
      ...(forRun ? { test: { type: 'boolean' }, port: { type: 'string' }, 'adopt-state': { type: 'boolean' } } : {}),
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: true,
  })
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`)
  const config = resolve(typeof values.config === 'string' ? values.config : 'mm.config.yaml')
  if (!existsSync(config)) throw new UsageError(`config file not found: ${config}`)
  return {
    config,
    test: values.test === true,
    help: values.help === true,
    port: typeof values.port === 'string' ? parsePort(values.port, '--port') : undefined,
    adoptState: values['adopt-state'] === true,
  }
}

export function parsePort(text: string, what: string): number {
  const n = Number(text)
  if (!/^\d+$/.test(text.trim()) || !Number.isInteger(n) || n < 0 || n > 65535)
    throw new UsageError(`${what} must be a port number 0-65535, not ${JSON.stringify(text)}`)
  return n
}

async function checkConfig(argv: string[], io: CliIo): Promise<number> {
  const { config, help } = parseConfigFlags(argv, false)
  if (help) return usage(io)
  const res = await loadConfig(config, { builtins })
  if (!res.ok) {
    io.stderr(`${formatIssues(res.file, res.issues)}\n${res.issues.length} problem(s) in ${res.file}\n`)
    return 1
  }
  const lines = Object.values(res.loaded.stages)
    .flat()
    .map((e) => `  ${e.instance.padEnd(12)} ${e.def.name}${e.file ? ` (${e.file.path})` : ''}`)
  const missing = missingInputFiles(res.loaded)
  if (missing.length > 0) {
    io.stderr(`${missing.map((m) => `${res.loaded.file}: ${m}`).join('\n')}\n`)
    return 1
  }
  io.stdout(`${res.loaded.file}: ok (hash ${res.loaded.hash})\n${lines.join('\n')}\n`)
  return 0
}

async function checkPlugin(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { with: { type: 'string' } },
    strict: true,
    allowPositionals: true,
  })
  const [file, ...extra] = positionals
  if (!file || extra.length > 0) throw new UsageError('check-plugin takes one plugin file')
  const path = resolve(file)
  if (!existsSync(path)) throw new UsageError(`plugin file not found: ${path}`)
  let sample: Record<string, unknown> = {}
  if (typeof values.with === 'string') {
    try {
      sample = JSON.parse(values.with) as Record<string, unknown>
    } catch {
      throw new UsageError('--with must be a JSON object')
    }
  }
  const mod = (await import(path)) as { default?: unknown }
  const problems = await checkPluginConformance(mod.default, sample)
  if (problems.length > 0) {
    io.stderr(`${problems.map((p) => `${path}: ${p}`).join('\n')}\n`)
    return 1
  }
  io.stdout(`${path}: conforms to the plugin contract\n`)
  return 0
}

/** Subcommands other parts of mm provide; loaded lazily so `check-config` never pulls in the simulator. */
const SUBCOMMANDS: Record<string, (argv: string[], io: CliIo) => Promise<number>> = {
  'check-config': checkConfig,
  'check-plugin': checkPlugin,
  sim: async (argv) => (await import('../../sim/cli.ts')).runSimCommand(argv),
  record: async (argv) => (await import('../../sim/cli.ts')).runRecordCommand(argv),
  'export-pnl': async (argv, io) => (await import('./pnl/export-pnl.ts')).runExportPnl(argv, io),
  preflight: async (argv, io) => (await import('./preflight/index.ts')).runPreflight(argv, io),
  'rebuild-positions': async (argv, io) => (await import('./pnl/rebuild-positions.ts')).runRebuildPositions(argv, io),
  drill: async (argv, io) => (await import('../../drill/cli.ts')).runDrillCommand(argv, io),
  backtest: async (argv, io) => {
    const lab = await import('../../lab/cli.ts')
    try {
      return await lab.runBacktestCommand(argv, io)
    } catch (err) {
      if (err instanceof lab.BacktestUsageError) throw new UsageError(err.message)
      throw err
    }
  },
}

export async function main(argv: string[], io: CliIo = defaultIo): Promise<number> {
  try {
    const [first, ...rest] = argv
    if (first === '--help' || first === '-h' || first === 'help') return usage(io)
    if (first !== undefined && !first.startsWith('-')) {
      const sub = SUBCOMMANDS[first]
      if (!sub) throw new UsageError(`unknown command "${first}" (see --help)`)
      return await sub(rest, io)
    }
    const { config, test, help, port, adoptState } = parseConfigFlags(argv, true)
    if (help) return usage(io)
    const envPort = process.env.MM_PORT
    const portOverride =
      port !== undefined
        ? { port, from: '--port' }
        : envPort !== undefined && envPort !== ''
          ? { port: parsePort(envPort, 'MM_PORT'), from: 'MM_PORT' }
          : undefined
    return await runDaemonCommand({
      configPath: config,
      dryRun: test,
      io,
      adoptState,
      ...(portOverride ? { portOverride } : {}),
    })
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr(`mm: ${(err as Error).message.split('\n')[0]?.split('. To specify')[0]}\n`)
      return 2
    }
    throw err
  }
}

if (import.meta.main) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`mm: ${err instanceof Error ? err.message : String(err)}\n`)
      process.exit(1)
    },
  )
}
