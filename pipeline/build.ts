import { STAGES, type Stage } from '../stages/index.ts'
import type { StageHandler } from '../stages/io.ts'
import type { Clock } from './clock.ts'
import type { LoadedConfig } from './config/load.ts'
import type { ResolvedEntry } from './config/resolve.ts'
import { NO_CREDENTIALS, type PluginContext, type Resources } from './context.ts'
import type { EventBus } from './event-bus.ts'
import type { Logger } from './logger.ts'
import type { PluginMetrics } from './metrics.ts'

/** One created plugin instance: its resolved entry, its handler, and the abort that stops it. */
export interface Instance<S extends Stage = Stage> {
  readonly entry: ResolvedEntry
  readonly handler: StageHandler<S>
  readonly abort: AbortController
  started: boolean
}

/** A pipeline ready to run: exactly one instance per single slot, a list for the others. */
export interface BuiltPipeline {
  readonly loaded: LoadedConfig
  readonly generation: number
  readonly source: readonly Instance<'source'>[]
  readonly enrich: readonly Instance<'enrich'>[]
  readonly book: Instance<'book'>
  readonly fairValue: Instance<'fair-value'>
  readonly spread: Instance<'spread'>
  readonly skew: Instance<'skew'>
  readonly risk: readonly Instance<'risk'>[]
  readonly layer: Instance<'layer'>
  readonly execute: Instance<'execute'>
  readonly persist: readonly Instance<'persist'>[]
}

export interface EngineServices {
  readonly log: Logger
  readonly metrics: PluginMetrics
  readonly clock: Clock
  readonly resources: Resources
  readonly events: EventBus
  markDirty(conditionId: string): void
  requestRefresh(): void
  /** Told of every instance as it is created, before any is started (the daemon's view of persistence). */
  onCreated?(instance: Instance): void
}

export function createContext(
  entry: ResolvedEntry,
  services: EngineServices,
  abort: AbortController,
  configDir: string,
): PluginContext {
  return {
    stage: entry.stage,
    plugin: entry.def.name,
    instance: entry.instance,
    log: services.log.withTag(`${entry.instance}/${entry.def.name}`),
    metrics: services.metrics,
    clock: services.clock,
    signal: abort.signal,
    // The signing key and API credentials reach only the plugin that places orders.
    resources: entry.stage === 'execute' ? services.resources : { ...services.resources, credentials: NO_CREDENTIALS },
    events: services.events,
    configDir,
    markDirty: services.markDirty,
    requestRefresh: services.requestRefresh,
  }
}

/** Create one instance (not started). */
export async function createInstance<S extends Stage>(
  entry: ResolvedEntry,
  services: EngineServices,
  configDir: string,
): Promise<Instance<S>> {
  const abort = new AbortController()
  const ctx = createContext(entry, services, abort, configDir)
  const handler = (await entry.def.create(entry.config, ctx)) as StageHandler<S>
  return { entry, handler, abort, started: false }
}

export async function startInstance(instance: Instance): Promise<void> {
  if (instance.started) return
  await instance.handler.start?.()
  instance.started = true
}

/** Stops an instance once; errors are reported, never thrown, so one bad stop never blocks the others. */
export async function stopInstance(instance: Instance, log: Logger): Promise<void> {
  if (instance.abort.signal.aborted) return
  instance.abort.abort(new Error('stopped'))
  try {
    await instance.handler.stop?.()
  } catch (err) {
    log.error(`stopping ${instance.entry.instance}/${instance.entry.def.name} failed:`, err)
  }
}

/** Every instance in pipeline order; execute last among the quote stages so it stops after nothing feeds it. */
export function instancesOf(p: BuiltPipeline): Instance[] {
  return [
    ...p.source,
    ...p.enrich,
    p.book,
    p.fairValue,
    p.spread,
    p.skew,
    ...p.risk,
    p.layer,
    p.execute,
    ...p.persist,
  ] as Instance[]
}

/**
 * Create and start every instance of a loaded config, reusing `keep` instances by instance id (reload). On any
 * failure, stops what this call started and rethrows: the caller keeps its current pipeline.
 */
export async function buildPipeline(
  loaded: LoadedConfig,
  services: EngineServices,
  generation: number,
  keep: ReadonlyMap<string, Instance> = new Map(),
): Promise<{ pipeline: BuiltPipeline; created: Instance[] }> {
  const created: Instance[] = []
  const byStage = new Map<Stage, Instance[]>()
  try {
    for (const stage of STAGES) {
      const list: Instance[] = []
      for (const entry of loaded.stages[stage]) {
        const kept = keep.get(entry.instance)
        if (kept) {
          list.push(kept)
          continue
        }
        const inst = await createInstance(entry, services, loaded.dir)
        services.onCreated?.(inst)
        created.push(inst)
        list.push(inst)
      }
      byStage.set(stage, list)
    }
    // Persistence first: what the others restore at start (the executor's back-fill point) is read from it.
    const persistFirst = [
      ...created.filter((i) => i.entry.stage === 'persist'),
      ...created.filter((i) => i.entry.stage !== 'persist'),
    ]
    for (const inst of persistFirst) await startInstance(inst)
  } catch (err) {
    for (const inst of created.reverse()) await stopInstance(inst, services.log)
    throw err
  }
  const one = <S extends Stage>(s: S) => {
    const inst = byStage.get(s)?.[0]
    if (!inst) throw new Error(`stage ${s} has no plugin`)
    return inst as Instance<S>
  }
  const many = <S extends Stage>(s: S) => (byStage.get(s) ?? []) as Instance<S>[]
  return {
    pipeline: {
      loaded,
      generation,
      source: many('source'),
      enrich: many('enrich'),
      book: one('book'),
      fairValue: one('fair-value'),
      spread: one('spread'),
      skew: one('skew'),
      risk: many('risk'),
      layer: one('layer'),
      execute: one('execute'),
      persist: many('persist'),
    },
    created,
  }
}
