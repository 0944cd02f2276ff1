import type { HealthView } from '../schemas/domain.ts'

/**
 * Connection health that gates quoting (market data, user channel, exchange heartbeat). A component that
 * is down pulls quotes everywhere; the engine re-runs every market when one comes back.
 */
export interface Health extends HealthView {
  set(name: string, up: boolean, reason?: string): void
  onChange(listener: (name: string, up: boolean) => void): () => void
}

export function createHealth(now: () => number): Health {
  const components = new Map<string, { up: boolean; reason: string; since: number }>()
  const listeners = new Set<(name: string, up: boolean) => void>()
  return {
    components,
    allUp: () => [...components.values()].every((c) => c.up),
    firstDown() {
      for (const [name, c] of components) if (!c.up) return { name, reason: c.reason }
      return undefined
    },
    set(name, up, reason = '') {
      const prev = components.get(name)
      if (prev && prev.up === up && prev.reason === reason) return
      components.set(name, { up, reason, since: prev && prev.up === up ? prev.since : now() })
      if (!prev || prev.up !== up) for (const l of listeners) l(name, up)
    },
    onChange(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
}
