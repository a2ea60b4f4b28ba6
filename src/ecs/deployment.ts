/**
 * One ECS service deployment as the shared watcher sees it (src/managed/watch.ts), and its stop:
 * StopServiceDeployment with ROLLBACK, followed to ROLLBACK_SUCCESSFUL (bounded, cancellable).
 */
import type { ECSClient, ServiceDeployment } from '@aws-sdk/client-ecs'
import { describeWait, pollUntil } from '../aws/poll.js'
import type { Clock } from '../core/clock.js'
import { formatDuration } from '../core/duration.js'
import { errorMessage } from '../core/errors.js'
import type { GateReading } from '../core/gate.js'
import type { Log } from '../core/log.js'
import type { Snapshot, Tracked } from '../managed/watch.js'
import { continueHook, describeDeployment, stopWithRollback, TERMINAL_STATUSES } from './api.js'

/** Following a rollback lasts at most this long. */
export const FOLLOW_MAX_MS = 60 * 60_000
/** Reads in a row (each already retried by its client) that may fail before a follow gives up. */
export const FOLLOW_MAX_UNREADABLE = 5
/** A rollback is ECS's work: followed at most every 2 s, never slower than the poll. */
export const followMs = (pollMs: number): number => Math.min(pollMs, 2_000)

const TEST_STAGES = new Set(['TEST_TRAFFIC_SHIFT', 'POST_TEST_TRAFFIC_SHIFT'])
const ROLLING_BACK = new Set(['STOP_REQUESTED', 'ROLLBACK_REQUESTED', 'ROLLBACK_IN_PROGRESS'])

/** The PAUSE hook a deployment waits at, if any. */
export function pausedHook(deployment: ServiceDeployment): { hookId: string | undefined; stage: string } | undefined {
  const hook = (deployment.lifecycleHookDetails ?? []).find((h) => h.targetType === 'PAUSE' && h.status === 'AWAITING_ACTION')
  return hook ? { hookId: hook.hookId, stage: deployment.lifecycleStage ?? '' } : undefined
}

/** The new revision's share of production traffic in percent, from the deployment's target revision. */
export function productionWeight(deployment: ServiceDeployment): number | undefined {
  const weight = deployment.targetServiceRevision?.requestedProductionTrafficWeight
  return weight === undefined ? undefined : Math.round(weight * 1000) / 1000
}

export function snapshotOf(deployment: ServiceDeployment): Snapshot<ServiceDeployment> {
  const status = deployment.status ?? '?'
  const stage = deployment.lifecycleStage
  const weight = productionWeight(deployment)
  const testWeight = deployment.targetServiceRevision?.requestedTestTrafficWeight ?? 0
  // Test traffic is a step of its own: production stays at 0%, so the weight cannot show it.
  const step = stage && TEST_STAGES.has(stage) && testWeight > 0 && (weight ?? 0) === 0 ? 'test traffic' : undefined
  const phase =
    status === 'SUCCESSFUL' ? 'succeeded' : TERMINAL_STATUSES.has(status) || ROLLING_BACK.has(status) ? 'ended' : pausedHook(deployment) ? 'paused' : 'running'
  return { info: deployment, status: stage ? `${status} ${stage}` : status, phase, weight, step }
}

export interface EcsTrackedOptions {
  readonly client: ECSClient
  readonly writeClient: ECSClient
  readonly log: Pick<Log, 'info' | 'warning'>
  /** Test traffic's bake at the POST_TEST_TRAFFIC_SHIFT hook; undefined when this run did not ask for test traffic. */
  readonly testBakeMs: number | undefined
  /** Continue past the test-traffic hook after its bake (false: the run holds there). */
  readonly continueAfterTest: boolean
}

/** The ECS side of the watch: DescribeServiceDeployments each poll; continues the test-traffic hook once its bake passed. */
export class EcsTracked implements Tracked<ServiceDeployment> {
  /** Set once this run continued the test-traffic hook (the promote job and the users stage). */
  continued = false
  /** Why the watch held, for the outcome. */
  heldAt: string | undefined

  constructor(
    readonly id: string,
    private readonly options: EcsTrackedOptions,
  ) {}

  async read(signal: AbortSignal): Promise<Snapshot<ServiceDeployment>> {
    return snapshotOf(await describeDeployment(this.options.client, this.id, signal))
  }

