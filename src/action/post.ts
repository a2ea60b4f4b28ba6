import { errorMessage } from '../core/errors.js'
import { parseSavedRollout, STATE_ROLLOUT, STATE_SETTLED } from '../core/saved-state.js'
import type { StepResult } from '../core/step.js'
import { applyResult, stepContext } from './apply.js'
import { getState, loadToolkit, runner } from './toolkit.js'

/**
 * The post step: if main changed traffic and never settled it (killed, crashed, or its own
 * rollback failed), send traffic back to the stable versions. After a clean end it does nothing.
 * Its start-up is not raced, so it loads the toolkit first.
 */
export async function run(): Promise<void> {
  try {
    const saved = parseSavedRollout(await getState(STATE_ROLLOUT))
    if (!saved || (await getState(STATE_SETTLED)) === 'true') {
      runner.info('Nothing to clean up.')
      return
    }
    // The post step is not cancellable: it is what runs after a cancel.
    const context = stepContext(new AbortController().signal)
    let result: StepResult
    if (saved.alb) result = await (await import('../alb/run.js')).cleanUpListener({ region: saved.region, alb: saved.alb }, context)
    else if (saved.ecs) result = await (await import('../ecs/run.js')).cleanUpEcs({ region: saved.region, deploymentArn: saved.ecs.deploymentArn }, context)
    else if (saved.codeDeploy) result = await (await import('../codedeploy/cleanup.js')).cleanUpDeployment(saved, context)
    else result = await (await import('../alias/cleanup.js')).cleanUpAliases(saved, context)
    await applyResult(result)
  } catch (error) {
    runner.setFailed(`Post step: ${errorMessage(error)}`)
  } finally {
    await loadToolkit()
  }
}
