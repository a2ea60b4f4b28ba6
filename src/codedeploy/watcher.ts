import {
  GetDeploymentCommand,
  GetDeploymentTargetCommand,
  ListDeploymentTargetsCommand,
  StopDeploymentCommand,
  type CodeDeployClient,
  type DeploymentInfo,
  type DeploymentTarget,
} from '@aws-sdk/client-codedeploy'
import { describeWait, pollUntil } from '../aws/poll.js'
import type { Clock } from '../core/clock.js'
import { errorMessage } from '../core/errors.js'
import { DEFAULT_MAX_UNREADABLE, describeReading, type AlarmState, type Gate, type GateReading } from '../core/gate.js'
import type { Log } from '../core/log.js'
import type { PollRow } from './outcome.js'
import { quote } from '../core/quote.js'

export const TERMINAL = new Set(['Succeeded', 'Failed', 'Stopped'])
/** A deployment is watched at most this long: GitHub's own limit for a job. */
export const WATCH_MAX_MS = 6 * 60 * 60_000
/** Following a rollback, a restore or another deployment's end lasts at most this long. */
export const FOLLOW_MAX_MS = 60 * 60_000
/** Reads in a row (each already retried by its client) that may fail before a follow gives up. */
export const FOLLOW_MAX_UNREADABLE = 5

export interface WatchDeps {
  /** Polls. */
  readonly client: CodeDeployClient
  /** StopDeployment and following the rollback: its own retry budget, never aborted by the cancel. */
  readonly stopClient: CodeDeployClient
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

export type WatchEnd =
  | { readonly kind: 'succeeded'; readonly info: DeploymentInfo }
  | { readonly kind: 'ready'; readonly info: DeploymentInfo }
  /** Failed or Stopped by CodeDeploy (or by someone else). */
  | { readonly kind: 'ended'; readonly info: DeploymentInfo }
  /** A firing alarm, or (alarm undefined) a failing canary analysis. */
  | { readonly kind: 'alarm'; readonly alarm: AlarmState | undefined; readonly reason: string; readonly detectedAt: number }
  | { readonly kind: 'unreadable'; readonly reason: string; readonly detectedAt: number }
  | { readonly kind: 'cancelled'; readonly reason: string; readonly detectedAt: number }
  /** Still running after the watch's maximum wait: never left running unwatched, so it is stopped like an alarm. */
  | { readonly kind: 'timed-out'; readonly reason: string; readonly detectedAt: number }

/** The new version's share of traffic in percent, from a Lambda or ECS deployment target. */
export function targetWeight(target: DeploymentTarget | undefined): number | undefined {
  const fraction = target?.lambdaTarget?.lambdaFunctionInfo?.targetVersionWeight
  if (fraction !== undefined) return Math.round(fraction * 100 * 1000) / 1000
  const sets = target?.ecsTarget?.taskSetsInfo
  if (sets && sets.length > 0) {
    const green = sets.find((s) => s.taskSetLabel === 'Green') ?? sets[1]
    return green?.trafficWeight ?? 0
  }
  return undefined
}

export function instancesDone(info: DeploymentInfo | undefined): string | undefined {
  const o = info?.deploymentOverview
  if (!o || info?.computePlatform !== 'Server') return undefined
  const total = (o.Pending ?? 0) + (o.InProgress ?? 0) + (o.Succeeded ?? 0) + (o.Failed ?? 0) + (o.Skipped ?? 0) + (o.Ready ?? 0)
  return `${o.Succeeded ?? 0}/${total}${o.Failed ? ` (${o.Failed} failed)` : ''}`
}

/**
 * Follows one deployment: every `pollMs`, one GetDeployment, one target read (Lambda/ECS; the target
 * is listed once) and one read of the action's own alarms, in parallel. Ends on CodeDeploy's own end,
 * on Ready (when holding), on a firing or unreadable gate, or on a cancel. Never stops anything itself.
 */
export class DeploymentWatcher {
  readonly rows: PollRow[] = []
  weight: number | undefined
  info: DeploymentInfo | undefined
  /** The deployment target as last read (Lambda, ECS). */
  target: DeploymentTarget | undefined
  /** Requests in the latest poll: the steady state (the first poll also lists the target). */
  lastCallsPerPoll: number | undefined
  private targetId: string | undefined
  /** When the new version's current (non-zero) weight went live, as near as the polls can tell. */
  private weightSince: number | undefined
  private lastPollAt: number | undefined
  private unreadableGate = 0
  private unreadableDeployment = 0

