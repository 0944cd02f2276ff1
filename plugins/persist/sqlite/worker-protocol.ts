import type { DaemonEvent } from '../../../stages/events.ts'
import type { Store, StoreOptions } from './store.ts'

/** Messages between the plugin (main thread) and the thread that owns the database. Both ends are this folder. */
export type ToWorker =
  | { readonly kind: 'open'; readonly path: string; readonly options: Omit<StoreOptions, 'now'> }
  | { readonly kind: 'commit'; readonly id: number; readonly events: readonly DaemonEvent[] }
  | { readonly kind: 'reconcile-active'; readonly id: number; readonly openIds: readonly string[] }
  | { readonly kind: 'close' }

export type FromWorker =
  | { readonly kind: 'opened'; readonly path: string; readonly claim: Store['claim'] }
  | { readonly kind: 'open-failed'; readonly message: string }
  | { readonly kind: 'committed'; readonly id: number }
  | { readonly kind: 'commit-failed'; readonly id: number; readonly message: string }
  | { readonly kind: 'reconciled'; readonly id: number; readonly removed: number }
  | { readonly kind: 'closed' }
