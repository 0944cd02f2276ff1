import { readFileSync } from 'node:fs'
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml'
import { formatIssues } from '../pipeline/config/errors.ts'
import { type LoadedConfig, loadConfigText } from '../pipeline/config/load.ts'
import type { AnyPlugin } from '../pipeline/define-plugin.ts'

/**
 * The config a backtest runs: the user's file with `--set` overrides applied, then the parts only a live run
 * needs replaced: the exchange is the backtest's simulator, the market list is the scenario's, nothing is
 * persisted. Everything the strategy reads (stages, their `with:`, capital) is the file's.
 */

export class ConfigError extends Error {}

export type Overrides = readonly { readonly path: string; readonly value: unknown }[]

/** A `--set` value as YAML would read it: numbers, booleans and durations like `12s` keep their type. */
export function parseSetValue(text: string): unknown {
  try {
    return parseYaml(text) as unknown
  } catch {
    return text
  }
}

function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.')
  let cur: Record<string, unknown> = obj
  for (const [i, k] of keys.entries()) {
    if (i === keys.length - 1) {
      cur[k] = value
      return
    }
    const next = cur[k]
    if (next === undefined) {
      // Only a plugin's `with:` block may be created: anything else missing is a path that does not exist.
      if (k !== 'with') throw new ConfigError(`--set ${path}: no "${keys.slice(0, i + 1).join('.')}" in the config`)
      cur[k] = {}
    } else if (typeof next !== 'object' || next === null)
      throw new ConfigError(`--set ${path}: "${keys.slice(0, i + 1).join('.')}" is not a section`)
    cur = cur[k] as Record<string, unknown>
  }
}

function getPath(obj: unknown, path: string): unknown {
  let cur = obj
  for (const k of path.split('.')) {
    if (typeof cur !== 'object' || cur === null) return undefined
    cur = (cur as Record<string, unknown>)[k]
  }
  return cur
}

export function backtestConfigText(file: string, overrides: Overrides): string {
  const raw = parseYaml(readFileSync(file, 'utf8')) as Record<string, unknown>
  if (typeof raw !== 'object' || raw === null) throw new ConfigError(`${file}: not a YAML mapping`)
  for (const o of overrides) setPath(raw, o.path, o.value)
  const pipeline = (raw.pipeline ?? {}) as Record<string, unknown>
  raw.pipeline = { ...pipeline, source: [{ use: 'scenario-markets' }], enrich: [{ use: 'gamma' }] }
  delete (raw.pipeline as Record<string, unknown>).persist
  raw.exchange = { use: 'sim', with: { scenario: 'default', port: 0 } }
  raw.mode = 'paper'
  return stringifyYaml(raw)
}

/** Validate as the daemon would; an override must land on a field the loaded config has. */
export async function loadBacktestConfig(
  file: string,
  overrides: Overrides,
  builtins: readonly AnyPlugin[],
): Promise<LoadedConfig> {
  const text = backtestConfigText(file, overrides)
  const res = await loadConfigText(text, file, { builtins, env: {} })
  if (!res.ok) throw new ConfigError(formatIssues(file, res.issues))
  for (const o of overrides) {
    const m = /^pipeline\.([a-z-]+)(?:\.(\d+))?\.with\.(.+)$/.exec(o.path)
    if (m) {
      const [, stage, index, field] = m as unknown as [string, string, string | undefined, string]
      const entry = res.loaded.stages[stage as keyof LoadedConfig['stages']]?.[Number(index ?? 0)]
      if (!entry || getPath(entry.config, field) === undefined)
        throw new ConfigError(
          `--set ${o.path}: ${entry ? `plugin ${entry.def.name} has no field "${field}"` : `no ${stage} stage entry`}`,
        )
    } else if (getPath(res.loaded.config, o.path) === undefined) {
      throw new ConfigError(`--set ${o.path}: not a config field`)
    }
  }
  return res.loaded
}
