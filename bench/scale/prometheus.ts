// Reading the daemon's /metrics from outside: the Prometheus text format into samples, counter deltas between
// two scrapes, and histogram quantiles over a window from the difference of the cumulative buckets.

export interface Sample {
  readonly name: string
  readonly labels: Readonly<Record<string, string>>
  readonly value: number
}

export interface Scrape {
  readonly samples: readonly Sample[]
  /** metric family name → type (counter, gauge, histogram, summary, untyped) */
  readonly types: ReadonlyMap<string, string>
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g

export function parsePrometheus(text: string): Scrape {
  const samples: Sample[] = []
  const types = new Map<string, string>()
  for (const line of text.split('\n')) {
    if (line.startsWith('# TYPE ')) {
      const [, , name, type] = line.split(' ')
      if (name && type) types.set(name, type)
      continue
    }
    if (line === '' || line.startsWith('#')) continue
    const m = LINE.exec(line)
    if (!m) continue
    const labels: Record<string, string> = {}
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1]!] = l[2]!
    const value = m[3] === '+Inf' ? Infinity : m[3] === '-Inf' ? -Infinity : Number(m[3])
    samples.push({ name: m[1]!, labels, value })
  }
  return { samples, types }
}

/** Names of the metric families whose name matches. */
export function familiesMatching(s: Scrape, pattern: RegExp): string[] {
  return [...s.types.keys()].filter((n) => pattern.test(n))
}

/** Sum of every series of a counter or gauge (all label values), or undefined if the family is absent. */
export function total(s: Scrape, name: string, where?: (labels: Readonly<Record<string, string>>) => boolean) {
  const xs = s.samples.filter((x) => x.name === name && (!where || where(x.labels)))
  return xs.length === 0 ? undefined : xs.reduce((a, x) => a + x.value, 0)
}

export interface HistogramWindow {
  readonly count: number
  readonly sum: number
  /** cumulative counts per upper bound, ascending, the last being +Inf */
  readonly buckets: readonly { le: number; count: number }[]
}

function histogramAt(s: Scrape, name: string): HistogramWindow | undefined {
  const byLe = new Map<number, number>()
  for (const x of s.samples) {
    if (x.name !== `${name}_bucket`) continue
    const le = x.labels.le === '+Inf' ? Infinity : Number(x.labels.le)
    byLe.set(le, (byLe.get(le) ?? 0) + x.value) // summed over other labels
  }
  if (byLe.size === 0) return undefined
  return {
    count: total(s, `${name}_count`) ?? 0,
    sum: total(s, `${name}_sum`) ?? 0,
    buckets: [...byLe].sort((a, b) => a[0] - b[0]).map(([le, count]) => ({ le, count })),
  }
}

/** The histogram's observations between two scrapes (the later minus the earlier). */
export function histogramDelta(before: Scrape, after: Scrape, name: string): HistogramWindow | undefined {
  const a = histogramAt(after, name)
  if (!a) return undefined
  const b = histogramAt(before, name)
  const earlier = new Map((b?.buckets ?? []).map((x) => [x.le, x.count]))
  return {
    count: a.count - (b?.count ?? 0),
    sum: a.sum - (b?.sum ?? 0),
    buckets: a.buckets.map((x) => ({ le: x.le, count: x.count - (earlier.get(x.le) ?? 0) })),
  }
}

/**
 * The quantile as the bucket that holds it: `{ upTo: le }` means "at most le seconds" (the histogram cannot say
 * more), `{ above: le }` means it lies past the largest finite bucket.
 */
export function bucketQuantile(h: HistogramWindow, q: number): { upTo: number } | { above: number } | undefined {
  if (h.count <= 0) return undefined
  const rank = q * h.count
  const finite = h.buckets.filter((b) => Number.isFinite(b.le))
  for (const b of finite) if (b.count >= rank) return { upTo: b.le }
  return { above: finite.at(-1)?.le ?? 0 }
}

export async function scrape(
  url: string,
  timeoutMs: number,
): Promise<{ scrape: Scrape; ms: number } | { error: string }> {
  const t0 = performance.now()
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) })
    if (!res.ok) return { error: `HTTP ${res.status}` }
    return { scrape: parsePrometheus(await res.text()), ms: performance.now() - t0 }
  } catch (err) {
    return { error: (err as Error).name === 'TimeoutError' ? `no answer in ${timeoutMs} ms` : (err as Error).message }
  }
}
