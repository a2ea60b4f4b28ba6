/**
 * The canary analysis as a gate. The pre-flight read takes the stable's hour before the release (the
 * latency threshold, the reference for a 100% bake, the plan's traffic estimate); every read in a
 * bake then judges each subject on this release's settled minutes, in one GetMetricData call. A
 * failing subject fails the gate (and so rolls every member of a lockstep release back); an
 * unreadable read is inconclusive, never a pass. The reading says through when it judged, so the
 * engine passes a stage only once every minute of its bake has been judged.
 */
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch'
import type { Clock } from '../../core/clock.js'
import { formatDuration } from '../../core/duration.js'
import { errorMessage } from '../../core/errors.js'
import type { AlarmFiring, Gate, GateContext, GateReading } from '../../core/gate.js'
import type { InsufficientDataPolicy } from '../../core/inputs.js'
import {
  alphaFor,
  judgeRelease,
  type LatencyResult,
  ms,
  percent,
  type ReleaseJudgement,
  type RuleSettings,
  type SeriesStats,
  stageFigures,
  type TestResult,
  tolerance,
} from './evidence.js'
import { type Baseline, fetchBaselines, fetchMinutes, type MinuteSample, type Subject } from './queries.js'
import { baselineWindow, overlap, releaseWindow, settledThrough } from './window.js'

export interface AnalysisGateOptions {
  readonly client: CloudWatchClient
  /** Resolved at each read: the versions are known only once the provider has inspected the resource. */
  readonly subjects: () => readonly Subject[]
  readonly settings: RuleSettings
  readonly insufficientData: InsufficientDataPolicy
  readonly clock: Clock
  /** How late CloudWatch's datapoints arrive: only minutes that ended this long ago are judged (0: take them as they are). */
  readonly metricsDelayMs: number
}

/**
 * - pass: nothing wrong on the evidence so far (mid-bake this is "no reason to stop yet").
 * - fail: the release's sequential test found the canary worse, beyond the margin.
 * - no-data: neither version had a request in the stage's judged minutes.
 * - insufficient: the canary had fewer requests in the stage than min-invocations asks for.
 */
export type Verdict = 'pass' | 'fail' | 'no-data' | 'insufficient'

/** One subject's judgement at a read: the stage's figures, and the release's tests. */
export interface Judgement {
  readonly verdict: Verdict
  readonly reason: string | undefined
  /** The stage's figures over its judged minutes (a straddling minute split by time). */
  readonly canary: SeriesStats
  readonly stable: SeriesStats
  /** The stage's judged minutes. */
  readonly minutes: number
  readonly errors: TestResult | undefined
  readonly duration: LatencyResult | undefined
  /** The whole release so far: what the tests judged. */
  readonly release: ReleaseJudgement
}

/** One subject's latest judgement in a stage, for the summary. */
export interface SubjectReport {
  readonly subject: Subject
  readonly judgement: Judgement
}

/** The latest read of one stage. */
export interface StageAnalysis {
  readonly stageStartedAt: number
  readonly at: number
  /** Minutes ending at or before this were judged. */
  readonly settledThrough: number
  /** The stage's judged minutes (the most any subject had). */
  readonly minutes: number
  readonly reports: readonly SubjectReport[]
}

/** A stage's estimated canary traffic, from the stable's hour before the release. */
export interface StageEstimate {
  readonly label: string
  readonly weight: number
  readonly canaryRequests: number
  readonly enough: boolean
}

function isAccessDenied(error: unknown): boolean {
  return error instanceof Error && /AccessDenied|not authorized/i.test(`${error.name} ${error.message}`)
}

/** The unreadable gate's message: access denied names the permission and the way out. */
export function unreadableMessage(error: unknown): string {
  if (isAccessDenied(error)) {
    return `canary analysis needs cloudwatch:GetMetricData, which was denied (${errorMessage(error)}): grant it (see policies/) or set analysis: none`
  }
  return `could not read the canary metrics: ${errorMessage(error)}`
}

const clockTime = (t: number): string => new Date(t).toISOString().slice(11, 19)

/** A short line per subject for the poll's log line: the stage's judged figures. */
export function describeJudgement(label: string, judgement: Judgement, noun = 'invocations'): string {
  const { canary, stable, minutes } = judgement
  const span = `${minutes} judged minute${minutes === 1 ? '' : 's'}`
  if (judgement.verdict === 'no-data') return `${label}: no ${noun} to either version in this stage's ${span}`
  const counts = (s: SeriesStats) => `${s.errors}/${s.requests} errors (${percent(s.requests > 0 ? s.errors / s.requests : 0)})`
  const slow = (s: SeriesStats) => (s.slow === undefined ? '' : `, ${s.slow} slow`)
  const threshold = judgement.duration ? ` (slow: over ${ms(judgement.duration.thresholdMs)})` : ''
  return `${label}: canary ${counts(canary)}${slow(canary)} vs stable ${counts(stable)}${slow(stable)}${threshold} over ${span}`
}

