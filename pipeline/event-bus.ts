import type { DaemonEvent, DaemonEventOf, DaemonEventType } from '../stages/events.ts'

/** Synchronous in-process bus for daemon events. A throwing listener is reported, never propagated. */
export interface EventBus {
  emit(event: DaemonEvent): void
  on<T extends DaemonEventType>(type: T, listener: (event: DaemonEventOf<T>) => void): () => void
  onAny(listener: (event: DaemonEvent) => void): () => void
}

export function createEventBus(onListenerError: (err: unknown, event: DaemonEvent) => void): EventBus {
  const any = new Set<(event: DaemonEvent) => void>()
  const byType = new Map<DaemonEventType, Set<(event: DaemonEvent) => void>>()
  function call(listener: (event: DaemonEvent) => void, event: DaemonEvent) {
    try {
      listener(event)
    } catch (err) {
      onListenerError(err, event)
    }
  }
  return {
    emit(event) {
      for (const l of byType.get(event.type) ?? []) call(l, event)
      for (const l of any) call(l, event)
    },
    on(type, listener) {
      let set = byType.get(type)
      if (!set) byType.set(type, (set = new Set()))
      const l = listener as (event: DaemonEvent) => void
      set.add(l)
      return () => set.delete(l)
    },
    onAny(listener) {
      any.add(listener)
      return () => any.delete(listener)
    },
  }
}
