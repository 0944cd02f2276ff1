import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { LineCounter, parseDocument } from 'yaml'
import { type MmConfig, MmConfigSchema, type PluginRef, SECRET_PATHS } from '../../schemas/config.ts'
import { STAGES, type Stage } from '../../stages/index.ts'
import type { AnyPlugin } from '../define-plugin.ts'
import { applyEnvOverrides } from './env-overrides.ts'
import { type ConfigIssue, joinPath } from './errors.ts'
import { type Env, interpolate } from './interpolate.ts'
import { createLocator } from './locate.ts'
import { normalizeSlot, type ResolvedEntry, resolvePlugin, strictConfig } from './resolve.ts'
import { refuseMisplacedSecrets } from './secret-vars.ts'
import { zodIssuesToConfigIssues } from './zod-issues.ts'

/** A config that loaded, validated and resolved completely: what the daemon builds from. */
export interface LoadedConfig {
  readonly file: string
  readonly dir: string
  readonly config: MmConfig
  readonly stages: { readonly [S in Stage]: readonly ResolvedEntry[] }
  /** sha256 of the canonical validated config (secrets excluded), for /config and reload no-ops. */
  readonly hash: string
  /** Every config path holding a secret: the core ones and those plugins declare. Redact these when showing config. */
  readonly secretPaths: readonly (readonly (string | number)[])[]
}

export type LoadResult =
  | { readonly ok: true; readonly loaded: LoadedConfig }
  | { readonly ok: false; readonly file: string; readonly issues: readonly ConfigIssue[] }

export interface LoadOptions {
  readonly env?: Env
  readonly builtins: readonly AnyPlugin[]
}

/** Load from a file. Never throws: every problem is returned, each with its YAML path and line. */
export async function loadConfig(path: string, opts: LoadOptions): Promise<LoadResult> {
  const file = resolve(path)
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    const why = code === 'ENOENT' ? 'file not found' : code === 'EACCES' ? 'permission denied' : String(err)
    return { ok: false, file, issues: [{ path: '', message: `cannot read config: ${why}` }] }
  }
  return loadConfigText(text, file, opts)
}

/** Load from text (reload bodies, tests). `file` names the source and anchors relative paths. */
export async function loadConfigText(text: string, file: string, opts: LoadOptions): Promise<LoadResult> {
  const env = opts.env ?? process.env
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true })
  const lineOf = (offset: number) => lineCounter.linePos(offset).line
  const issues: ConfigIssue[] = []
  for (const e of doc.errors) {
    issues.push({ path: '', line: lineOf(e.pos[0]), message: `YAML syntax: ${e.message.split('\n')[0]}` })
  }
  if (issues.length > 0) return { ok: false, file, issues }

  const interp = interpolate(doc, env, lineOf)
  issues.push(...interp.issues)
  let raw: unknown
  try {
    raw = doc.toJS() ?? {}
  } catch (err) {
    return {
      ok: false,
      file,
      issues: [{ path: '', message: `YAML: ${err instanceof Error ? err.message : String(err)}` }],
    }
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { ok: false, file, issues: [{ path: '', line: 1, message: 'the config must be a YAML mapping' }] }
  }
  const envOrigins = applyEnvOverrides(raw, env)
  const locate = createLocator(doc, lineCounter)

  // Resolve plugins first (even when the rest has errors, so one run reports every problem): their declared
  // secrets decide where a secret variable may be expanded, before anything validates or shows a value.
  const dir = dirname(file)
  const pipeline = (raw as { pipeline?: Record<string, unknown> }).pipeline
  const found: Array<{
    stage: Stage
    index: number | undefined
    ref: PluginRef
    path: (string | number)[]
    def: AnyPlugin
    file?: ResolvedEntry['file']
  }> = []
  if (typeof pipeline === 'object' && pipeline !== null) {
    for (const stage of STAGES) {
      const slot = pipeline[stage]
      if (slot === undefined) continue
      for (const { ref, index } of normalizeSlot(slot as PluginRef | PluginRef[])) {
        if (typeof ref !== 'object' || ref === null || typeof ref.use !== 'string') continue // reported by the schema
        const path: (string | number)[] = index === undefined ? ['pipeline', stage] : ['pipeline', stage, index]
        const res = await resolvePlugin(ref, stage, dir, opts.builtins)
        if ('error' in res) {
          issues.push({ path: joinPath([...path, 'use']), line: locate([...path, 'use']), message: res.error })
          continue
        }
        found.push({ stage, index, ref, path, def: res.def, ...(res.file ? { file: res.file } : {}) })
      }
    }
  }
  const secretPaths = [
    ...SECRET_PATHS,
    ...found.flatMap((f) => (f.def.secrets ?? []).map((key) => [...f.path, 'with', key])),
  ]
  issues.push(...refuseMisplacedSecrets(raw, interp.varsAt, secretPaths, locate, REDACTED))

  issues.push(...secretIssues(raw, SECRET_PATHS, interp.fromEnv, envOrigins, locate))

  const parsed = MmConfigSchema.safeParse(raw)
  if (!parsed.success) issues.push(...zodIssuesToConfigIssues(parsed.error, [], locate, envOrigins))
  if (parsed.success && parsed.data.mode === 'paper' && parsed.data.exchange.use === 'polymarket') {
    issues.push({
      path: 'mode',
      line: locate(['mode']),
      message:
        'paper mode trades only against the simulator (exchange: { use: sim }); for Polymarket set mode: live, and try it first with --test (a dry run that sends nothing)',
    })
  }

  const stages = Object.fromEntries(STAGES.map((s) => [s, [] as ResolvedEntry[]])) as Record<Stage, ResolvedEntry[]>
  for (const { stage, index, ref, path, def, file: pluginFile } of found) {
    const pluginSecrets = (def.secrets ?? []).map((key) => [...path, 'with', key])
    issues.push(...secretIssues(raw, pluginSecrets, interp.fromEnv, envOrigins, locate))
    const cfg = strictConfig(def.config).safeParse(ref.with ?? {})
    if (!cfg.success) {
      issues.push(...zodIssuesToConfigIssues(cfg.error, [...path, 'with'], locate, envOrigins))
      continue
    }
    stages[stage].push({
      stage,
      instance: index === undefined ? stage : `${stage}.${index}`,
      path,
      ref,
      def,
      config: cfg.data,
      ...(pluginFile ? { file: pluginFile } : {}),
    })
  }

  if (issues.length > 0 || !parsed.success) return { ok: false, file, issues: dedupe(issues) }
  const config = parsed.data
  return { ok: true, loaded: { file, dir, config, stages, hash: configHash(config, stages, secretPaths), secretPaths } }
}

