import * as core from '@actions/core'
import type { Log } from './log.js'

/** The engine's log, written through the Actions toolkit (groups, annotations). */
export const coreLog: Log = {
  info: (message) => core.info(message),
  warning: (message) => core.warning(message),
  error: (message) => core.error(message),
  startGroup: (name) => core.startGroup(name),
  endGroup: () => core.endGroup(),
}
