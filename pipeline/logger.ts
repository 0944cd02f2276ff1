import { appendFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { type ConsolaInstance, type ConsolaReporter, createConsola, type LogObject } from 'consola'

export type Logger = ConsolaInstance

/**
 * Machine-readable fields of a log line (ids, sizes): pass `fields({ token_id, order_id })` as the last argument.
 * JSON lines (stdout off a terminal, the log file) carry them as top-level keys; the terminal shows them only
 * at debug level, so a person reads the market and outcome, and a machine still gets the ids.
 */
export class LogFields {
  constructor(readonly values: Readonly<Record<string, unknown>>) {}
}

export function fields(values: Readonly<Record<string, unknown>>): LogFields {
  return new LogFields(values)
}

/** Keys a record always has; a field of the same name is prefixed so it never overwrites them. */
const RESERVED = new Set(['time', 'level', 'tag', 'msg'])

function splitFields(args: readonly unknown[]): { text: unknown[]; extra: Record<string, unknown> } {
  const text: unknown[] = []
  const extra: Record<string, unknown> = {}
  for (const a of args) {
    if (a instanceof LogFields) {
      for (const [k, v] of Object.entries(a.values)) {
        if (v === undefined) continue
        extra[RESERVED.has(k) ? `field_${k}` : k] = typeof v === 'bigint' ? v.toString() : v
      }
    } else text.push(a)
  }
  return { text, extra }
}

function jsonLine(obj: LogObject, withStack: boolean): string {
  const { text, extra } = splitFields(obj.args)
  const record = {
    time: obj.date.toISOString(),
    level: obj.type,
    tag: obj.tag || undefined,
    msg: text.map((a) => argText(a, withStack)).join(' '),
    ...extra,
  }
  try {
    return JSON.stringify(record, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))
  } catch {
    return JSON.stringify({ time: record.time, level: record.level, tag: record.tag, msg: record.msg })
  }
}

/** A terminal reporter that drops the fields (or, at debug level, appends them as key=value). */
function humanReporter(inner: ConsolaReporter, showFields: boolean): ConsolaReporter {
  return {
    log(obj, ctx) {
      const { text, extra } = splitFields(obj.args)
      const keys = Object.entries(extra)
      if (showFields && keys.length > 0) text.push(keys.map(([k, v]) => `${k}=${argText(v)}`).join(' '))
      inner.log({ ...obj, args: text }, ctx)
    },
  }
}

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
      appendFileSync(path, `${jsonLine(obj, false)}\n`)
    },
  }
}

/** JSON lines on stdout when it is not a terminal (log shippers), human-readable on a TTY. */
function jsonReporter(): ConsolaReporter {
  return {
    log(obj: LogObject) {
      const stream = obj.level <= 1 ? process.stderr : process.stdout
      stream.write(`${jsonLine(obj, true)}\n`)
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
  const level = opts.level ?? 3
  const base = createConsola({ level })
  if (!opts.silent)
    reporters.push(...(json ? [jsonReporter()] : base.options.reporters.map((r) => humanReporter(r, level >= 4))))
  const log = createConsola({ level, reporters })
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
          const { text } = splitFields(obj.args)
          lines.push(`[${obj.type}]${obj.tag ? ` ${obj.tag}:` : ''} ${text.map((a) => argText(a)).join(' ')}`)
        },
      },
    ],
  })
  return { log, lines }
}
