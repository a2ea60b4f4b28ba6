import type { RolloutResult } from '../core/engine.js'
import type { AlarmState } from '../core/gate.js'
import type { PollRow } from '../managed/watch.js'
import type { RestoreResult } from './restore.js'

export type { PollRow } from '../managed/watch.js'

export interface DeploymentRef {
  readonly id: string
  readonly group: string
  readonly kind: 'deployment' | 'rollback' | 'redeploy'
  status: string
}

/** How a CodeDeploy-mode run ended, for outputs, summary and the step's result. */
export interface CodeDeployOutcome {
  readonly result: RolloutResult
  readonly weight: number | undefined
  readonly stableVersion: string | undefined
  readonly targetVersion: string | undefined
  /** The gate alarm (the action's own) that caused the stop. */
  readonly alarm: AlarmState | undefined
  /** The alarm's name, also when CodeDeploy's own alarm config stopped the deployment. */
  readonly alarmName: string | undefined
  readonly reason: string | undefined
  /** CodeDeploy's errorInformation.code, when CodeDeploy failed or stopped the deployment. */
  readonly errorCode: string | undefined
  readonly deployments: readonly DeploymentRef[]
  readonly rows: readonly PollRow[]
  /** API requests per poll (CodeDeploy + CloudWatch) in the steady state (the last poll). */
  readonly callsPerPoll: number | undefined
  /** From the poll that saw the alarm (or the cancel) to the StopDeployment request. */
  readonly stopLatencyMs: number | undefined
  /** False when a deployment may still be active without anyone following it: the post step acts. */
  readonly settled: boolean
  readonly configName: string | undefined
  readonly platform: string | undefined
  /** EC2/on-prem: groups that had finished when the rollout failed, and whether their previous revision was redeployed. */
  readonly restored: readonly RestoreResult[]
}

export function isFailure(outcome: Pick<CodeDeployOutcome, 'result'>): boolean {
  return outcome.result !== 'promoted' && outcome.result !== 'held'
}

export function emptyOutcome(result: RolloutResult, reason: string | undefined, extra: Partial<CodeDeployOutcome> = {}): CodeDeployOutcome {
  return {
    result,
    weight: undefined,
    stableVersion: undefined,
    targetVersion: undefined,
    alarm: undefined,
    alarmName: undefined,
    reason,
    errorCode: undefined,
    deployments: [],
    rows: [],
    callsPerPoll: undefined,
    stopLatencyMs: undefined,
    settled: true,
    configName: undefined,
    platform: undefined,
    restored: [],
    ...extra,
  }
}
