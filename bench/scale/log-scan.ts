// Counts in the daemon's own log file (JSON lines: time, level, msg) of what it has no metric for today: request
// timeouts, failed heartbeats, post-only rejections, 429s. Only lines inside the window count.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

export const LOG_PATTERNS = {
  requestTimeouts: /no answer after \d+ ms/,
  heartbeatFailures: /exchange heartbeat failed/,
  postOnlyRejections: /rejected: .*post-only/,
  rateLimited: /rate limited \(429\)/,
  marketsPulled: /^pull 0x/,
} as const
/** Per pattern, plus lines at level error and all lines in the window. */
export type LogCounts = Record<keyof typeof LOG_PATTERNS, number> & { errors: number; lines: number }

/** The newest mm_*.log in `<dir>/logs`. */
export function daemonLogFile(dir: string): string | undefined {
  try {
    const files = readdirSync(join(dir, 'logs'))
      .filter((f) => /^mm_\d{8}_\d{6}\.log$/.test(f))
      .sort()
    return files.length ? join(dir, 'logs', files.at(-1)!) : undefined
  } catch {
    return undefined
  }
}

export function scanLog(file: string, fromMs: number, toMs: number): LogCounts {
  const counts: LogCounts = {
    requestTimeouts: 0,
    heartbeatFailures: 0,
    postOnlyRejections: 0,
    rateLimited: 0,
    marketsPulled: 0,
    errors: 0,
    lines: 0,
  }
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.startsWith('{')) continue
    let rec: { time?: string; level?: string; msg?: string }
    try {
      rec = JSON.parse(line)
    } catch {
      continue
    }
    const at = Date.parse(rec.time ?? '')
    if (!(at >= fromMs && at <= toMs)) continue
    counts.lines++
    const msg = rec.msg ?? ''
    if (LOG_PATTERNS.requestTimeouts.test(msg)) counts.requestTimeouts++
    if (LOG_PATTERNS.heartbeatFailures.test(msg)) counts.heartbeatFailures++
    if (LOG_PATTERNS.postOnlyRejections.test(msg)) counts.postOnlyRejections++
    if (LOG_PATTERNS.rateLimited.test(msg)) counts.rateLimited++
    if (LOG_PATTERNS.marketsPulled.test(msg)) counts.marketsPulled++
    if (rec.level === 'error' || rec.level === 'fatal') counts.errors++
  }
  return counts
}