/** Why a subject fails, in one line with the release's judged figures. */
function failReason(subject: Subject, release: ReleaseJudgement, settings: RuleSettings, noun: string): string {
  const { canary, stable } = release
  const minutes = `${release.judgedMinutes} judged minute${release.judgedMinutes === 1 ? '' : 's'} of this release`
  if (release.errors?.failed) {
    const stableFigures =
      stable.requests > 0
        ? `version ${subject.stableVersion} ${stable.errors} of ${stable.requests} (${percent(release.errors.stableRate)})`
        : `version ${subject.stableVersion}'s own rate before promotion, ${percent(release.errors.stableRate)}`
    return (
      `version ${subject.canaryVersion} failed ${canary.errors} of ${canary.requests} ${noun} (${percent(release.errors.canaryRate)}) against ${stableFigures} over ${minutes}: ` +
      `more than ${settings.errorMargin}× as often (chance between identical versions ${release.errors.pValue.toExponential(1)})`
    )
  }
  const d = release.duration
  if (!d) return 'canary worse than stable'
  return (
    `${canary.slow ?? 0} of version ${subject.canaryVersion}'s ${canary.requests} ${noun} (${percent(d.canaryRate)}) were slower than ${ms(d.thresholdMs)} ` +
    `(version ${subject.stableVersion}'s p90 over the hour before the release) against ${stable.slow ?? 0} of ${stable.requests} (${percent(d.stableRate)}) over ${minutes}: ` +
    `more than ${Number(settings.latencyMargin.toFixed(6))}× as often (chance between identical versions ${d.pValue.toExponential(1)})`
  )
}

function tooFew(subject: Subject, got: number, settings: RuleSettings): string {
  const { minRequests, minInput = 'min-invocations', noun = 'invocations' } = settings
  return (
    `${subject.label}: the canary got ${got} ${noun} in this stage's judged minutes; the test needs ${minRequests} (${minInput}) to see a 5× error regression. ` +
    `Bake longer, raise the stage's weight, or set ${minInput}: 0 to rely on the alarms alone`
  )
}

export interface JudgeOptions {
  readonly settings: RuleSettings
  /** This subject's share of the release's budget, per metric. */
  readonly alpha: number
  readonly baseline: Baseline | undefined
  /** The stage's figures run from here (when its weight went live, not before the release) to `settled`. */
  readonly stageFrom: number
  readonly settled: number
  /** When the weight changed (first write, each stage): minutes containing one are judged by neither stage. */
  readonly shifts?: readonly number[]
  /** When the canary took all traffic (a 100% stage went live), if it has. */
  readonly fullFrom?: number
}

/** One subject at one read: the release's tests over its settled minutes, and the stage's figures. Pure. */
export function judgeSubject(subject: Subject, minutes: readonly MinuteSample[], options: JudgeOptions): SubjectReport {
  const { settings, alpha, baseline, stageFrom, settled, shifts = [], fullFrom } = options
  const noun = settings.noun ?? 'invocations'
  const release = judgeRelease(minutes, settings, alpha, baseline, shifts, fullFrom)
  const stage = stageFigures(minutes, stageFrom, Math.max(stageFrom, settled), shifts)
  const common = { canary: stage.canary, stable: stage.stable, minutes: stage.minutes, errors: release.errors, duration: release.duration, release }
  if (release.errors?.failed || release.duration?.failed) {
    return { subject, judgement: { ...common, verdict: 'fail', reason: failReason(subject, release, settings, noun) } }
  }
  // No traffic at all, counting the minutes of the shifts too: a quiet function, not a short stage.
  const any = minutes.some((m) => overlap(m.at, stageFrom, Math.max(stageFrom, settled)) > 0 && m.canary.requests + m.stable.requests > 0)
  if (!any) {
    return { subject, judgement: { ...common, verdict: 'no-data', reason: `neither version had ${noun} in the stage's judged minutes` } }
  }
  if (stage.canary.requests < settings.minRequests) {
    return { subject, judgement: { ...common, verdict: 'insufficient', reason: tooFew(subject, stage.canary.requests, settings) } }
  }
  // A canary alone (a 100% bake) with no stable rate anywhere to compare it with: never "no worse" by default.
  const nothingToCompare = stage.canary.requests > 0 && release.stable.requests === 0 && (baseline?.requests ?? 0) === 0
  if (nothingToCompare && settings.minRequests > 0) {
    const { minInput = 'min-invocations' } = settings
    return {
      subject,
      judgement: {
        ...common,
        verdict: 'insufficient',
        reason:
          `${subject.label}: nothing to compare the canary with: version ${subject.stableVersion} served no ${noun} in the hour before the release nor during it. ` +
          `Add a stage below 100% before this one, or set ${minInput}: 0 to rely on the alarms alone`,
      },
    }
  }
  return { subject, judgement: { ...common, verdict: 'pass', reason: undefined } }
}

