import { basename, join } from 'node:path'
import { Glob } from 'bun'
import type { BenchResult } from './types.ts'

/** `bun run bench [filter]`: runs every bench/*.bench.ts and prints one table. */
const filter = process.argv[2]
const dir = import.meta.dir
// The scale soak starts processes and runs for minutes: only when asked for by name (`bun run bench scale`).
const files = [...new Glob('*.bench.ts').scanSync(dir)]
  .sort()
  .filter((f) => (filter ? f.includes(filter) : !f.startsWith('scale')))
const rows: (BenchResult & { suite: string })[] = []
for (const file of files) {
  const suite = basename(file, '.bench.ts')
  process.stderr.write(`running ${suite}…\n`)
  const mod = (await import(join(dir, file))) as { default: () => Promise<BenchResult[]> }
  for (const r of await mod.default()) rows.push({ ...r, suite })
}

// A figure a bench could not measure is NaN and shows as n/a, never as a number.
const fmt = (n: number, digits = 2) => (!Number.isFinite(n) ? 'n/a' : n >= 100 ? n.toFixed(0) : n.toFixed(digits))
const table = [
  ['suite', 'operation', 'count', 'median µs', 'p99 µs', 'ops/s', 'ratio', 'note'],
  ...rows.map((r) => [
    r.suite,
    r.name,
    String(r.count),
    fmt(r.medianUs),
    fmt(r.p99Us),
    fmt(r.opsPerSec, 0),
    r.ratio ?? '',
    r.note ?? '',
  ]),
]
const widths = table[0]!.map((_, c) => Math.max(...table.map((row) => row[c]!.length)))
for (const [i, row] of table.entries()) {
  console.log(row.map((cell, c) => (c >= 2 && c <= 5 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join('  '))
  if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '))
}
