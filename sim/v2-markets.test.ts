// Protocol V2 markets (protocol doc §7.1): Gamma `version`/`positionIds`, orders signed for ExchangeV3 (domain "3")
// by the real clob-client-v2, the wrong exchange rejected, balances under CONDITIONAL-V2.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { type AssetType, getContractConfig, OrderType, Side } from '@polymarket/clob-client-v2'
import type { ApiCreds } from './auth.ts'
import { loadScenario, type Simulator } from './index.ts'
import { alice, clobClient, deriveCreds, startTestSimulator } from './testing.ts'

let sim: Simulator
let creds: ApiCreds
let v1Yes: string
let v2Yes: string

beforeAll(async () => {
  sim = await startTestSimulator({
    markets: [
      { slug: 'old-style', question: 'V1?', tick_size: 0.01 },
      { slug: 'new-style', question: 'V2?', tick_size: 0.01, version: 'v2' },
    ],
  })
  creds = await deriveCreds(sim.urls.clob, alice)
  v1Yes = sim.markets[0]?.tokens[0] ?? ''
  v2Yes = sim.markets[1]?.tokens[0] ?? ''
})
afterAll(async () => {
  await sim.stop()
})

describe('Protocol V2 markets', () => {
  test('the default scenario serves at least one V2 market', () => {
    expect(loadScenario('default').markets.some((m) => m.version === 'v2')).toBe(true)
  })

  test('Gamma: v1 lists clobTokenIds as JSON text; v2 lists positionIds as an array and no clobTokenIds', async () => {
    const rows = (await (await fetch(`${sim.urls.gamma}/markets`)).json()) as Array<Record<string, unknown>>
    const [v1, v2] = rows
    expect(v1?.version).toBe('v1')
    expect(JSON.parse(String(v1?.clobTokenIds))).toEqual(sim.markets[0]?.tokens)
    expect(v1).not.toHaveProperty('positionIds')
    expect(v2?.version).toBe('v2')
    expect(v2?.positionIds).toEqual(sim.markets[1]?.tokens)
    expect(v2).not.toHaveProperty('clobTokenIds')
  })

  test('a V2-market order signed for ExchangeV3 rests; one signed for the V2 exchange is rejected', async () => {
    const a = clobClient(sim.urls.clob, alice, creds)
    const v3 = await a.createOrder({ tokenID: v2Yes, price: 0.3, size: 10, side: Side.BUY }, { version: 3 })
    const ok = await a.postOrder(v3, OrderType.GTC, true)
    expect(ok.success).toBe(true)
    expect(sim.openOrders(alice.address).map((o) => o.id)).toContain(ok.orderID)

    const wrong = await a.createOrder({ tokenID: v2Yes, price: 0.31, size: 10, side: Side.BUY })
    const refused = (await a.postOrder(wrong, OrderType.GTC, true)) as unknown as Record<string, unknown>
    expect(refused.status).toBe(400)
    expect(JSON.stringify(refused.error)).toContain('invalid signature')

    // And the reverse: a V1 market's order signed for ExchangeV3.
    const backwards = await a.createOrder({ tokenID: v1Yes, price: 0.3, size: 10, side: Side.BUY }, { version: 3 })
    const refused2 = (await a.postOrder(backwards, OrderType.GTC, true)) as unknown as Record<string, unknown>
    expect(JSON.stringify(refused2.error)).toContain('invalid signature')
  })

  test('V2 positions answer under CONDITIONAL-V2; a token asked under the other ledger answers 0', async () => {
    sim.setBalances(alice.address, undefined, { [v1Yes]: 7, [v2Yes]: 11 })
    const a = clobClient(sim.urls.clob, alice, creds)
    const ask = (asset: string, token: string) =>
      a.getBalanceAllowance({ asset_type: asset as AssetType, token_id: token }) as Promise<{
        balance: string
        allowances: Record<string, string>
      }>
    expect((await ask('CONDITIONAL-V2', v2Yes)).balance).toBe('11000000')
    expect((await ask('CONDITIONAL', v2Yes)).balance).toBe('0')
    expect((await ask('CONDITIONAL', v1Yes)).balance).toBe('7000000')
    expect((await ask('CONDITIONAL-V2', v1Yes)).balance).toBe('0')
    const v3 = getContractConfig(137).exchangeV3
    expect(Object.keys((await ask('CONDITIONAL-V2', v2Yes)).allowances)).toEqual([v3])
    expect(Object.keys((await ask('COLLATERAL', '')).allowances)).toContain(v3)
  })
})
