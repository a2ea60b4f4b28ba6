/** Short progress lines for GitHub statuses, built from what the engine knows. Optional helpers for main. */
import type { Outcome } from '../core/engine.js'
import type { RolloutProgress } from './github-reporter.js'

function version(v: string | undefined): string {
  return v ? `version ${v}` : 'the new version'
}

/** Before any traffic moves. */
export function startProgress(targetVersion: string | undefined): RolloutProgress {
  return { state: 'pending', description: `canary of ${version(targetVersion)} starting` }
}

/** While stage `index` (1-based) of `total` bakes. */
export function stageProgress(index: number, total: number, weight: number, targetVersion: string | undefined): RolloutProgress {
  return { state: 'in_progress', description: `stage ${index}/${total}: ${weight}% on ${version(targetVersion)}` }
}

/** The final status for a finished rollout: success for promoted and held, failure otherwise. */
export function outcomeProgress(outcome: Outcome): RolloutProgress {
  const reason = outcome.reason ?? 'unknown reason'
  switch (outcome.result) {
    case 'promoted':
      return {
        state: 'success',
        description: outcome.alreadyPromoted ? `${version(outcome.targetVersion)} already serves 100%` : `promoted ${version(outcome.targetVersion)} to 100%`,
      }
    case 'held':
      return { state: 'success', description: `held at ${outcome.weight}% on ${version(outcome.targetVersion)}` }
    case 'rolled-back':
      return {
        state: 'failure',
        description: outcome.alarm ? `rolled back: alarm ${outcome.alarm.name}` : `rolled back: ${reason}`,
      }
    case 'refused':
      return { state: 'failure', description: `did not start: ${reason}` }
    case 'failed':
      return { state: 'failure', description: `failed at ${outcome.weight}%: ${reason}` }
  }
}
