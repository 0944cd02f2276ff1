import { openStore } from '../../../plugins/persist/sqlite/store.ts'
import {
  CONDITION_B,
  fillEvent,
  positionEvent,
  quoteEvent,
  selectionEvent,
} from '../../../plugins/persist/sqlite/test-events.ts'
import type { Fill } from '../../../schemas/domain.ts'
import type { DaemonEvent } from '../../../stages/events.ts'
import type { CliIo } from './args.ts'

/**
 * A hand-built trading history with PnL worked out by hand, for the CLI tests. Market A: YES 1111, NO 2222.
 * Market B: YES 3333, NO 4444 (known from a position event only). Market C: token 5555, tokens unknown.
 *
 * 2026-01-01
 *   A  BUY  100 YES @ 0.40  fee 0.10     → YES 100 @ 0.40
 *   A  BUY  100 YES @ 0.50               → YES 200 @ 0.45
 *   B  BUY   10 YES @ 0.20               → YES 10 @ 0.20
 *   fair A 0.50, B 0.25 (B has no quote after this day)
 * 2026-01-02 (the day under test)
 *   A  SELL 150 YES @ 0.60  fee 0.20     realized 150 × (0.60 − 0.45) = 22.50; YES 50 @ 0.45
 *      (recorded MATCHED then CONFIRMED: one fill)
 *   A  BUY   50 NO  @ 0.30               → NO 50 @ 0.30
 *   A  SELL  20 NO  @ 0.35  fee 0.05     realized 20 × (0.35 − 0.30) = 1.00; NO 30 @ 0.30
 *   A  SELL 100 YES @ 0.99  FAILED       never happened: ignored
 *   C  BUY    5 @ 0.50 (token 5555)      no YES/NO mapping: unrealized unknown
 *   fair A 0.55 at 08:00, 0.62 at 23:59 → the day's last fair value is 0.62
 * 2026-01-03
 *   A  SELL  50 YES @ 0.90               after the day: ignored for 2026-01-02
 *
 * Expected for 2026-01-02:
 *   A  realized 23.50, fees 0.25, net 23.25, volume 90 + 15 + 7 = 112, 3 fills,
 *      unrealized 50 × (0.62 − 0.45) + 30 × ((1 − 0.62) − 0.30) = 8.50 + 2.40 = 10.90
 *   B  realized 0, unrealized 10 × (0.25 − 0.20) = 0.50 at the 2026-01-01 fair value
 *   C  1 fill, volume 2.50, unrealized unknown
 *   total realized 23.50, fees 0.25, net 23.25, unrealized 11.40 (1 market without), 4 fills, volume 114.50
 *   (The original's cash-flow figure would have been 90 − 15 + 7 − 0.25 = 81.75.)
 * Expected for 2026-01-01: A fees 0.10, net −0.10, unrealized 200 × (0.50 − 0.45) = 10.00.
 */
export const CONDITION_C = `0x${'c3'.repeat(32)}`
const jan = (day: number, hour: number, minute = 0) => Date.UTC(2026, 0, day, hour, minute)

function f(overrides: Partial<Fill> & Pick<Fill, 'tradeId' | 'side' | 'price' | 'size' | 'timestamp'>): DaemonEvent {
  return fillEvent({ orderId: `0x${overrides.tradeId}`, status: 'CONFIRMED', ...overrides })
}

export const HISTORY: readonly DaemonEvent[] = [
  selectionEvent(jan(1, 0)),
  positionEvent({ shares: 0, avgPrice: 0 }, { shares: 0, avgPrice: 0 }, jan(1, 0), CONDITION_B, ['3333', '4444']),
  f({ tradeId: 'a1', side: 'BUY', price: 0.4, size: 100, feeUsd: 0.1, timestamp: jan(1, 10) }),
  f({ tradeId: 'a2', side: 'BUY', price: 0.5, size: 100, timestamp: jan(1, 11) }),
  f({
    tradeId: 'b1',
    conditionId: CONDITION_B,
    tokenId: '3333',
    side: 'BUY',
    price: 0.2,
    size: 10,
    timestamp: jan(1, 12),
  }),
  quoteEvent(0.5, jan(1, 20)),
  quoteEvent(0.25, jan(1, 20), CONDITION_B),
  f({ tradeId: 'a3', side: 'SELL', price: 0.6, size: 150, feeUsd: 0.2, timestamp: jan(2, 9), status: 'MATCHED' }),
  f({ tradeId: 'a3', side: 'SELL', price: 0.6, size: 150, feeUsd: 0.2, timestamp: jan(2, 9), status: 'CONFIRMED' }),
  f({ tradeId: 'a4', tokenId: '2222', side: 'BUY', price: 0.3, size: 50, timestamp: jan(2, 10) }),
  f({ tradeId: 'a5', tokenId: '2222', side: 'SELL', price: 0.35, size: 20, feeUsd: 0.05, timestamp: jan(2, 11) }),
  f({ tradeId: 'a6', side: 'SELL', price: 0.99, size: 100, timestamp: jan(2, 12), status: 'FAILED' }),
  f({
    tradeId: 'c1',
    conditionId: CONDITION_C,
    tokenId: '5555',
    side: 'BUY',
    price: 0.5,
    size: 5,
    timestamp: jan(2, 13),
  }),
  quoteEvent(0.55, jan(2, 8)),
  quoteEvent(0.62, jan(2, 23, 59)),
  f({ tradeId: 'a7', side: 'SELL', price: 0.9, size: 50, timestamp: jan(3, 1) }),
  quoteEvent(0.9, jan(3, 2)),
]

/** Write the history through the same store the daemon uses. */
export function buildHistoryDb(path: string, extra: readonly DaemonEvent[] = []): void {
  const store = openStore(path)
  store.apply([...HISTORY, ...extra])
  store.close()
}

export function collectIo(isTTY = false): CliIo & { out: string[]; err: string[] } {
  const out: string[] = []
  const err: string[] = []
  return { isTTY, stdout: (s) => out.push(s), stderr: (s) => err.push(s), out, err }
}
