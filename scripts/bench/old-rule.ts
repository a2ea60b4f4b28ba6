/**
 * The canary analysis's decision rule before issue 20, frozen for the benchmark's side-by-side
 * comparison (its tests: __tests__/bench/old-rule.test.ts): `judge` of src/gates/analysis/rule.ts with the statistics it used
 * (src/gates/analysis/stats.ts), both verbatim as of commit df00ded
 * (`git show df00ded:src/gates/analysis/rule.ts`). Fisher's test per read with a decaying alpha and a
 * one-point absolute tolerance; p99 × 1.2 once both versions have 500 calls. Do not "fix" it: it is
 * the baseline the new rule is measured against.
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

/** One version's figures over the window. */
export interface SeriesStats {
  readonly requests: number
  readonly errors: number
  /** p99 latency in milliseconds; undefined when not read or no datapoint. */
  readonly p99: number | undefined
}

export type Comparison = 'errors' | 'duration'

export interface RuleSettings {
  readonly compare: readonly Comparison[]
  /** How far (as a fraction, 0.01 = one percentage point) the canary's error rate may exceed the stable's. */
  readonly errorRateTolerance: number
  /** How far the canary's p99 may exceed the stable's, as a fraction of the stable's (0.2 = 20%). */
  readonly durationTolerance: number
  /** The fewest canary requests that count as evidence at the end of a bake (0: any). */
  readonly minRequests: number
  /** The input that sets minRequests, for messages (default min-invocations). */
  readonly minInput?: string
  /** What one request is called in messages ("invocations", "requests"). */
  readonly noun?: string
}

/** Stage-wide false-rollback budget: one-sided, 99% confidence. */
export const CONFIDENCE = 0.99
/** Below this many errors in the window Fisher's exact test is used; above it, the pooled z-test (indistinguishable there, and O(1)). */
export const EXACT_TEST_MAX_ERRORS = 1000
/** The fewest invocations per version whose p99 is compared: below ~500, a p99 is mostly noise from the few slowest calls. */
export const MIN_DURATION_SAMPLE = 500
/** The canary sample size covered by the first significance level; each doubling beyond spends a smaller share. */
const FIRST_LOOK_REQUESTS = 10

/**
 * The significance level for a read that sees `canaryRequests` canary requests.
 *
 * The analysis reads on every poll, so a stage makes many tests; at 1% each, an identical canary
 * would be rolled back far more often than 1% of the time. The budget of 1% is spent over the
 * canary's sample: reads with up to 10 canary requests get 6/π² of it (0.61%), and the j-th
 * doubling after that 1/j² of that share, so the shares add up to 1% however long the bake.
 * Reads between two doublings see nearly the same data, so they count as one look.
 */
export function alphaFor(canaryRequests: number): number {
  const look = Math.max(1, Math.ceil(Math.log2(Math.max(1, canaryRequests) / FIRST_LOOK_REQUESTS)) + 1)
  return ((1 - CONFIDENCE) * 6) / (Math.PI * Math.PI * look * look)
}

/** One-sided p-value that the canary's error rate is higher than the stable's. */
export function errorPValue(canary: SeriesStats, stable: SeriesStats): number {
  if (canary.requests <= 0 || stable.requests <= 0) return 1
  const args = [canary.errors, canary.requests, stable.errors, stable.requests] as const
  return canary.errors + stable.errors <= EXACT_TEST_MAX_ERRORS ? fisherUpperTail(...args) : pooledZUpperTail(...args)
}

export interface ErrorComparison {
  readonly canaryRate: number
  readonly stableRate: number
  readonly pValue: number
  readonly alpha: number
  /** Over the tolerance and significant: the canary fails. */
  readonly failed: boolean
}

export interface DurationComparison {
  readonly canaryP99: number | undefined
  readonly stableP99: number | undefined
  /** Whether both versions had the minimum sample for a p99 to be compared. */
  readonly compared: boolean
  readonly failed: boolean
}

