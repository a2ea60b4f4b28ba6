/**
 * A deploy's engine run, shared by the modes that drive the engine themselves (alias, ALB): live
 * GitHub progress, the post step's state saved before the first write, and a crash mid-rollout
 * rolled back before it is rethrown. It lives here, above src/core/, because it reports to GitHub.
 */
import { systemClock } from '../core/clock.js'
import { type Outcome, Rollout } from '../core/engine.js'
import { errorMessage } from '../core/errors.js'
import type { Gate } from '../core/gate.js'
import type { Config } from '../core/inputs.js'
import { STATE_ROLLOUT, STATE_SETTLED } from '../core/saved-state.js'
import type { StepContext } from '../core/step.js'
import type { TrafficProvider } from '../core/traffic.js'
import { outcomeProgress, stageProgress, startProgress } from './github-progress.js'
import { createReporter } from './github-reporter.js'

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
  await context.ready?.()
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
