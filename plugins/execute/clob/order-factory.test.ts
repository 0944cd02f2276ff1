import { describe, expect, spyOn, test } from 'bun:test'
import { ClobClient, OrderBuilder, Side, SignatureTypeV2, type SignedOrder } from '@polymarket/clob-client-v2'
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

  test('byte-identical to the client for every signature type (POLY_1271 included) and exchange: a Protocol V2 market signs for ExchangeV3', async () => {
    const funder = createFastSigner(`0x${'7d'.repeat(32)}`).address
    const NOW = 1_760_000_000_000
    const R = 0.123456
    // The client draws salt = round(Math.random() × Date.now()) and stamps Date.now(): pin both, and our salt.
    const random = spyOn(Math, 'random').mockReturnValue(R)
    const dateNow = spyOn(Date, 'now').mockReturnValue(NOW)
    try {
      for (const sigType of [
        SignatureTypeV2.EOA,
        SignatureTypeV2.POLY_PROXY,
        SignatureTypeV2.POLY_GNOSIS_SAFE,
        SignatureTypeV2.POLY_1271,
      ]) {
        const funderFor = sigType === SignatureTypeV2.EOA ? undefined : funder
        const factory = createOrderFactory({
          signer,
          funder: funderFor,
          signatureType: sigType,
          chainId: 137,
          salt: () => String(Math.round(R * NOW)),
        })
        for (const [negRisk, protocol] of [
          [false, 'v1'],
          [true, 'v1'],
          [false, 'v2'],
          [true, 'v2'],
        ] as const) {
          const market = testMarket({ negRisk, tickSize: 0.01, protocol })
          const version = protocol === 'v2' ? 3 : 2
          const ours = factory.build(
            { tokenId: market.yesTokenId, side: 'BUY', price: 0.53, size: 21.04, layer: 0, quoteSide: 'bid' },
            market,
            NOW,
          )
          const theirs = await new OrderBuilder(signer, 137, sigType, funderFor).buildOrder(
            { tokenID: market.yesTokenId, price: 0.53, size: 21.04, side: Side.BUY },
            { tickSize: '0.01', negRisk },
            version,
          )
          expect(ours.order).toEqual(theirs as SignedOrder)
          expect(ours.id).toBe(orderHash(theirs as never, exchangeDomain(137, negRisk, version)))
          if (sigType === SignatureTypeV2.POLY_1271) expect(ours.order.signer).toBe(funder)
        }
      }
    } finally {
      random.mockRestore()
      dateNow.mockRestore()
    }
  })

  test('a market without a protocol, or "v1", signs for CTFExchangeV2; "v2" for ExchangeV3 (domain version 3)', () => {
    const factory = createOrderFactory({ signer, funder: undefined, signatureType: 0, chainId: 137 })
    const intent = { tokenId: '1111', side: 'BUY' as const, price: 0.4, size: 10, layer: 0, quoteSide: 'bid' as const }
    const old = testMarket()
    expect(old.protocol).toBeUndefined()
    const a = factory.build(intent, old, 1)
    expect(a.id).toBe(orderHash(a.order as never, exchangeDomain(137, false, 2)))
    const b = factory.build(intent, testMarket({ protocol: 'v2', negRisk: true }), 1)
    expect(b.id).toBe(orderHash(b.order as never, exchangeDomain(137, false, 3)))
    expect(b.id).not.toBe(orderHash(b.order as never, exchangeDomain(137, true, 2)))
  })

  test('an unknown signature type is refused', () => {
    expect(() => createOrderFactory({ signer, funder: undefined, signatureType: 4, chainId: 137 })).toThrow(
      'invalid signature type 4',
    )
  })
})
