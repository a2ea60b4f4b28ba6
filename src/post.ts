import * as core from '@actions/core'
import { lambdaClient } from './aws.js'
import { errorMessage } from './errors.js'
import { LambdaAliasProvider } from './providers/lambda-alias.js'
import { parseSavedRollout, STATE_ROLLOUT, STATE_SETTLED } from './saved-state.js'

/**
 * The post step: if main changed traffic and never settled it (killed, crashed, or its own
 * rollback failed), send traffic back to the stable version. After a clean end it does nothing.
 */
export async function post(): Promise<void> {
  const saved = parseSavedRollout(core.getState(STATE_ROLLOUT))
  if (!saved || core.getState(STATE_SETTLED) === 'true') {
    core.info('Nothing to clean up.')
    return
  }
  const client = lambdaClient(saved.region, 'rollback')
  try {
    const provider = new LambdaAliasProvider({
      client,
      rollbackClient: client,
      functionName: saved.functionName,
      alias: saved.alias,
      region: saved.region,
      targetVersion: saved.target,
      stableVersion: saved.stable,
    })
    core.warning(`The main step did not finish its rollout of ${provider.resource}: rolling back to version ${saved.stable}.`)
    const routing = await provider.rollback()
    core.info(`${provider.resource} now routes ${routing} (verified)`)
  } catch (error) {
    core.setFailed(`Post-step rollback failed: ${errorMessage(error)}`)
  } finally {
    client.destroy()
  }
}
