/**
 * The watcher for the modes where AWS moves the traffic (CodeDeploy, ECS): every poll reads the
 * deployment (through the mode's `Tracked` source) and the gates in parallel, records a row, and
 * ends on AWS's own end, a pause, a failing or unreadable gate, a cancel, or the watch's limit.
 * It never stops anything itself: the mode's stop does (see stop.ts).
 */
import { describeWait, pollUntil } from '../aws/poll.js'
import type { Clock } from '../core/clock.js'
import { errorMessage } from '../core/errors.js'
import { DEFAULT_MAX_UNREADABLE, describeReading, type AlarmState, type Gate, type GateContext, type GateReading } from '../core/gate.js'
import type { Log } from '../core/log.js'
import { quote } from '../core/quote.js'

/** A deployment is watched at most this long: GitHub's own limit for a job. */
export const WATCH_MAX_MS = 6 * 60 * 60_000

/** What one read of a deployment says, in the watcher's terms. */
export interface Snapshot<I> {
  readonly info: I
  /** AWS's status word, for the log and the progress table. */
  readonly status: string
  /** `running`; `succeeded` and `ended` are AWS's own ends; `paused` waits for someone to continue it. */
  readonly phase: 'running' | 'succeeded' | 'ended' | 'paused'
  /** The new version's share of production traffic in percent, when known. */
  readonly weight: number | undefined
  /** Changes when a traffic step goes live that the weight does not show (ECS test traffic). */
  readonly step?: string | undefined
  /** Instances done / total (EC2/on-prem). */
  readonly instances?: string | undefined
  /** When a new `step` went live, if the source knows better than the polls (epoch ms). */
  readonly liveSince?: number | undefined
}

/** One mode's deployment as the watcher sees it. */
export interface Tracked<I> {
  readonly id: string
  /** One read; throws when the deployment cannot be read (counted as unreadable). */
  read(signal: AbortSignal): Promise<Snapshot<I>>
  /**
   * A paused deployment: `hold` ends the watch (a later run continues it), `wait` keeps watching
   * (the source may have continued it). `pausedForMs` is how long the pause has lasted, as near as the polls tell.
   */
  readonly onPaused?: ((snapshot: Snapshot<I>, reading: GateReading, pausedForMs: number) => Promise<'hold' | 'wait'>) | undefined
}

export interface WatchDeps {
  readonly gate: Gate
  readonly clock: Clock
  readonly log: Log
  readonly pollMs: number
  /** Aborts on cancel. */
  readonly signal: AbortSignal
  readonly maxUnreadable?: number
  /** Requests sent so far (all clients), to report API calls per poll. */
  readonly calls?: () => number
}

export type WatchEnd<I> =
  | { readonly kind: 'succeeded'; readonly info: I }
  | { readonly kind: 'ready'; readonly info: I }
  /** Ended by AWS (failed, stopped, rolled back), or by someone else. */
  | { readonly kind: 'ended'; readonly info: I }
  /** A firing alarm, or (alarm undefined) a failing canary analysis. */
  | { readonly kind: 'alarm'; readonly alarm: AlarmState | undefined; readonly reason: string; readonly detectedAt: number }
  | { readonly kind: 'unreadable'; readonly reason: string; readonly detectedAt: number }
  | { readonly kind: 'cancelled'; readonly reason: string; readonly detectedAt: number }
  /** Still running after the watch's maximum wait: never left running unwatched, so it is stopped like an alarm. */
  | { readonly kind: 'timed-out'; readonly reason: string; readonly detectedAt: number }

/** The ends that call for a stop with rollback. */
export type StopEnd = Extract<WatchEnd<unknown>, { kind: 'alarm' | 'unreadable' | 'cancelled' | 'timed-out' }>

export function needsStop<I>(end: WatchEnd<I>): end is Extract<WatchEnd<I>, { kind: StopEnd['kind'] }> {
  return end.kind === 'alarm' || end.kind === 'unreadable' || end.kind === 'cancelled' || end.kind === 'timed-out'
}

