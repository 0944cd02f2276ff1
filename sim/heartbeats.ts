// Exchange dead-man switch (POST /v1/heartbeats): armed by an account's first heartbeat; if the next one does not
// arrive within the timeout (10 s + 5 s grace), every open order of the account is cancelled and the switch disarms.
import type { SimClock } from './clock.ts'

type Entry = { id: string; cancelTimer: () => void }

export type Heartbeats = ReturnType<typeof createHeartbeats>

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
    /** Returns the heartbeat id to send back, or `{ error, heartbeat_id }` for an unknown id. */
    beat(address: string, id: string | null | undefined): { ok: true; id: string } | { ok: false; id: string } {
      const cur = entries.get(address)
      if (id && cur && id !== cur.id) return { ok: false, id: cur.id }
      if (id && !cur) return { ok: false, id: '' }
      cur?.cancelTimer()
      const next = cur?.id ?? deps.newId()
      arm(address, next)
      return { ok: true, id: next }
    },
    armed: (address: string) => entries.has(address),
    stop(): void {
      for (const e of entries.values()) e.cancelTimer()
      entries.clear()
    },
  }
}
