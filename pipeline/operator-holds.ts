/**
 * The operator's holds on quoting (the dashboard and its POST routes): one market paused, all quoting paused,
 * or halted. A held market is pulled by the quote plane like any other reason (its orders are cancelled) and
 * stays pulled until the hold is lifted; nothing lifts a hold on its own.
 */
export interface HoldsState {
  /** Why everything is halted (cancel everything, stay halted), or undefined. */
  readonly halted: string | undefined
  readonly allPaused: boolean
  /** Condition ids paused one by one. */
  readonly paused: readonly string[]
}

export interface OperatorHolds {
  /** Why this market must not be quoted, or undefined. */
  reasonFor(conditionId: string): string | undefined
  /** Pause one market, or all quoting when no id is given. */
  pause(conditionId?: string): void
  /** Resume one market; with no id, lift every pause and the halt. */
  resume(conditionId?: string): void
  halt(reason: string): void
  state(): HoldsState
  onChange(listener: () => void): () => void
}

export function createOperatorHolds(): OperatorHolds {
  const paused = new Set<string>()
  let allPaused = false
  let halted: string | undefined
  const listeners = new Set<() => void>()
  const changed = () => {
    for (const l of listeners) l()
  }
  return {
    reasonFor(id) {
      if (halted !== undefined) return `halted by the operator: ${halted}`
      if (allPaused) return 'all quoting paused by the operator'
      if (paused.has(id)) return 'paused by the operator'
      return undefined
    },
    pause(id) {
      if (id === undefined) allPaused = true
      else paused.add(id)
      changed()
    },
    resume(id) {
      if (id === undefined) {
        allPaused = false
        halted = undefined
        paused.clear()
      } else paused.delete(id)
      changed()
    },
    halt(reason) {
      halted = reason
      changed()
    },
    state: () => ({ halted, allPaused, paused: [...paused] }),
    onChange(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
  }
}
