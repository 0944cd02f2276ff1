// `mm drill`: arguments, progress on stderr, the table on stdout, drill.json in the output folder.
import { existsSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { parseDuration } from '../schemas/duration.ts'
import { formatTable, verdict } from './report.ts'
import { runDrill } from './run.ts'

export const DRILL_USAGE = `usage: mm drill --config <file> [--duration 30m] [--faults 1000] [--kills 5] [--seed n] [--out dir]
                [--scenario name] [--grace 3s]`

/** Test-only: a build with a known defect, to show the drill catches it (never used by a daemon outside a drill). */
const BROKEN_BUILDS: Record<string, string> = {
  'duplicate-fills': join(import.meta.dir, 'testing', 'duplicating-persist.ts'),
}

interface Io {
  stdout(t: string): void
  stderr(t: string): void
}

export async function runDrillCommand(argv: string[], io: Io): Promise<number> {
  let values: Record<string, string | boolean | undefined>
  try {
    values = parseArgs({
      args: argv,
      options: {
        config: { type: 'string' },
        duration: { type: 'string' },
        faults: { type: 'string' },
        kills: { type: 'string' },
        seed: { type: 'string' },
        out: { type: 'string' },
        scenario: { type: 'string' },
        grace: { type: 'string' },
        'broken-build': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values
  } catch (err) {
    io.stderr(`${(err as Error).message}\n${DRILL_USAGE}\n`)
    return 2
  }
  if (values.help) {
    io.stdout(`${DRILL_USAGE}\n`)
    return 0
  }
  const bad = (m: string) => {
    io.stderr(`mm drill: ${m}\n${DRILL_USAGE}\n`)
    return 2
  }
  const config = resolve(String(values.config ?? 'mm.config.yaml'))
  if (!existsSync(config)) return bad(`config file not found: ${config}`)
  const ms = (v: unknown, d: number) => (v === undefined ? d : (parseDuration(String(v)) ?? Number.NaN))
  const int = (v: unknown, d: number) => (v === undefined ? d : Number(v))
  const durationMs = ms(values.duration, 30 * 60_000)
  const graceMs = ms(values.grace, 3000)
  if (!(graceMs >= 0)) return bad('--grace must be a duration such as 3s')
  const faults = int(values.faults, 1000)
  const kills = int(values.kills, 5)
  const seed = int(values.seed, 1)
  if (!(durationMs >= 30_000)) return bad('--duration must be at least 30s')
  for (const [name, v] of [
    ['faults', faults],
    ['kills', kills],
    ['seed', seed],
  ] as const)
    if (!Number.isInteger(v) || v < 0) return bad(`--${name} must be a whole number ≥ 0`)
  const broken = values['broken-build'] === undefined ? undefined : BROKEN_BUILDS[String(values['broken-build'])]
  if (values['broken-build'] !== undefined && !broken)
    return bad(`--broken-build: one of ${Object.keys(BROKEN_BUILDS).join(', ')}`)
  const outDir = resolve(
    String(values.out ?? join(tmpdir(), `mm-drill-${new Date().toISOString().replace(/[:.]/g, '-')}`)),
  )
  const report = await runDrill({
    config,
    durationMs,
    faults,
    kills,
    seed,
    outDir,
    graceMs,
    ...(values.scenario ? { scenario: String(values.scenario) } : {}),
    ...(broken ? { persistUse: broken } : {}),
    progress: (line) => io.stderr(`[drill] ${line}\n`),
  })
  writeFileSync(
    join(outDir, 'drill.json'),
    `${JSON.stringify({ verdict: verdict(report) ? 'pass' : 'fail', ...report }, null, 2)}\n`,
  )
  io.stdout(`${formatTable(report)}\n`)
  return verdict(report) ? 0 : 1
}
