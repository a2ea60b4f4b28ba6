import type { Log } from '../core/log.js'
import { runner } from './toolkit.js'

/** GitHub shows at most 10 error and 10 warning annotations per step; the rest are dropped. */
export const ANNOTATIONS_PER_KIND = 10
/** One error annotation is kept back for the step's final failure message (setFailed). */
const ERRORS_BEFORE_FAILURE = ANNOTATIONS_PER_KIND - 1

let errors = 0
let warnings = 0

/** An error annotation while the budget lasts, then a plain log line, so nothing is lost. */
export function annotateError(message: string): void {
  if (errors < ERRORS_BEFORE_FAILURE) {
    errors += 1
    runner.error(message)
  } else runner.info(`Error: ${message}`)
}

export function annotateWarning(message: string): void {
  if (warnings < ANNOTATIONS_PER_KIND) {
    warnings += 1
    runner.warning(message)
  } else runner.info(`Warning: ${message}`)
}

/** The engine's log, written for the Actions runner (groups, capped annotations). */
export const coreLog: Log = {
  info: (message) => runner.info(message),
  warning: annotateWarning,
  error: annotateError,
  startGroup: (name) => runner.startGroup(name),
  endGroup: () => runner.endGroup(),
}
