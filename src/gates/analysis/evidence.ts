/**
 * The decision rule: is the canary worse than the stable version, on every settled minute of this
 * release so far? One anytime-valid sequential test per subject and metric (./sequential.ts), each
 * at its share of the release's false-rollback budget; stage figures for what users read. Pure, and
 * generic over what a "request" is (a Lambda invocation, a load balancer request).
 */
import type { Baseline, MinuteSample, SideCounts } from './queries.js'
import { EProcess, releaseAlpha } from './sequential.js'
import { overlap } from './window.js'

export type Comparison = 'errors' | 'duration'

export interface RuleSettings {
  readonly compare: readonly Comparison[]
  /** The canary fails when its error rate exceeds this many times the stable's (1.1). */
  readonly errorMargin: number
  /** …and exceeds it by at least this much, absolute (0.001 = 0.1 percentage point). */
  readonly errorFloor: number
  /** The canary fails when its share of calls slower than the stable's p90 exceeds this many times the stable's share. */
  readonly latencyMargin: number
  /** The release's false-rollback budget, spent across every subject and metric (0.01). */
  readonly budget: number
  /** The fewest canary requests a stage needs for its analysis to count as evidence (0: any). */
  readonly minRequests: number
  /** The input that sets minRequests, for messages (default min-invocations). */
  readonly minInput?: string
  /** What one request is called in messages ("invocations", "requests"). */
  readonly noun?: string
}

/** The canary fails more than 1.1× as often as the stable: the relative error margin. */
export const ERROR_MARGIN = 1.1

/** One version's figures over some minutes. */
export interface SeriesStats {
  readonly requests: number
  readonly errors: number
  /** Calls slower than the latency threshold; undefined when latency is not judged. */
  readonly slow: number | undefined
}

/** One sequential test's state after the release's settled minutes. */
export interface TestResult {
  /** The evidence that the canary is worse (1: none); the test fails at `threshold`. */
  readonly eValue: number
  readonly threshold: number
  /** An anytime-valid p-value: the chance of evidence this strong between identical versions, however often read. */
  readonly pValue: number
  /** The test's share of the release's budget. */
  readonly alpha: number
  readonly canaryRate: number
  readonly stableRate: number
  readonly failed: boolean
}

export interface LatencyResult extends TestResult {
  /** Calls slower than this (the stable's p90 over the hour before the release) count as slow. */
  readonly thresholdMs: number
}

export interface ReleaseJudgement {
  /** Both versions over every judged minute of the release. */
  readonly canary: SeriesStats
  readonly stable: SeriesStats
  readonly errors: TestResult | undefined
  /** Undefined when latency is not compared, or the stable had no latency to set the threshold. */
  readonly duration: LatencyResult | undefined
  /** Minutes the test judged (some canary traffic, and a stable minute or reference to compare with). */
  readonly judgedMinutes: number
  /** Minutes dropped because a version reported more errors (or slow calls) than calls: an unsettled pair. */
  readonly rejected: readonly number[]
}

export function percent(fraction: number, digits = 1): string {
  return `${(fraction * 100).toFixed(digits)}%`
}

/** A tolerance as the user would write it: 0.01 -> "1%", 0.005 -> "0.5%". */
export function tolerance(fraction: number): string {
  return `${Number((fraction * 100).toFixed(6))}%`
}

export function ms(value: number | undefined): string {
  if (value === undefined) return '–'
  return value >= 100 ? `${Math.round(value)} ms` : `${Number(value.toPrecision(3))} ms`
}

export const rate = (stats: { requests: number; errors: number }): number => (stats.requests > 0 ? stats.errors / stats.requests : 0)

/** The number of sequential tests a release runs: its share of the budget for each. */
export function testsPerRelease(subjects: number, settings: Pick<RuleSettings, 'compare'>): number {
  return Math.max(1, subjects * settings.compare.length)
}

function valid(side: SideCounts): boolean {
  return side.requests >= 0 && side.errors >= 0 && side.errors <= side.requests && (side.slow === undefined || side.slow <= side.requests)
}

const add = (a: SeriesStats, b: SideCounts, share = 1): SeriesStats => ({
  requests: a.requests + b.requests * share,
  errors: a.errors + b.errors * share,
  slow: b.slow === undefined ? a.slow : (a.slow ?? 0) + b.slow * share,
})
const EMPTY: SeriesStats = { requests: 0, errors: 0, slow: undefined }
const round = (s: SeriesStats): SeriesStats => ({
  requests: Math.round(s.requests),
  errors: Math.round(s.errors),
  slow: s.slow === undefined ? undefined : Math.round(s.slow),
})

/**
 * Judges one subject on the release's settled minutes (oldest first). `alpha` is this subject's share
 * per metric; `baseline` is the stable's hour before the release (latency threshold, and with this
 * release's stable minutes the reference for minutes when the stable serves nothing: a 100% bake,
 * from `fullFrom` on). `shifts`: when the weight changed; minutes containing one are left out.
 */
