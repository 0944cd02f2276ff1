import { appendFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { type ConsolaInstance, type ConsolaReporter, createConsola, type LogObject } from 'consola'

export type Logger = ConsolaInstance

/** One log argument as text. Never throws: a cyclic object or a BigInt must not take a log line down with it. */
function argText(a: unknown, withStack = false): string {
  if (typeof a === 'string') return a
  if (typeof a === 'bigint' || typeof a === 'number') return String(a)
  if (a instanceof Error) return withStack ? (a.stack ?? a.message) : a.message
  try {
    return JSON.stringify(a, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)) ?? String(a)
  } catch {
    return String(a)
  }
}

/** Writes every log record as a JSON line to a file (always, whatever the console shows). */
function fileReporter(path: string): ConsolaReporter {
  return {
    log(obj: LogObject) {
      const line = JSON.stringify({
        time: obj.date.toISOString(),
        level: obj.type,
        tag: obj.tag || undefined,
        msg: obj.args.map((a) => argText(a)).join(' '),
      })
      appendFileSync(path, `${line}\n`)
    },
  }
}

/** JSON lines on stdout when it is not a terminal (log shippers), human-readable on a TTY. */
function jsonReporter(): ConsolaReporter {
  return {
    log(obj: LogObject) {
      const msg = obj.args.map((a) => argText(a, true)).join(' ')
      const stream = obj.level <= 1 ? process.stderr : process.stdout
      stream.write(
        `${JSON.stringify({ time: obj.date.toISOString(), level: obj.type, tag: obj.tag || undefined, msg })}\n`,
      )
    },
  }
}

export interface LoggerOptions {
  /** Directory for the log file; created if missing. */
  logDir?: string
  /** File name inside logDir. */
  fileName?: string
  /** consola level: 0 fatal/error … 3 info … 4 debug. */
  level?: number
  /** Force JSON lines (true) or human-readable (false); default: human on a TTY. */
  json?: boolean
  /** Skip the console entirely (tests). */
  silent?: boolean
}

export function createLogger(opts: LoggerOptions = {}): { log: Logger; filePath: string | undefined } {
  let filePath: string | undefined
  const reporters: ConsolaReporter[] = []
  if (opts.logDir) {
    mkdirSync(opts.logDir, { recursive: true })
    filePath = join(opts.logDir, opts.fileName ?? `mm_${timestampForFile(new Date())}.log`)
    reporters.push(fileReporter(filePath))
  }
  const json = opts.json ?? !process.stdout.isTTY
  const base = createConsola({ level: opts.level ?? 3 })
  if (!opts.silent) reporters.push(...(json ? [jsonReporter()] : base.options.reporters))
  const log = createConsola({ level: opts.level ?? 3, reporters })
  return { log, filePath }
}

export function timestampForFile(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\..+$/, '').replace('T', '_')
}

/** A logger that records into an array (tests). */
export function createMemoryLogger(): { log: Logger; lines: string[] } {
  const lines: string[] = []
  const log = createConsola({
    level: 5,
    reporters: [
      {
        log(obj) {
          lines.push(`[${obj.type}]${obj.tag ? ` ${obj.tag}:` : ''} ${obj.args.map((a) => argText(a)).join(' ')}`)
        },
      },
    ],
  })
  return { log, lines }
}
