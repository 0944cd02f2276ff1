/** One row of the benchmark table. Times in microseconds. */
export interface BenchResult {
  readonly name: string
  readonly count: number
  readonly medianUs: number
  readonly p99Us: number
  readonly opsPerSec: number
  /** e.g. "0.12× ethers" — a comparison with a baseline measured in the same run. */
  readonly ratio?: string
  readonly note?: string
}

/** Percentiles of per-call samples (µs) measured over `totalSec` of wall time. */
export function summarize(name: string, samples: Float64Array, totalSec: number): BenchResult {
  const sorted = Float64Array.from(samples).sort()
  const count = sorted.length
  return {
    name,
    count,
    medianUs: sorted[Math.floor(count * 0.5)] ?? 0,
    p99Us: sorted[Math.min(count - 1, Math.floor(count * 0.99))] ?? 0,
    opsPerSec: count / totalSec,
  }
}

/** Times `fn` `count` times after a warm-up; returns per-call percentiles. */
export function measure(
  name: string,
  count: number,
  fn: (i: number) => void,
  warmup = Math.min(1000, count),
): BenchResult {
  for (let i = 0; i < warmup; i++) fn(i)
  const samples = new Float64Array(count)
  const start = Bun.nanoseconds()
  for (let i = 0; i < count; i++) {
    const t0 = Bun.nanoseconds()
    fn(i)
    samples[i] = (Bun.nanoseconds() - t0) / 1000
  }
  return summarize(name, samples, (Bun.nanoseconds() - start) / 1e9)
}

/** `measure` for async work: each call is awaited before the next starts. */
export async function measureAsync(
  name: string,
  count: number,
  fn: (i: number) => Promise<unknown>,
  warmup = Math.min(200, count),
): Promise<BenchResult> {
  for (let i = 0; i < warmup; i++) await fn(i)
  const samples = new Float64Array(count)
  const start = Bun.nanoseconds()
  for (let i = 0; i < count; i++) {
    const t0 = Bun.nanoseconds()
    await fn(i)
    samples[i] = (Bun.nanoseconds() - t0) / 1000
  }
  return summarize(name, samples, (Bun.nanoseconds() - start) / 1e9)
}
