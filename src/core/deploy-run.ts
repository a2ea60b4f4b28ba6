// What an engine outcome becomes for the runner, the same in every mode the engine drives (alias, ALB).
import type { Outcome } from './engine.js'

/** The step outputs of an engine outcome, the same in every mode the engine drives. */
export function outcomeOutputs(outcome: Outcome): Record<string, string> {
  return {
    result: outcome.result,
    reason: outcome.reason ?? '',
    weight: String(outcome.weight),
    'stable-version': outcome.stableVersion ?? '',
    'target-version': outcome.targetVersion ?? '',
    alarm: outcome.alarm?.name ?? '',
  }
}

/**
 * The step's failure message for a failed outcome. `stable` names what a rollback returned to
 * (`version` for an alias, `target group` for a listener).
 */
export function failureMessage(outcome: Outcome, resource: string, stable: string): string {
  const reason = outcome.reason ?? 'unknown reason'
  switch (outcome.result) {
    case 'rolled-back':
      return `Rolled back ${resource} to ${stable} ${outcome.stableVersion ?? '?'}: ${reason}`
    case 'refused':
      return `Refusing to start: ${reason}`
    default:
      return `Rollout of ${resource} failed: ${reason}`
  }
}