/** One row of the progress table: consecutive polls that saw the same thing are merged. */
export interface PollRow {
  /** When the first of these polls was taken (epoch ms). */
  readonly at: number
  readonly deploymentId: string
  readonly status: string
  /** The new version's share of traffic in percent (Lambda, ECS), when read. */
  readonly weight: number | undefined
  /** Instances done / total (EC2/on-prem). */
  readonly instances: string | undefined
  readonly gate: string
  polls: number
}

/** Follows one deployment until it ends, pauses for good, or must be stopped. */
export class Watcher<I> {
  readonly rows: PollRow[] = []
  weight: number | undefined
  info: I | undefined
  /** Requests in the latest poll: the steady state. */
  lastCallsPerPoll: number | undefined
  /** When the current traffic step went live, as near as the polls can tell: where the analysis window starts. */
  private stepSince: number | undefined
  /** When the first traffic step of this watch went live: nothing before it is this release's. */
  private releaseSince: number | undefined
  private stepKey: string | undefined
  private pausedSince: number | undefined
  private lastPollAt: number | undefined
  private unreadableGate = 0
  private unreadableDeployment = 0

  constructor(
    private readonly deps: WatchDeps,
    private readonly tracked: Tracked<I>,
    /** The longest the watch lasts; GitHub ends any job after 6 h, so by default it never ends first. */
    private readonly maxWaitMs: number = WATCH_MAX_MS,
  ) {}

  get id(): string {
    return this.tracked.id
  }

  async watch(): Promise<WatchEnd<I>> {
    const { clock, signal, pollMs } = this.deps
    const end = await pollUntil({ clock, intervalMs: pollMs, maxWaitMs: this.maxWaitMs, signal }, () => this.poll())
    if (end.kind === 'done') return end.value
    if (end.kind === 'aborted') return this.cancelled()
    return {
      kind: 'timed-out',
      reason: `deployment ${this.id} was still ${this.rows.at(-1)?.status ?? 'unread'} after ${describeWait(end.waitedMs)} of watching (at most ${describeWait(this.maxWaitMs)})`,
      detectedAt: clock.now(),
    }
  }

  /** One poll: the deployment and the gate, in parallel. Undefined: keep watching. */
  private async poll(): Promise<WatchEnd<I> | undefined> {
    const { clock, signal, log } = this.deps
    const max = this.deps.maxUnreadable ?? DEFAULT_MAX_UNREADABLE
    const before = this.deps.calls?.()
    const pollStartedAt = clock.now()
    // The step's start, the release's first live step (nothing before it is judged) and the weight (100: no stable beside it).
    const context: GateContext | undefined =
      this.stepSince === undefined
        ? undefined
        : {
            stageStartedAt: this.stepSince,
            releaseStartedAt: this.releaseSince ?? this.stepSince,
            ...(this.weight !== undefined ? { weight: this.weight } : {}),
          }
    const [snapshot, reading] = await Promise.all([this.read(), this.deps.gate.check(signal, context)])
    const after = this.deps.calls?.()
    if (before !== undefined && after !== undefined) this.lastCallsPerPoll = after - before
    if (!(snapshot instanceof Error)) {
      this.noteStep(snapshot, pollStartedAt)
      this.info = snapshot.info
    }
    this.lastPollAt = pollStartedAt
    this.record(snapshot, reading)

    if (reading.status === 'fail') {
      const alarm = reading.firing[0]
      const reason = alarm ? `alarm ${quote(alarm.name)} is ${alarm.state}: ${alarm.reason}` : (reading.reason ?? 'the gate failed')
      return { kind: 'alarm', alarm, reason, detectedAt: pollStartedAt }
    }
    if (reading.status === 'inconclusive') {
      // At most `max` unreadable reads per traffic step in total: a good read in between does not
      // forgive the earlier ones, so a gate unreadable on every other poll still stops the deployment.
      this.unreadableGate += 1
      log.warning(`Alarms unreadable (${this.unreadableGate}/${max} at this traffic step): ${describeReading(reading)}`)
      if (this.unreadableGate >= max) {
        return { kind: 'unreadable', reason: `alarms unreadable on ${max} polls at this traffic step: ${describeReading(reading)}`, detectedAt: pollStartedAt }
      }
    }

    if (snapshot instanceof Error) {
      this.unreadableDeployment += 1
      log.warning(`Could not read deployment ${this.id} (${this.unreadableDeployment}/${max}): ${snapshot.message}`)
      if (this.unreadableDeployment >= max) {
        return { kind: 'unreadable', reason: `deployment ${this.id} unreadable for ${max} polls in a row: ${snapshot.message}`, detectedAt: clock.now() }
      }
      return undefined
    }
    this.unreadableDeployment = 0
    if (snapshot.phase === 'succeeded') return { kind: 'succeeded', info: snapshot.info }
    if (snapshot.phase === 'ended') return { kind: 'ended', info: snapshot.info }
    if (snapshot.phase === 'paused') {
      // A bake held at a pause counts from the first poll that saw it: never longer than it really lasted.
      this.pausedSince ??= pollStartedAt
      // Only a green read may continue a pause; an unreadable one waits (and counts above).
      if (reading.status !== 'pass' && this.tracked.onPaused) return undefined
      const decision = this.tracked.onPaused ? await this.tracked.onPaused(snapshot, reading, pollStartedAt - this.pausedSince) : 'hold'
      if (decision === 'hold') return { kind: 'ready', info: snapshot.info }
    } else this.pausedSince = undefined
    return undefined
  }

