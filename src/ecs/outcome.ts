import type { ServiceDeployment } from '@aws-sdk/client-ecs'
import type { RolloutResult } from '../core/engine.js'
import type { AlarmState } from '../core/gate.js'
import type { PollRow, StopEnd, WatchEnd } from '../managed/watch.js'
import type { StopResult } from './deployment.js'

/** How an ECS-mode run ended, for outputs, summary and the step's result. */
export interface EcsOutcome {
  readonly result: RolloutResult
  readonly reason: string | undefined
  /** The new revision's share of production traffic at the end, when known. */
  readonly weight: number | undefined
  /** `family:revision` of the running and the new revision. */
  readonly stableVersion: string | undefined
  readonly targetVersion: string | undefined
  readonly deploymentArn: string | undefined
  readonly alarm: AlarmState | undefined
  /** The alarm's name, also when ECS's own alarm rollback (triggeredAlarmNames) ended the deployment. */
  readonly alarmName: string | undefined
  readonly rows: readonly PollRow[]
  readonly callsPerPoll: number | undefined
  /** From the poll that saw the failure (or the cancel) to the StopServiceDeployment request. */
  readonly stopLatencyMs: number | undefined
  /** False when the deployment may still be moving traffic without anyone following it: the post step acts. */
  readonly settled: boolean
  /** The ECS strategy in words. */
  readonly strategy: string | undefined
}

export function emptyOutcome(result: RolloutResult, reason: string | undefined, extra: Partial<EcsOutcome> = {}): EcsOutcome {
  return {
    result,
    reason,
    weight: undefined,
    stableVersion: undefined,
    targetVersion: undefined,
    deploymentArn: undefined,
    alarm: undefined,
    alarmName: undefined,
    rows: [],
    callsPerPoll: undefined,
    stopLatencyMs: undefined,
    settled: true,
    strategy: undefined,
    ...extra,
  }
}

type Conclusion = Pick<EcsOutcome, 'result' | 'reason' | 'weight' | 'alarm' | 'stopLatencyMs' | 'settled'>

/** After a rollback was followed: rolled back only when ECS says ROLLBACK_SUCCESSFUL. */
export function afterRollback(
  follow: { info: ServiceDeployment | undefined; unfinished?: string },
  weightBefore: number | undefined,
): Pick<Conclusion, 'result' | 'weight' | 'settled'> & { note: string } {
  const status = follow.info?.status ?? 'unread'
  if (status === 'ROLLBACK_SUCCESSFUL') return { result: 'rolled-back', weight: 0, settled: true, note: 'ECS rolled it back (ROLLBACK_SUCCESSFUL)' }
  if (follow.unfinished !== undefined)
    return { result: 'failed', weight: weightBefore, settled: false, note: `its end is not known (${follow.unfinished}); the post step looks again` }
  if (status === 'SUCCESSFUL')
    return { result: 'failed', weight: 100, settled: true, note: 'but it had already succeeded: all production traffic is on the new revision' }
  const why = follow.info?.statusReason ? `: ${follow.info.statusReason}` : ''
  return { result: 'failed', weight: weightBefore, settled: true, note: `it ended ${status}${why}` }
}

/** An end of the watch that needed no stop, as a result. */
export function conclusionWithoutStop(
  end: Exclude<WatchEnd<ServiceDeployment>, StopEnd>,
  arn: string,
  weight: number | undefined,
  heldAt: string | undefined,
): Conclusion | undefined {
  const base = { alarm: undefined, stopLatencyMs: undefined, settled: true }
  if (end.kind === 'succeeded') return { ...base, result: 'promoted', weight: 100, reason: undefined }
  if (end.kind === 'ready') {
    return {
      ...base,
      result: 'held',
      weight: weight ?? 0,
      reason: `${arn} waits at ${heldAt ?? 'a PAUSE hook'}: a later run with the same task definition continues it, mode: rollback rolls it back`,
    }
  }
  return undefined
}

/** A stop's result: the end that asked for it, and what the rollback came to. */
export function conclusionAfterStop(end: StopEnd, arn: string, stop: StopResult, weight: number | undefined): Conclusion {
  const after = afterRollback(stop, weight)
  return {
    result: after.result,
    weight: after.weight,
    settled: after.settled,
    alarm: end.kind === 'alarm' ? end.alarm : undefined,
    stopLatencyMs: Math.max(0, stop.stopSentAt - end.detectedAt),
    reason: `${end.reason}; stopped ${arn} with rollback, ${after.note}`,
  }
}
