import { openStore, type Store } from './store.ts'
import type { FromWorker, ToWorker } from './worker-protocol.ts'

/**
 * The thread that owns the database: every SQLite call (and every fsync) happens here, so a slow disk delays
 * only this thread, never quoting. A commit is acknowledged only after its transaction is durable.
 */
declare const self: Worker

let store: Store | undefined

function reply(message: FromWorker) {
  self.postMessage(message)
}

self.onmessage = (event: MessageEvent<ToWorker>) => {
  const msg = event.data
  switch (msg.kind) {
    case 'open':
      try {
        store?.close()
        store = openStore(msg.path, msg.options)
        reply({ kind: 'opened', path: store.path, claim: store.claim })
      } catch (err) {
        store = undefined
        reply({ kind: 'open-failed', message: err instanceof Error ? err.message : String(err) })
      }
      return
    case 'commit':
      if (!store) {
        reply({ kind: 'commit-failed', id: msg.id, message: 'the database is not open' })
        return
      }
      try {
        store.apply(msg.events)
        reply({ kind: 'committed', id: msg.id })
      } catch (err) {
        reply({ kind: 'commit-failed', id: msg.id, message: err instanceof Error ? err.message : String(err) })
      }
      return
    case 'reconcile-active':
      try {
        if (!store) throw new Error('the database is not open')
        reply({ kind: 'reconciled', id: msg.id, removed: store.reconcileActive(msg.openIds) })
      } catch (err) {
        reply({ kind: 'commit-failed', id: msg.id, message: err instanceof Error ? err.message : String(err) })
      }
      return
    case 'close':
      store?.close()
      store = undefined
      reply({ kind: 'closed' })
      return
  }
}
