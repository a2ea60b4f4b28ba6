import {
  GetDeploymentCommand,
  GetDeploymentTargetCommand,
  ListDeploymentTargetsCommand,
  StopDeploymentCommand,
  type CodeDeployClient,
  type DeploymentInfo,
  type DeploymentTarget,
} from '@aws-sdk/client-codedeploy'
import { GetAliasCommand, type LambdaClient } from '@aws-sdk/client-lambda'
import { describeWait, pollUntil } from '../aws/poll.js'
import { errorMessage } from '../core/errors.js'
import type { Log } from '../core/log.js'
import { type Snapshot, type Tracked, Watcher, type WatchDeps as ManagedWatchDeps, type WatchEnd as ManagedWatchEnd } from '../managed/watch.js'

export { WATCH_MAX_MS } from '../managed/watch.js'
export const TERMINAL = new Set(['Succeeded', 'Failed', 'Stopped'])
/** Following a rollback, a restore or another deployment's end lasts at most this long. */
export const FOLLOW_MAX_MS = 60 * 60_000
/** Reads in a row (each already retried by its client) that may fail before a follow gives up. */
export const FOLLOW_MAX_UNREADABLE = 5

export interface WatchDeps extends ManagedWatchDeps {
  /** Polls. */
  readonly client: CodeDeployClient
  /** StopDeployment and following the rollback: its own retry budget, never aborted by the cancel. */
  readonly stopClient: CodeDeployClient
}

export type WatchEnd = ManagedWatchEnd<DeploymentInfo>

