// What the daemon's own output says: JSON log lines (the log files and stderr) and anything that is not JSON
// (a crash prints a stack trace to stderr).
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

export interface LogFindings {
  /** Uncaught exceptions, stack traces, programming errors: message → count. */
  readonly unhandled: Record<string, number>
  /** Orders the exchange refused, by reason: reason → count. */
  readonly rejections: Record<string, number>
  /** Error-level lines by message (informational). */
  readonly errors: Record<string, number>
  /** "start failed: …" lines, in order. */
  readonly startFailures: string[]
}

const PROGRAMMING =
  /unhandled|uncaught|is not a function|cannot read propert|undefined is not|is not defined|maximum call stack|TypeError|ReferenceError|RangeError|SyntaxError|panic/i
/** Digits, hex ids and long numbers vary per line; the reason does not. */
const normalize = (s: string) =>
  s
    .replace(/0x[0-9a-fA-F]{6,}…?/g, '0x…')
    .replace(/\b[0-9a-f]{8}-[0-9a-f-]{27}\b/g, '<id>')
    .replace(/\d+(\.\d+)?/g, 'N')
    .slice(0, 160)

const bump = (m: Record<string, number>, k: string) => {
  m[k] = (m[k] ?? 0) + 1
}

export function scanDaemonLogs(opts: { logDir: string; outDir: string }): LogFindings {
  const unhandled: Record<string, number> = {}
  const rejections: Record<string, number> = {}
  const errors: Record<string, number> = {}
  const startFailures: string[] = []
  const files = (dir: string, pred: (f: string) => boolean) => {
    try {
      return readdirSync(dir)
        .filter(pred)
        .sort()
        .map((f) => join(dir, f))
    } catch {
      return []
    }
  }
  // The log files carry every record once; stderr adds what bypasses the logger (crashes).
  for (const file of files(opts.logDir, (f) => f.endsWith('.log'))) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line.trim()) continue
      let rec: { level?: string; msg?: string }
      try {
        rec = JSON.parse(line)
      } catch {
        bump(unhandled, `non-JSON log line: ${normalize(line)}`)
        continue
      }
      const msg = rec.msg ?? ''
      const rejected = /rejected: (.*)$/.exec(msg)
      if (rejected) bump(rejections, normalize(rejected[1] as string))
      if (rec.level === 'error' || rec.level === 'fatal') bump(errors, normalize(msg))
      if (/^start failed: /.test(msg)) startFailures.push(msg)
      if ((rec.level === 'error' || rec.level === 'fatal' || rec.level === 'warn') && PROGRAMMING.test(msg))
        bump(unhandled, normalize(msg))
    }
  }
  for (const file of files(opts.outDir, (f) => /^daemon-\d+\.stderr$/.test(f))) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      if (!line.trim() || line.startsWith('{')) continue
      if (/^\s+at\s|^error:|^\w*Error\b|panic|uncaught|unhandled/i.test(line)) bump(unhandled, normalize(line.trim()))
    }
  }
  return { unhandled, rejections, errors, startFailures }
}
