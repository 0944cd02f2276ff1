import type { DaemonEvent } from '../../../stages/events.ts'
import { StoreOpenError, type StoreOptions } from './store.ts'
import type { FromWorker, ToWorker } from './worker-protocol.ts'

/** The main thread's handle on the database thread. */
export interface StoreWorker {
  /** Resolves once the batch's transaction is committed; rejects with the database's error. */
  commit(events: readonly DaemonEvent[]): Promise<void>
  close(): Promise<void>
}

interface Pending {
  resolve(): void
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
      case 'commit-failed': {
        const p = pending.get(msg.id)
        pending.delete(msg.id)
        if (msg.kind === 'committed') p?.resolve()
        else p?.reject(new Error(msg.message))
        return
      }
      case 'closed':
        onClosed?.()
        return
    }
  }
  worker.onerror = (event: ErrorEvent) => die(new Error(`database thread failed: ${event.message}`))

  const handle: StoreWorker = {
    commit(events) {
      if (dead) return Promise.reject(dead)
      const id = ++nextId
      return new Promise<void>((resolve, reject) => {
        pending.set(id, { resolve, reject })
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
      else if (msg.kind === 'opened') resolve(handle)
      else if (msg.kind === 'open-failed') {
        // The thread already formatted "cannot use database <file>: <cause>"; keep that text as is.
        die(new Error(msg.message))
        reject(new Error(msg.message))
      }
    }
    worker.postMessage({ kind: 'open', path, options } satisfies ToWorker)
  })
}