  async onPaused(snapshot: Snapshot<ServiceDeployment>, reading: GateReading, pausedForMs: number): Promise<'hold' | 'wait'> {
    const hook = pausedHook(snapshot.info)
    const { testBakeMs, continueAfterTest, log } = this.options
    if (!hook) return 'wait'
    const atTest = hook.stage === 'POST_TEST_TRAFFIC_SHIFT' || hook.stage === 'TEST_TRAFFIC_SHIFT'
    if (!atTest) {
      this.heldAt = `a PAUSE hook at ${hook.stage} that this run did not add`
      return 'hold'
    }
    const bake = testBakeMs ?? 0
    if (pausedForMs < bake) return 'wait'
    if (!continueAfterTest) {
      this.heldAt = `the test-traffic hook (${hook.stage}) after ${formatDuration(bake)} of green gates`
      return 'hold'
    }
    if (reading.shortfall) log.warning(`Test traffic: ${reading.shortfall.reason}`)
    await continueHook(this.options.writeClient, this.id, hook.hookId, 'CONTINUE')
    this.continued = true
    log.info(`Test traffic passed its bake (${formatDuration(bake)}): continued ${this.id} at ${hook.stage}; production traffic moves next.`)
    return 'wait'
  }
}

export interface FollowDeps {
  readonly stopClient: ECSClient
  readonly clock: Clock
  readonly pollMs: number
  readonly log: Pick<Log, 'info' | 'warning'>
  /** Ends the follow early (rollback mode's cancel); main's follow after a cancel never passes one. */
  readonly followSignal?: AbortSignal | undefined
  readonly followMaxMs?: number | undefined
}

export type FollowEnd = { readonly info: ServiceDeployment | undefined; readonly unfinished?: string }

/** Reads the deployment until it reaches a terminal status. Bounded and cancellable; never throws for a failed read. */
export async function followToEnd(deps: FollowDeps, arn: string): Promise<FollowEnd> {
  let last: ServiceDeployment | undefined
  let unreadable = 0
  let said = ''
  const signal = deps.followSignal
  const end = await pollUntil(
    { clock: deps.clock, intervalMs: followMs(deps.pollMs), maxWaitMs: deps.followMaxMs ?? FOLLOW_MAX_MS, signal },
    async (): Promise<FollowEnd | undefined> => {
      try {
        last = await describeDeployment(deps.stopClient, arn, signal)
        unreadable = 0
        const status = last.status ?? '?'
        if (status !== said) deps.log.info(`${arn}: ${status}${last.lifecycleStage ? ` ${last.lifecycleStage}` : ''}`)
        said = status
        return TERMINAL_STATUSES.has(status) ? { info: last } : undefined
      } catch (error) {
        if (signal?.aborted) throw error
        unreadable += 1
        deps.log.warning(`Could not read ${arn} (${unreadable}/${FOLLOW_MAX_UNREADABLE}): ${errorMessage(error)}`)
        if (unreadable >= FOLLOW_MAX_UNREADABLE) return { info: last, unfinished: `${arn} unreadable: ${errorMessage(error)}` }
        return undefined
      }
    },
  )
  if (end.kind === 'done') return end.value
  if (end.kind === 'aborted') return { info: last, unfinished: `stopped following ${arn}: ${end.reason}` }
  return { info: last, unfinished: `${arn} was still ${last?.status ?? 'unread'} after ${describeWait(end.waitedMs)} of following` }
}

export interface StopResult extends FollowEnd {
  /** When the stop went out (epoch ms). */
  readonly stopSentAt: number
}

/**
 * Stops the deployment with rollback and follows it to its end. Uses only the stop client. A
 * deployment paused at a hook that refuses the stop is rolled back through its hook instead (the
 * docs allow both; robust to either). Throws when neither is accepted.
 */
export async function stopAndFollow(deps: FollowDeps, arn: string, why: string): Promise<StopResult> {
  const stopSentAt = deps.clock.now()
  try {
    await stopWithRollback(deps.stopClient, arn)
    deps.log.warning(`Stopped ${arn} with rollback (${why}).`)
  } catch (error) {
    let current: ServiceDeployment | undefined
    try {
      current = await describeDeployment(deps.stopClient, arn)
    } catch {
      throw error
    }
    const hook = pausedHook(current)
    if (TERMINAL_STATUSES.has(current.status ?? '') || ROLLING_BACK.has(current.status ?? '')) {
      deps.log.warning(`${arn} was already ${current.status ?? '?'} when it was to be stopped (${why}).`)
    } else if (hook) {
      await continueHook(deps.stopClient, arn, hook.hookId, 'ROLLBACK')
      deps.log.warning(`Rolled back ${arn} at its ${hook.stage} hook (${why}); StopServiceDeployment said: ${errorMessage(error)}`)
    } else throw error
  }
  return { ...(await followToEnd(deps, arn)), stopSentAt }
}
