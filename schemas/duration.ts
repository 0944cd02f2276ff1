import { z } from 'zod'

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const
const DURATION_RE = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/

/** Parses "600s", "15m", "250ms", "1h"; a bare number counts as seconds (as the original *_SEC settings). */
export function parseDuration(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value * 1000 : undefined
  const m = DURATION_RE.exec(value.trim())
  if (!m) return undefined
  return Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS]
}

/** A duration in configuration, as milliseconds once parsed. */
export const DurationSchema = z
  .union([z.number(), z.string()])
  .transform((v, ctx) => {
    const ms = parseDuration(v)
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: `invalid duration ${JSON.stringify(v)}: use e.g. 250ms, 12s, 15m, 1h` })
      return z.NEVER
    }
    return ms
  })
  .meta({ description: 'A duration: a number of seconds, or a string with a unit (250ms, 12s, 15m, 1h, 1d).' })

export function formatDuration(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000}d`
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`
  if (ms % 60_000 === 0) return `${ms / 60_000}m`
  if (ms % 1000 === 0) return `${ms / 1000}s`
  return `${ms}ms`
}
