import type { MarketPosition } from '../../schemas/domain.ts'
import type { BookPair, RiskVerdict, SideAllowance } from '../../stages/io.ts'
import { createStaticBook } from './static-book.ts'

/** Small builders of quote-plane inputs for tests and benchmarks. */

type Pairs = readonly (readonly [number, number])[]

/** A YES and a NO book from level arrays, on one tick, both fresh. */
export function bookPair(
  yes: { bids?: Pairs; asks?: Pairs },
  no: { bids?: Pairs; asks?: Pairs } = {},
  tickSize = 0.01,
): BookPair {
  return {
    yes: createStaticBook({ tokenId: '1111', tickSize, ...yes }),
    no: createStaticBook({ tokenId: '2222', tickSize, ...no }),
  }
}

/** Holdings of a market: `yes` and `no` shares, q = yes − no. */
export function position(yes = 0, no = 0, conditionId = `0x${'ab'.repeat(32)}`): MarketPosition {
  return {
    conditionId,
    yes: { tokenId: '1111', shares: yes, avgPrice: 0, realizedPnl: 0 },
    no: { tokenId: '2222', shares: no, avgPrice: 0, realizedPnl: 0 },
    q: yes - no,
  }
}

export const OPEN_SIDE: SideAllowance = { allowed: true, spreadMultiplier: 1, sizeMultiplier: 1 }

/** An ACTIVE verdict, with optional per-side changes. */
export function verdict(
  bid: Partial<SideAllowance> = {},
  ask: Partial<SideAllowance> = {},
  state: RiskVerdict['state'] = 'ACTIVE',
): RiskVerdict {
  return { state, reason: '', bid: { ...OPEN_SIDE, ...bid }, ask: { ...OPEN_SIDE, ...ask } }
}
