/**
 * The anytime-valid sequential test behind the canary analysis (after Lindon, Sanden and Shirikian,
 * "Rapid Regression Detection in Software Deployments through Sequential Testing", KDD 2022).
 * Pure, dependency-free, and the one entry point the benchmark calls.
 *
 * Interface (stable; scripts/bench calls it):
 * - `sequentialVerdict(minutes, options)`: per-minute counts of one subject and one metric, for both
 *   versions, oldest first; returns `{ reject, eValue, threshold, judgedMinutes }`. `reject` means
 *   "roll back": the canary's event rate (errors, or calls slower than a threshold) is more than
 *   `margin` times the stable's, at false-rollback probability at most `alpha` however often and
 *   however late the minutes are read. The analysis uses margin 1.1 for errors and 1 + duration-tolerance
 *   (1.2) for latency, where an event is a call slower than the stable's p90 over the hour before the run.
 * - `releaseAlpha(budget, tests)`: the share of a release's budget (default 1%) each test gets, for
 *   `tests` = subjects × metrics. Across stages and reads nothing more is spent (the test is anytime-valid).
 * - `EProcess`: the same test fed one minute at a time (what `sequentialVerdict` folds over).
 * - The action's whole rule around it (budget split, floor, latency threshold, 100% reference, minutes
 *   left out: unsettled pairs and minutes holding a weight change) is `judgeRelease` in ./evidence.ts.
 *
 * The old rule (Fisher's test per read with a decaying alpha, p99 × 1.2 from 500 calls) is `judge` in
 * scripts/bench/old-rule.ts, frozen from commit df00ded, for side-by-side benchmarks.
 *
 * The model: in minute i each version's events are Poisson with mean rate × trials (invocations), so
 * given the minute's total events N_i, the canary's share X_i is Binomial(N_i, θ_i) with
 * θ_i = r·c_i / (r·c_i + s_i), where r is the canary's rate over the stable's and c_i, s_i are the
 * two versions' trials as CloudWatch reports them (so a minute straddling a shift, or a partial
 * minute, carries its own share). The null is r ≤ margin. Against each alternative r_k > margin the
 * likelihood ratio of θ_i(r_k) over θ_i(margin) is increasing in X_i, so its expectation is at most 1
 * for every r ≤ margin: the product over minutes is a test supermartingale under the whole null.
 * A fixed mixture over a grid of alternatives is one too, and by Ville's inequality it ever reaches
 * 1/alpha with probability at most alpha, whenever it is read and however many minutes it sees.
 * (Per-call errors are Binomial, not Poisson; conditioned on the total they are hypergeometric,
 * which Hoeffding's comparison makes less spread than the Binomial used here: still valid.)
 *
 * A minute where the stable served nothing (a 100% bake) is compared with a reference rate for the
 * stable instead: its settled rate before promotion, taken at an upper confidence bound spent from
 * the same alpha (a tenth of it), so an unlucky quiet reference cannot make a healthy canary look worse.
 */

export interface Counts {
  /** Errors, or calls slower than the latency threshold. */
  readonly events: number
  /** Invocations (requests). */
  readonly trials: number
}

/** One settled minute of one subject and one metric. */
export interface MinuteCounts {
  readonly canary: Counts
  readonly stable: Counts
}

export interface SequentialOptions {
  /** This test's false-rollback probability (see `releaseAlpha`). */
  readonly alpha: number
  /** The canary fails when its rate exceeds margin × the stable's (1.1: "fails 10% more often"). */
  readonly margin: number
  /** The stable's own counts before promotion, for minutes in which the stable served nothing. */
  readonly reference?: Counts | undefined
  /**
   * Keep a tenth of the alpha (`REFERENCE_SHARE`) for the bound on a reference set later
   * (`EProcess.setReference`): the threshold is then 1/(0.9 alpha) from the first minute. Implied by `reference`.
   */
  readonly reserveForReference?: boolean
}

export interface SequentialVerdict {
  /** The canary is worse, beyond the margin, at this test's alpha: roll back. */
  readonly reject: boolean
  /** The evidence against "no worse than margin × stable" (1 = none; rejects at 1/alpha). */
  readonly eValue: number
  readonly threshold: number
  /** Minutes that carried evidence (some canary trials and a comparison). */
  readonly judgedMinutes: number
}

/** The default false-rollback budget of a whole release. */
export const RELEASE_BUDGET = 0.01

/** Alternatives, as multiples of the margin: a regression of any size in this range is caught quickly. */
export const ALTERNATIVES: readonly number[] = [1.25, 1.5, 2, 3, 5, 10, 30, 100]

/** The share of a test's alpha kept for the bound on the stable's reference rate (a 100% bake). */
export const REFERENCE_SHARE = 0.1

/** One release's budget split evenly (Bonferroni) over its tests (subjects × metrics). */
export function releaseAlpha(budget: number, tests: number): number {
  return budget / Math.max(1, tests)
}

function check(counts: Counts, what: string): void {
  if (!(counts.events >= 0 && counts.trials >= 0 && counts.events <= counts.trials)) {
    throw new RangeError(`${what}: ${counts.events} events of ${counts.trials} trials`)
  }
}

/** ln P(Poisson(mu) ≤ k), summed in log space (k is a count of errors: small to moderate). */
function logPoissonCdf(k: number, mu: number): number {
  if (mu <= 0) return 0
  let logTerm = -mu
  let logSum = logTerm
  for (let j = 1; j <= k; j++) {
    logTerm += Math.log(mu / j)
    logSum = logSum + Math.log1p(Math.exp(logTerm - logSum))
  }
  return logSum
}

