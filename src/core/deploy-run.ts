/**
 * A deploy's engine run, shared by the modes that drive the engine themselves (alias, ALB): live
 * GitHub progress, the post step's state saved before the first write, and a crash mid-rollout
 * rolled back before it is rethrown.
 */
import { outcomeProgress, stageProgress, startProgress } from '../report/github-progress.js'
import { createReporter } from '../report/github-reporter.js'
import { systemClock } from './clock.js'
import { type Outcome, Rollout } from './engine.js'
import { errorMessage } from './errors.js'
import type { Gate } from './gate.js'
import type { Config } from './inputs.js'
import { STATE_ROLLOUT, STATE_SETTLED } from './saved-state.js'
import type { StepContext } from './step.js'
import type { TrafficProvider } from './traffic.js'

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

export interface DeployRun {
  readonly provider: TrafficProvider
  readonly gate: Gate
  /** What the progress statuses name as the new version; undefined for a fleet. */
  readonly target: string | undefined
  /** The post step's state (JSON), taken once traffic is about to move or is found moving. */
  readonly savedRollout: () => string
}

export async function runDeploy(config: Config, context: StepContext, run: DeployRun): Promise<Outcome> {
  const { provider, target } = run
  const reporter = await createReporter({
    mode: config.github.status,
    token: config.github.token,
    environment: config.github.environment,
    context: `canary/${provider.resource}`,
    log: { info: (m) => context.log.info(m), warning: (m) => context.log.warning(m) },
  })
  void reporter.report(startProgress(target))
  let started = false
  const engine = new Rollout({
    provider,
    gate: run.gate,
    clock: systemClock,
    log: context.log,
    stages: config.stages,
    pollMs: config.pollMs,
    signal: context.signal,
    ...(config.maxHoldMs !== undefined ? { maxHoldMs: config.maxHoldMs } : {}),
    onEvent: (event, stage) => {
      if (event.kind === 'shift' || event.kind === 'promote') void reporter.report(stageProgress(stage.index, stage.total, event.weight, target))
    },
    onFirstWrite: () => {
      started = true
      context.saveState(STATE_ROLLOUT, run.savedRollout())
    },
  })
  let outcome: Outcome
  try {
    outcome = await engine.run()
  } catch (error) {
    // A crash mid-rollout still puts traffic back on the stable version.
    if (!started) throw error
    context.log.error(`Unexpected error mid-rollout, rolling back: ${errorMessage(error)}`)
    await provider.rollback()
    context.saveState(STATE_SETTLED, 'true')
    throw error
  }
  await reporter.report(outcomeProgress(outcome))
  return outcome
}
