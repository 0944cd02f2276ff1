import { describe, expect, test } from 'bun:test'
import { noMarketOnExchange } from './universe.ts'

const notFound = { origin: 'markets.csv:2', reason: 'market not found on Gamma (by token1/token2)' }

describe('a market list that names none of the exchange markets', () => {
  test('is a reason not to start, naming the first row and, on the simulator, the source to use', () => {
    const why = noMarketOnExchange(
      { rows: 2, markets: 0, excluded: [notFound, { ...notFound, origin: 'markets.csv:3' }] },
      'sim',
    )
    expect(why).toBe(
      "the market list names none of the exchange's markets: 2 listed, none found on the sim exchange (markets.csv:2: market not found on Gamma (by token1/token2)); the sim-markets source lists the simulator's own markets, whatever the scenario",
    )
    expect(noMarketOnExchange({ rows: 1, markets: 0, excluded: [notFound] }, 'polymarket')).not.toContain('sim-markets')
  })

  test('is not when one market is found, when the list is empty, or when rows were left out for other reasons', () => {
    expect(noMarketOnExchange({ rows: 2, markets: 1, excluded: [notFound] }, 'sim')).toBeUndefined()
    expect(noMarketOnExchange({ rows: 0, markets: 0, excluded: [] }, 'sim')).toBeUndefined()
    expect(noMarketOnExchange(undefined, 'sim')).toBeUndefined()
    const closed = { origin: 'markets.csv:4', reason: 'market is closed' }
    expect(noMarketOnExchange({ rows: 2, markets: 0, excluded: [notFound, closed] }, 'sim')).toBeUndefined()
  })
})