/** The standard normal quantile (Acklam's rational approximation, relative error below 1.2e-9 after one refinement-free pass). */
export function normalQuantile(p: number): number {
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239]
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572]
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783]
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416]
  const poly = (k: number[], x: number) => k.reduce((acc, v) => acc * x + v, 0)
  const low = 0.02425
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p))
    return poly(c, q) / (poly(d, q) * q + 1)
  }
  if (p > 1 - low) {
    const q = Math.sqrt(-2 * Math.log(1 - p))
    return -poly(c, q) / (poly(d, q) * q + 1)
  }
  const q = p - 0.5
  const r = q * q
  return (poly(a, r) * q) / (poly(b, r) * r + 1)
}

/**
 * An upper confidence bound for a Poisson rate (events per trial) at level `alpha`: the largest
 * rate under which seeing `events` or fewer is still at least alpha likely (Garwood's bound).
 */
export function poissonRateUpperBound(counts: Counts, alpha: number): number {
  if (counts.trials <= 0) return Number.POSITIVE_INFINITY
  if (counts.events > 200) {
    // Wilson and Hilferty's cube-root form of the same bound: within 0.1% of it from 200 events up.
    const k = counts.events + 1
    const z = normalQuantile(1 - alpha)
    return (k * (1 - 1 / (9 * k) + z / (3 * Math.sqrt(k))) ** 3) / counts.trials
  }
  const target = Math.log(alpha)
  let lo = counts.events
  let hi = Math.max(1, counts.events) * 2 + 10
  while (logPoissonCdf(counts.events, hi) > target) hi *= 2
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2
    if (logPoissonCdf(counts.events, mid) > target) lo = mid
    else hi = mid
  }
  return hi / counts.trials
}

/**
 * The test fed one settled minute at a time. Keeps the log likelihood ratio of each alternative, so
 * an update costs O(alternatives) whatever the length of the release.
 */
export class EProcess {
  private readonly logRatios: number[]
  private reference: Counts | undefined
  /** The bound on the reference's rate, computed when a minute first needs it. */
  private referenceBound: number | undefined
  private readonly reserve: boolean
  judgedMinutes = 0

  constructor(private readonly options: SequentialOptions) {
    if (!(options.alpha > 0 && options.alpha < 1)) throw new RangeError(`alpha ${options.alpha} is not between 0 and 1`)
    if (!(options.margin >= 1)) throw new RangeError(`margin ${options.margin} is below 1`)
    this.logRatios = ALTERNATIVES.map(() => 0)
    this.reserve = options.reserveForReference === true || options.reference !== undefined
    if (options.reference) this.setReference(options.reference)
  }

  /**
   * The stable's counts to compare later minutes with when the stable serves nothing. A tenth of the
   * alpha buys an upper bound on its rate (the threshold is 1/(0.9 alpha) throughout), so the test keeps alpha in all.
   * Without `reserveForReference` (or `reference`) at construction, a reference is ignored.
   */
  setReference(reference: Counts): void {
    check(reference, 'reference')
    if (!this.reserve) return
    this.reference = reference.trials > 0 ? reference : undefined
    this.referenceBound = undefined
  }

  private get referenceRate(): number | undefined {
    if (!this.reference) return undefined
    this.referenceBound ??= poissonRateUpperBound(this.reference, this.options.alpha * REFERENCE_SHARE)
    return this.referenceBound
  }

  get threshold(): number {
    return 1 / ((this.reserve ? 1 - REFERENCE_SHARE : 1) * this.options.alpha)
  }

  /** The mixture's e-value: the average of every alternative's likelihood ratio. */
  get eValue(): number {
    const max = Math.max(...this.logRatios)
    const mean = this.logRatios.reduce((sum, l) => sum + Math.exp(l - max), 0) / this.logRatios.length
    return Math.exp(max) * mean
  }

  get reject(): boolean {
    return this.eValue >= this.threshold
  }

  /** Adds one settled minute. Throws on a pair that cannot be real (more events than trials). */
  add(minute: MinuteCounts): void {
    check(minute.canary, 'canary')
    check(minute.stable, 'stable')
    const { canary, stable } = minute
    const margin = this.options.margin
    if (canary.trials <= 0) return
    if (stable.trials > 0) {
      const events = canary.events + stable.events
      if (events === 0) {
        this.judgedMinutes += 1
        return
      }
      const theta = (r: number) => (r * canary.trials) / (r * canary.trials + stable.trials)
      const null0 = theta(margin)
      ALTERNATIVES.forEach((k, i) => {
        const alt = theta(margin * k)
        this.logRatios[i] = (this.logRatios[i] ?? 0) + canary.events * Math.log(alt / null0) + stable.events * Math.log((1 - alt) / (1 - null0))
      })
      this.judgedMinutes += 1
      return
    }
    // The stable served nothing this minute: compare with its reference rate, if there is one.
    const referenceRate = this.referenceRate
    if (referenceRate === undefined) return
    const mean0 = margin * Math.max(referenceRate, 1e-12) * canary.trials
    ALTERNATIVES.forEach((k, i) => {
      this.logRatios[i] = (this.logRatios[i] ?? 0) + canary.events * Math.log(k) - (k - 1) * mean0
    })
    this.judgedMinutes += 1
  }

  verdict(): SequentialVerdict {
    return { reject: this.reject, eValue: this.eValue, threshold: this.threshold, judgedMinutes: this.judgedMinutes }
  }
}

/** The test over `minutes` (oldest first) of one subject and one metric. */
export function sequentialVerdict(minutes: readonly MinuteCounts[], options: SequentialOptions): SequentialVerdict {
  const process = new EProcess(options)
  for (const minute of minutes) process.add(minute)
  return process.verdict()
}
