import { requestSent } from '../aws/request-sent.js'
import { errorMessage, InputError } from '../core/errors.js'
import { type Config, readConfig } from '../core/inputs.js'
import { STATE_POST } from '../core/saved-state.js'
import type { StepContext, StepResult } from '../core/step.js'
import { applyResult, stepContext } from './apply.js'
import { abortOnSignals } from './signals.js'
import { getInput, loadToolkit, runner } from './toolkit.js'

/** An input error stops the step before any AWS call; the outputs still say so, for `if: failure()` steps. */
function refusedByInput(error: InputError): StepResult {
  return { outputs: { result: 'refused', reason: error.message, weight: '0' }, failure: error.message }
}

/**
 * Each mode's code, and the AWS clients it needs, loads only once the inputs are valid:
 * a bad input fails fast, and the alias path never pays for the CodeDeploy client.
 */
async function runMode(config: Config, context: StepContext): Promise<StepResult> {
  if (config.alb) return (await import('../alb/run.js')).runAlb(config, context)
  if (config.ecs) return (await import('../ecs/run.js')).runEcs(config, context)
  if (config.codeDeploy) return (await import('../codedeploy/run.js')).runCodeDeploy(config, context)
  if (config.mode === 'rollback') return (await import('../alias/rollback.js')).rollbackAliases(config, context)
  if (config.mode === 'plan') return (await import('../alias/plan.js')).planAliases(config, context)
  return (await import('../alias/deploy.js')).deployAliases(config, context)
}

/** The main step: validate every input, then run the chosen mode with cancellation wired in. */
export async function run(): Promise<void> {
  // The mask goes first: every later line passes the runner's mask (src/action/toolkit.ts keeps the order).
  const token = getInput('github-token')
  if (token) runner.setSecret(token)
  runner.saveState(STATE_POST, 'true')
  const controller = new AbortController()
  const context = stepContext(controller.signal)
  const detach = abortOnSignals(controller, context.log)
  try {
    const config = readConfig(context.input)
    const result = runMode(config, context)
    // The toolkit loads while the first AWS request is out, so it never delays that request.
    void requestSent(result).then(loadToolkit)
    await applyResult(await result)
  } catch (error) {
    // Input errors (CodeDeploy's are read by its mode) are all thrown before any AWS call.
    if (error instanceof InputError) await applyResult(refusedByInput(error))
    else {
      runner.setFailed(errorMessage(error))
      await loadToolkit()
    }
  } finally {
    detach()
  }
}
