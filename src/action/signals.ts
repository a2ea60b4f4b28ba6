import type { Log } from '../core/log.js'

/**
 * Cancellation: the runner sends SIGINT, then SIGTERM 7.5 s later, then kills 2.5 s after that.
 * Both signals mean "roll back now"; the second only says the rollback is already under way.
 */
export function abortOnSignals(controller: AbortController, log: Log): () => void {
  const onSignal = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) {
      log.info(`Received ${signal}; the rollback is already under way.`)
      return
    }
    log.warning(`Received ${signal}: rolling back.`)
    controller.abort(new Error(`cancelled by ${signal}`))
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  return () => {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
}
