import { describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { buildMarket, GammaMarketSchema } from './gamma-market.ts'
import { gammaObject } from './test-support/gamma-objects.ts'

const FIXTURES = join(import.meta.dir, '../../../tests/fixtures/wire')
/** The fixtures (shaped like the captures) predate Gamma's `version` field; read here as the V1 markets they are. */
function raw(name: string): Record<string, unknown> {
  return { ...(JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as Record<string, unknown>), version: 'v1' }
}
function parse(m: Record<string, unknown>) {
  return GammaMarketSchema.parse(m)
}
function rowOf(g: ReturnType<typeof parse>) {
  const [token1 = '', token2 = ''] = g.clobTokenIds ?? []
  return { token1, token2, origin: 'r' }
}

describe('GammaMarketSchema', () => {
  test('reads the JSON-string lists of a Gamma market', () => {
    const g = parse(raw('gamma_market.json'))
    expect(g.outcomes).toEqual(['Up', 'Down'])
    expect(g.outcomePrices).toEqual(['0.515', '0.485'])
    expect(g.clobTokenIds).toHaveLength(2)
    expect(g.orderPriceMinTickSize).toBe(0.01)
  })

  test('every gamma_market fixture parses, legacy ones included', () => {
    for (const f of [
      'gamma_market_closed_binary_accepting_false.json',
      'gamma_market_closed_binary_accepting_true.json',
      'gamma_market_closed_nonbinary_legacy.json',
      'gamma_market_closed_zero_zero_legacy.json',
      'gamma_market_sports_market_map_handicap.json',
      'gamma_market_sports_market_money_line.json',
    ]) {
      expect(GammaMarketSchema.safeParse(raw(f)).success).toBe(true)
    }
  })

  test('a list field that is not JSON is an error; numbers as strings are read', () => {
    expect(GammaMarketSchema.safeParse({ ...raw('gamma_market.json'), clobTokenIds: '[1, 2' }).success).toBe(false)
    expect(parse({ ...raw('gamma_market.json'), orderMinSize: '15' }).orderMinSize).toBe(15)
  })
})

describe('buildMarket', () => {
  test('fees off → fee rate 0; rewards and tick size from the sports fixture when it is open', () => {
    const sports = parse({ ...raw('gamma_market_sports_market_money_line.json'), closed: false, acceptingOrders: true })
    const built = buildMarket(rowOf(sports), sports)
    expect(built).toMatchObject({
      kind: 'market',
      market: { tickSize: 0.001, minOrderSize: 5, rewardsMinSize: 300, rewardsMaxSpread: 3, feeRateBps: 700 },
    })
    const noFees = parse({ ...raw('gamma_market_closed_binary_accepting_true.json'), closed: false })
    expect(buildMarket(rowOf(noFees), noFees)).toMatchObject({ kind: 'market', market: { feeRateBps: 0 } })
  })

  test('neg-risk is carried over', () => {
    const g = parse({ ...raw('gamma_market.json'), negRisk: true })
    expect(buildMarket(rowOf(g), g)).toMatchObject({ kind: 'market', market: { negRisk: true } })
  })

  test('a legacy market without order-book fields is not tradable even if reopened', () => {
    const g = parse({ ...raw('gamma_market_closed_zero_zero_legacy.json'), closed: false })
    expect(buildMarket(rowOf(g), g)).toEqual({
      kind: 'excluded',
      severity: 'unusable',
      reason: 'market is not accepting orders',
    })
  })

  test('an accepting market without a tick size is excluded', () => {
    const g = parse({ ...raw('gamma_market.json'), orderPriceMinTickSize: undefined })
    expect(buildMarket(rowOf(g), g)).toMatchObject({ kind: 'excluded', reason: expect.stringContaining('tick size') })
  })

  test('more than two tokens is not a binary market', () => {
    const g = parse({ ...raw('gamma_market.json'), clobTokenIds: '["1", "2", "3"]' })
    expect(buildMarket({ token1: '1', token2: '2', origin: 'r' }, g)).toMatchObject({
      kind: 'excluded',
      reason: 'not a binary market (3 clobTokenIds)',
    })
  })

  test('the version picks the id field; neither field, or an id field the version does not name, is excluded', () => {
    const v2 = parse(gammaObject('v2', ['11', '12'], { clobTokenIds: JSON.stringify(['21', '22']) }))
    expect(buildMarket({ token1: '11', token2: '12', origin: 'r' }, v2)).toMatchObject({
      kind: 'market',
      market: { yesTokenId: '11', noTokenId: '12', protocol: 'v2' },
    })
    const v1 = parse(gammaObject('v1', ['31', '32']))
    expect(buildMarket({ token1: '31', token2: '32', origin: 'r' }, v1)).toMatchObject({ market: { protocol: 'v1' } })
    const neither = parse(gammaObject('v1', ['41', '42'], { clobTokenIds: undefined }))
    expect(buildMarket({ token1: '41', token2: '42', origin: 'r' }, neither)).toEqual({
      kind: 'excluded',
      severity: 'unusable',
      reason: 'Gamma gives no outcome ids (neither clobTokenIds nor positionIds)',
    })
    const v2WithoutPositions = parse(gammaObject('v1', ['51', '52'], { version: 'V2' }))
    expect(buildMarket({ token1: '51', token2: '52', origin: 'r' }, v2WithoutPositions)).toMatchObject({
      kind: 'excluded',
      reason: 'a v2 market without positionIds',
    })
  })

  test('token mismatch is reported before the market status', () => {
    const g = parse(raw('gamma_market_closed_binary_accepting_false.json'))
    const [t1 = '', t2 = ''] = g.clobTokenIds ?? []
    expect(buildMarket({ token1: t2, token2: t1, origin: 'r' }, g)).toMatchObject({ severity: 'mismatch' })
  })
})
