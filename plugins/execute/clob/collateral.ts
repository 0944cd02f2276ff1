import type { Fill, Side } from '../../../schemas/domain.ts'

/**
 * The account's pUSD between two balance reads. GET /balance-allowance (COLLATERAL) answers the whole balance,
 * resting BUYs included (the exchange reserves them, it does not debit them); between reads our own fills move it:
 * a BUY fill spends price × size + fee, a SELL fill earns price × size − fee. What BUYs may still use is that
 * balance minus what every BUY of the account that may rest reserves (the executor sums those) minus a margin.
 *
 * A fill may or may not be in a read taken around its match. Match times come in whole seconds, so each side is
 * resolved the safe way: a BUY fill counts unless it surely matched before the read was sent (spent twice at worst,
 * until the next read), a SELL fill only when it surely matched after the answer (earned late at worst). Never
 * more pUSD than the exchange would grant, which is what keeps BUYs from being rejected. Match times are the
 * exchange's clock; a fill we saw before a read was sent is in that read whatever its stamp, so a skewed (or
 * accelerated simulator) clock can keep a move counted one read too long, never longer.
 */

export interface CollateralRead {
  readonly usd: number
  /** When the request left and when its answer came (ms, daemon clock). */
  readonly startedAt: number
  readonly endedAt: number
}

export interface Collateral {
  /** A fresh balance read replaces the one before; fills it may already contain stop counting. */
  setBalance(read: CollateralRead): void
  /** A fill seen for the first time, or its FAILED reversal. */
  onFill(fill: Fill): void
  /** pUSD held by our count; undefined before the first read. */
  balance(): number | undefined
  /** balance − `reservedUsd` − margin; undefined before the first read (no budget known: BUYs are not fitted). */
  free(reservedUsd: number): number | undefined
}

/** Match times are whole seconds: a fill stamped t matched in [t, t + 1 s). */
const MATCH_TIME_RESOLUTION_MS = 1000

interface Move {
  readonly side: Side
  readonly usd: number
  /** Match time (exchange clock) and when we saw the fill (daemon clock), ms. */
  readonly at: number
  readonly seenAt: number
}

export interface CollateralOptions {
  /** The daemon clock, ms. */
  now(): number
  /** pUSD kept aside, never quoted (read on every call, so a reload applies at once). */
  marginUsd(): number
}

export function createCollateral(opts: CollateralOptions): Collateral {
  let read: CollateralRead | undefined
  /** Balance moves of fills since (or possibly after) the last read, by fill key. */
  const moves = new Map<string, Move>()
  const key = (f: Fill) => `${f.tradeId}|${f.orderId}|${f.tokenId}`

  /** False when the read already contains the move (or may contain an earning). */
  const afterRead = (m: Move, r: CollateralRead) =>
    m.seenAt >= r.startedAt && (m.side === 'BUY' ? m.at + MATCH_TIME_RESOLUTION_MS > r.startedAt : m.at >= r.endedAt)

  function balance(): number | undefined {
    if (!read) return undefined
    let usd = read.usd
    for (const m of moves.values()) usd += m.usd
    return usd
  }

  return {
    setBalance(next) {
      read = next
      for (const [k, m] of moves) if (!afterRead(m, next)) moves.delete(k)
    },
    onFill(f) {
      const k = key(f)
      if (f.status === 'FAILED') {
        // Undone on the exchange too; a reversal of a fill the read already holds waits for the next read.
        moves.delete(k)
        return
      }
      if (moves.has(k)) return
      const notional = f.price * f.size
      const m: Move = {
        side: f.side,
        usd: f.side === 'BUY' ? -(notional + f.feeUsd) : notional - f.feeUsd,
        at: f.timestamp,
        seenAt: opts.now(),
      }
      if (read && !afterRead(m, read)) return
      moves.set(k, m)
    },
    balance,
    free(reservedUsd) {
      const b = balance()
      return b === undefined ? undefined : b - reservedUsd - opts.marginUsd()
    },
  }
}
