// What grows with the number of markets: the daemon's RSS and JSC heap (object counts by type, after a full GC)
// compared between the smallest and the largest soak size, as a per-market slope.
import { z } from 'zod'

export const HeapStatsSchema = z.object({
  heapSize: z.number(),
  objectCount: z.number(),
  objectTypeCounts: z.record(z.string(), z.number()),
  memoryUsage: z.object({ rss: z.number(), heapUsed: z.number().optional(), external: z.number().optional() }).loose(),
})

export interface GrowthRow {
  readonly what: string
  readonly small: number
  readonly large: number
  readonly perMarket: number
}

export interface Growth {
  readonly from: number
  readonly to: number
  readonly rows: readonly GrowthRow[]
  readonly types: readonly GrowthRow[]
}

interface SizeLike {
  readonly markets: number
  readonly heap?: unknown
  readonly figures: Readonly<Record<string, { value?: number }>>
}

export function compareSizes(sizes: readonly SizeLike[], top = 15): Growth | undefined {
  const withHeap = sizes
    .map((s) => ({ s, heap: HeapStatsSchema.safeParse(s.heap) }))
    .filter((x) => x.heap.success)
    .sort((a, b) => a.s.markets - b.s.markets)
  if (withHeap.length < 2) return undefined
  const a = withHeap[0]!
  const b = withHeap.at(-1)!
  const ha = a.heap.data!
  const hb = b.heap.data!
  const n = b.s.markets - a.s.markets
  const row = (what: string, small: number, large: number) => ({ what, small, large, perMarket: (large - small) / n })
  const rssA = a.s.figures.daemonRss?.value
  const rssB = b.s.figures.daemonRss?.value
  const rows = [
    ...(rssA !== undefined && rssB !== undefined ? [row('RSS MB (median in window)', rssA, rssB)] : []),
    row('RSS MB (at heap read)', ha.memoryUsage.rss / 2 ** 20, hb.memoryUsage.rss / 2 ** 20),
    row('JSC heap MB', ha.heapSize / 2 ** 20, hb.heapSize / 2 ** 20),
    row('JSC objects', ha.objectCount, hb.objectCount),
  ]
  const names = new Set([...Object.keys(ha.objectTypeCounts), ...Object.keys(hb.objectTypeCounts)])
  const types = [...names]
    .map((t) => row(t, ha.objectTypeCounts[t] ?? 0, hb.objectTypeCounts[t] ?? 0))
    .sort((x, y) => y.perMarket - x.perMarket)
    .slice(0, top)
  return { from: a.s.markets, to: b.s.markets, rows, types }
}

export function formatGrowth(g: Growth): string {
  const f = (x: number) => x.toLocaleString('en-US', { maximumFractionDigits: x < 10 ? 2 : 0 })
  const lines = [`growth from ${g.from} to ${g.to} markets (per added market):`]
  for (const r of g.rows)
    lines.push(
      `  ${r.what.padEnd(28)} ${f(r.small).padStart(12)} → ${f(r.large).padStart(12)}   ${f(r.perMarket)} / market`,
    )
  lines.push('  heap objects by type (after a full GC):')
  for (const r of g.types)
    lines.push(
      `    ${r.what.padEnd(26)} ${f(r.small).padStart(12)} → ${f(r.large).padStart(12)}   ${f(r.perMarket)} / market`,
    )
  return lines.join('\n')
}
