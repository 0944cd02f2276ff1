/**
 * Volatility of a piecewise-constant signal (the mid), as a time-decayed, time-weighted EWMA.
 *
 * Each value is weighted by how long it was held, with exponential decay of time constant `windowMs`: a value
 * held for dt gets weight w = 1 − e^(−dt/window). Mean and variance follow the standard incremental EW update
 *   diff = m − mean;  mean += w·diff;  var = (1 − w)·(var + w·diff²)
 * and σ = √var, in price units. A level that flickers in and out for a few milliseconds is held for almost no
 * time and so barely moves σ, unlike a per-update estimator where every flicker counts as a full sample.
 */
export interface TimeVolState {
  /** The value currently held, and since when (ms). */
  mid: number
  at: number
  mean: number
  variance: number
}

export function startTimeVol(mid: number, now: number): TimeVolState {
  return { mid, at: now, mean: mid, variance: 0 }
}

/** Credit the held value for the time since the last update, then hold `mid` from `now`. */
export function updateTimeVol(s: TimeVolState, mid: number, now: number, windowMs: number): void {
  const dt = now - s.at
  // Time that did not move forward (same tick, or an out-of-order input) credits nothing.
  if (dt > 0) {
    const w = 1 - Math.exp(-dt / windowMs)
    const diff = s.mid - s.mean
    s.mean += w * diff
    s.variance = (1 - w) * (s.variance + w * diff * diff)
    s.at = now
  }
  s.mid = mid
}

export function timeVolSigma(s: TimeVolState): number {
  return Math.sqrt(s.variance)
}