/** The new version's share of traffic in percent, from a Lambda or ECS deployment target. */
export function targetWeight(target: DeploymentTarget | undefined): number | undefined {
  const raw = target?.lambdaTarget?.lambdaFunctionInfo?.targetVersionWeight
  if (raw !== undefined) {
    // AWS documents a percentage; CodeDeploy has been seen to report a fraction. Above 1 it can only
    // be a percentage; at or below 1 it is read as a fraction. The alias's own routing (aliasWeight),
    // read alongside, is preferred wherever it can be read, so this reading is the fallback.
    const percent = raw > 1 ? raw : raw * 100
    return Math.round(Math.min(100, percent) * 1000) / 1000
  }
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

/** The alias a Lambda deployment shifts, to learn the live weight from its routing configuration. */
export interface AliasToRead {
  readonly lambda: LambdaClient
  readonly functionName: string
  readonly alias: string
  readonly version: string
}

/**
 * The new version's share in percent from an alias's routing: its weight in AdditionalVersionWeights
 * (a fraction), 100 once the alias points at it, 0 while it is not routed at all.
 */
export function aliasWeight(
  alias: { FunctionVersion?: string | undefined; RoutingConfig?: { AdditionalVersionWeights?: Record<string, number> | undefined } | undefined },
  version: string,
): number {
  const extra = alias.RoutingConfig?.AdditionalVersionWeights?.[version]
  if (extra !== undefined) return Math.round(extra * 100 * 1000) / 1000
  return alias.FunctionVersion === version ? 100 : 0
}

/**
 * One CodeDeploy deployment as the shared watcher (src/managed/watch.ts) sees it: every poll one
 * GetDeployment and, best effort, the new version's weight: from the alias's routing (Lambda; the
 * action may always read it) and from the deployment target (listed once, then one
 * GetDeploymentTarget per poll). When no weight can be learned, the analysis judges from the
 * deployment's start rather than not at all.
 */
export class CodeDeployTracked implements Tracked<DeploymentInfo> {
  /** The deployment target as last read (Lambda, ECS). */
  target: DeploymentTarget | undefined
  private targetId: string | undefined
  private warnedUnknown = false

  constructor(
    private readonly deps: WatchDeps,
    readonly id: string,
    private readonly options: { readonly readTarget: boolean; readonly holdOnReady: boolean; readonly alias?: AliasToRead | undefined },
  ) {}

  async read(signal: AbortSignal): Promise<Snapshot<DeploymentInfo>> {
    const [deployment, fromTarget, fromAlias] = await Promise.all([this.readDeployment(signal), this.readTargetWeight(signal), this.readAliasWeight(signal)])
    const status = deployment.status ?? ''
    const phase =
      status === 'Succeeded'
        ? 'succeeded'
        : status === 'Failed' || status === 'Stopped'
          ? 'ended'
          : status === 'Ready' && this.options.holdOnReady
            ? 'paused'
            : 'running'
    // The alias is the traffic itself; a target that already shows a shift the alias does not (yet) is taken too.
    const weight = fromAlias !== undefined && (fromAlias > 0 || fromTarget === undefined) ? fromAlias : fromTarget
    const unknown = weight === undefined && (this.options.readTarget || this.options.alias !== undefined) && phase === 'running'
    if (unknown && !this.warnedUnknown) {
      this.warnedUnknown = true
      this.deps.log.warning(
        `The new version's share of traffic cannot be read (neither the alias's routing nor the deployment target): the canary analysis judges from the deployment's start.`,
      )
    }
    return {
      info: deployment,
      status: status || '?',
      phase,
      weight,
      // Unknown weight: one stage from the deployment's start, so the analysis still judges (issue 20).
      ...(unknown ? { step: 'since the deployment started', liveSince: deployment.createTime?.getTime() } : {}),
      instances: instancesDone(deployment),
    }
  }

  private async readDeployment(signal: AbortSignal): Promise<DeploymentInfo> {
    const { deploymentInfo } = await this.deps.client.send(new GetDeploymentCommand({ deploymentId: this.id }), { abortSignal: signal })
    if (!deploymentInfo) throw new Error('GetDeployment returned no deploymentInfo')
    return deploymentInfo
  }

  /** ListDeploymentTargets until the target appears (once), then one GetDeploymentTarget per poll. Best effort. */
  private async readTargetWeight(signal: AbortSignal): Promise<number | undefined> {
    if (!this.options.readTarget) return undefined
    const opts = { abortSignal: signal }
    try {
      if (this.targetId === undefined) {
        const { targetIds } = await this.deps.client.send(new ListDeploymentTargetsCommand({ deploymentId: this.id }), opts)
        this.targetId = targetIds?.[0]
        if (this.targetId === undefined) return undefined
      }
      const { deploymentTarget } = await this.deps.client.send(new GetDeploymentTargetCommand({ deploymentId: this.id, targetId: this.targetId }), opts)
      if (deploymentTarget) this.target = deploymentTarget
      return targetWeight(deploymentTarget)
    } catch (error) {
      if (signal.aborted) throw error
      this.deps.log.info(`Could not read the deployment's target: ${errorMessage(error)}`)
      return undefined
    }
  }

  /** GetAlias: the live routing the deployment moves. Best effort. */
  private async readAliasWeight(signal: AbortSignal): Promise<number | undefined> {
    const alias = this.options.alias
    if (!alias) return undefined
    try {
      const out = await alias.lambda.send(new GetAliasCommand({ FunctionName: alias.functionName, Name: alias.alias }), { abortSignal: signal })
      return aliasWeight(out, alias.version)
    } catch (error) {
      if (signal.aborted) throw error
      this.deps.log.info(`Could not read alias ${alias.functionName}:${alias.alias}: ${errorMessage(error)}`)
      return undefined
    }
  }
}

/**
 * Follows one deployment with the shared watcher: every `pollMs`, one GetDeployment, the weight
 * reads (Lambda/ECS) and one read of the action's own alarms, in parallel. Ends on CodeDeploy's own
 * end, on Ready (when holding), on a firing or unreadable gate, or on a cancel. Never stops anything itself.
 */
export class DeploymentWatcher extends Watcher<DeploymentInfo> {
  private readonly source: CodeDeployTracked

  constructor(
    deps: WatchDeps,
    readonly deploymentId: string,
    options: {
      readonly readTarget: boolean
      readonly holdOnReady: boolean
      readonly alias?: AliasToRead | undefined
      /** The longest the watch lasts; GitHub ends any job after 6 h, so by default it never ends first. */
      readonly maxWaitMs?: number
    },
  ) {
    const tracked = new CodeDeployTracked(deps, deploymentId, options)
    super(deps, tracked, options.maxWaitMs)
    this.source = tracked
  }

  /** The deployment target as last read (Lambda, ECS). */
  get target(): DeploymentTarget | undefined {
    return this.source.target
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
