import type { Market } from '../schemas/domain.ts'

/**
 * Which instance trades a market when several share one market list: condition id mod `of`. Condition ids are
 * keccak hashes, so the split is even, and it depends on nothing but the id — every instance, reading the same
 * list at any moment, agrees on who owns each market without talking to the others.
 */
export function shardIndexOf(conditionId: string, of: number): number {
  return Number(BigInt(conditionId) % BigInt(of))
}

export function shardOf(markets: readonly Market[], shard: { readonly index: number; readonly of: number }): Market[] {
  return markets.filter((m) => shardIndexOf(m.conditionId, shard.of) === shard.index)
}

/** Whether a market is this instance's: always with one shard. */
export function ownsMarket(shard: { readonly index: number; readonly of: number }): (conditionId: string) => boolean {
  if (shard.of <= 1) return () => true
  return (conditionId) => {
    try {
      return shardIndexOf(conditionId, shard.of) === shard.index
    } catch {
      return false // not a condition id: nothing of ours
    }
  }
}