/**
 * - pass: nothing wrong on the evidence so far (mid-bake this is "no reason to stop yet").
 * - fail: the canary is worse, beyond the tolerance (errors: and significantly so).
 * - no-data: neither version had a request in the window.
 * - insufficient: the canary had fewer requests than the minimum evidence asks for.
 */
export type Verdict = 'pass' | 'fail' | 'no-data' | 'insufficient'

export interface Judgement {
  readonly verdict: Verdict
  /** One line for fail, insufficient and no-data. */
  readonly reason: string | undefined
  readonly canary: SeriesStats
  readonly stable: SeriesStats
  readonly errors: ErrorComparison | undefined
  readonly duration: DurationComparison | undefined
}

export function percent(fraction: number, digits = 1): string {
  return `${(fraction * 100).toFixed(digits)}%`
}

/** A tolerance as the user would write it: 0.01 -> "1%", 0.005 -> "0.5%". */
export function tolerance(fraction: number): string {
  return `${Number((fraction * 100).toFixed(6))}%`
}

export function rate(stats: SeriesStats): number {
  return stats.requests > 0 ? stats.errors / stats.requests : 0
}

export function compareErrors(canary: SeriesStats, stable: SeriesStats, settings: RuleSettings): ErrorComparison {
  const canaryRate = rate(canary)
  const stableRate = rate(stable)
  const pValue = errorPValue(canary, stable)
  const alpha = alphaFor(canary.requests)
  // The small epsilon keeps a difference that equals the tolerance from failing on float noise.
  const over = canary.requests > 0 && stable.requests > 0 && canaryRate - stableRate > settings.errorRateTolerance + 1e-12
  return { canaryRate, stableRate, pValue, alpha, failed: over && pValue < alpha }
}

export function compareDuration(canary: SeriesStats, stable: SeriesStats, settings: RuleSettings): DurationComparison {
  const compared = canary.requests >= MIN_DURATION_SAMPLE && stable.requests >= MIN_DURATION_SAMPLE && canary.p99 !== undefined && stable.p99 !== undefined
  const failed = compared && (canary.p99 ?? 0) > (stable.p99 ?? 0) * (1 + settings.durationTolerance) + 1e-9
  return { canaryP99: canary.p99, stableP99: stable.p99, compared, failed }
}

export function ms(value: number | undefined): string {
  if (value === undefined) return '–'
  return value >= 100 ? `${Math.round(value)} ms` : `${Number(value.toPrecision(3))} ms`
}

/** Judges the canary against the stable version over one window. */
export function judge(canary: SeriesStats, stable: SeriesStats, settings: RuleSettings): Judgement {
  const noun = settings.noun ?? 'requests'
  const errors = settings.compare.includes('errors') ? compareErrors(canary, stable, settings) : undefined
  const duration = settings.compare.includes('duration') ? compareDuration(canary, stable, settings) : undefined
  const base = { canary, stable, errors, duration }
  if (errors?.failed) {
    return {
      ...base,
      verdict: 'fail',
      reason: `canary error rate ${percent(errors.canaryRate)} vs stable ${percent(errors.stableRate)} (tolerance ${tolerance(settings.errorRateTolerance)})`,
    }
  }
  if (duration?.failed) {
    return {
      ...base,
      verdict: 'fail',
      reason: `canary p99 duration ${ms(duration.canaryP99)} vs stable ${ms(duration.stableP99)} (tolerance ${tolerance(settings.durationTolerance)})`,
    }
  }
  if (canary.requests <= 0 && stable.requests <= 0) return { ...base, verdict: 'no-data', reason: `neither version had ${noun} in the window` }
  if (canary.requests < settings.minRequests) {
    return {
      ...base,
      verdict: 'insufficient',
      reason: `${canary.requests} canary ${noun}, fewer than ${settings.minInput ?? 'min-invocations'} ${settings.minRequests}`,
    }
  }
  return { ...base, verdict: 'pass', reason: undefined }
}
