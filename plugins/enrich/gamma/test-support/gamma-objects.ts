/**
 * Gamma `/markets` items written from the protocol facts (polymarket-protocol.md §4, §7.1), not copied from any
 * capture: camelCase fields, `outcomes` / `clobTokenIds` as JSON text, and since Protocol V2 a `version` field
 * with the V2 outcome ids in `positionIds`, a real JSON array of decimal strings.
 */

export type GammaObject = Record<string, unknown>

let serial = 0

/** An open, accepting binary market of either protocol; `over` replaces or (with undefined) removes fields. */
export function gammaObject(protocol: 'v1' | 'v2', ids: [string, string], over: GammaObject = {}): GammaObject {
  serial++
  const base: GammaObject = {
    id: String(700_000 + serial),
    question: `In-tree ${protocol} market ${serial}?`,
    conditionId: `0x${serial.toString(16).padStart(4, '0')}${'ab'.repeat(30)}`,
    slug: `in-tree-${protocol}-${serial}`,
    version: protocol,
    endDate: '2027-01-31T12:00:00Z',
    active: true,
    closed: false,
    archived: false,
    acceptingOrders: true,
    enableOrderBook: true,
    outcomes: JSON.stringify(['Yes', 'No']),
    outcomePrices: JSON.stringify(['0.42', '0.58']),
    orderPriceMinTickSize: 0.01,
    orderMinSize: 5,
    negRisk: false,
    rewardsMinSize: 20,
    rewardsMaxSpread: 3.5,
    feesEnabled: false,
    ...(protocol === 'v1' ? { clobTokenIds: JSON.stringify(ids) } : { positionIds: [...ids] }),
  }
  const out: GammaObject = { ...base, ...over }
  for (const [k, v] of Object.entries(over)) if (v === undefined) delete out[k]
  return out
}

/** Every outcome id an item lists, in either field (what a Gamma server matches `clob_token_ids` against). */
export function idsOf(m: GammaObject): string[] {
  const text = typeof m.clobTokenIds === 'string' ? (JSON.parse(m.clobTokenIds) as string[]) : []
  const list = Array.isArray(m.positionIds) ? (m.positionIds as string[]) : []
  return [...text, ...list]
}
