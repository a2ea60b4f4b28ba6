import * as core from '@actions/core'
import { errorMessage } from '../core/errors.js'
import { STATE_SETTLED } from '../core/saved-state.js'
import type { StepContext, StepResult } from '../core/step.js'
import { annotateWarning, coreLog } from './annotations.js'

/** The context a mode runner gets: the toolkit's inputs, state, outputs and capped log. */
export function stepContext(signal: AbortSignal): StepContext {
  return {
    log: coreLog,
    signal,
    input: (name) => core.getInput(name),
    saveState: (name, value) => core.saveState(name, value),
    setOutput: (name, value) => core.setOutput(name, value),
  }
}

/**
 * Writes a runner's result with the toolkit. The summary comes before the failure, and a summary
 * that cannot be written (no GITHUB_STEP_SUMMARY, as on some GitHub Enterprise Server runners) is a
 * warning: it never turns a promotion into a failed step, nor hides the real failure.
 */
export async function applyResult(result: StepResult): Promise<void> {
  if (result.settled) core.saveState(STATE_SETTLED, 'true')
  for (const [name, value] of Object.entries(result.outputs)) core.setOutput(name, value)
  if (result.summary !== undefined) {
    try {
      await core.summary.addRaw(result.summary).write()
    } catch (error) {
      core.summary.emptyBuffer()
      annotateWarning(`Could not write the job summary: ${errorMessage(error)}`)
    }
  }
  if (result.notice) core.notice(result.notice)
  if (result.failure !== undefined) core.setFailed(result.failure)
  else if (result.conclusion) core.info(result.conclusion)
}
