import * as runner from './runner-protocol.js'
import { errorMessage, InputError } from '../core/errors.js'
import { readConfig } from '../core/inputs.js'
import { STATE_POST } from '../core/saved-state.js'
import type { StepResult } from '../core/step.js'
import { applyResult, stepContext } from './apply.js'
import { abortOnSignals } from './signals.js'

/** An input error stops the step before any AWS call; the outputs still say so, for `if: failure()` steps. */
function refusedByInput(error: InputError): StepResult {
  return { outputs: { result: 'refused', reason: error.message, weight: '0' }, failure: error.message }
}

/** The main step: validate every input, then run the chosen mode with cancellation wired in. */
export async function run(): Promise<void> {
  runner.saveState(STATE_POST, 'true')
  const controller = new AbortController()
  const context = stepContext(controller.signal)
  const detach = abortOnSignals(controller, context.log)
  try {
    // Registered as a mask before anything else can print it (the runner consumes the mask line).
    const token = runner.getInput('github-token')
    if (token) runner.setSecret(token)
    const config = readConfig(context.input)
    // Each mode's code, and the AWS clients it needs, loads only once the inputs are valid:
    // a bad input fails fast, and the alias path never pays for the CodeDeploy client.
    let result: StepResult
    if (config.alb) result = await (await import('../alb/run.js')).runAlb(config, context)
    else if (config.ecs) result = await (await import('../ecs/run.js')).runEcs(config, context)
    else if (config.codeDeploy) result = await (await import('../codedeploy/run.js')).runCodeDeploy(config, context)
    else if (config.mode === 'rollback') result = await (await import('../alias/rollback.js')).rollbackAliases(config, context)
    else if (config.mode === 'plan') result = await (await import('../alias/plan.js')).planAliases(config, context)
    else result = await (await import('../alias/deploy.js')).deployAliases(config, context)
    await applyResult(result)
  } catch (error) {
    // Input errors (CodeDeploy's are read by its mode) are all thrown before any AWS call.
    if (error instanceof InputError) await applyResult(refusedByInput(error))
    else runner.setFailed(errorMessage(error))
  } finally {
    detach()
  }
}
