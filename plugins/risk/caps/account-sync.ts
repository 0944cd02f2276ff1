import type { Clock } from '../../../pipeline/clock.ts'
import type { Logger } from '../../../pipeline/logger.ts'
import type { AccountShare, InstanceRisk, PeerRisk } from '../../../stages/account-share.ts'

/**
 * This instance's share of the account's risk, exchanged with the other instances of the account (through the
 * persist plugin that offers an AccountShare): ours published, theirs read, every `everyMs`. A failed exchange
 * keeps the last peers seen (a loss another instance reported does not vanish because the database is briefly
 * away) and is logged once until it works again.
 */
export interface AccountSync {
  /** The other instances as last read; undefined until read once (or when nothing is shared). */
  peers(): PeerRisk | undefined
  start(): void
  stop(): void
}

export function createAccountSync(deps: {
  readonly share: () => AccountShare | undefined
  readonly clock: Clock
  readonly log: Logger
  readonly everyMs: () => number
  readonly own: () => InstanceRisk
  readonly onPeers: (peers: PeerRisk) => void
}): AccountSync {
  let last: PeerRisk | undefined
  let cancel: (() => void) | undefined
  let busy = false
  let failing = false

  async function exchange() {
    const share = deps.share()
    if (!share || busy) return
    busy = true
    try {
      const own = deps.own()
      await share.publish(own)
      last = await share.peers(own.day)
      if (failing) deps.log.info('account-wide risk shared again with the other instances')
      failing = false
      deps.onPeers(last)
    } catch (err) {
      if (!failing)
        deps.log.warn(
          `account-wide risk not shared (keeping the other instances' last figures): ${(err as Error).message}`,
        )
      failing = true
    } finally {
      busy = false
    }
  }

  function arm() {
    cancel = deps.clock.setTimeout(() => {
      void exchange().finally(() => {
        if (cancel) arm()
      })
    }, deps.everyMs())
  }

  return {
    peers: () => last,
    start() {
      if (cancel) return
      arm()
      void exchange()
    },
    stop() {
      cancel?.()
      cancel = undefined
    },
  }
}
