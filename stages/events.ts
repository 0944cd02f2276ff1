import type { Fill, LiveOrder, Market, MarketPosition, RiskState, YesQuote } from '../schemas/domain.ts'

/**
 * Everything the daemon reports as it runs. Persist plugins receive every event (fan-out); other plugins may
 * listen through `ctx.events`.
 */
export type DaemonEvent =
  | { readonly type: 'order'; readonly at: number; readonly order: LiveOrder }
  | { readonly type: 'fill'; readonly at: number; readonly fill: Fill }
  | { readonly type: 'position'; readonly at: number; readonly position: MarketPosition }
  | {
      readonly type: 'markout'
      readonly at: number
      readonly tradeId: string
      readonly conditionId: string
      readonly tokenId: string
      /** Seconds after the fill. */
      readonly horizonSec: number
      /** Signed, in price units per share: positive = the fill was good for us. */
      readonly markout: number
    }
  | {
      readonly type: 'selection'
      readonly at: number
      readonly markets: readonly Market[]
      readonly added: readonly string[]
      readonly removed: readonly string[]
    }
  | { readonly type: 'quote'; readonly at: number; readonly conditionId: string; readonly quote: YesQuote }
  | {
      readonly type: 'risk'
      readonly at: number
      readonly conditionId: string | undefined
      readonly state: RiskState
      readonly reason: string
    }
  | { readonly type: 'pull'; readonly at: number; readonly conditionId: string; readonly reason: string }

export type DaemonEventType = DaemonEvent['type']
export type DaemonEventOf<T extends DaemonEventType> = Extract<DaemonEvent, { type: T }>
