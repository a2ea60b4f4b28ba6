import * as core from '@actions/core'
import { annotateWarning } from './annotations.js'
import { errorMessage } from '../core/errors.js'
import { readConfig } from '../core/inputs.js'
import { STATE_POST } from '../core/saved-state.js'

/** Cancellation: the runner sends SIGINT, then SIGTERM 7.5 s later. Both mean "roll back now". */
function abortOnSignals(controller: AbortController): () => void {
  const onSignal = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) {
      core.info(`Received ${signal}; the rollback is already under way.`)
      return
    }
    annotateWarning(`Received ${signal}: rolling back.`)
    controller.abort(new Error(`cancelled by ${signal}`))
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  return () => {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
}

/** The main step: validate every input, then roll out (or roll back) with cancellation wired in. */
export async function run(): Promise<void> {
  core.saveState(STATE_POST, 'true')
  const controller = new AbortController()
  const detach = abortOnSignals(controller)
  try {
    // Registered as a mask before anything else can print it (the runner consumes the mask line).
    const token = core.getInput('github-token')
    if (token) core.setSecret(token)
    const config = readConfig((name) => core.getInput(name))
    // Each mode's code, and the AWS clients it needs, loads only once the inputs are valid:
    // a bad input fails fast, and the alias path never pays for the CodeDeploy client.
    if (config.codeDeploy) {
      const { codeDeployMain } = await import('../codedeploy/run.js')
      await codeDeployMain(config, controller.signal)
    } else if (config.mode === 'rollback') await (await import('../alias/rollback.js')).rollbackAliases(config)
    else if (config.mode === 'plan') await (await import('../alias/plan.js')).planAliases(config)
    else await (await import('../alias/deploy.js')).deployAliases(config, controller.signal)
  } catch (error) {
    core.setFailed(errorMessage(error))
  } finally {
    detach()
  }
}
