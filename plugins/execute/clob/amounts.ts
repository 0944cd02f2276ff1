import type { Side } from '../../../schemas/domain.ts'

/**
 * Price/size → makerAmount/takerAmount exactly as @polymarket/clob-client-v2 computes them for a limit order
 * (order-builder/helpers/getOrderRawAmounts + viem parseUnits), float quirks included: the order hash computed
 * locally must equal the one of the order the client signs, and one differing unit changes the hash.
 */

/** Decimal places the client rounds to, per tick size (client ROUNDING_CONFIG). */
export interface RoundConfig {
  readonly price: number
  readonly size: number
  readonly amount: number
}

export const ROUNDING_CONFIG: Readonly<Record<string, RoundConfig>> = {
  '0.1': { price: 1, size: 2, amount: 3 },
  '0.01': { price: 2, size: 2, amount: 4 },
  '0.005': { price: 3, size: 2, amount: 5 },
  '0.0025': { price: 4, size: 2, amount: 6 },
  '0.001': { price: 3, size: 2, amount: 5 },
  '0.0001': { price: 4, size: 2, amount: 6 },
}

/** The client's tick-size string for a numeric tick ('0.01' for 0.01). */
export function tickSizeKey(tickSize: number | string): string {
  const key = typeof tickSize === 'string' ? tickSize : String(tickSize)
  if (!(key in ROUNDING_CONFIG)) throw new Error(`unsupported tick size ${key}`)
  return key
}

export function roundingFor(tickSize: number | string): RoundConfig {
  return ROUNDING_CONFIG[tickSizeKey(tickSize)] as RoundConfig
}

// The client's own float helpers (utilities.ts), reproduced operation for operation.

export function decimalPlaces(num: number): number {
  if (Number.isInteger(num)) return 0
  const parts = num.toString().split('.')
  if (parts.length <= 1) return 0
  return (parts[1] as string).length
}

export function roundNormal(num: number, decimals: number): number {
  if (decimalPlaces(num) <= decimals) return num
  return Math.round((num + Number.EPSILON) * 10 ** decimals) / 10 ** decimals
}

export function roundDown(num: number, decimals: number): number {
  if (decimalPlaces(num) <= decimals) return num
  return Math.floor(num * 10 ** decimals) / 10 ** decimals
}

export function roundUp(num: number, decimals: number): number {
  if (decimalPlaces(num) <= decimals) return num
  return Math.ceil(num * 10 ** decimals) / 10 ** decimals
}

/** `tick ≤ price ≤ 1 − tick`, the client's check before it builds an order. */
export function priceValid(price: number, tickSize: number | string): boolean {
  const t = Number.parseFloat(tickSizeKey(tickSize))
  return price >= t && price <= 1 - t
}

/**
 * Why `price` cannot be signed as it is on `tickSize` (the client would round it to another price, or refuse it),
 * or undefined when the signed price is exactly `price`.
 */
export function unsignablePrice(price: number, tickSize: number): string | undefined {
  if (!(String(tickSize) in ROUNDING_CONFIG)) return `unsupported tick size ${tickSize}`
  if (!priceValid(price, tickSize)) return `outside [${tickSize}, ${1 - tickSize}]`
  const rounded = roundNormal(price, roundingFor(tickSize).price)
  if (Math.abs(rounded - price) > 1e-12) return `would be signed at ${rounded} on the ${tickSize} tick`
  const steps = price / tickSize
  if (Math.abs(steps - Math.round(steps)) > 1e-6) return `off the ${tickSize} tick grid`
  return undefined
}

function fitAmount(x: number, round: RoundConfig): number {
  if (decimalPlaces(x) <= round.amount) return x
  const up = roundUp(x, round.amount + 4)
  return decimalPlaces(up) > round.amount ? roundDown(up, round.amount) : up
}

/** Maker and taker amounts in token units (floats, before scaling to 6 decimals). */
export function orderRawAmounts(
  side: Side,
  size: number,
  price: number,
  round: RoundConfig,
): { readonly rawMakerAmt: number; readonly rawTakerAmt: number } {
  const rawPrice = roundNormal(price, round.price)
  if (side === 'BUY') {
    const rawTakerAmt = roundDown(size, round.size)
    return { rawMakerAmt: fitAmount(rawTakerAmt * rawPrice, round), rawTakerAmt }
  }
  const rawMakerAmt = roundDown(size, round.size)
  return { rawMakerAmt, rawTakerAmt: fitAmount(rawMakerAmt * rawPrice, round) }
}

const DECIMAL_RE = /^-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)$/

/**
 * viem `parseUnits(String(x), 6)`: scales a decimal string to 6-decimal base units, rounding half up on the
 * seventh digit. Exponent notation ('1e-7') is refused, as viem refuses it.
 */
export function toBaseUnits(value: number, decimals = 6): bigint {
  const text = value.toString()
  if (!DECIMAL_RE.test(text)) throw new Error(`invalid decimal number ${text}`)
  let [integer = '', fraction = '0'] = text.split('.')
  const negative = integer.startsWith('-')
  if (negative) integer = integer.slice(1)
  if (integer === '') integer = '0'
  fraction = fraction.replace(/(0+)$/, '')
  if (fraction.length > decimals) {
    const left = fraction.slice(0, decimals)
    if (Number.parseInt(fraction.charAt(decimals), 10) >= 5) {
      const carried = (BigInt(`1${left}`) + 1n).toString().slice(1)
      if (carried.length > decimals || carried === '0'.repeat(decimals)) {
        fraction = '0'.repeat(decimals)
        integer = `${BigInt(integer) + 1n}`
      } else {
        fraction = carried
      }
    } else {
      fraction = left
    }
  } else {
    fraction = fraction.padEnd(decimals, '0')
  }
  return BigInt(`${negative ? '-' : ''}${integer}${fraction}`)
}

export interface OrderAmounts {
  /** The price the client signs for (rounded to the tick's decimals). */
  readonly price: number
  /** 6-decimal base units, decimal strings, as in the signed order. */
  readonly makerAmount: string
  readonly takerAmount: string
}

/** What `client.createOrder({ price, size, side })` puts in makerAmount/takerAmount for a limit order. */
export function orderAmounts(side: Side, price: number, size: number, tickSize: number | string): OrderAmounts {
  const round = roundingFor(tickSize)
  const rounded = roundNormal(price, round.price)
  const { rawMakerAmt, rawTakerAmt } = orderRawAmounts(side, size, rounded, round)
  return {
    price: rounded,
    makerAmount: toBaseUnits(rawMakerAmt).toString(),
    takerAmount: toBaseUnits(rawTakerAmt).toString(),
  }
}

/** Shares and price of a signed order, as the exchange reads them back from its amounts. */
export function orderFromAmounts(
  side: Side,
  makerAmount: string | bigint,
  takerAmount: string | bigint,
): { readonly size: number; readonly price: number } {
  const maker = Number(makerAmount) / 1e6
  const taker = Number(takerAmount) / 1e6
  if (side === 'BUY') return { size: taker, price: taker === 0 ? 0 : maker / taker }
  return { size: maker, price: maker === 0 ? 0 : taker / maker }
}