const baselineKey = (subject: Subject): string => `${subject.label}\u0000${subject.stableVersion}`

export class AnalysisGate implements Gate {
  readonly names: readonly string[] = []
  /** The latest read of every stage, keyed by when the stage went live. */
  readonly stages = new Map<number, StageAnalysis>()
  /** GetMetricData calls made by the latest read. */
  lastCalls = 0
  /** The stable's hour before the release, per subject (label and stable version). */
  private readonly baselines = new Map<string, Baseline>()
  private baselineSubjects: readonly Subject[] = []
  /** When the weight changed in this release (its first write, each stage going live). */
  private readonly shifts = new Set<number>()
  /** When a 100% stage went live: from then on the canary is compared with the stable's own rate. */
  private fullFrom: number | undefined

  constructor(private readonly options: AnalysisGateOptions) {}

  /** What one request is called in messages. */
  get noun(): string {
    return this.options.settings.noun ?? 'requests'
  }

  get settings(): RuleSettings {
    return this.options.settings
  }

  async check(signal?: AbortSignal, context?: GateContext): Promise<GateReading> {
    const { clock, settings, metricsDelayMs } = this.options
    const at = clock.now()
    const base = { at, firing: [], insufficient: [], missing: [], alarms: [] }
    const subjects = this.options.subjects()
    // Nothing to compare (a CodeDeploy deployment whose alias could not be read): the alarms decide.
    if (subjects.length === 0) return { ...base, status: 'pass', error: undefined }
    const releaseAt = Math.min(context?.releaseStartedAt ?? context?.stageStartedAt ?? at, context?.stageStartedAt ?? at)
    let calls = 0
    try {
      calls += await this.loadBaselines(subjects, context ? releaseAt : at, signal)
    } catch (error) {
      return { ...base, status: 'inconclusive', error: unreadableMessage(error) }
    }
    if (!context) {
      this.lastCalls = calls
      return { ...base, status: 'pass', error: undefined, notes: [this.preflightNote(subjects)] }
    }

    const settled = settledThrough(at, metricsDelayMs)
    const window = releaseWindow(releaseAt, at, metricsDelayMs)
    const withLatency = settings.compare.includes('duration')
    const thresholds = subjects.map((s) => (withLatency ? this.baselines.get(baselineKey(s))?.p90Ms : undefined))
    let minutes: MinuteSample[][] = subjects.map(() => [])
    if (window) {
      try {
        const fetched = await fetchMinutes(this.options.client, subjects, window, thresholds, signal)
        minutes = fetched.minutes
        calls += fetched.calls
      } catch (error) {
        return { ...base, status: 'inconclusive', error: unreadableMessage(error) }
      }
    }
    this.lastCalls = calls

    const alpha = alphaFor(subjects.length, settings)
    const stageFrom = Math.max(context.stageStartedAt, releaseAt)
    this.shifts.add(releaseAt).add(context.stageStartedAt)
    if ((context.weight ?? 0) >= 100) this.fullFrom ??= context.stageStartedAt
    // Without the weight (CodeDeploy), any minute the stable served nothing may be a canary alone.
    const fullFrom = context.weight === undefined ? undefined : (this.fullFrom ?? Number.POSITIVE_INFINITY)
    // With metrics-delay 0s datapoints are taken as they are (stages of seconds in tests), straddling minutes included.
    const shifts = metricsDelayMs > 0 ? [...this.shifts] : []
    const reports = subjects.map((subject, i) =>
      judgeSubject(subject, minutes[i] ?? [], {
        settings,
        alpha,
        baseline: this.baselines.get(baselineKey(subject)),
        stageFrom,
        settled,
        shifts,
        ...(fullFrom === undefined ? {} : { fullFrom }),
      }),
    )
    const stageMinutes = Math.max(0, ...reports.map((r) => r.judgement.minutes))
    this.stages.set(context.stageStartedAt, { stageStartedAt: context.stageStartedAt, at, settledThrough: settled, minutes: stageMinutes, reports })

    const judged =
      metricsDelayMs > 0 ? `judged through ${clockTime(settled)} (metrics-delay ${formatDuration(metricsDelayMs)})` : 'judged as read (metrics-delay 0s)'
    const notes = [
      ...reports.map((r) => `analysis ${describeJudgement(r.subject.label, r.judgement, this.noun)}`),
      `analysis ${judged}`,
      ...reports
        .filter((r) => r.judgement.release.rejected.length > 0)
        .map(
          (r) =>
            `analysis ${r.subject.label}: left out ${r.judgement.release.rejected.map(clockTime).join(', ')}: a version reported more errors than ${this.noun} (the minute's series had not all arrived)`,
        ),
      ...reports
        .filter((r) => withLatency && r.judgement.duration === undefined)
        .map(
          (r) =>
            `analysis ${r.subject.label}: latency not judged: version ${r.subject.stableVersion} had no Duration in the hour before the release to set the threshold`,
        ),
    ]
    const common = { settledThrough: settled, judgedMinutes: stageMinutes, notes }
    const failed = reports.filter((r) => r.judgement.verdict === 'fail')
    if (failed.length > 0) {
      const reason = failed.map((r) => `${r.subject.label}: ${r.judgement.reason ?? 'canary worse than stable'}`).join('; ')
      return { ...base, status: 'fail', error: undefined, reason, ...common }
    }
    return { ...base, status: 'pass', error: undefined, ...common, shortfall: this.shortfall(reports) }
  }

