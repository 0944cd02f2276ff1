import type { z } from 'zod'
import type { Market } from '../schemas/domain.ts'
import type { AccountShare } from '../stages/account-share.ts'
import type { Stage } from '../stages/index.ts'
import type { StageHandler } from '../stages/io.ts'
import { type Account, createAccount } from './account.ts'
import { type Clock, createManualClock } from './clock.ts'
import { strictConfig } from './config/resolve.ts'
import {
  type Credentials,
  type ExchangeEndpoints,
  NO_CREDENTIALS,
  type PluginContext,
  type Resources,
} from './context.ts'
import type { PluginDefinition } from './define-plugin.ts'
import { createEventBus, type EventBus } from './event-bus.ts'
import { createHealth, type Health } from './health.ts'
import { createMemoryLogger } from './logger.ts'
import { createMetricsRegistry, createPluginMetrics } from './metrics.ts'
import type { StateOwner } from './state-owner.ts'

/**
 * Helpers for testing a plugin on its own: a context with a memory logger, a fresh metrics registry, a manual
 * clock and loopback endpoints. Users run their own plugins through these too (see the README).
 */
/** Loopback endpoints nothing listens on: a plugin that should not touch the network fails fast. */
export const TEST_ENDPOINTS: ExchangeEndpoints = {
  kind: 'sim',
  clobUrl: 'http://127.0.0.1:1',
  wsUrl: 'ws://127.0.0.1:1/ws/',
  gammaUrl: 'http://127.0.0.1:1/gamma',
  dataApiUrl: 'http://127.0.0.1:1/data-api',
  polygonRpcUrl: 'http://127.0.0.1:1/rpc',
  chainId: 137,
}

/** A fixed BookView from [price, size] pairs, for tests of quote-stage plugins. */
export { createStaticBook } from '../plugins/quoting-math/static-book.ts'
export { NO_CREDENTIALS }

export interface TestContext extends PluginContext {
  readonly lines: string[]
  readonly dirty: string[]
  readonly refreshes: { count: number }
  readonly account: Account
  readonly health: Health
  readonly bus: EventBus
  readonly abort: AbortController
}

export interface TestContextOptions {
  stage?: Stage
  plugin?: string
  clock?: Clock
  exchange?: Partial<ExchangeEndpoints>
  credentials?: Partial<Credentials>
  capitalUsd?: number
  owner?: StateOwner
  accountShare?: AccountShare
  lastFillAt?: number
  dryRun?: boolean
  configDir?: string
}

export function createTestContext(opts: TestContextOptions = {}): TestContext {
  const clock = opts.clock ?? createManualClock()
  const { log, lines } = createMemoryLogger()
  const { registry, core } = createMetricsRegistry()
  const account = createAccount()
  const health = createHealth(() => clock.now())
  const bus = createEventBus((err) => lines.push(`[listener error] ${String(err)}`))
  const abort = new AbortController()
  const dirty: string[] = []
  const refreshes = { count: 0 }
  const exchange: ExchangeEndpoints = { ...TEST_ENDPOINTS, ...opts.exchange }
  const credentials: Credentials = { ...NO_CREDENTIALS, ...opts.credentials }
  const resources: Resources = {
    exchange,
    credentials,
    account,
    health,
    capitalUsd: opts.capitalUsd ?? 10_000,
    mode: 'paper',
    ...(opts.owner ? { owner: opts.owner } : {}),
    accountShare: () => opts.accountShare,
    shard: { index: 0, of: 1 },
    lastFillAt: async () => opts.lastFillAt,
    dryRun: opts.dryRun ?? false,
  }
  const stage = opts.stage ?? 'fair-value'
  const plugin = opts.plugin ?? 'test'
  return {
    stage,
    plugin,
    instance: stage,
    log: log.withTag(`${stage}/${plugin}`),
    metrics: createPluginMetrics(registry, core),
    clock,
    signal: abort.signal,
    resources,
    events: bus,
    configDir: opts.configDir ?? process.cwd(),
    markDirty: (id) => dirty.push(id),
    requestRefresh: () => {
      refreshes.count++
    },
    lines,
    dirty,
    refreshes,
    account,
    health,
    bus,
    abort,
  }
}

/** Validate `with` through the plugin's schema (as the loader does) and create its handler. */
export async function createTestPlugin<S extends Stage, C extends z.ZodType>(
  def: PluginDefinition<S, C>,
  withConfig: unknown = {},
  ctx: PluginContext = createTestContext({ stage: def.stage, plugin: def.name }),
): Promise<StageHandler<S, z.output<C>>> {
  const parsed = strictConfig(def.config).safeParse(withConfig) // as strict as the config loader
  if (!parsed.success) throw new Error(`invalid config for ${def.name}: ${parsed.error.message}`)
  return await def.create(parsed.data as z.output<C>, ctx)
}

/** A plausible market for tests: 0.01 tick, 5-share minimum. */
export function testMarket(overrides: Partial<Market> = {}): Market {
  return {
    conditionId: `0x${'ab'.repeat(32)}`,
    question: 'Will the test pass?',
    yesTokenId: '1111',
    noTokenId: '2222',
    tickSize: 0.01,
    minOrderSize: 5,
    negRisk: false,
    endDate: Date.UTC(2027, 0, 1),
    acceptingOrders: true,
    closed: false,
    ...overrides,
  }
}
