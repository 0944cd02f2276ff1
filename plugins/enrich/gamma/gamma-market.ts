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
  clobTokenIds: JsonStringList.optional(),
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

/** Why the row's tokens are not the market's [YES, NO] pair, or undefined when they are. */
function tokenMismatch(row: SelectionRow, tokens: readonly string[]): string | undefined {
  const [yes, no] = tokens
  if (row.token1 === yes && row.token2 === no) return undefined
  if (row.token1 === no && row.token2 === yes) {
    return `token1 and token2 are swapped: the market's clobTokenIds are [${short(yes ?? '')}, ${short(no ?? '')}] (token1 must be the first outcome)`
  }
  const wrong = [row.token1 !== yes ? 'token1' : undefined, row.token2 !== no ? 'token2' : undefined]
    .filter((w) => w !== undefined)
    .join(' and ')
  return `${wrong} ${wrong.includes(' and ') ? 'do' : 'does'} not match the market's clobTokenIds [${short(yes ?? '')}, ${short(no ?? '')}]`
}

/** Fee rate of the market in bps: 0 when fees are off, else Gamma's base fee. */
function feeRateBps(g: GammaMarket): number | undefined {
  if (g.feesEnabled === false) return 0
  return g.takerBaseFee ?? g.makerBaseFee
}

/** Builds the traded Market for a selection row from its Gamma market, or says why it cannot be traded. */
export function buildMarket(row: SelectionRow, g: GammaMarket): BuildResult {
  const tokens = g.clobTokenIds ?? []
  if (tokens.length !== 2) {
    return { kind: 'excluded', severity: 'unusable', reason: `not a binary market (${tokens.length} clob tokens)` }
  }
  const mismatch = tokenMismatch(row, tokens)
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
