// Fixed-point units used inside the simulator: prices in 1e-4 (every Polymarket tick, incl. 0.0025, is a whole
// number of units), share and pUSD amounts in micro units (1e-6, the on-chain decimals of both tokens).
export const PRICE_SCALE = 10_000
export const AMOUNT_SCALE = 1_000_000

export function priceToUnits(price: number): number {
  return Math.round(price * PRICE_SCALE)
}

export function unitsToPrice(units: number): string {
  return String(units / PRICE_SCALE)
}

export function sharesToMicro(shares: number): number {
  return Math.round(shares * AMOUNT_SCALE)
}

export function microToString(micro: number): string {
  return String(micro / AMOUNT_SCALE)
}

/** pUSD micro units paid for `sizeMicro` shares at `priceUnits`. */
export function cashFor(sizeMicro: number, priceUnits: number): number {
  return Math.round((sizeMicro / PRICE_SCALE) * priceUnits)
}

export function tickToUnits(tick: number): number {
  return Math.round(tick * PRICE_SCALE)
}