export function judgeRelease(
  minutes: readonly MinuteSample[],
  settings: RuleSettings,
  alpha: number,
  baseline: Baseline | undefined,
  shifts: readonly number[] = [],
  fullFrom: number = Number.NEGATIVE_INFINITY,
): ReleaseJudgement {
  const rejected = minutes.filter((m) => !valid(m.canary) || !valid(m.stable)).map((m) => m.at)
  // A stable minute is missing before the canary took all traffic only because its series has not arrived: not judged.
  const good = minutes.filter(
    (m) => valid(m.canary) && valid(m.stable) && !straddles(m.at, shifts) && (m.stable.requests > 0 || m.at >= fullFrom || m.canary.requests === 0),
  )
  const canary = round(good.reduce((a, m) => add(a, m.canary), EMPTY))
  const stable = round(good.reduce((a, m) => add(a, m.stable), EMPTY))

  // The stable's reference: its hour before the release and this release's minutes together.
  const reference = { events: (baseline?.errors ?? 0) + stable.errors, trials: (baseline?.requests ?? 0) + stable.requests }
  let errors: TestResult | undefined
  let judged = 0
  if (settings.compare.includes('errors')) {
    const test = new EProcess({ alpha, margin: settings.errorMargin, reserveForReference: true })
    test.setReference(reference)
    for (const m of good)
      test.add({ canary: { events: m.canary.errors, trials: m.canary.requests }, stable: { events: m.stable.errors, trials: m.stable.requests } })
    const stableRate = stable.requests > 0 ? rate(stable) : rate({ requests: reference.trials, errors: reference.events })
    const canaryRate = rate(canary)
    // The absolute floor only ever withholds a rollback, so the test keeps its budget.
    const failed = test.reject && canaryRate - stableRate > settings.errorFloor + 1e-12
    errors = result(test, alpha, canaryRate, stableRate, failed)
    judged = test.judgedMinutes
  }

  let duration: LatencyResult | undefined
  const thresholdMs = baseline?.p90Ms
  if (settings.compare.includes('duration') && thresholdMs !== undefined) {
    const test = new EProcess({ alpha, margin: settings.latencyMargin, reserveForReference: true })
    // By definition a tenth of the stable's calls in its hour were slower than its p90.
    test.setReference({ events: Math.round((baseline?.requests ?? 0) * 0.1) + (stable.slow ?? 0), trials: (baseline?.requests ?? 0) + stable.requests })
    for (const m of good) {
      if (m.canary.slow === undefined || m.stable.slow === undefined) continue
      test.add({ canary: { events: m.canary.slow, trials: m.canary.requests }, stable: { events: m.stable.slow, trials: m.stable.requests } })
    }
    const canaryRate = canary.requests > 0 ? (canary.slow ?? 0) / canary.requests : 0
    const stableRate = stable.requests > 0 ? (stable.slow ?? 0) / stable.requests : 0.1
    duration = { ...result(test, alpha, canaryRate, stableRate, test.reject), thresholdMs }
    judged = Math.max(judged, test.judgedMinutes)
  }
  return { canary, stable, errors, duration, judgedMinutes: judged, rejected }
}

function result(test: EProcess, alpha: number, canaryRate: number, stableRate: number, failed: boolean): TestResult {
  const eValue = test.eValue
  // The threshold is 1/(0.9 alpha) (a tenth of the alpha is kept for the 100% bake's reference): p = 1/(0.9 e).
  return { eValue, threshold: test.threshold, pValue: Math.min(1, (test.threshold * alpha) / eValue), alpha, canaryRate, stableRate, failed }
}

/**
 * True when the weight changed inside the minute starting at `at`. Such a minute belongs to neither
 * stage: its traffic shares are not constant within it, so an error spike shared by both versions
 * late in the minute would land mostly on whichever version gained weight.
 */
export function straddles(at: number, shifts: readonly number[]): boolean {
  return shifts.some((shift) => shift > at && shift < at + 60_000)
}

/** Both versions' figures over [from, to), leaving out the minutes in which the weight changed (`shifts`). */
export function stageFigures(
  minutes: readonly MinuteSample[],
  from: number,
  to: number,
  shifts: readonly number[] = [],
): { canary: SeriesStats; stable: SeriesStats; minutes: number } {
  let canary = EMPTY
  let stable = EMPTY
  let count = 0
  for (const m of minutes) {
    if (!valid(m.canary) || !valid(m.stable) || straddles(m.at, shifts)) continue
    const share = overlap(m.at, from, to)
    if (share <= 0) continue
    canary = add(canary, m.canary, share)
    stable = add(stable, m.stable, share)
    count += 1
  }
  return { canary: round(canary), stable: round(stable), minutes: count }
}

/** The release-wide test's share for each subject and metric. */
export function alphaFor(subjects: number, settings: RuleSettings): number {
  return releaseAlpha(settings.budget, testsPerRelease(subjects, settings))
}
