import type { MarketState } from '../sim/engine.ts'

/**
 * Liquidity-rewards score of every maker resting on one market (protocol doc §5 and §7.6): an order of at least
 * `min_size` shares within `v` cents of the midpoint scores ((v − s)/v)² · size; bids on YES and asks on NO form
 * one side, asks on YES and bids on NO the other (in the simulator's YES-space book: its bids and its asks).
 * Inside [0.10, 0.90] a maker scores max(min(Q1, Q2), max(Q1, Q2)/3); outside, min(Q1, Q2). The midpoint is the
 * YES mid (the size-cutoff adjustment is undocumented; the plain mid is a stated simplification).
 */

const SCALE = 10_000
const C = 3

export interface RewardScores {
  /** Q_min per account address (lowercase). */
  readonly byOwner: ReadonlyMap<string, number>
  readonly total: number
}

interface Node {
  next: Node | undefined
  account: { address: string }
  originalSize: number
  matched: number
}

export function rewardScores(m: MarketState, mid: number): RewardScores {
  const v = m.spec.rewardsMaxSpread
  const minSize = m.spec.rewardsMinSize
  const sides = [new Map<string, number>(), new Map<string, number>()]
  if (v > 0) {
    const reach = Math.ceil((v / 100) * SCALE)
    const midUnits = mid * SCALE
    for (const ySide of [0, 1] as const) {
      const best = ySide === 0 ? m.book.bestBid : m.book.bestAsk
      if (best < 0 || best > SCALE) continue
      const map = sides[ySide] as Map<string, number>
      for (let p = best; p >= 0 && p <= SCALE && Math.abs(p - midUnits) < reach; p += ySide === 0 ? -1 : 1) {
        const lvl = m.book.level(ySide, p)
        if (!lvl) continue
        const s = (Math.abs(p - midUnits) / SCALE) * 100
        const weight = ((v - s) / v) ** 2
        for (let node = lvl.head as unknown as Node | undefined; node; node = node.next) {
          const size = (node.originalSize - node.matched) / 1e6
          if (size < minSize) continue
          map.set(node.account.address, (map.get(node.account.address) ?? 0) + weight * size)
        }
      }
    }
  }
  const byOwner = new Map<string, number>()
  let total = 0
  const owners = new Set([...(sides[0] as Map<string, number>).keys(), ...(sides[1] as Map<string, number>).keys()])
  const twoSidedOnly = mid < 0.1 || mid > 0.9
  for (const o of owners) {
    const q1 = sides[0]?.get(o) ?? 0
    const q2 = sides[1]?.get(o) ?? 0
    const q = twoSidedOnly ? Math.min(q1, q2) : Math.max(Math.min(q1, q2), Math.max(q1 / C, q2 / C))
    if (q <= 0) continue
    byOwner.set(o, q)
    total += q
  }
  return { byOwner, total }
}
