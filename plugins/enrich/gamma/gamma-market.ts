import { z } from 'zod'
import { type Market, MarketSchema, type SelectionRow } from '../../../schemas/domain.ts'

/** Gamma sends some lists as JSON text inside a string: "[\"Yes\", \"No\"]". */
const JsonStringList = z.string().transform((text, ctx): string[] => {
  try {
    const value: unknown = JSON.parse(text)
    if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value
  } catch {
    // reported below
  }
  ctx.addIssue({ code: 'custom', message: `expected a JSON list of strings, got ${JSON.stringify(text).slice(0, 80)}` })
  return z.NEVER
})

/** Numbers Gamma sometimes sends as strings; both forms are read. */
const Num = z.union([
  z.number(),
  z
    .string()
    .regex(/^-?\d+(\.\d+)?$/)
    .transform(Number),
])

/**
 * The fields of a Gamma `/markets` item that enrichment reads (real shapes: fixtures gamma_market*.json).
 * Legacy markets lack the order-book fields, so those are optional here and checked when building a Market.
 */
export const GammaMarketSchema = z.object({
  id: z.string().optional(),
  question: z.string().default(''),
  conditionId: z.string(),
  /** Protocol of the market (§7.1): "v1" lists its outcome ids in clobTokenIds, "v2" in positionIds. */
  version: z.string().optional(),
  clobTokenIds: JsonStringList.optional(),
  /** V2 markets: a real JSON array of decimal strings (not JSON text). */
  positionIds: z.array(z.string().regex(/^\d+$/, 'expected a decimal token id')).optional(),
  outcomes: JsonStringList.optional(),
  outcomePrices: JsonStringList.optional(),
  orderPriceMinTickSize: Num.optional(),
  orderMinSize: Num.optional(),
  negRisk: z.boolean().optional(),
  acceptingOrders: z.boolean().nullable().optional(),
  closed: z.boolean().optional(),
  active: z.boolean().optional(),
  enableOrderBook: z.boolean().nullable().optional(),
  endDate: z.string().nullable().optional(),
  rewardsMinSize: Num.optional(),
  rewardsMaxSpread: Num.optional(),
  feesEnabled: z.boolean().nullable().optional(),
  makerBaseFee: Num.optional(),
  takerBaseFee: Num.optional(),
})
export type GammaMarket = z.infer<typeof GammaMarketSchema>

export type BuildResult =
  | { kind: 'market'; market: Market }
  /** `mismatch`: the row names the wrong tokens (an error in the selection); `unusable`: the market cannot be traded. */
  | { kind: 'excluded'; severity: 'mismatch' | 'unusable'; reason: string }

function short(id: string): string {
  return id.length > 16 ? `${id.slice(0, 8)}…${id.slice(-6)}` : id
}

export type Protocol = 'v1' | 'v2'

/** Which Gamma field holds a market's outcome ids, by protocol. */
export const ID_FIELD: Record<Protocol, 'clobTokenIds' | 'positionIds'> = { v1: 'clobTokenIds', v2: 'positionIds' }

export type OutcomeIds =
  | { kind: 'ids'; protocol: Protocol; ids: readonly string[]; field: 'clobTokenIds' | 'positionIds' }
  | { kind: 'excluded'; reason: string }

/**
 * The market's outcome ids, chosen by its Gamma `version` (§7.1): "v1" → clobTokenIds, "v2" → positionIds, even
 * when both fields are present. A missing or unknown version excludes the market: guessing would sign orders for
 * the wrong exchange.
 */
export function outcomeIds(g: GammaMarket): OutcomeIds {
  const v = g.version?.trim().toLowerCase()
  if (v === undefined || v === '') return { kind: 'excluded', reason: 'Gamma gives no protocol version (version)' }
  if (v !== 'v1' && v !== 'v2') {
    return { kind: 'excluded', reason: `unknown protocol version ${JSON.stringify(g.version)} (expected "v1" or "v2")` }
  }
  if (g.clobTokenIds === undefined && g.positionIds === undefined) {
    return { kind: 'excluded', reason: 'Gamma gives no outcome ids (neither clobTokenIds nor positionIds)' }
  }
  const field = ID_FIELD[v]
  const ids = g[field]
  if (ids === undefined) return { kind: 'excluded', reason: `a ${v} market without ${field}` }
  return { kind: 'ids', protocol: v, ids, field }
}

