import type { Config } from '../inputs.js'

/** CodeDeploy mode's main step (to be implemented). */
export async function codeDeployMain(_config: Config, _signal: AbortSignal): Promise<void> {
  throw new Error('CodeDeploy mode is not available yet')
}
