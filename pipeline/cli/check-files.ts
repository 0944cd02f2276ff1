import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import type { LoadedConfig } from '../config/load.ts'

/**
 * Files the config names that must exist before the daemon starts: a market list that is missing would leave
 * the daemon running idle, so check-config says so instead of "ok".
 */
export function missingInputFiles(loaded: LoadedConfig): string[] {
  const problems: string[] = []
  for (const e of loaded.stages.source) {
    if (e.def.name !== 'file') continue
    const path = (e.config as { path?: unknown }).path
    if (typeof path !== 'string') continue
    const full = resolve(loaded.dir, path)
    if (!existsSync(full)) problems.push(`${e.path.join('.')}.with.path: market file not found: ${full}`)
  }
  return problems
}
