/**
 * The statistics behind the analysis: one-sided tests that the canary's error rate is higher than
 * the stable's (Fisher's exact test, and its large-count z form). Pure and dependency-free.
 */

/** Standard normal upper-tail probability P(Z > z), via the complementary error function. */
export function normalUpperTail(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2)
}

/** erfc from Numerical Recipes' Chebyshev fit (relative error below 1.2e-7 everywhere). */
function erfc(x: number): number {
  const z = Math.abs(x)
  const t = 1 / (1 + 0.5 * z)
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    )
  return x >= 0 ? r : 2 - r
}

const LOG_FACTORIALS: number[] = [0]
for (let n = 1; n < 256; n++) LOG_FACTORIALS.push((LOG_FACTORIALS[n - 1] ?? 0) + Math.log(n))

/** ln(n!), from a table for small n and Stirling's series (error below 1e-12) beyond. */
export function logFactorial(n: number): number {
  if (n < LOG_FACTORIALS.length) return LOG_FACTORIALS[n] ?? 0
  return n * Math.log(n) - n + 0.5 * Math.log(2 * Math.PI * n) + 1 / (12 * n) - 1 / (360 * n ** 3) + 1 / (1260 * n ** 5)
}

/**
 * Fisher's exact test, one-sided: the probability, if both versions had the same error rate, that
 * the canary would get `canaryErrors` or more of all the errors seen (the hypergeometric upper tail).
 */
export function fisherUpperTail(canaryErrors: number, canaryRequests: number, stableErrors: number, stableRequests: number): number {
  const errors = canaryErrors + stableErrors
  const total = canaryRequests + stableRequests
  const hi = Math.min(errors, canaryRequests)
  if (canaryErrors <= Math.max(0, errors - stableRequests)) return 1
  const logPmf = (k: number): number =>
    logFactorial(errors) -
    logFactorial(k) -
    logFactorial(errors - k) +
    logFactorial(total - errors) -
    logFactorial(canaryRequests - k) -
    logFactorial(total - errors - canaryRequests + k) -
    (logFactorial(total) - logFactorial(canaryRequests) - logFactorial(stableRequests))
  let term = Math.exp(logPmf(canaryErrors))
  let sum = term
  for (let k = canaryErrors; k < hi && term > sum * 1e-17; k++) {
    term *= ((errors - k) * (canaryRequests - k)) / ((k + 1) * (total - errors - canaryRequests + k + 1))
    sum += term
  }
  return Math.min(1, sum)
}

/**
 * One-sided pooled two-proportion z-test of "the canary's error rate is higher": the large-count
 * form of Fisher's test, where the normal approximation is excellent.
 */
export function pooledZUpperTail(canaryErrors: number, canaryRequests: number, stableErrors: number, stableRequests: number): number {
  const pooled = (canaryErrors + stableErrors) / (canaryRequests + stableRequests)
  const variance = pooled * (1 - pooled) * (1 / canaryRequests + 1 / stableRequests)
  if (!(variance > 0)) return 1
  return normalUpperTail((canaryErrors / canaryRequests - stableErrors / stableRequests) / Math.sqrt(variance))
}
