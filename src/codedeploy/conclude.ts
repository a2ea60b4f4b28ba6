import type { DeploymentInfo } from '@aws-sdk/client-codedeploy'
import type { RolloutResult } from '../core/engine.js'
import type { AlarmState } from '../core/gate.js'
import { errorMessage } from '../core/errors.js'
import { followRollback, stopAndFollow, type FollowResult, type WatchDeps, type WatchEnd } from './watcher.js'

/** What a watched deployment came to, once any rollback has been followed to its end. */
export interface Conclusion {
  readonly result: RolloutResult
  /** New version's share at exit, when known. */
  readonly weight: number | undefined
  readonly reason: string | undefined
  readonly errorCode: string | undefined
  readonly alarm: AlarmState | undefined
  readonly alarmName: string | undefined
  readonly rollbackId: string | undefined
  readonly rollbackStatus: string | undefined
  readonly stopLatencyMs: number | undefined
  readonly finalStatus: string | undefined
  /** False when the end of the stop or of its rollback is not known: the post step looks again. */
  readonly settled: boolean
}

/** The alarms CodeDeploy names in an ALARM_ACTIVE message: "... Activated alarms: <a, b>". */
export function alarmsFromMessage(message: string | undefined): string[] {
  const list = /Activated alarms: <([^>]*)>/.exec(message ?? '')?.[1]
  return list
    ? list
        .split(',')
        .map((a) => a.trim())
        .filter((a) => a !== '')
    : []
}

function codeDeployError(info: DeploymentInfo | undefined): { code: string | undefined; text: string } {
  const code = info?.errorInformation?.code
  const message = info?.errorInformation?.message
  const text = code || message ? `${code ?? 'UNKNOWN'}: ${message ?? ''}`.trim() : 'no error information'
  return { code, text }
}

function afterRollback(
  follow: Omit<FollowResult, 'stopSentAt'>,
  weightBefore: number | undefined,
): Pick<Conclusion, 'result' | 'weight' | 'rollbackId' | 'rollbackStatus' | 'settled'> & { note: string } {
  const status = follow.rollback?.status
  const settled = follow.unfinished === undefined
  if (follow.rollbackId && status === 'Succeeded') {
    return {
      result: 'rolled-back',
      weight: 0,
      rollbackId: follow.rollbackId,
      rollbackStatus: status,
      settled,
      note: `rollback ${follow.rollbackId} succeeded`,
    }
  }
  if (follow.unfinished !== undefined) {
    return {
      result: 'failed',
      weight: weightBefore,
      rollbackId: follow.rollbackId,
      rollbackStatus: status,
      settled,
      note: `its end is not known (${follow.unfinished}); the post step looks again`,
    }
  }
  if (follow.rollbackId) {
    const err = codeDeployError(follow.rollback)
    return {
      result: 'failed',
      weight: weightBefore,
      rollbackId: follow.rollbackId,
      rollbackStatus: status,
      settled,
      note: `rollback ${follow.rollbackId} ended ${status ?? '?'} (${err.text})`,
    }
  }
  return { result: 'failed', weight: weightBefore, rollbackId: undefined, rollbackStatus: undefined, settled, note: 'no rollback deployment was created' }
}

/**
 * Turns the end of a watch into a result: success, a hold, CodeDeploy's own failure (its rollback
 * followed), or, on an alarm, an unreadable gate or a cancel, StopDeployment with rollback, followed.
 * Never reports success after a rollback.
 */
export async function conclude(
  deps: WatchDeps,
  deploymentId: string,
  end: WatchEnd,
  weight: number | undefined,
  /** On a stop: called once StopDeployment has answered, before the rollback is followed. */
  afterStop?: () => void,
): Promise<Conclusion> {
  const base = {
    errorCode: undefined,
    alarm: undefined,
    alarmName: undefined,
    rollbackId: undefined,
    rollbackStatus: undefined,
    stopLatencyMs: undefined,
    settled: true,
  }
  switch (end.kind) {
    case 'succeeded':
      return { ...base, result: 'promoted', weight: 100, reason: undefined, finalStatus: 'Succeeded' }
    case 'ready':
      return {
        ...base,
        result: 'held',
        weight: weight ?? 0,
        reason: `deployment ${deploymentId} is Ready: the replacement task set waits for a later run to continue it`,
        finalStatus: 'Ready',
      }
    case 'ended': {
      const err = codeDeployError(end.info)
      const alarms = alarmsFromMessage(end.info.errorInformation?.message)
      const expectRollback = end.info.rollbackInfo?.rollbackDeploymentId !== undefined || end.info.autoRollbackConfiguration?.enabled === true
      const follow = expectRollback ? await followRollback(deps, deploymentId) : { original: end.info, rollbackId: undefined, rollback: undefined }
      const after = afterRollback(follow, weight)
      return {
        ...base,
        result: after.result,
        weight: after.weight,
        errorCode: err.code,
        alarmName: alarms[0],
        rollbackId: after.rollbackId,
        rollbackStatus: after.rollbackStatus,
        settled: after.settled,
        reason: `CodeDeploy ended deployment ${deploymentId} as ${end.info.status ?? '?'}: ${err.text}; ${after.note}`,
        finalStatus: end.info.status,
      }
    }
    case 'alarm':
    case 'unreadable':
    case 'cancelled':
    case 'timed-out': {
      const alarmOf = { alarm: end.kind === 'alarm' ? end.alarm : undefined, alarmName: end.kind === 'alarm' ? end.alarm?.name : undefined }
      let follow: FollowResult
      try {
        follow = await stopAndFollow(deps, deploymentId, end.reason, afterStop)
      } catch (error) {
        // The deployment may still be moving traffic: main records it unsettled, so the post step stops it.
        deps.log.error(`StopDeployment ${deploymentId} failed: ${errorMessage(error)}`)
        return {
          ...base,
          ...alarmOf,
          result: 'failed',
          weight,
          settled: false,
          reason: `${end.reason}; StopDeployment of ${deploymentId} failed (${errorMessage(error)}); the post step tries again`,
          finalStatus: undefined,
        }
      }
      const latency = follow.stopSentAt === undefined ? undefined : Math.max(0, follow.stopSentAt - end.detectedAt)
      if (latency !== undefined) deps.log.info(`StopDeployment went out ${latency} ms after the ${end.kind === 'cancelled' ? 'cancel' : 'poll that saw it'}.`)
      if (follow.original?.status === 'Succeeded') {
        return {
          ...base,
          result: 'failed',
          weight: 100,
          reason: `${end.reason}; but deployment ${deploymentId} had already succeeded and could not be stopped (all traffic is on the new version)`,
          ...alarmOf,
          stopLatencyMs: latency,
          finalStatus: 'Succeeded',
        }
      }
      const after = afterRollback(follow, weight)
      return {
        ...base,
        result: after.result,
        weight: after.weight,
        ...alarmOf,
        rollbackId: after.rollbackId,
        rollbackStatus: after.rollbackStatus,
        settled: after.settled,
        stopLatencyMs: latency,
        reason: `${end.reason}; stopped deployment ${deploymentId}, ${after.note}`,
        finalStatus: follow.original?.status,
      }
    }
  }
}