  /** A new weight (or a new step the weight does not show) starts a new traffic step: a new analysis window, a fresh unreadable count. */
  private noteStep(snapshot: Snapshot<I>, pollStartedAt: number): void {
    const weightChanged = snapshot.weight !== undefined && snapshot.weight !== this.weight
    const stepChanged = snapshot.step !== undefined && snapshot.step !== this.stepKey
    if (weightChanged || stepChanged) {
      const live = (snapshot.weight ?? 0) > 0 || snapshot.step !== undefined
      // At the latest, the poll before it was seen.
      this.stepSince = live ? (snapshot.liveSince ?? this.lastPollAt ?? pollStartedAt) : undefined
      if (this.stepSince !== undefined) this.releaseSince ??= this.stepSince
      this.unreadableGate = 0
    }
    if (snapshot.weight !== undefined) this.weight = snapshot.weight
    if (snapshot.step !== undefined) this.stepKey = snapshot.step
  }

  private cancelled(): WatchEnd<I> {
    const reason = this.deps.signal.reason instanceof Error ? this.deps.signal.reason.message : 'the workflow was cancelled'
    return { kind: 'cancelled', reason: `the workflow was cancelled (${reason})`, detectedAt: this.deps.clock.now() }
  }

  private async read(): Promise<Snapshot<I> | Error> {
    try {
      return await this.tracked.read(this.deps.signal)
    } catch (error) {
      if (this.deps.signal.aborted) throw error
      return error instanceof Error ? error : new Error(errorMessage(error))
    }
  }

  private record(snapshot: Snapshot<I> | Error, reading: GateReading): void {
    const status = snapshot instanceof Error ? 'unreadable' : snapshot.status
    const instances = snapshot instanceof Error ? undefined : snapshot.instances
    const gate = reading.status === 'pass' ? (reading.alarms.length === 0 ? '–' : 'OK') : reading.status === 'fail' ? 'ALARM' : 'unreadable'
    const weight = this.weight
    const last = this.rows.at(-1)
    if (last && last.deploymentId === this.id && last.status === status && last.weight === weight && last.instances === instances && last.gate === gate) {
      last.polls += 1
    } else {
      this.rows.push({ at: reading.at, deploymentId: this.id, status, weight, instances, gate, polls: 1 })
    }
    const traffic = weight !== undefined ? `, ${weight}% on the new version` : instances !== undefined ? `, ${instances} instances done` : ''
    this.deps.log.info(`${this.id}: ${status}${traffic}; gate: ${describeReading(reading)}`)
  }
}
