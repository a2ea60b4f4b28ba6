import type { SavedRollout } from '../saved-state.js'

/** CodeDeploy mode's post step (to be implemented). */
export async function codeDeployPost(_saved: SavedRollout): Promise<void> {
  throw new Error('CodeDeploy mode is not available yet')
}
