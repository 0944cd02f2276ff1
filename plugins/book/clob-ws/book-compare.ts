import { levelTicks } from './integrity.ts'
import { ASK, BID, type OrderBook } from './order-book.ts'
import type { AuditedChange } from './token-book.ts'
import { type BookSummary, stated, type WireLevel } from './wire.ts'

/**
 * Is the local book the exchange's? REST /book is a snapshot at its `timestamp`; the local book has moved on
 * with every change received since. So the REST levels are rolled forward with the changes recorded while
 * the request was in flight that are not older than the snapshot (sizes are absolute, so one of the
 * snapshot's own millisecond is harmless to re-apply), and only then compared level by level. A change
 * still on its way (older than the snapshot, not yet received) can still make them differ: the audit asks
 * twice before it believes a difference. Returns '' when equal, else the first difference.
 */
export function bookDifference(book: OrderBook, rest: BookSummary, recorded: readonly AuditedChange[]): string {
  if (stated(rest.tick_size) && +rest.tick_size !== book.tickSize) {
    return `tick size: local ${book.tickSize}, REST ${rest.tick_size}`
  }
  const want = [new Map<number, number>(), new Map<number, number>()]
  const load = (side: 0 | 1, levels: readonly WireLevel[]): string => {
    for (const l of levels) {
      if (!stated(l.price) || !stated(l.size)) continue
      const t = levelTicks(book, +l.price)
      if (t < 0) return `REST level ${l.price} is off the local grid`
      if (+l.size > 0) want[side]?.set(t, +l.size)
    }
    return ''
  }
  const bad = load(BID, rest.bids) || load(ASK, rest.asks)
  if (bad !== '') return bad
  const from = +rest.timestamp
  for (const c of recorded) {
    if (c.ts < from) continue
    const t = levelTicks(book, c.price)
    if (t < 0) continue
    if (c.size > 0) want[c.side]?.set(t, c.size)
    else want[c.side]?.delete(t)
  }
  for (const side of [BID, ASK] as const) {
    const name = side === BID ? 'bid' : 'ask'
    const expected = want[side] as Map<number, number>
    const local = side === BID ? book.bids() : book.asks()
    for (const l of local) {
      const t = book.toTicks(l.price)
      const w = expected.get(t)
      if (w === undefined) return `${name} ${l.price}: local ${l.size}, REST none`
      if (!sameSize(w, l.size)) return `${name} ${l.price}: local ${l.size}, REST ${w}`
      expected.delete(t)
    }
    for (const [t, size] of expected) return `${name} ${t / book.ticksPerUnit}: local none, REST ${size}`
  }
  return ''
}

function sameSize(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b))
}

/** The REST book's levels as one string: two answers with the same signature show the same book. */
export function restSignature(rest: BookSummary): string {
  const side = (ls: readonly WireLevel[]) => ls.map((l) => `${l.price}:${l.size}`).join(',')
  return `${side(rest.bids)}|${side(rest.asks)}`
}
