import { z } from 'zod'
import type { AnyPlugin } from '../pipeline/define-plugin.ts'
import { STAGE_ARITY, STAGES } from '../stages/index.ts'
import { MmConfigSchema } from './config.ts'

type Json = Record<string, unknown>

function toJson(schema: z.ZodType): Json {
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any', target: 'draft-7' }) as Json
}

/**
 * JSON Schema of mm.config.yaml for editors: the top-level schema, with each stage slot narrowed to the
 * built-in plugins of that stage (their `with:` schemas inlined) or a path to a user's plugin file.
 */
export function buildConfigJsonSchema(builtins: readonly AnyPlugin[]): Json {
  const root = toJson(MmConfigSchema)
  const pipelineProps: Json = {}
  for (const stage of STAGES) {
    const variants: Json[] = builtins
      .filter((p) => p.stage === stage)
      .map((p) => {
        const withSchema = toJson(p.config)
        delete withSchema.$schema
        return {
          type: 'object',
          description: p.summary,
          properties: { use: { const: p.name }, with: withSchema },
          required: ['use'],
          additionalProperties: false,
        }
      })
    variants.push({
      type: 'object',
      description: "A user's plugin file, relative to this YAML",
      properties: { use: { type: 'string', pattern: '^(\\./|\\.\\./|/)' }, with: { type: 'object' } },
      required: ['use'],
      additionalProperties: false,
    })
    const ref = { anyOf: variants }
    pipelineProps[stage] = STAGE_ARITY[stage] === 'many' ? { anyOf: [ref, { type: 'array', items: ref }] } : ref
  }
  const props = root.properties as Json
  props.pipeline = {
    type: 'object',
    properties: pipelineProps,
    required: STAGES.filter((s) => s !== 'persist'),
    additionalProperties: false,
  }
  return { ...root, title: 'mm.config.yaml' }
}