function get(obj: unknown, path: readonly (string | number)[]): unknown {
  let cur = obj
  for (const k of path) {
    if (typeof cur !== 'object' || cur === null) return undefined
    cur = (cur as Record<string | number, unknown>)[k]
  }
  return cur
}

/**
 * A secret written literally in the file is refused: secrets come only from the environment. One from
 * ${VAR} keeps the exact text substituted (an all-digit token is not turned into a number).
 */
function secretIssues(
  raw: unknown,
  paths: readonly (readonly (string | number)[])[],
  fromEnv: ReadonlyMap<string, string>,
  envOrigins: ReadonlyMap<string, string>,
  locate: ReturnType<typeof createLocator>,
): ConfigIssue[] {
  const out: ConfigIssue[] = []
  for (const path of paths) {
    const dotted = path.join('.')
    const value = get(raw, path)
    const text = fromEnv.get(dotted)
    if (text !== undefined) {
      const parent = get(raw, path.slice(0, -1))
      if (typeof parent === 'object' && parent !== null) {
        ;(parent as Record<string | number, unknown>)[path.at(-1) as string | number] = text
      }
      continue
    }
    if (value === undefined || value === '' || envOrigins.has(dotted)) continue
    out.push({
      path: dotted,
      line: locate(path),
      message: `a secret must come from the environment: write \${VAR} here (e.g. \${${String(path.at(-1)).toUpperCase()}}), never the value`,
    })
  }
  return out
}

function dedupe(issues: ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>()
  return issues.filter((i) => {
    const k = `${i.path}|${i.line}|${i.message}`
    if (seen.has(k)) return false
    seen.add(k)
    return true
  })
}

/** Canonical JSON: keys sorted, so the same config always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}

function configHash(
  config: MmConfig,
  stages: LoadedConfig['stages'],
  secretPaths: LoadedConfig['secretPaths'],
): string {
  const redacted = redactConfig(config, secretPaths)
  const plugins = Object.fromEntries(
    Object.entries(stages).map(([s, entries]) => [
      s,
      entries.map((e) => ({
        use: e.ref.use,
        with: redactConfig(
          e.config,
          (e.def.secrets ?? []).map((k) => [k]),
        ),
      })),
    ]),
  )
  return createHash('sha256')
    .update(canonicalJson({ ...redacted, pipeline: plugins }))
    .digest('hex')
    .slice(0, 16)
}

export const REDACTED = '***'

/** A deep copy with the secret at each path replaced; what /config and logs show. */
export function redactConfig<T>(config: T, paths: readonly (readonly (string | number)[])[] = SECRET_PATHS): T {
  const copy = structuredClone(config) as unknown
  for (const path of paths) {
    const parent = get(copy, path.slice(0, -1))
    const last = path.at(-1) as string | number
    if (
      typeof parent === 'object' &&
      parent !== null &&
      (parent as Record<string | number, unknown>)[last] !== undefined
    ) {
      ;(parent as Record<string | number, unknown>)[last] = REDACTED
    }
  }
  return copy as T
}
