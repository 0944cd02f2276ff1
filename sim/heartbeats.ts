// Exchange dead-man switch (POST /v1/heartbeats, protocol doc §7.3): armed by an account's first heartbeat; if the
// next one does not arrive within the timeout (10 s + 5 s grace), every open order of the account is cancelled and
// the switch disarms. The id rotates on every accepted beat: the client must send the id the last answer returned.
import type { SimClock } from './clock.ts'

type Entry = { id: string; cancelTimer: (() => void) | undefined }

export type Heartbeats = ReturnType<typeof createHeartbeats>

export const HEARTBEAT_MISMATCH = 'Invalid Heartbeat ID'

export function createHeartbeats(deps: {
  clock: SimClock
  timeoutMs: number
  onExpire: (address: string) => void
  newId: () => string
}) {
  const entries = new Map<string, Entry>()

  function arm(address: string, id: string): void {
    const timer = deps.clock.setTimeout(() => {
      entries.delete(address)
      deps.onExpire(address)
    }, deps.timeoutMs)
    entries.set(address, { id, cancelTimer: timer })
  }

  return {
    /**
     * An accepted beat answers the next id (rotated). A stale or unknown id answers the id to use instead; with no
     * session the server opens an unarmed one whose id it returns (the client's retry with it arms the switch).
     * A null/empty id starts a session (or restarts one: a daemon restart must not be refused).
     */
    beat(address: string, id: string | null | undefined): { ok: true; id: string } | { ok: false; id: string } {
      const cur = entries.get(address)
      if (id && (!cur || id !== cur.id)) {
        if (cur) return { ok: false, id: cur.id }
        const fresh = deps.newId()
        entries.set(address, { id: fresh, cancelTimer: undefined })
        return { ok: false, id: fresh }
      }
      cur?.cancelTimer?.()
      const next = deps.newId()
      arm(address, next)
      return { ok: true, id: next }
    },
    armed: (address: string) => entries.get(address)?.cancelTimer !== undefined,
    stop(): void {
      for (const e of entries.values()) e.cancelTimer?.()
      entries.clear()
    },
  }
}
