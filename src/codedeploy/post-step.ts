import * as core from '@actions/core'
import { GetDeploymentCommand } from '@aws-sdk/client-codedeploy'
import { systemClock } from '../clock.js'
import { annotateWarning, coreLog } from '../core-log.js'
import { errorMessage } from '../errors.js'
import type { SavedRollout } from '../saved-state.js'
import { codeDeployClient } from './clients.js'
import { followRollback, stopAndFollow, TERMINAL } from './watcher.js'

/** Post step: main left a deployment unsettled (killed, crashed). Stop it with rollback if still active, and follow the rollback to its end. */
export async function codeDeployPost(saved: SavedRollout): Promise<void> {
  const deploymentId = saved.codeDeploy?.deploymentId
  if (!deploymentId) return
  const stopClient = codeDeployClient(saved.region, 'rollback')
  const deps = { stopClient, clock: systemClock, log: coreLog, pollMs: 2_000 }
  try {
    const info = (await stopClient.send(new GetDeploymentCommand({ deploymentId }))).deploymentInfo
    const status = info?.status ?? '?'
    let rollback
    if (!TERMINAL.has(status)) {
      annotateWarning(`The main step did not finish following deployment ${deploymentId} (${status}): stopping it with rollback.`)
      rollback = await stopAndFollow(deps, deploymentId, 'the main step did not finish')
    } else if (status === 'Succeeded') {
      core.info(`Deployment ${deploymentId} succeeded; nothing to clean up.`)
      return
    } else {
      core.info(`Deployment ${deploymentId} already ended ${status}; following its rollback, if any.`)
      rollback = await followRollback(deps, deploymentId)
    }
    if (rollback.rollbackId && rollback.rollback?.status === 'Succeeded') core.info(`Rollback ${rollback.rollbackId} succeeded.`)
    else if (rollback.original?.status === 'Succeeded') annotateWarning(`Deployment ${deploymentId} succeeded before it could be stopped.`)
    else core.setFailed(`Post-step rollback of ${deploymentId}: ${rollback.rollbackId ? `rollback ${rollback.rollbackId} ended ${rollback.rollback?.status ?? '?'}` : 'no rollback deployment was created'}`)
  } catch (error) {
    core.setFailed(`Post-step rollback of ${deploymentId} failed: ${errorMessage(error)}`)
  } finally {
    stopClient.destroy()
  }
}
