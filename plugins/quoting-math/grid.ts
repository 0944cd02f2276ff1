import type { Market } from '../../schemas/domain.ts'
import type { BookPair } from '../../stages/io.ts'

/**
 * Price-grid arithmetic in whole ticks. Prices are converted to an integer tick count once, moved in integers,
 * and converted back once, so 0.1 + 0.2 style errors never reach an order. Every Polymarket tick (0.1, 0.01,
 * 0.001, 0.0001, 0.0025) divides 1, so 1 − p stays on the grid: its tick count is `gridSteps(tick) − n`.
 */

/** Tolerance for a price that is on the grid up to floating-point noise (in ticks). */
const EPS_TICKS = 1e-9

/** The tick a quote is placed on: the book's (it follows `tick_size_change` live), else the market metadata's. */
export function gridTick(market: Market, books: BookPair): number {
  const t = books.yes.tickSize
  return t > 0 ? t : market.tickSize
}

/** Number of ticks from 0 to 1 (100 for a 0.01 tick, 400 for 0.0025). */
export function gridSteps(tick: number): number {
  return Math.round(1 / tick)
}

/** Largest tick count whose price is ≤ `price` (a bid rounds down). */
export function floorTicks(price: number, tick: number): number {
  return Math.floor(price / tick + EPS_TICKS)
}

/** Smallest tick count whose price is ≥ `price` (an ask rounds up). */
export function ceilTicks(price: number, tick: number): number {
  return Math.ceil(price / tick - EPS_TICKS)
}

/** A tick count back to a price, printed cleanly (6 decimals covers every tick size). */
export function tickPrice(ticks: number, tick: number): number {
  return Math.round(ticks * tick * 1e6) / 1e6
}

/** True when `price` lies on the grid of `tick` (what the exchange accepts). */
export function onGrid(price: number, tick: number): boolean {
  const n = price / tick
  return Math.abs(n - Math.round(n)) < EPS_TICKS
}

/**
 * Shares rounded down to 2 decimals. The 1e-6 cent slack absorbs float noise (300 / 0.3 = 1000.0000000000001,
 * 0.29 * 100 = 28.999999999999996) and is far below the exchange's 1e-6 share unit, so it never rounds a real
 * quantity up.
 */
export function floorShares(shares: number): number {
  if (!(shares > 0)) return 0
  return Math.floor(shares * 100 + 1e-6) / 100
}

export function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : Math.min(x, hi)
}