  constructor(
    private readonly deps: WatchDeps,
    readonly deploymentId: string,
    private readonly options: {
      readonly readTarget: boolean
      readonly holdOnReady: boolean
      /** The longest the watch lasts; GitHub ends any job after 6 h, so by default it never ends first. */
      readonly maxWaitMs?: number
    },
  ) {}

  async watch(): Promise<WatchEnd> {
    const { clock, signal, pollMs } = this.deps
    const maxWaitMs = this.options.maxWaitMs ?? WATCH_MAX_MS
    const end = await pollUntil({ clock, intervalMs: pollMs, maxWaitMs, signal }, () => this.poll())
    if (end.kind === 'done') return end.value
    if (end.kind === 'aborted') return this.cancelled()
    const status = this.info?.status ?? 'unread'
    return {
      kind: 'timed-out',
      reason: `deployment ${this.deploymentId} was still ${status} after ${describeWait(end.waitedMs)} of watching (at most ${describeWait(maxWaitMs)})`,
      detectedAt: clock.now(),
    }
  }

  /** One poll: the deployment, its target and the gate, in parallel. Undefined: keep watching. */
  private async poll(): Promise<WatchEnd | undefined> {
    const { clock, signal, log } = this.deps
    const max = this.deps.maxUnreadable ?? DEFAULT_MAX_UNREADABLE
    const before = this.deps.calls?.()
    const pollStartedAt = clock.now()
    // The analysis window starts when the new version's current weight went live: at the latest, the poll before it was seen.
    const context = this.weightSince === undefined ? undefined : { stageStartedAt: this.weightSince }
    const [deployment, weight, reading] = await Promise.all([this.readDeployment(), this.readWeight(), this.deps.gate.check(signal, context)])
    const after = this.deps.calls?.()
    if (before !== undefined && after !== undefined) this.lastCallsPerPoll = after - before
    if (weight !== undefined && weight !== this.weight) {
      this.weightSince = weight > 0 ? (this.lastPollAt ?? pollStartedAt) : undefined
      // Each traffic step is a stage: its unreadable reads start from zero, as in alias mode.
      this.unreadableGate = 0
    }
    this.lastPollAt = pollStartedAt
    if (weight !== undefined) this.weight = weight
    if (!(deployment instanceof Error)) this.info = deployment
    this.record(deployment, reading)

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

    if (deployment instanceof Error) {
      this.unreadableDeployment += 1
      log.warning(`Could not read deployment ${this.deploymentId} (${this.unreadableDeployment}/${max}): ${deployment.message}`)
      if (this.unreadableDeployment >= max) {
        return {
          kind: 'unreadable',
          reason: `deployment ${this.deploymentId} unreadable for ${max} polls in a row: ${deployment.message}`,
          detectedAt: clock.now(),
        }
      }
      return undefined
    }
    this.unreadableDeployment = 0
    const status = deployment.status ?? ''
    if (status === 'Succeeded') return { kind: 'succeeded', info: deployment }
    if (status === 'Failed' || status === 'Stopped') return { kind: 'ended', info: deployment }
    if (status === 'Ready' && this.options.holdOnReady) return { kind: 'ready', info: deployment }
    return undefined
  }

  private cancelled(): WatchEnd {
    const reason = this.deps.signal.reason instanceof Error ? this.deps.signal.reason.message : 'the workflow was cancelled'
    return { kind: 'cancelled', reason: `the workflow was cancelled (${reason})`, detectedAt: this.deps.clock.now() }
  }

  private async readDeployment(): Promise<DeploymentInfo | Error> {
    try {
      const { deploymentInfo } = await this.deps.client.send(new GetDeploymentCommand({ deploymentId: this.deploymentId }), {
        abortSignal: this.deps.signal,
      })
      if (!deploymentInfo) return new Error('GetDeployment returned no deploymentInfo')
      return deploymentInfo
    } catch (error) {
      if (this.deps.signal.aborted) throw error
      return error instanceof Error ? error : new Error(errorMessage(error))
    }
  }

