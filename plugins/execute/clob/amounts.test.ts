import { describe, expect, test } from 'bun:test'
import { Side as ClientSide, OrderBuilder } from '@polymarket/clob-client-v2'
import { createRng } from '../../quoting-math/rng.ts'
import {
  orderAmounts,
  orderFromAmounts,
  priceValid,
  ROUNDING_CONFIG,
  roundingFor,
  tickSizeKey,
  toBaseUnits,
} from './amounts.ts'
import { createFastSigner, exchangeDomain, orderHash } from './fast-signer.ts'

const signer = createFastSigner(`0x${'11'.repeat(32)}`)
const TICKS = ['0.1', '0.01', '0.001', '0.0001', '0.0025', '0.005'] as const

describe('orderAmounts equals the client order builder', () => {
  test('3,000 random limit orders: same makerAmount/takerAmount and the same order hash', async () => {
    const r = createRng(1)
    const builder = new OrderBuilder(signer, 137, 0)
    for (let i = 0; i < 3000; i++) {
      const tick = TICKS[Math.floor(r() * TICKS.length)] as (typeof TICKS)[number]
      const t = Number(tick)
      const steps = Math.round(1 / t)
      // Mostly on the grid (as the layer stage emits), sometimes off it to exercise the price rounding.
      const onGrid = r() < 0.8
      const price = onGrid ? (1 + Math.floor(r() * (steps - 1))) * t : t + r() * (1 - 2 * t)
      if (!priceValid(price, tick)) continue
      const size = Math.round(r() * 10 ** (2 + Math.floor(r() * 4)) * 10 ** (Math.floor(r() * 3) + 1)) / 10 ** 4 + 0.01
      const side = r() < 0.5 ? 'BUY' : 'SELL'
      const negRisk = r() < 0.3
      const tokenID = String(Math.floor(r() * 1e15))
      const signed = await builder.buildOrder(
        { tokenID, price, size, side: side === 'BUY' ? ClientSide.BUY : ClientSide.SELL },
        { tickSize: tick, negRisk },
        2,
      )
      const ours = orderAmounts(side, price, size, tick)
      expect({ case: i, price, size, tick, side, maker: ours.makerAmount, taker: ours.takerAmount }).toEqual({
        case: i,
        price,
        size,
        tick,
        side,
        maker: signed.makerAmount,
        taker: signed.takerAmount,
      })
      const domain = exchangeDomain(137, negRisk)
      const local = orderHash({ ...signed, makerAmount: ours.makerAmount, takerAmount: ours.takerAmount }, domain)
      expect(local).toBe(orderHash(signed, domain))
    }
  }, 30_000)

  test('known cases', () => {
    expect(orderAmounts('BUY', 0.53, 21.04, 0.01)).toEqual({
      price: 0.53,
      makerAmount: '11151200',
      takerAmount: '21040000',
    })
    expect(orderAmounts('SELL', 0.53, 21.04, 0.01)).toEqual({
      price: 0.53,
      makerAmount: '21040000',
      takerAmount: '11151200',
    })
    // Size is truncated to 2 decimals, price rounded to the tick's decimals.
    expect(orderAmounts('BUY', 0.456, 10.019, 0.01)).toEqual({
      price: 0.46,
      makerAmount: '4604600',
      takerAmount: '10010000',
    })
    expect(orderAmounts('SELL', 0.0725, 5, 0.0025)).toEqual({
      price: 0.0725,
      makerAmount: '5000000',
      takerAmount: '362500',
    })
  })
})

describe('helpers', () => {
  test('tick keys and rounding configs', () => {
    expect(tickSizeKey(0.01)).toBe('0.01')
    expect(tickSizeKey(0.0001)).toBe('0.0001')
    expect(roundingFor(0.001)).toEqual(ROUNDING_CONFIG['0.001'] as never)
    expect(() => tickSizeKey(0.02)).toThrow()
  })

  test('toBaseUnits rounds half up on the seventh decimal, carries, and refuses exponent notation', () => {
    expect(toBaseUnits(11.1512)).toBe(11151200n)
    expect(toBaseUnits(1.2345675)).toBe(1234568n)
    expect(toBaseUnits(1.2345674)).toBe(1234567n)
    expect(toBaseUnits(0.9999995)).toBe(1000000n)
    expect(toBaseUnits(3)).toBe(3000000n)
    expect(() => toBaseUnits(1e-7)).toThrow()
    expect(() => toBaseUnits(Number.NaN)).toThrow()
  })

  test('priceValid matches the client bounds', () => {
    expect(priceValid(0.01, 0.01)).toBe(true)
    expect(priceValid(0.99, 0.01)).toBe(true)
    expect(priceValid(0.005, 0.01)).toBe(false)
    expect(priceValid(0.995, 0.01)).toBe(false)
  })

  test('orderFromAmounts reads size and price back', () => {
    expect(orderFromAmounts('BUY', '11151200', '21040000')).toEqual({ size: 21.04, price: 11.1512 / 21.04 })
    expect(orderFromAmounts('SELL', '21040000', '11151200')).toEqual({ size: 21.04, price: 11.1512 / 21.04 })
  })
})