  /**
   * Too few canary requests in the stage blocks it under insufficient-data: alarm (else warns). When
   * neither version had any traffic (a quiet function), the analysis saw nothing: it says so loudly
   * and the alarms decide.
   */
  private shortfall(reports: readonly SubjectReport[]): GateReading['shortfall'] {
    const quiet = reports.filter((r) => r.judgement.verdict === 'no-data')
    const short = reports.filter((r) => r.judgement.verdict === 'insufficient')
    if (short.length > 0) return { reason: short.map((r) => r.judgement.reason ?? '').join('; '), blocks: this.options.insufficientData === 'alarm' }
    if (quiet.length > 0) {
      const names = quiet.map((r) => r.subject.label).join(', ')
      return {
        reason: `NO TRAFFIC: neither version of ${names} served a single ${this.noun.replace(/s$/, '')} in this stage, so the canary analysis judged nothing; the stage's alarms alone decided`,
        blocks: false,
      }
    }
    return undefined
  }

  /** Reads the stable's hour before `before` for the subjects that lack it. Returns the calls made. */
  private async loadBaselines(subjects: readonly Subject[], before: number, signal?: AbortSignal): Promise<number> {
    this.baselineSubjects = subjects
    const missing = subjects.filter((s) => !this.baselines.has(baselineKey(s)))
    if (missing.length === 0) return 0
    const { baselines, calls } = await fetchBaselines(this.options.client, missing, baselineWindow(before), signal)
    for (const [i, subject] of missing.entries()) this.baselines.set(baselineKey(subject), baselines[i] ?? { requests: 0, errors: 0, p90Ms: undefined })
    return calls
  }

  private preflightNote(subjects: readonly Subject[]): string {
    const what = subjects.length === 1 ? (subjects[0]?.label ?? '') : `${subjects.length} functions`
    const requests = subjects.reduce((sum, s) => sum + (this.baselines.get(baselineKey(s))?.requests ?? 0), 0)
    return `canary metrics readable for ${what}: ${requests} ${this.noun} in the last hour`
  }

  /**
   * How many canary requests each stage should see, from the stable's traffic in the hour before the
   * read (the pre-flight's). A stage that cannot reach min-invocations is flagged.
   */
  estimate(stages: readonly { readonly weight: number; readonly bakeMs: number; readonly users?: true }[]): StageEstimate[] {
    const { minRequests } = this.options.settings
    return this.baselineSubjects.flatMap((subject) => {
      const perMs = (this.baselines.get(baselineKey(subject))?.requests ?? 0) / 3_600_000
      return stages
        .filter((stage) => !stage.users && stage.bakeMs > 0)
        .map((stage) => {
          const canaryRequests = Math.round((perMs * stage.bakeMs * stage.weight) / 100)
          return { label: subject.label, weight: stage.weight, canaryRequests, enough: canaryRequests >= minRequests }
        })
    })
  }

  async firedSince(_since: number): Promise<AlarmFiring[]> {
    return []
  }
}

/** The settings in words, for the log, the plan and the summary. */
export function describeRule(settings: RuleSettings, metricsDelayMs: number): string {
  const noun = settings.noun ?? 'invocations'
  const parts = settings.compare.map((c) =>
    c === 'errors'
      ? `error rate (fails beyond ${settings.errorMargin}× the stable's and ${tolerance(settings.errorFloor)} over it)`
      : `latency (fails when more than ${Number(settings.latencyMargin.toFixed(6))}× as many ${noun} are slower than the stable's p90)`,
  )
  return (
    `canary vs stable ${parts.join(' and ')}, by a sequential test with a ${tolerance(settings.budget)} false-rollback budget for the whole release, ` +
    `min-invocations ${settings.minRequests}, metrics-delay ${formatDuration(metricsDelayMs)}`
  )
}
