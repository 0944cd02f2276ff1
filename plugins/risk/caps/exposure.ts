import type { QuoteSide } from '../../../schemas/domain.ts'
import type { SideAllowance } from '../../../stages/io.ts'

export const OPEN: SideAllowance = { allowed: true, spreadMultiplier: 1, sizeMultiplier: 1 }

export interface ExposureLimits {
  /** Fractions of capital. */
  readonly soft_cap: number
  readonly hard_cap: number
  readonly soft_cap_widen: number
  readonly soft_cap_shrink: number
  /** USD one side quotes at size multiplier 1 (the layer plugin's total per side). */
  readonly side_size_usd: number
}

export interface ExposureCheck {
  /** Net holding at its own fair in USD, signed: q·fair when long YES (> 0), q·(1 − fair) when long NO (< 0). */
  readonly exposureUsd: number
  /** |exposureUsd| / capital. */
  readonly qNorm: number
  readonly level: 'none' | 'soft' | 'hard'
  /** The side that adds exposure, or undefined when flat. */
  readonly addingSide: QuoteSide | undefined
  readonly bid: SideAllowance
  readonly ask: SideAllowance
  /** Empty when no cap applies. */
  readonly reason: string
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`

/**
 * What the net position is worth at fair: q > 0 is q YES shares at the YES fair, q < 0 is |q| NO shares at
 * 1 − fair (YES and NO held together pair off into 1 USD that carries no risk). Signed like q.
 */
export function exposureOf(q: number, fair: number): number {
  return q > 0 ? q * fair : q * (1 - fair)
}

/**
 * Inventory caps in YES space. The bid buys YES (or sells NO) so it adds exposure when long (q > 0); the ask
 * adds it when short (q < 0). That side is restricted; the other side is how the position gets smaller, so it
 * is never widened or blocked, only kept (at the hard cap) from quoting more than the position is worth.
 */
export function checkExposure(q: number, fair: number, capitalUsd: number, limits: ExposureLimits): ExposureCheck {
  const exposureUsd = exposureOf(q, fair)
  const qNorm = Math.abs(exposureUsd) / capitalUsd
  const addingSide: QuoteSide | undefined = q > 0 ? 'bid' : q < 0 ? 'ask' : undefined
  const base = { exposureUsd, qNorm, addingSide }
  if (addingSide === undefined || qNorm < limits.soft_cap) {
    return { ...base, level: 'none', bid: OPEN, ask: OPEN, reason: '' }
  }
  const facts = `exposure ${exposureUsd.toFixed(2)} USD = ${pct(qNorm)} of capital`
  if (qNorm >= limits.hard_cap) {
    const blocked: SideAllowance = { allowed: false, spreadMultiplier: 1, sizeMultiplier: 0 }
    // The verdict carries multipliers, not sizes: the reducing side is scaled from the layer plugin's full side
    // (side_size_usd) down to the position's worth, so filling all of it flattens rather than flips the position.
    const size = Math.min(1, Math.abs(exposureUsd) / limits.side_size_usd)
    const reducing: SideAllowance = size < 1 ? { allowed: true, spreadMultiplier: 1, sizeMultiplier: size } : OPEN
    const reducingSide = addingSide === 'bid' ? 'ask' : 'bid'
    return {
      ...base,
      level: 'hard',
      bid: addingSide === 'bid' ? blocked : reducing,
      ask: addingSide === 'ask' ? blocked : reducing,
      reason:
        `hard cap: ${facts} ≥ ${pct(limits.hard_cap)}, only the ${reducingSide} (reducing) side quotes` +
        (size < 1 ? `, size ×${size.toFixed(3)} (no more than the position's worth)` : ''),
    }
  }
  const restrained: SideAllowance = {
    allowed: true,
    spreadMultiplier: limits.soft_cap_widen,
    sizeMultiplier: limits.soft_cap_shrink,
  }
  return {
    ...base,
    level: 'soft',
    bid: addingSide === 'bid' ? restrained : OPEN,
    ask: addingSide === 'ask' ? restrained : OPEN,
    reason:
      `soft cap: ${facts} ≥ ${pct(limits.soft_cap)}, ${addingSide} (adding) side spread ×${limits.soft_cap_widen}, ` +
      `size ×${limits.soft_cap_shrink}`,
  }
}
