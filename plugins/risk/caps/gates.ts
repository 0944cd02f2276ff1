import type { BookView, HealthView, Market } from '../../../schemas/domain.ts'
import { formatDuration } from '../../../schemas/duration.ts'
import type { BookPair } from '../../../stages/io.ts'

/** Why a market must not be quoted at all; `cause` is a stable key for transition logging. */
export interface Gate {
  readonly cause: 'health' | 'book' | 'closed' | 'not-accepting' | 'resolution' | 'capital' | 'fair'
  readonly reason: string
}

function bookGate(name: string, book: BookView): Gate | undefined {
  if (book.state === 'fresh') return undefined
  return { cause: 'book', reason: `${name} book ${book.state}${book.stateReason ? `: ${book.stateReason}` : ''}` }
}

/**
 * Conditions under which a market gets no quotes, whatever its inventory: a lost connection (market data,
 * user channel, exchange heartbeat), a book that is not fresh, a closed or not-accepting market, or one too
 * close to resolution. The engine checks most of these too; repeating them here keeps the risk state (and
 * its metric) truthful and protects a pipeline whose engine checks are bypassed.
 */
export function noQuoteGate(
  input: {
    readonly market: Market
    readonly books: BookPair
    readonly health: HealthView
    readonly now: number
    readonly fair: number
    readonly capitalUsd: number
  },
  minTimeToResolutionMs: number,
): Gate | undefined {
  const { market, now } = input
  const down = input.health.firstDown()
  if (down) return { cause: 'health', reason: `${down.name} down${down.reason ? `: ${down.reason}` : ''}` }
  const book = bookGate('YES', input.books.yes) ?? bookGate('NO', input.books.no)
  if (book) return book
  if (market.closed) return { cause: 'closed', reason: 'market closed' }
  if (!market.acceptingOrders) return { cause: 'not-accepting', reason: 'market not accepting orders' }
  if (market.endDate !== undefined) {
    const left = market.endDate - now
    if (left <= 0) return { cause: 'resolution', reason: 'market past its end date' }
    if (left < minTimeToResolutionMs) {
      return {
        cause: 'resolution',
        reason: `${(left / 60_000).toFixed(1)} min to resolution < ${formatDuration(minTimeToResolutionMs)}`,
      }
    }
  }
  if (!(input.capitalUsd > 0)) return { cause: 'capital', reason: 'no capital configured: exposure cannot be capped' }
  if (!(input.fair > 0 && input.fair < 1)) return { cause: 'fair', reason: `fair value ${input.fair} outside (0, 1)` }
  return undefined
}
