import type { Liveness } from './freshness.ts'
import type { TokenBook } from './token-book.ts'

/**
 * What a connection's life means for the books it serves: opened (they wait for its dump from now), lost (they
 * wait for the next connection's dump), silent (they cannot be trusted until re-seeded once it speaks again).
 */

export interface ConnectionEventDeps {
  readonly now: () => number
  requestSnapshot(tokenId: string): void
  cancelSnapshot(tokenId: string): void
  markDirty(conditionId: string): void
}

export function connectionOpened(books: Iterable<TokenBook>, liveness: Liveness, d: ConnectionEventDeps): void {
  const now = d.now()
  for (const tb of books) if (tb.liveness === liveness && tb.status === 'awaiting') tb.awaitingSince = now
}

export function connectionLost(
  books: Iterable<TokenBook>,
  liveness: Liveness,
  reason: string,
  d: ConnectionEventDeps,
): void {
  const now = d.now()
  const dirty = new Set<string>()
  for (const tb of books) {
    if (tb.liveness !== liveness || tb.status === 'resolved') continue
    d.cancelSnapshot(tb.tokenId)
    tb.await(now, `connection lost (${reason}); awaiting a fresh snapshot`)
    tb.reseedWhenLive = false // the new connection's dump re-seeds it
    dirty.add(tb.conditionId)
  }
  for (const id of dirty) d.markDirty(id)
}

/** Live ↔ stale on a connection: re-run its markets so quotes are pulled or restored. */
export function connectionLiveness(books: Iterable<TokenBook>, liveness: Liveness, d: ConnectionEventDeps): void {
  const now = d.now()
  const dirty = new Set<string>()
  const silent = liveness.connected && !liveness.live
  for (const tb of books) {
    if (tb.liveness !== liveness) continue
    dirty.add(tb.conditionId)
    if (tb.status === 'resolved') continue
    if (silent) {
      // Whatever the server sent (or meant to send) while silent may be lost: these books cannot be trusted
      // again until re-seeded, and a snapshot taken before the socket speaks again could miss changes too.
      d.cancelSnapshot(tb.tokenId)
      tb.await(now, `${liveness.reason}; re-seeding once it speaks again`)
      tb.reseedWhenLive = true
    } else if (liveness.live && tb.reseedWhenLive) {
      tb.reseedWhenLive = false
      tb.awaitingSince = now
      d.requestSnapshot(tb.tokenId)
    }
  }
  for (const id of dirty) d.markDirty(id)
}