/** Why the row's tokens are not the market's [YES, NO] pair, or undefined when they are. */
function tokenMismatch(row: SelectionRow, tokens: readonly string[], field: string): string | undefined {
  const [yes, no] = tokens
  if (row.token1 === yes && row.token2 === no) return undefined
  if (row.token1 === no && row.token2 === yes) {
    return `token1 and token2 are swapped: the market's ${field} are [${short(yes ?? '')}, ${short(no ?? '')}] (token1 must be the first outcome)`
  }
  const wrong = [row.token1 !== yes ? 'token1' : undefined, row.token2 !== no ? 'token2' : undefined]
    .filter((w) => w !== undefined)
    .join(' and ')
  return `${wrong} ${wrong.includes(' and ') ? 'do' : 'does'} not match the market's ${field} [${short(yes ?? '')}, ${short(no ?? '')}]`
}

/** Fee rate of the market in bps: 0 when fees are off, else Gamma's base fee. */
function feeRateBps(g: GammaMarket): number | undefined {
  if (g.feesEnabled === false) return 0
  return g.takerBaseFee ?? g.makerBaseFee
}

/** Builds the traded Market for a selection row from its Gamma market, or says why it cannot be traded. */
export function buildMarket(row: SelectionRow, g: GammaMarket): BuildResult {
  const chosen = outcomeIds(g)
  if (chosen.kind === 'excluded') return { kind: 'excluded', severity: 'unusable', reason: chosen.reason }
  const tokens = chosen.ids
  if (tokens.length !== 2) {
    return { kind: 'excluded', severity: 'unusable', reason: `not a binary market (${tokens.length} ${chosen.field})` }
  }
  const mismatch = tokenMismatch(row, tokens, chosen.field)
  if (mismatch) return { kind: 'excluded', severity: 'mismatch', reason: mismatch }
  if (row.condition_id && row.condition_id.toLowerCase() !== g.conditionId.toLowerCase()) {
    return {
      kind: 'excluded',
      severity: 'mismatch',
      reason: `condition_id ${short(row.condition_id)} does not match the market's conditionId ${short(g.conditionId)}`,
    }
  }
  if (g.closed === true) return { kind: 'excluded', severity: 'unusable', reason: 'market is closed' }
  if (g.acceptingOrders !== true)
    return { kind: 'excluded', severity: 'unusable', reason: 'market is not accepting orders' }
  if (g.enableOrderBook === false) return { kind: 'excluded', severity: 'unusable', reason: 'market has no order book' }
  if (g.orderPriceMinTickSize === undefined) {
    return { kind: 'excluded', severity: 'unusable', reason: 'Gamma gives no tick size (orderPriceMinTickSize)' }
  }
  const endMs = g.endDate ? Date.parse(g.endDate) : Number.NaN
  const fee = feeRateBps(g)
  const candidate: Market = {
    conditionId: g.conditionId.toLowerCase(),
    question: g.question,
    yesTokenId: row.token1,
    noTokenId: row.token2,
    tickSize: g.orderPriceMinTickSize,
    minOrderSize: g.orderMinSize ?? 0,
    negRisk: g.negRisk ?? false,
    protocol: chosen.protocol,
    acceptingOrders: true,
    closed: false,
    selection: row,
    ...(Number.isFinite(endMs) ? { endDate: endMs } : {}),
    ...(g.rewardsMinSize !== undefined ? { rewardsMinSize: g.rewardsMinSize } : {}),
    ...(g.rewardsMaxSpread !== undefined ? { rewardsMaxSpread: g.rewardsMaxSpread } : {}),
    ...(fee !== undefined ? { feeRateBps: fee } : {}),
  }
  const checked = MarketSchema.safeParse(candidate)
  if (!checked.success) {
    const issue = checked.error.issues[0]
    return {
      kind: 'excluded',
      severity: 'unusable',
      reason: `Gamma market is not usable: ${issue?.path.join('.')}: ${issue?.message}`,
    }
  }
  return { kind: 'market', market: checked.data }
}
