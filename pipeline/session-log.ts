import type { Fill, LiveOrder } from '../schemas/domain.ts'
import type { DaemonEvent } from '../stages/events.ts'
import type { Account } from './account.ts'
import { fields, type Logger } from './logger.ts'
import type { TokenNames } from './market-names.ts'

/**
 * What a person watching the terminal wants to know: each fill in words, a periodic one-line summary, and at exit
 * a table of the session. Fed from the event bus; ids stay in the JSON fields.
 */

const RESTING: ReadonlySet<LiveOrder['status']> = new Set(['pending', 'live', 'partially_filled', 'unknown'])
const DAY_MS = 86_400_000

export interface SessionTotals {
  readonly fills: number
  readonly volumeShares: number
  readonly volumeUsd: number
  readonly feesUsd: number
  /** Realized PnL of this session's fills, after fees. */
  readonly realizedUsd: number
}

export interface SessionView {
  /** Markets quoting and pulled now. */
  quoting(): { quoted: number; pulled: number }
  /** Orders that may rest on the book now (the executor's count). */
  restingOrders(): number
}

export interface SessionLog {
  onEvent(event: DaemonEvent): void
  totals(): SessionTotals
  /** Orders seen resting and not seen terminal since (independent of the executor). */
  restingSeen(): number
  summaryLine(now: number): string
  exitTable(restingAfterStop: number): string
}

function fillLine(f: Fill, names: TokenNames): string {
  const usd = f.price * f.size
  const fee = f.feeUsd > 0 ? `, fee ${f.feeUsd.toFixed(2)}` : ''
  const status = f.status === 'MATCHED' || f.status === 'CONFIRMED' ? '' : ` [${f.status}]`
  return `fill ${f.side} ${fmtShares(f.size)} ${names.describeToken(f.tokenId)} @ ${f.price} (${usd.toFixed(2)} USD, ${f.role.toLowerCase()}${fee})${status}`
}

function fmtShares(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(2)
}

function signed(n: number): string {
  return `${n >= 0 ? '+' : ''}${n.toFixed(2)}`
}

export function createSessionLog(deps: {
  readonly log: Logger
  readonly names: TokenNames
  readonly account: Account
  readonly view: SessionView
  readonly startedAt: number
}): SessionLog {
  const { log, names, account, view } = deps
  const seenFills = new Set<string>()
  const resting = new Map<string, LiveOrder>()
  let fills = 0
  let volumeShares = 0
  let volumeUsd = 0
  let feesUsd = 0
  let fillsToday = 0
  let today = Math.floor(deps.startedAt / DAY_MS)

  function onFill(at: number, f: Fill): void {
    const key = `${f.tradeId}|${f.orderId}|${f.tokenId}`
    const first = !seenFills.has(key)
    seenFills.add(key)
    const t = names.token(f.tokenId)
    const json = fields({
      trade_id: f.tradeId,
      order_id: f.orderId,
      token_id: f.tokenId,
      condition_id: f.conditionId,
      question: t?.question,
      outcome: t?.outcome,
      side: f.side,
      price: f.price,
      size: f.size,
      fee_usd: f.feeUsd,
      role: f.role,
      status: f.status,
    })
    // A status update of a fill already counted (MINED, CONFIRMED) is not a new fill.
    if (!first) {
      if (f.status === 'FAILED') log.warn(`fill FAILED on chain: ${fillLine(f, names)}`, json)
      else log.debug(`fill ${f.status}: ${fillLine(f, names)}`, json)
      return
    }
    if (f.status === 'FAILED') return
    fills++
    volumeShares += f.size
    volumeUsd += f.price * f.size
    feesUsd += f.feeUsd
    const day = Math.floor(at / DAY_MS)
    if (day !== today) {
      today = day
      fillsToday = 0
    }
    fillsToday++
    const held = account.token(f.tokenId).shares
    log.info(`${fillLine(f, names)}; now holding ${fmtShares(held)} ${t?.outcome ?? 'shares'}`, json)
  }

  return {
    onEvent(e) {
      if (e.type === 'fill') onFill(e.at, e.fill)
      else if (e.type === 'order') {
        if (RESTING.has(e.order.status)) resting.set(e.order.id, e.order)
        else resting.delete(e.order.id)
      }
    },
    totals: () => ({
      fills,
      volumeShares,
      volumeUsd,
      feesUsd,
      realizedUsd: account.realizedSince(deps.startedAt),
    }),
    restingSeen: () => resting.size,
    summaryLine(now) {
      const q = view.quoting()
      const pnl = account.realizedSince(Math.floor(now / DAY_MS) * DAY_MS)
      return (
        `summary: ${q.quoted} markets quoted, ${q.pulled} pulled; ${view.restingOrders()} orders resting; ` +
        `today ${fillsToday} fills, realized PnL ${signed(pnl)} USD (net of fees)`
      )
    },
    exitTable(restingAfterStop) {
      const realized = account.realizedSince(deps.startedAt)
      const rows: [string, string][] = [
        ['session fills', String(fills)],
        ['volume', `${fmtShares(volumeShares)} shares, ${volumeUsd.toFixed(2)} USD`],
        ['fees', `${feesUsd.toFixed(2)} USD`],
        ['PnL (realized, net of fees)', `${signed(realized)} USD`],
        ['orders left resting', `${restingAfterStop}${restingAfterStop === 0 ? '' : '  <-- check the account'}`],
      ]
      const w = Math.max(...rows.map(([k]) => k.length))
      return ['session summary', ...rows.map(([k, v]) => `  ${k.padEnd(w)}  ${v}`)].join('\n')
    },
  }
}