  /** ListDeploymentTargets until the target appears (once), then one GetDeploymentTarget per poll. Best effort. */
  private async readWeight(): Promise<number | undefined> {
    if (!this.options.readTarget) return undefined
    const opts = { abortSignal: this.deps.signal }
    try {
      if (this.targetId === undefined) {
        const { targetIds } = await this.deps.client.send(new ListDeploymentTargetsCommand({ deploymentId: this.deploymentId }), opts)
        this.targetId = targetIds?.[0]
        if (this.targetId === undefined) return undefined
      }
      const { deploymentTarget } = await this.deps.client.send(
        new GetDeploymentTargetCommand({ deploymentId: this.deploymentId, targetId: this.targetId }),
        opts,
      )
      if (deploymentTarget) this.target = deploymentTarget
      return targetWeight(deploymentTarget)
    } catch (error) {
      if (this.deps.signal.aborted) throw error
      this.deps.log.info(`Could not read the deployment's target: ${errorMessage(error)}`)
      return undefined
    }
  }

  private record(deployment: DeploymentInfo | Error, reading: GateReading): void {
    const status = deployment instanceof Error ? 'unreadable' : (deployment.status ?? '?')
    const instances = deployment instanceof Error ? undefined : instancesDone(deployment)
    const gate = reading.status === 'pass' ? (reading.alarms.length === 0 ? '–' : 'OK') : reading.status === 'fail' ? 'ALARM' : 'unreadable'
    const weight = this.weight
    const last = this.rows.at(-1)
    if (
      last &&
      last.deploymentId === this.deploymentId &&
      last.status === status &&
      last.weight === weight &&
      last.instances === instances &&
      last.gate === gate
    ) {
      last.polls += 1
    } else {
      this.rows.push({ at: reading.at, deploymentId: this.deploymentId, status, weight, instances, gate, polls: 1 })
    }
    const traffic = weight !== undefined ? `, ${weight}% on the new version` : instances !== undefined ? `, ${instances} instances done` : ''
    this.deps.log.info(`${this.deploymentId}: ${status}${traffic}; gate: ${describeReading(reading)}`)
  }
}

export interface FollowResult {
  /** The stopped (or ended) deployment as last read. */
  readonly original: DeploymentInfo | undefined
  readonly rollbackId: string | undefined
  readonly rollback: DeploymentInfo | undefined
  /** When the StopDeployment request went out (epoch ms), if one did. */
  readonly stopSentAt: number | undefined
  /** Set when the follow ended without seeing the end: unreadable, too long, or cancelled. */
  readonly unfinished?: string
}

/** How often a rollback is followed: it is CodeDeploy's work, so at most every 2 s, never slower than the poll. */
export const followMs = (pollMs: number): number => Math.min(pollMs, 2_000)
/** After a deployment ended, how many reads wait for its rollback deployment to appear. */
const ROLLBACK_APPEAR_READS = 15

export type FollowDeps = Pick<WatchDeps, 'stopClient' | 'clock' | 'pollMs'> & {
  readonly log: Pick<Log, 'info' | 'warning'>
  /** Ends the follow early (rollback mode's cancel); main's follow after a cancel never passes one. */
  readonly followSignal?: AbortSignal | undefined
  readonly followMaxMs?: number | undefined
}

export type DeploymentEnd =
  | { readonly kind: 'ended'; readonly info: DeploymentInfo }
  | { readonly kind: 'unfinished'; readonly info: DeploymentInfo | undefined; readonly why: string }

/**
 * Reads one deployment every `followMs` until `until` accepts it (by default: a terminal status),
 * tolerating up to FOLLOW_MAX_UNREADABLE failed reads in a row. Bounded and cancellable; never throws
 * for a failed read.
 */
export async function followDeployment(
  deps: FollowDeps,
  deploymentId: string,
  until: (info: DeploymentInfo, reads: number) => boolean = (info) => TERMINAL.has(info.status ?? ''),
): Promise<DeploymentEnd> {
  let last: DeploymentInfo | undefined
  let unreadable = 0
  let error = ''
  let reads = 0
  const signal = deps.followSignal
  const end = await pollUntil(
    { clock: deps.clock, intervalMs: followMs(deps.pollMs), maxWaitMs: deps.followMaxMs ?? FOLLOW_MAX_MS, signal },
    async (): Promise<DeploymentEnd | undefined> => {
      try {
        const info = (await deps.stopClient.send(new GetDeploymentCommand({ deploymentId }), signal ? { abortSignal: signal } : {})).deploymentInfo
        if (!info) throw new Error('GetDeployment returned no deploymentInfo')
        last = info
        unreadable = 0
        reads += 1
        return until(info, reads) ? { kind: 'ended', info } : undefined
      } catch (e) {
        if (signal?.aborted) throw e
        unreadable += 1
        error = errorMessage(e)
        deps.log.warning(`Could not read deployment ${deploymentId} (${unreadable}/${FOLLOW_MAX_UNREADABLE}): ${error}`)
        if (unreadable >= FOLLOW_MAX_UNREADABLE) return { kind: 'unfinished', info: last, why: `deployment ${deploymentId} unreadable: ${error}` }
        return undefined
      }
    },
  )
  if (end.kind === 'done') return end.value
  if (end.kind === 'aborted') return { kind: 'unfinished', info: last, why: `stopped following deployment ${deploymentId}: ${end.reason}` }
  return {
    kind: 'unfinished',
    info: last,
    why: `deployment ${deploymentId} was still ${last?.status ?? 'unread'} after ${describeWait(end.waitedMs)} of following`,
  }
}

/** StopDeployment with rollback, then follows the rollback deployment to its end. Uses only the stop client; throws if the stop fails. */
export async function stopAndFollow(
  deps: FollowDeps,
  deploymentId: string,
  why: string,
  /** Called once the StopDeployment answered (before the rollback is followed). */
  afterStop?: () => void,
): Promise<FollowResult> {
  const stopSentAt = deps.clock.now()
  try {
    const stop = await deps.stopClient.send(new StopDeploymentCommand({ deploymentId, autoRollbackEnabled: true }))
    deps.log.warning(`Stopped deployment ${deploymentId} with rollback (${why}): ${stop.status ?? ''} ${stop.statusMessage ?? ''}`.trim())
  } catch (error) {
    if (!(error instanceof Error && error.name === 'DeploymentAlreadyCompletedException')) throw error
    deps.log.warning(`Deployment ${deploymentId} had already ended when it was to be stopped (${why}).`)
  }
  afterStop?.()
  return { ...(await followRollback(deps, deploymentId)), stopSentAt }
}

/** Waits for an ended (or ending) deployment's rollback deployment, if any, and follows it to its end. Never throws for a failed read. */
export async function followRollback(deps: FollowDeps, deploymentId: string): Promise<Omit<FollowResult, 'stopSentAt'>> {
  let endedReads = 0
  const appeared = await followDeployment(deps, deploymentId, (info) => {
    if (info.rollbackInfo?.rollbackDeploymentId) return true
    if (TERMINAL.has(info.status ?? '')) endedReads += 1
    return info.status === 'Succeeded' || endedReads >= ROLLBACK_APPEAR_READS
  })
  const original = appeared.info
  if (appeared.kind === 'unfinished') return { original, rollbackId: undefined, rollback: undefined, unfinished: appeared.why }
  const rollbackId = original?.rollbackInfo?.rollbackDeploymentId
  if (!rollbackId) return { original, rollbackId: undefined, rollback: undefined }
  deps.log.info(`Following rollback deployment ${rollbackId}.`)
  let last = ''
  const end = await followDeployment(deps, rollbackId, (info) => {
    const status = info.status ?? '?'
    if (status !== last) deps.log.info(`Rollback ${rollbackId}: ${status}`)
    last = status
    return TERMINAL.has(status)
  })
  return { original, rollbackId, rollback: end.info, ...(end.kind === 'unfinished' ? { unfinished: end.why } : {}) }
}
