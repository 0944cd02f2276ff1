import type { DaemonEvent } from '../../../stages/events.ts'
import { type Store, StoreOpenError, type StoreOptions } from './store.ts'
import type { FromWorker, ToWorker } from './worker-protocol.ts'

/** The main thread's handle on the database thread. */
export interface StoreWorker {
  /** The owner check's outcome at open. */
  readonly claim: Store['claim']
  /** Resolves once the batch's transaction is committed; rejects with the database's error. */
  commit(events: readonly DaemonEvent[]): Promise<void>
  /** Drops orders_active rows (of this owner) not among `openIds`; resolves with how many. */
  reconcileActive(openIds: readonly string[]): Promise<number>
  close(): Promise<void>
}

interface Pending {
  resolve(removed?: number): void
  reject(err: Error): void
}

/**
 * Start the database thread and open the file there. Rejects with a StoreOpenError naming the file when the
 * database cannot be used; the thread is gone by then.
 */
export function openStoreWorker(path: string, options: Omit<StoreOptions, 'now'>): Promise<StoreWorker> {
  const worker = new Worker(new URL('./store-worker.ts', import.meta.url).href)
  const pending = new Map<number, Pending>()
  let nextId = 0
  let dead: Error | undefined
  let onOpen: ((msg: FromWorker | Error) => void) | undefined
  let onClosed: (() => void) | undefined

  function die(err: Error) {
    if (dead) return
    dead = err
    for (const p of pending.values()) p.reject(err)
    pending.clear()
    onOpen?.(err)
    onClosed?.()
    worker.terminate()
  }

  worker.onmessage = (event: MessageEvent<FromWorker>) => {
    const msg = event.data
    switch (msg.kind) {
      case 'opened':
      case 'open-failed':
        onOpen?.(msg)
        return
      case 'committed':
      case 'reconciled':
      case 'commit-failed': {
        const p = pending.get(msg.id)
        pending.delete(msg.id)
        if (msg.kind === 'committed') p?.resolve()
        else if (msg.kind === 'reconciled') p?.resolve(msg.removed)
        else p?.reject(new Error(msg.message))
        return
      }
      case 'closed':
        onClosed?.()
        return
    }
  }
  worker.onerror = (event: ErrorEvent) => die(new Error(`database thread failed: ${event.message}`))

  let claim: Store['claim']
  const handle: StoreWorker = {
    get claim() {
      return claim
    },
    reconcileActive(openIds) {
      if (dead) return Promise.reject(dead)
      const id = ++nextId
      return new Promise<number>((resolve, reject) => {
        pending.set(id, { resolve: (n) => resolve(n ?? 0), reject })
        worker.postMessage({ kind: 'reconcile-active', id, openIds } satisfies ToWorker)
      })
    },
    commit(events) {
      if (dead) return Promise.reject(dead)
      const id = ++nextId
      return new Promise<void>((resolve, reject) => {
        pending.set(id, { resolve: () => resolve(), reject })
        worker.postMessage({ kind: 'commit', id, events } satisfies ToWorker)
      })
    },
    close() {
      if (dead) return Promise.resolve()
      return new Promise<void>((resolve) => {
        onClosed = () => {
          dead ??= new Error(`database ${path} is closed`)
          worker.terminate()
          resolve()
        }
        worker.postMessage({ kind: 'close' } satisfies ToWorker)
      })
    },
  }

  return new Promise<StoreWorker>((resolve, reject) => {
    onOpen = (msg) => {
      onOpen = undefined
      if (msg instanceof Error) reject(new StoreOpenError(path, msg.message))
      else if (msg.kind === 'opened') {
        claim = msg.claim
        resolve(handle)
      } else if (msg.kind === 'open-failed') {
        // The thread already formatted "cannot use database <file>: <cause>"; keep that text as is.
        die(new Error(msg.message))
        reject(new Error(msg.message))
      }
    }
    worker.postMessage({ kind: 'open', path, options } satisfies ToWorker)
  })
}
