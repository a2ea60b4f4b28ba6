import * as core from '@actions/core'
import { aliasRelease } from '../alias/release.js'
import { annotateWarning } from './annotations.js'
import { errorMessage } from '../core/errors.js'
import { parseSavedRollout, STATE_ROLLOUT, STATE_SETTLED } from '../core/saved-state.js'

/**
 * The post step: if main changed traffic and never settled it (killed, crashed, or its own
 * rollback failed), send traffic back to the stable versions. After a clean end it does nothing.
 */
export async function post(): Promise<void> {
  const saved = parseSavedRollout(core.getState(STATE_ROLLOUT))
  if (!saved || core.getState(STATE_SETTLED) === 'true') {
    core.info('Nothing to clean up.')
    return
  }
  if (saved.codeDeploy) {
    const { codeDeployPost } = await import('../codedeploy/cleanup.js')
    await codeDeployPost(saved)
    return
  }
  const release = aliasRelease(
    saved.region,
    saved.aliases.map((a) => ({ functionName: a.functionName, alias: a.alias, targetVersion: a.target, stableVersion: a.stable })),
  )
  try {
    const stables = saved.aliases.map((a) => a.stable).join(', ')
    annotateWarning(`The main step did not finish its rollout of ${release.provider.resource}: rolling back to version ${stables}.`)
    const routing = await release.provider.rollback()
    core.info(`${release.provider.resource} now routes ${routing} (verified)`)
  } catch (error) {
    core.setFailed(`Post-step rollback failed: ${errorMessage(error)}`)
  } finally {
    release.destroy()
  }
}
