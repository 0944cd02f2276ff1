import { describe, expect, test } from 'bun:test'
import { ClobClient, type SignedOrder } from '@polymarket/clob-client-v2'
import { testMarket } from '../../../pipeline/testing.ts'
import { createFastSigner, exchangeDomain, orderHash } from './fast-signer.ts'
import { createOrderFactory } from './order-factory.ts'

const KEY = `0x${'3c'.repeat(32)}`
const signer = createFastSigner(KEY)

function fields(o: SignedOrder) {
  const { salt: _s, timestamp: _t, signature: _sig, ...rest } = o as SignedOrder & { timestamp?: string }
  return rest
}

describe('order factory', () => {
  test('amounts and fields equal what the official client builds, for both ticks and both sides', async () => {
    const client = new ClobClient({ host: 'http://127.0.0.1:1', chain: 137, signer })
    const factory = createOrderFactory({ signer, funder: undefined, signatureType: 0, chainId: 137 })
    const cases = [
      { tick: 0.01, price: 0.37, size: 12.5, side: 'BUY' as const },
      { tick: 0.01, price: 0.63, size: 7, side: 'SELL' as const },
      { tick: 0.001, price: 0.231, size: 33.33, side: 'BUY' as const },
      { tick: 0.001, price: 0.769, size: 5, side: 'SELL' as const },
    ]
    for (const c of cases) {
      const market = testMarket({ tickSize: c.tick })
      const ours = factory.build(
        { tokenId: market.yesTokenId, side: c.side, price: c.price, size: c.size, layer: 0, quoteSide: 'bid' },
        market,
        1_700_000_000_000,
      )
      // The client asks the server for the market's tick; seed its cache instead (no network in this test).
      ;(client.tickSizes as Record<string, string>)[market.yesTokenId] = String(c.tick)
      const theirs = await client.createOrder(
        { tokenID: market.yesTokenId, price: c.price, size: c.size, side: c.side as never },
        { tickSize: String(c.tick) as never, negRisk: false, version: 2 } as never,
      )
      expect(fields(ours.order)).toEqual(fields(theirs))
    }
  })

  test('the id is the EIP-712 hash of the signed order, and differs per order (fresh salt)', () => {
    const factory = createOrderFactory({ signer, funder: undefined, signatureType: 0, chainId: 137 })
    const market = testMarket({ negRisk: true })
    const intent = {
      tokenId: market.yesTokenId,
      side: 'BUY' as const,
      price: 0.4,
      size: 10,
      layer: 0,
      quoteSide: 'bid' as const,
    }
    const a = factory.build(intent, market, 1)
    const b = factory.build(intent, market, 1)
    expect(a.id).toBe(orderHash(a.order as never, exchangeDomain(137, true, 2)))
    expect(a.id).not.toBe(b.id)
  })

  test('signature type 3 is refused rather than signed wrongly', () => {
    expect(() => createOrderFactory({ signer, funder: undefined, signatureType: 3, chainId: 137 })).toThrow('POLY_1271')
  })
})
