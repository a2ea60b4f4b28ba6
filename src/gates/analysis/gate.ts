/**
 * The canary analysis as a gate: every read compares each subject's canary with its stable version
 * over the stage's window, in one GetMetricData call. A failing subject fails the gate (and so rolls
 * every member of a lockstep release back); an unreadable read is inconclusive, never a pass.
 */
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch'
import type { Clock } from '../../core/clock.js'
import { errorMessage } from '../../core/errors.js'
import type { AlarmFiring, Gate, GateContext, GateReading } from '../../core/gate.js'
import type { InsufficientDataPolicy } from '../../core/inputs.js'
import { fetchStats, type Subject } from './queries.js'
import { judge, ms, percent, type Judgement, type RuleSettings } from './rule.js'
import { preflightWindow, stageWindow } from './window.js'

export interface AnalysisGateOptions {
  readonly client: CloudWatchClient
  /** Resolved at each read: the versions are known only once the provider has inspected the resource. */
  readonly subjects: () => readonly Subject[]
  readonly settings: RuleSettings
  readonly insufficientData: InsufficientDataPolicy
  readonly clock: Clock
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
  readonly reports: readonly SubjectReport[]
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

/** A short line per subject for the poll's log line. */
export function describeJudgement(label: string, judgement: Judgement): string {
  const { canary, stable } = judgement
  if (judgement.verdict === 'no-data') return `${label}: no traffic to either version yet`
  const counts = (s: { requests: number; errors: number }) => `${s.errors}/${s.requests} errors (${percent(s.requests > 0 ? s.errors / s.requests : 0)})`
  const duration = judgement.duration ? `, p99 ${ms(canary.p99)} vs ${ms(stable.p99)}` : ''
  return `${label}: canary ${counts(canary)} vs stable ${counts(stable)}${duration}`
}

export class AnalysisGate implements Gate {
  readonly names: readonly string[] = []
  /** The latest read of every stage, keyed by when the stage went live. */
  readonly stages = new Map<number, StageAnalysis>()
  /** GetMetricData calls made by the latest read. */
  lastCalls = 0

  constructor(private readonly options: AnalysisGateOptions) {}

  /** What one request is called in messages. */
  get noun(): string {
    return this.options.settings.noun ?? 'requests'
  }

  async check(signal?: AbortSignal, context?: GateContext): Promise<GateReading> {
    const { clock, settings } = this.options
    const at = clock.now()
    const base = { at, firing: [], insufficient: [], missing: [], alarms: [] }
    const subjects = this.options.subjects()
    // Nothing to compare (a CodeDeploy deployment whose alias could not be read): the alarms decide.
    if (subjects.length === 0) return { ...base, status: 'pass', error: undefined }
    const window = context ? stageWindow(context.stageStartedAt, at) : preflightWindow(at)
    let fetched: Awaited<ReturnType<typeof fetchStats>>
    try {
      fetched = await fetchStats(this.options.client, subjects, window, settings.compare.includes('duration'), signal)
    } catch (error) {
      return { ...base, status: 'inconclusive', error: unreadableMessage(error) }
    }
    this.lastCalls = fetched.calls
    if (!context) {
      return {
        ...base,
        status: 'pass',
        error: undefined,
        notes: [`canary metrics readable for ${subjects.length === 1 ? (subjects[0]?.label ?? '') : `${subjects.length} functions`}`],
      }
    }

    const reports = subjects.map((subject, i) => {
      const stats = fetched.stats[i] ?? { canary: { requests: 0, errors: 0, p99: undefined }, stable: { requests: 0, errors: 0, p99: undefined } }
      return { subject, judgement: judge(stats.canary, stats.stable, settings) }
    })
    this.stages.set(context.stageStartedAt, { stageStartedAt: context.stageStartedAt, at, reports })

    const notes = reports.map((r) => `analysis ${describeJudgement(r.subject.label, r.judgement)}`)
    const failed = reports.filter((r) => r.judgement.verdict === 'fail')
    if (failed.length > 0) {
      const reason = failed.map((r) => `${r.subject.label}: ${r.judgement.reason ?? 'canary worse than stable'}`).join('; ')
      return { ...base, status: 'fail', error: undefined, reason, notes }
    }
    // Too little canary traffic (none at all included) blocks a stage only when min-invocations asks for it.
    const short = settings.minRequests > 0 ? reports.filter((r) => r.judgement.canary.requests < settings.minRequests) : []
    const shortfall =
      short.length > 0
        ? {
            reason: short
              .map(
                (r) =>
                  `${r.subject.label}: ${r.judgement.canary.requests} canary ${this.noun}, fewer than ${settings.minInput ?? 'min-invocations'} ${settings.minRequests}`,
              )
              .join('; '),
            blocks: this.options.insufficientData === 'alarm',
          }
        : undefined
    return { ...base, status: 'pass', error: undefined, notes, shortfall }
  }

  async firedSince(_since: number): Promise<AlarmFiring[]> {
    return []
  }
}
