import { statSync } from 'node:fs'
import { RESTART_ONLY_SECTIONS } from '../schemas/config.ts'
import { STAGES } from '../stages/index.ts'
import { canonicalJson, type LoadedConfig } from './config/load.ts'
import type { ResolvedEntry } from './config/resolve.ts'

export type InstanceChange =
  | { readonly kind: 'keep'; readonly instance: string }
  | { readonly kind: 'reconfigure'; readonly instance: string; readonly keys: readonly string[] }
  | { readonly kind: 'replace'; readonly instance: string; readonly why: string }
  | { readonly kind: 'add'; readonly instance: string }
  | { readonly kind: 'remove'; readonly instance: string }

export type ReloadPlan =
  | { readonly ok: true; readonly changes: readonly InstanceChange[]; readonly noop: boolean }
  | { readonly ok: false; readonly errors: readonly string[] }

function changedKeys(a: unknown, b: unknown): string[] {
  const ao = (a ?? {}) as Record<string, unknown>
  const bo = (b ?? {}) as Record<string, unknown>
  const keys = new Set([...Object.keys(ao), ...Object.keys(bo)])
  return [...keys].filter((k) => canonicalJson(ao[k]) !== canonicalJson(bo[k])).sort()
}

function codeChanged(entry: ResolvedEntry): boolean {
  if (!entry.file) return false
  try {
    return statSync(entry.file.path).mtimeMs !== entry.file.mtimeMs
  } catch {
    return true
  }
}

/**
 * Diff two loaded configs by plugin instance (Vector's ConfigDiff): unchanged kept, reloadable-only changes
 * reconfigured in place, everything else replaced. Sections that need a restart, and edited plugin code
 * (Bun's module cache cannot reload it reliably), are refused.
 */
export function planReload(current: LoadedConfig, next: LoadedConfig): ReloadPlan {
  const errors: string[] = []
  for (const section of RESTART_ONLY_SECTIONS) {
    if (canonicalJson(current.config[section]) !== canonicalJson(next.config[section])) {
      errors.push(`restart required: "${section}" changed (it cannot be reloaded)`)
    }
  }
  for (const stage of STAGES) {
    for (const e of [...current.stages[stage], ...next.stages[stage]]) {
      if (codeChanged(e)) errors.push(`restart required: plugin code changed (${e.file?.path})`)
    }
  }
  if (errors.length > 0) return { ok: false, errors: [...new Set(errors)] }

  const changes: InstanceChange[] = []
  for (const stage of STAGES) {
    const before = new Map(current.stages[stage].map((e) => [e.instance, e]))
    const after = new Map(next.stages[stage].map((e) => [e.instance, e]))
    for (const [id, old] of before) {
      const neu = after.get(id)
      if (!neu) {
        changes.push({ kind: 'remove', instance: id })
        continue
      }
      if (old.ref.use !== neu.ref.use || old.def !== neu.def) {
        changes.push({ kind: 'replace', instance: id, why: `plugin ${old.ref.use} → ${neu.ref.use}` })
        continue
      }
      const keys = changedKeys(old.config, neu.config)
      if (keys.length === 0) changes.push({ kind: 'keep', instance: id })
      else if (keys.every((k) => (neu.def.reloadable ?? []).includes(k)))
        changes.push({ kind: 'reconfigure', instance: id, keys })
      else changes.push({ kind: 'replace', instance: id, why: `changed ${keys.join(', ')}` })
    }
    for (const id of after.keys()) if (!before.has(id)) changes.push({ kind: 'add', instance: id })
  }
  // Two executors must never run side by side: the new one's start-up reconciliation would cancel the live
  // one's orders, and the old one's stop cancels every order of the account. Only its reloadable fields
  // change live; anything else about it needs a restart.
  for (const c of changes) {
    if (!c.instance.startsWith('execute') || (c.kind !== 'replace' && c.kind !== 'add' && c.kind !== 'remove')) continue
    const reloadable = next.stages.execute[0]?.def.reloadable ?? []
    errors.push(
      `restart required: the execute plugin cannot be replaced live (${c.kind === 'replace' ? c.why : c.kind}); only ${reloadable.length ? reloadable.join(', ') : 'nothing'} can change without a restart`,
    )
  }
  if (errors.length > 0) return { ok: false, errors }

  const noop = changes.every((c) => c.kind === 'keep') && current.hash === next.hash
  return { ok: true, changes, noop }
}
