import type { AccountShare } from '../stages/account-share.ts'
import type { Stage } from '../stages/index.ts'
import type { Account } from './account.ts'
import type { Clock } from './clock.ts'
import type { EventBus } from './event-bus.ts'
import type { Health } from './health.ts'
import type { Logger } from './logger.ts'
import type { PluginMetrics } from './metrics.ts'
import type { StateOwner } from './state-owner.ts'

/** Where the exchange lives: Polymarket or the embedded simulator. Same code path either way. */
export interface ExchangeEndpoints {
  readonly kind: 'polymarket' | 'sim'
  /** CLOB REST base, e.g. https://clob.polymarket.com */
  readonly clobUrl: string
  /** WebSocket base; the clients append `market` or `user` (…/ws/ + market). */
  readonly wsUrl: string
  readonly gammaUrl: string
  readonly dataApiUrl: string
  readonly polygonRpcUrl: string
  readonly chainId: number
}

/** Secrets and identity, only ever from the environment. Never logged, never serialized. */
export interface Credentials {
  readonly privateKey: string | undefined
  /** Funder (proxy wallet) address: BROWSER_ADDRESS. */
  readonly funder: string | undefined
  readonly signatureType: number
  readonly apiKey: string | undefined
  readonly apiSecret: string | undefined
  readonly apiPassphrase: string | undefined
}

/** What every plugin but the executor sees of the credentials: nothing. */
export const NO_CREDENTIALS: Credentials = {
  privateKey: undefined,
  funder: undefined,
  signatureType: 0,
  apiKey: undefined,
  apiSecret: undefined,
  apiPassphrase: undefined,
}

/** Shared state of one daemon, handed to every plugin (credentials to the execute plugin only). */
export interface Resources {
  readonly exchange: ExchangeEndpoints
  readonly credentials: Credentials
  readonly account: Account
  readonly health: Health
  readonly capitalUsd: number
  readonly mode: 'paper' | 'live'
  /** This instance's part of the market list (universe.shard of universe.of); of 1 = every market is ours. */
  readonly shard: { readonly index: number; readonly of: number }
  /**
   * Match time (ms) of the newest fill the persisted state holds for this owner, undefined when none: the executor
   * back-fills from there at start, so fills matched while the daemon was down are not lost.
   */
  lastFillAt(): Promise<number | undefined>
  /** Limits shared with other instances of this account, when a persist plugin offers them (postgres). */
  accountShare(): AccountShare | undefined
  /** --test: everything up to the exchange call, logged, nothing sent. */
  readonly dryRun: boolean
  /** Whose state this run writes (mode, account): persist plugins keep paper, live and accounts apart. */
  readonly owner?: StateOwner
}

/** What a plugin instance gets besides its config. No globals: this is all it may touch. */
export interface PluginContext {
  readonly stage: Stage
  readonly plugin: string
  /** Instance id: the stage, plus the list index for many-plugin stages (`risk[1]`). */
  readonly instance: string
  readonly log: Logger
  readonly metrics: PluginMetrics
  readonly clock: Clock
  /** Aborted when the instance is stopped. */
  readonly signal: AbortSignal
  readonly resources: Resources
  readonly events: EventBus
  /** Directory of the config file; resolve relative paths in plugin config against it. */
  readonly configDir: string
  /** Ask the quote plane to recompute a market (coalesced). */
  markDirty(conditionId: string): void
  /** Ask the universe plane to re-read sources now (e.g. a watched file changed). */
  requestRefresh(): void
}
