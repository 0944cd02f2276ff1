import type { Clock } from '../../../pipeline/clock.ts'
import type { Logger } from '../../../pipeline/logger.ts'
import type { ExchangePort } from './exchange-port.ts'

/**
 * After our fills, GET /balance-allowance/update asks the exchange to refresh its cached view of the balances they
 * moved (§7.5): the token's (CONDITIONAL, or CONDITIONAL-V2 for a V2 market) and pUSD. The endpoint is rate-limited
 * (50 per 10 s, §2.5), so fills are coalesced per asset over `everyMs` and at most `perFlush` refreshes go out each
 * time: a burst of fills on one token costs two requests, never one per fill.
 */

export interface BalanceRefresher {
  fillSeen(tokenId: string, protocol: 'v1' | 'v2'): void
  stop(): void
}

export interface BalanceRefreshOptions {
  readonly port: ExchangePort
  readonly clock: Clock
  readonly log: Logger
  /** Default 1 s. */
  readonly everyMs?: number
  /** Default 4 (4 a second stays under the published 5 a second). */
  readonly perFlush?: number
}

type Asset = { readonly tokenId: string; readonly protocol: 'v1' | 'v2' } | 'collateral'

export function createBalanceRefresher(opts: BalanceRefreshOptions): BalanceRefresher {
  const everyMs = opts.everyMs ?? 1000
  const perFlush = opts.perFlush ?? 4
  const pending = new Map<string, Asset>()
  let timer: (() => void) | undefined
  let stopped = false

  async function flush(): Promise<void> {
    timer = undefined
    const batch = [...pending].slice(0, perFlush)
    for (const [key] of batch) pending.delete(key)
    for (const [key, asset] of batch) {
      try {
        await opts.port.refreshBalance(asset)
      } catch (err) {
        opts.log.debug(`balance refresh of ${key} failed: ${(err as Error).message}`)
      }
    }
    if (pending.size > 0) schedule()
  }

  function schedule(): void {
    if (timer || stopped) return
    timer = opts.clock.setTimeout(() => void flush(), everyMs)
  }

  return {
    fillSeen(tokenId, protocol) {
      if (stopped) return
      pending.set(`token ${tokenId}`, { tokenId, protocol })
      pending.set('collateral', 'collateral')
      schedule()
    },
    stop() {
      stopped = true
      timer?.()
      timer = undefined
    },
  }
}
