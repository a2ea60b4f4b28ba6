import { errorMessage } from '../core/errors.js'
import { STATE_SETTLED } from '../core/saved-state.js'
import type { StepContext, StepResult } from '../core/step.js'
import { annotateWarning, coreLog } from './annotations.js'
import { appendSummary, getInput, loadToolkit, runner } from './toolkit.js'

/** The context a mode runner gets: the runner's inputs, state, outputs and capped log. */
export function stepContext(signal: AbortSignal): StepContext {
  return {
    log: coreLog,
    signal,
    input: getInput,
    saveState: runner.saveState,
    setOutput: runner.setOutput,
    ready: async () => {
      await loadToolkit()
    },
  }
}

/**
 * Writes a mode runner's result for the Actions runner. The summary comes before the failure, and a summary
 * that cannot be written (no GITHUB_STEP_SUMMARY, as on some GitHub Enterprise Server runners) is a
 * warning: it never turns a promotion into a failed step, nor hides the real failure.
 */
export async function applyResult(result: StepResult): Promise<void> {
  if (result.settled) runner.saveState(STATE_SETTLED, 'true')
  for (const [name, value] of Object.entries(result.outputs)) runner.setOutput(name, value)
  if (result.summary !== undefined) {
    try {
      await appendSummary(result.summary)
    } catch (error) {
      annotateWarning(`Could not write the job summary: ${errorMessage(error)}`)
    }
  }
  if (result.notice) runner.notice(result.notice)
  if (result.failure !== undefined) runner.setFailed(result.failure)
  else if (result.conclusion) runner.info(result.conclusion)
  // Every call above has reached the runner once the toolkit has loaded.
  await loadToolkit()
}
