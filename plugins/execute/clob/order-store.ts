import type { Side } from '../../../schemas/domain.ts'
import { isOpen, remaining, type TrackedOrder } from './order-state.ts'

/**
 * Every tracked order by id, with the open ones (pending, unknown, live, partially filled) also indexed per market,
 * so a market run and `/status` touch only that market's live orders, and the pUSD reserved by open BUYs kept as a
 * running sum. Terminal orders stay in the by-id map only (late events still find them) until pruned: they are off
 * the hot path. A profile at 250–1,000 markets put most of the daemon's time in scanning every tracked order per
 * market run (issue 15).
 */

/** Micro-pUSD: price (≤ 4 decimals) × shares (≤ 2 decimals) is exact in 6 decimals, so the sum never drifts. */
const MICRO = 1e6

const reservedMicro = (o: TrackedOrder): number =>
  o.side === 'BUY' && isOpen(o.status) ? Math.round(o.price * remaining(o) * MICRO) : 0

export interface OrderStore extends Iterable<[string, TrackedOrder]> {
  get(id: string): TrackedOrder | undefined
  has(id: string): boolean
  set(id: string, order: TrackedOrder): void
  delete(id: string): boolean
  values(): IterableIterator<TrackedOrder>
  readonly size: number
  /** Open orders of one market (or of every market), a fresh array; `side` narrows it. */
  open(conditionId?: string, side?: Side): TrackedOrder[]
  /** Markets with at least one open order. */
  openMarkets(): string[]
  /** pUSD reserved by every open BUY of the account. */
  reservedBuyUsd(): number
}

export function createOrderStore(): OrderStore {
  const byId = new Map<string, TrackedOrder>()
  const openByMarket = new Map<string, Map<string, TrackedOrder>>()
  let reserved = 0

  function unindex(o: TrackedOrder): void {
    reserved -= reservedMicro(o)
    const m = openByMarket.get(o.conditionId)
    if (!m) return
    m.delete(o.id)
    if (m.size === 0) openByMarket.delete(o.conditionId)
  }

  function index(id: string, o: TrackedOrder): void {
    reserved += reservedMicro(o)
    if (!isOpen(o.status)) return
    let m = openByMarket.get(o.conditionId)
    if (!m) {
      m = new Map()
      openByMarket.set(o.conditionId, m)
    }
    m.set(id, o)
  }

  const pick = (m: Map<string, TrackedOrder> | undefined, side: Side | undefined, out: TrackedOrder[]) => {
    if (!m) return
    for (const o of m.values()) if (side === undefined || o.side === side) out.push(o)
  }

  return {
    get: (id) => byId.get(id),
    has: (id) => byId.has(id),
    set(id, o) {
      const prev = byId.get(id)
      byId.set(id, o)
      const m = prev && prev.conditionId === o.conditionId ? openByMarket.get(o.conditionId) : undefined
      if (prev && m?.has(id) && isOpen(o.status)) {
        // In place: a market's open orders keep the order they were created in.
        reserved += reservedMicro(o) - reservedMicro(prev)
        m.set(id, o)
        return
      }
      if (prev) unindex(prev)
      index(id, o)
    },
    delete(id) {
      const prev = byId.get(id)
      if (!prev) return false
      unindex(prev)
      return byId.delete(id)
    },
    values: () => byId.values(),
    get size() {
      return byId.size
    },
    [Symbol.iterator]: () => byId.entries(),
    open(conditionId, side) {
      const out: TrackedOrder[] = []
      if (conditionId !== undefined) pick(openByMarket.get(conditionId), side, out)
      else for (const m of openByMarket.values()) pick(m, side, out)
      return out
    },
    openMarkets: () => [...openByMarket.keys()],
    reservedBuyUsd: () => reserved / MICRO,
  }
}
