import { randomBytes } from 'node:crypto'
import { z } from 'zod'
import { isStage, type Stage } from '../stages/index.ts'
import { strictConfig } from './config/resolve.ts'
import { type AnyPlugin, isPluginDefinition } from './define-plugin.ts'
import { createTestContext } from './testing.ts'

/** Methods each stage's handler must have. */
const REQUIRED_METHODS: Record<Stage, readonly string[]> = {
  source: ['run'],
  enrich: ['run'],
  book: ['track', 'run', 'books'],
  'fair-value': ['run'],
  spread: ['run'],
  skew: ['run'],
  risk: ['run'],
  layer: ['run'],
  execute: ['track', 'run', 'pull', 'liveOrders'],
  persist: ['write'],
}

function undocumentedFields(schema: z.ZodType): string[] {
  if (!(schema instanceof z.ZodObject)) return []
  const out: string[] = []
  for (const [key, field] of Object.entries(schema.shape as Record<string, z.ZodType>)) {
    if (!field.description) out.push(key)
  }
  return out
}

/**
 * The plugin contract, checked: what every built-in passes and what a user's plugin should pass before it
 * trades. Returns the problems found (empty = conforms). `sample` is a `with:` block that validates, for
 * plugins whose config has required fields.
 */
export async function checkPluginConformance(value: unknown, sample: Record<string, unknown> = {}): Promise<string[]> {
  if (!isPluginDefinition(value))
    return ['not a plugin: export default definePlugin({ name, stage, summary, config, create })']
  const def: AnyPlugin = value
  const problems: string[] = []
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(def.name)) problems.push(`name "${def.name}" is not kebab-case`)
  if (!isStage(def.stage)) problems.push(`stage "${def.stage}" is not one of the ten stages`)
  if (!def.summary || def.summary.length < 8) problems.push('summary is missing or too short')
  for (const key of undocumentedFields(def.config)) problems.push(`config field "${key}" has no .describe()`)
  const shape = def.config instanceof z.ZodObject ? Object.keys(def.config.shape) : []
  for (const key of def.reloadable ?? [])
    if (!shape.includes(key)) problems.push(`reloadable "${key}" is not a config field`)
  const parsed = strictConfig(def.config).safeParse(sample)
  if (!parsed.success) {
    problems.push(
      `config does not accept ${JSON.stringify(sample)}: ${parsed.error.issues.map((i) => i.message).join('; ')}`,
    )
    return problems
  }
  if (!isStage(def.stage)) return problems
  // A throwaway key: plugins that sign (execute) may refuse to build without one; nothing is sent.
  const ctx = createTestContext({
    stage: def.stage,
    plugin: def.name,
    credentials: { privateKey: `0x${randomBytes(32).toString('hex')}` },
  })
  let handler: Record<string, unknown>
  try {
    handler = (await def.create(parsed.data, ctx)) as unknown as Record<string, unknown>
  } catch (err) {
    problems.push(`create() threw: ${err instanceof Error ? err.message : String(err)}`)
    return problems
  }
  for (const m of REQUIRED_METHODS[def.stage]) {
    if (typeof handler[m] !== 'function') problems.push(`a ${def.stage} handler needs ${m}()`)
  }
  if (def.reloadable?.length && typeof handler.reconfigure !== 'function') {
    problems.push('declares reloadable fields but has no reconfigure()')
  }
  if (typeof handler.snapshot === 'function' && typeof handler.restore !== 'function') {
    problems.push('has snapshot() without restore()')
  }
  try {
    const stop = handler.stop as (() => unknown) | undefined
    await stop?.call(handler)
    await stop?.call(handler) // stop must be idempotent
  } catch (err) {
    problems.push(`stop() is not idempotent: ${err instanceof Error ? err.message : String(err)}`)
  }
  return problems
}
