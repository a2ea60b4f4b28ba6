import type { RolloutResult } from '../core/engine.js'

/** What CodeDeploy and ECS outcomes share for the step's outputs. */
export interface ManagedOutcome {
  readonly result: RolloutResult
  readonly reason: string | undefined
  readonly weight: number | undefined
  readonly stableVersion: string | undefined
  readonly targetVersion: string | undefined
}

/** The outputs every mode where AWS moves the traffic sets; `alarm` is the alarm's name as the mode knows it. */
export function managedOutputs(outcome: ManagedOutcome, alarm: string | undefined): Record<string, string> {
  return {
    result: outcome.result,
    reason: outcome.result === 'promoted' || outcome.result === 'held' ? '' : (outcome.reason ?? ''),
    weight: outcome.weight === undefined ? '' : String(outcome.weight),
    'stable-version': outcome.stableVersion ?? '',
    'target-version': outcome.targetVersion ?? '',
    alarm: alarm ?? '',
  }
}
