import * as core from '@actions/core'
import { annotateWarning } from './core-log.js'
import { errorMessage } from './errors.js'
import { readConfig } from './inputs.js'
import { STATE_POST } from './saved-state.js'

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
      const { codeDeployMain } = await import('./codedeploy/main-step.js')
      await codeDeployMain(config, controller.signal)
    } else if (config.mode === 'rollback') await (await import('./rollback-mode.js')).rollbackAliases(config)
    else if (config.mode === 'plan') await (await import('./plan-mode.js')).planAliases(config)
    else await (await import('./alias-deploy.js')).deployAliases(config, controller.signal)
  } catch (error) {
    core.setFailed(errorMessage(error))
  } finally {
    detach()
  }
}
