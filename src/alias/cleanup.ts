import { rollBackLeftover } from '../core/leftover-rollback.js'
import type { SavedRollout } from '../core/saved-state.js'
import type { StepContext, StepResult } from '../core/step.js'
import { aliasRelease } from './release.js'

/** The post step in alias mode: main left a canary live (killed, crashed): send traffic back to the stable versions. */
export async function cleanUpAliases(saved: SavedRollout, context: StepContext): Promise<StepResult> {
  const release = aliasRelease(
    saved.region,
    saved.aliases.map((a) => ({ functionName: a.functionName, alias: a.alias, targetVersion: a.target, stableVersion: a.stable })),
  )
  return rollBackLeftover(release, `version ${saved.aliases.map((a) => a.stable).join(', ')}`, context)
}
