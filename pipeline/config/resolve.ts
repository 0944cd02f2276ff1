import { statSync } from 'node:fs'
import { isAbsolute, resolve as resolvePath } from 'node:path'
import { z } from 'zod'
import type { PluginRef } from '../../schemas/config.ts'
import type { Stage } from '../../stages/index.ts'
import { type AnyPlugin, isPluginDefinition } from '../define-plugin.ts'
import type { ConfigIssue } from './errors.ts'

/** A stage entry whose plugin is found and whose `with:` is validated. */
export interface ResolvedEntry {
  readonly stage: Stage
  /** `risk.1` for list stages, `spread` for single ones: the id a reload diffs by. */
  readonly instance: string
  /** Dotted YAML path of the entry. */
  readonly path: readonly (string | number)[]
  readonly ref: PluginRef
  readonly def: AnyPlugin
  /** The validated, defaulted config handed to create(). */
  readonly config: unknown
  /** For user plugins: the resolved file and its mtime, so a reload can tell code changed (restart needed). */
  readonly file?: { readonly path: string; readonly mtimeMs: number }
}

export function isPathRef(use: string): boolean {
  return use.startsWith('./') || use.startsWith('../') || isAbsolute(use)
}

/** Plugin configs reject unknown keys, as the config file does everywhere else. */
export function strictConfig(schema: z.ZodType): z.ZodType {
  return schema instanceof z.ZodObject ? schema.strict() : schema
}

export async function resolvePlugin(
  ref: PluginRef,
  stage: Stage,
  configDir: string,
  builtins: readonly AnyPlugin[],
): Promise<{ def: AnyPlugin; file?: { path: string; mtimeMs: number } } | { error: string }> {
  if (isPathRef(ref.use)) {
    const file = resolvePath(configDir, ref.use)
    let mtimeMs: number
    try {
      mtimeMs = statSync(file).mtimeMs
    } catch {
      return { error: `plugin file not found: ${file}` }
    }
    let mod: { default?: unknown }
    try {
      mod = (await import(file)) as { default?: unknown }
    } catch (err) {
      return { error: `cannot load plugin file ${file}: ${err instanceof Error ? err.message : String(err)}` }
    }
    if (!isPluginDefinition(mod.default)) {
      return { error: `${file} has no default export made with definePlugin({ name, stage, config, create })` }
    }
    if (mod.default.stage !== stage) {
      return {
        error: `${file} is a ${mod.default.stage} plugin ("${mod.default.name}"); it cannot be used in ${stage}`,
      }
    }
    return { def: mod.default, file: { path: file, mtimeMs } }
  }
  const inStage = builtins.filter((p) => p.stage === stage)
  const found = inStage.find((p) => p.name === ref.use)
  if (found) return { def: found }
  const elsewhere = builtins.find((p) => p.name === ref.use)
  if (elsewhere) return { error: `"${ref.use}" is a ${elsewhere.stage} plugin; it cannot be used in ${stage}` }
  const names = inStage.map((p) => p.name).join(', ') || 'none'
  return { error: `unknown ${stage} plugin "${ref.use}" (built-ins: ${names}; or a path starting with ./)` }
}

export function normalizeSlot(slot: PluginRef | PluginRef[] | undefined): { ref: PluginRef; index?: number }[] {
  if (slot === undefined) return []
  return Array.isArray(slot) ? slot.map((ref, index) => ({ ref, index })) : [{ ref: slot }]
}

export type ResolveIssue = ConfigIssue
