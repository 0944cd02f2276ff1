/**
 * Liveness of one market-data connection, which is what book staleness follows. A quiet market is normal; a
 * silent socket is not: with a PING every ping_interval the server answers PONG, so a healthy socket is never
 * silent for long. `touch` runs on every frame and must stay cheap; `check` runs on the periodic tick.
 */
export interface Liveness {
  readonly id: string
  /** Connected and heard from within stale_after. */
  readonly live: boolean
  readonly connected: boolean
  /** ms UTC of the last frame received (any frame, PONG included). */
  readonly lastAt: number
  /** ms UTC of the last data frame (not PONG): a socket that only PONGs carries no book data (§7.6). */
  readonly dataAt: number
  /** Why the connection is not live; empty when live. */
  readonly reason: string
  touch(now: number): void
  /** A data frame arrived (touch is called as well). */
  data(now: number): void
  opened(now: number): void
  closed(reason: string): void
  /** Marks the connection not live once silent beyond stale_after; returns the silence in ms. */
  check(now: number): number
}

export type LivenessListener = (live: boolean, reason: string) => void

class ConnectionLiveness implements Liveness {
  live = false
  connected = false
  lastAt = 0
  dataAt = 0
  reason = 'not connected'

  constructor(
    readonly id: string,
    private readonly staleAfterMs: number,
    private readonly onChange: LivenessListener,
  ) {}

  touch(now: number): void {
    this.lastAt = now
    if (!this.live && this.connected) this.set(true, '')
  }

  data(now: number): void {
    this.dataAt = now
  }

  opened(now: number): void {
    this.connected = true
    this.lastAt = now
    this.set(true, '')
  }

  closed(reason: string): void {
    this.connected = false
    this.set(false, reason)
  }

  check(now: number): number {
    const silent = now - this.lastAt
    if (this.live && silent > this.staleAfterMs) {
      this.set(false, `no data from the market channel for ${Math.round(silent / 1000)}s`)
    }
    return this.connected ? silent : 0
  }

  private set(live: boolean, reason: string): void {
    const changed = live !== this.live
    this.live = live
    this.reason = reason
    if (changed) this.onChange(live, reason)
  }
}

export function createLiveness(id: string, staleAfterMs: number, onChange: LivenessListener = () => {}): Liveness {
  return new ConnectionLiveness(id, staleAfterMs, onChange)
}
