import type { FairMark, MarketTokens, PnlDailyRow, StoredFill } from '../../../plugins/persist/sqlite/queries.ts'
import { createAccount } from '../../account.ts'
import type { UtcDay } from './args.ts'
import { round } from './format.ts'

/**
 * Daily PnL by average cost, from fills alone. Positions are carried in from every fill before the day, so a
 * sale today realizes against what the shares cost, whenever they were bought. This is PnL, not cash flow:
 * buying shares today realizes nothing; their value shows in unrealized PnL at the day's last fair value.
 *
 * - realized: Σ over the day's reducing fills of closed shares × (price − average cost), before fees;
 * - fees and rebates: of the day's fills; net realized = realized − fees + rebates. A taker BUY pays its V2 fee
 *   in shares (protocol doc §7.5): the account holds `size − fee / price` shares, and the fee's USD value is on
 *   the fees line like any other;
 * - unrealized: end-of-day holdings × (fair − average cost), YES at fair and NO at 1 − fair, with the market's
 *   last fair value of the day (or of its latest earlier day with a quote); null when no fair value is known.
 */
export interface MarketDayPnl extends PnlDailyRow {
  readonly question: string
  /** Why a number is missing; empty when everything is known. */
  readonly note: string
}

export interface DailyPnl {
  readonly date: string
  readonly markets: readonly MarketDayPnl[]
  readonly total: {
    readonly realizedUsd: number
    readonly feesUsd: number
    readonly rebatesUsd: number
    readonly netRealizedUsd: number
    /** Sum over the markets whose unrealized PnL is known. */
    readonly unrealizedUsd: number
    readonly marketsWithoutFair: number
    readonly volumeUsd: number
    readonly fills: number
  }
}

export interface DailyPnlInput {
  readonly day: UtcDay
  /** Counted (not FAILED) fills, oldest first; later ones than the day are ignored. */
  readonly fills: readonly StoredFill[]
  readonly markets: ReadonlyMap<string, MarketTokens>
  readonly fairs: ReadonlyMap<string, FairMark>
}

interface DayTotals {
  realized: number
  fees: number
  rebates: number
  volume: number
  fills: number
}

export function computeDailyPnl({ day, fills, markets, fairs }: DailyPnlInput): DailyPnl {
  const account = createAccount()
  const perMarket = new Map<string, DayTotals>()
  const tokensOf = new Map<string, Set<string>>()

  for (const f of fills) {
    if (f.timestamp >= day.end) continue
    const before = account.token(f.tokenId).realizedPnl
    if (!account.applyFill(f)) continue
    let tokens = tokensOf.get(f.conditionId)
    if (!tokens) tokensOf.set(f.conditionId, (tokens = new Set()))
    tokens.add(f.tokenId)
    if (f.timestamp < day.start) continue
    let t = perMarket.get(f.conditionId)
    if (!t) perMarket.set(f.conditionId, (t = { realized: 0, fees: 0, rebates: 0, volume: 0, fills: 0 }))
    // The account books realized PnL net of the fee; report the fee on its own line.
    t.realized += account.token(f.tokenId).realizedPnl - before + f.feeUsd
    t.fees += f.feeUsd
    t.rebates += f.rebateUsd
    t.volume += f.price * f.size
    t.fills++
  }

  const rows: MarketDayPnl[] = []
  for (const [conditionId, tokens] of tokensOf) {
    const held = [...tokens].some((id) => account.token(id).shares !== 0)
    const t = perMarket.get(conditionId)
    if (!t && !held) continue
    const market = markets.get(conditionId)
    const mark = fairs.get(conditionId)
    const yes = market ? account.token(market.yesTokenId) : undefined
    const no = market ? account.token(market.noTokenId) : undefined
    let unrealized: number | null = null
    let note = ''
    if (!held) unrealized = 0
    else if (!yes || !no) note = 'unknown YES/NO tokens: no unrealized PnL'
    else if (!mark) note = 'no fair value recorded: no unrealized PnL'
    else unrealized = yes.shares * (mark.fair - yes.avgPrice) + no.shares * (1 - mark.fair - no.avgPrice)
    const totals = t ?? { realized: 0, fees: 0, rebates: 0, volume: 0, fills: 0 }
    rows.push({
      conditionId,
      question: market?.question ?? '',
      realizedUsd: round(totals.realized),
      feesUsd: round(totals.fees),
      rebatesUsd: round(totals.rebates),
      netRealizedUsd: round(totals.realized - totals.fees + totals.rebates),
      unrealizedUsd: unrealized === null ? null : round(unrealized),
      fair: held && mark ? mark.fair : null,
      fairAt: held && mark ? mark.at : null,
      volumeUsd: round(totals.volume),
      fills: totals.fills,
      yesShares: yes?.shares ?? 0,
      noShares: no?.shares ?? 0,
      note,
    })
  }
  rows.sort((a, b) => a.conditionId.localeCompare(b.conditionId))

  const sum = (pick: (r: MarketDayPnl) => number | null) => round(rows.reduce((s, r) => s + (pick(r) ?? 0), 0))
  return {
    date: day.date,
    markets: rows,
    total: {
      realizedUsd: sum((r) => r.realizedUsd),
      feesUsd: sum((r) => r.feesUsd),
      rebatesUsd: sum((r) => r.rebatesUsd),
      netRealizedUsd: sum((r) => r.netRealizedUsd),
      unrealizedUsd: sum((r) => r.unrealizedUsd),
      marketsWithoutFair: rows.filter((r) => r.unrealizedUsd === null).length,
      volumeUsd: sum((r) => r.volumeUsd),
      fills: rows.reduce((s, r) => s + r.fills, 0),
    },
  }
}
