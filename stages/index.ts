/**
 * The ten stages, in pipeline order, and how many plugins each slot takes.
 *
 * - `many`: a list, run in order (source and enrich are merged in order, risk verdicts combine with the
 *   strictest winning, persist fans out and never blocks quoting).
 * - `one`: exactly one plugin.
 */
export const STAGES = [
  'source',
  'enrich',
  'book',
  'fair-value',
  'spread',
  'skew',
  'risk',
  'layer',
  'execute',
  'persist',
] as const

export type Stage = (typeof STAGES)[number]

export const STAGE_ARITY: Record<Stage, 'one' | 'many'> = {
  source: 'many',
  enrich: 'many',
  book: 'one',
  'fair-value': 'one',
  spread: 'one',
  skew: 'one',
  risk: 'many',
  layer: 'one',
  execute: 'one',
  persist: 'many',
}

export function isStage(value: string): value is Stage {
  return (STAGES as readonly string[]).includes(value)
}
