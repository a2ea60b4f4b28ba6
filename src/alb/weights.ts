/**
 * ALB target-group weights are integers from 0 to 999, and a group's share of requests is its
 * weight over the sum of the weights. A share with at most one decimal, p, is exactly
 * 10p : (1000 − 10p), and both fit within 999 for 0.1 ≤ p ≤ 99.9; so plans in 0.1% steps are
 * served exactly. The pair is reduced (10% is 1 : 9) so the console shows small numbers.
 */
export const MAX_WEIGHT = 999

export interface WeightPair {
  readonly canary: number
  readonly stable: number
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b)
}

/** True when `percent` can be served exactly (0.1% steps, or 0 and 100). */
export function representable(percent: number): boolean {
  const tenths = Math.round(percent * 10)
  return Math.abs(tenths - percent * 10) < 1e-6 && tenths >= 0 && tenths <= 1000
}

/** The weights that serve `percent` of requests to the canary. */
export function weightsFor(percent: number): WeightPair {
  const tenths = Math.round(percent * 10)
  if (tenths <= 0) return { canary: 0, stable: 1 }
  if (tenths >= 1000) return { canary: 1, stable: 0 }
  const divisor = gcd(tenths, 1000 - tenths)
  return { canary: tenths / divisor, stable: (1000 - tenths) / divisor }
}

/** The canary's share in percent for live weights, to 0.001%. */
export function shareOf(weights: WeightPair): number {
  const total = weights.canary + weights.stable
  if (total === 0) return 0
  return Math.round((weights.canary / total) * 100 * 1000) / 1000
}
