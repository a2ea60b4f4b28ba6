import { errorMessage } from '../core/errors.js'
import type { SavedRollout } from '../core/saved-state.js'
import type { StepContext, StepResult } from '../core/step.js'
import { aliasRelease } from './release.js'

/** The post step in alias mode: main left a canary live (killed, crashed): send traffic back to the stable versions. */
export async function cleanUpAliases(saved: SavedRollout, context: StepContext): Promise<StepResult> {
  const release = aliasRelease(
    saved.region,
    saved.aliases.map((a) => ({ functionName: a.functionName, alias: a.alias, targetVersion: a.target, stableVersion: a.stable })),
  )
  try {
    const stables = saved.aliases.map((a) => a.stable).join(', ')
    context.log.warning(`The main step did not finish its rollout of ${release.provider.resource}: rolling back to version ${stables}.`)
    const routing = await release.provider.rollback()
    return { outputs: {}, settled: true, conclusion: `${release.provider.resource} now routes ${routing} (verified)` }
  } catch (error) {
    return { outputs: {}, failure: `Post-step rollback failed: ${errorMessage(error)}` }
  } finally {
    release.destroy()
  }
}
