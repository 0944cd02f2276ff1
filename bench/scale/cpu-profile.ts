// Summary of a V8/JSC `.cpuprofile` (what `bun --cpu-prof` writes): the functions with the most samples of
// their own (self) and, for the project's own files, with the most samples under them (total).
// `bun bench/scale/cpu-profile.ts <file.cpuprofile> [--top 20]`
import { readFileSync } from 'node:fs'
import { relative } from 'node:path'
import { z } from 'zod'

const NodeSchema = z.object({
  id: z.number(),
  callFrame: z.object({
    functionName: z.string(),
    url: z.string(),
    lineNumber: z.number(),
    columnNumber: z.number().optional(),
  }),
  hitCount: z.number().optional(),
  children: z.array(z.number()).optional(),
})
const ProfileSchema = z.object({
  nodes: z.array(NodeSchema),
  startTime: z.number(),
  endTime: z.number(),
  samples: z.array(z.number()).optional(),
})

export interface ProfileRow {
  /** file:line function */
  readonly where: string
  readonly samples: number
  readonly percent: number
}

export interface ProfileSummary {
  readonly file: string
  readonly samples: number
  readonly seconds: number
  /** by self samples */
  readonly self: readonly ProfileRow[]
  /** functions in the project's files, by samples in them and everything they call */
  readonly total: readonly ProfileRow[]
  /** self samples grouped by file */
  readonly byFile: readonly ProfileRow[]
}

const ROOT = `${new URL('../..', import.meta.url).pathname}`

function place(url: string): string {
  const path = url.startsWith('file://') ? new URL(url).pathname : url
  if (path === '') return '(native)'
  return path.startsWith(ROOT) ? relative(ROOT, path) : path.replace(/^.*\/node_modules\//, 'node_modules/')
}

export function summarizeProfile(file: string, top = 20): ProfileSummary {
  const profile = ProfileSchema.parse(JSON.parse(readFileSync(file, 'utf8')))
  const selfById = new Map<number, number>()
  if (profile.samples && profile.samples.length > 0) {
    for (const id of profile.samples) selfById.set(id, (selfById.get(id) ?? 0) + 1)
  } else for (const n of profile.nodes) selfById.set(n.id, n.hitCount ?? 0)
  const all = [...selfById.values()].reduce((a, b) => a + b, 0)
  const byId = new Map(profile.nodes.map((n) => [n.id, n]))
  const key = (n: z.infer<typeof NodeSchema>) =>
    `${place(n.callFrame.url)}:${n.callFrame.lineNumber + 1} ${n.callFrame.functionName || '(anonymous)'}`

  const self = new Map<string, number>()
  const perFile = new Map<string, number>()
  for (const n of profile.nodes) {
    const s = selfById.get(n.id) ?? 0
    if (s === 0) continue
    self.set(key(n), (self.get(key(n)) ?? 0) + s)
    const f = place(n.callFrame.url)
    perFile.set(f, (perFile.get(f) ?? 0) + s)
  }

  // Inclusive samples: a node's own plus its subtree's; a function counted once per stack (recursion).
  const parent = new Map<number, number>()
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  const inclusive = new Map<string, number>()
  for (const [id, s] of selfById) {
    if (s === 0) continue
    const seen = new Set<string>()
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const n = byId.get(cur)
      if (!n) break
      const k = key(n)
      if (seen.has(k) || place(n.callFrame.url).startsWith('/') || !n.callFrame.url) continue
      if (place(n.callFrame.url).startsWith('node_modules/')) continue
      seen.add(k)
      inclusive.set(k, (inclusive.get(k) ?? 0) + s)
    }
  }
  const rows = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([where, samples]) => ({ where, samples, percent: all ? (100 * samples) / all : 0 }))
  return {
    file,
    samples: all,
    seconds: (profile.endTime - profile.startTime) / 1e6,
    self: rows(self),
    total: rows(inclusive),
    byFile: rows(perFile),
  }
}

export function formatProfile(p: ProfileSummary): string {
  const lines = [`${p.file}: ${p.samples} samples over ${p.seconds.toFixed(1)} s`]
  const section = (title: string, rows: readonly ProfileRow[]) => {
    lines.push(`  ${title}`)
    for (const r of rows)
      lines.push(`    ${r.percent.toFixed(1).padStart(5)}%  ${String(r.samples).padStart(7)}  ${r.where}`)
  }
  section('self time, by function', p.self)
  section('self time, by file', p.byFile)
  section('total time (self + callees), project functions', p.total)
  return lines.join('\n')
}

if (import.meta.main) {
  const args = process.argv.slice(2)
  const topAt = args.indexOf('--top')
  const top = topAt >= 0 ? Number(args[topAt + 1]) : 20
  const files = args.filter((a, i) => !a.startsWith('--') && (topAt < 0 || i !== topAt + 1))
  if (files.length === 0) {
    console.error('usage: bun bench/scale/cpu-profile.ts <file.cpuprofile>… [--top N]')
    process.exit(2)
  }
  for (const f of files) console.log(formatProfile(summarizeProfile(f, top)))
}
