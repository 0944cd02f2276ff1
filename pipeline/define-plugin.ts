import type { z } from 'zod'
import type { Stage } from '../stages/index.ts'
import type { StageHandler } from '../stages/io.ts'
import type { PluginContext } from './context.ts'

/** A plugin: a named, zod-configured factory of one stage's handler. */
export interface PluginDefinition<S extends Stage = Stage, C extends z.ZodType = z.ZodType> {
  /** kebab-case, unique within its stage. */
  readonly name: string
  readonly stage: S
  /** One line, shown by `GET /plugins` and `check-config`. */
  readonly summary: string
  /** Validates the YAML `with:` block; unknown keys are rejected. */
  readonly config: C
  /** Config fields that hold secrets: only from the environment (a literal in the file is refused), redacted when shown. */
  readonly secrets?: readonly (keyof z.output<C> & string)[]
  /** Config fields a hot reload may change in place through `reconfigure`. */
  readonly reloadable?: readonly (keyof z.output<C> & string)[]
  readonly examples?: readonly { readonly title: string; readonly with: Record<string, unknown> }[]
  create(config: z.output<C>, ctx: PluginContext): StageHandler<S, z.output<C>> | Promise<StageHandler<S, z.output<C>>>
}

/** Identity function that exists for typing: `export default definePlugin({...})`. */
export function definePlugin<S extends Stage, C extends z.ZodType>(
  def: PluginDefinition<S, C>,
): PluginDefinition<S, C> {
  return def
}

/** Any plugin, whatever its stage and config; what the resolver and the builtins list hold. */
// biome-ignore lint/suspicious/noExplicitAny: a heterogeneous list needs the widest config type
export type AnyPlugin = PluginDefinition<Stage, any>

export function isPluginDefinition(value: unknown): value is AnyPlugin {
  if (typeof value !== 'object' || value === null) return false
  const v = value as Record<string, unknown>
  return (
    typeof v.name === 'string' &&
    typeof v.stage === 'string' &&
    typeof v.create === 'function' &&
    typeof v.config === 'object' &&
    v.config !== null &&
    typeof (v.config as { safeParse?: unknown }).safeParse === 'function'
  )
}
