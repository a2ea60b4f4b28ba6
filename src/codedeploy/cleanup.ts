import * as core from '@actions/core'
import { GetDeploymentCommand } from '@aws-sdk/client-codedeploy'
import { systemClock } from '../core/clock.js'
import { annotateWarning, coreLog } from '../action/annotations.js'
import { errorMessage } from '../core/errors.js'
import type { SavedRollout } from '../core/saved-state.js'
import { runUrl } from '../report/github-reporter.js'
import { codeDeployClient } from './clients.js'
import { describeRestores, followRestores, restoreDescription, startRestores } from './restore.js'
import { followRollback, stopAndFollow, TERMINAL } from './watcher.js'

/**
 * Post step: main left a deployment unsettled (killed, crashed). Stop it with rollback if still active,
 * and follow the rollback to its end; then (EC2/on-prem) redeploy the previous revision to the groups
 * that had already finished, last first.
 */
export async function codeDeployPost(saved: SavedRollout): Promise<void> {
  const deploymentId = saved.codeDeploy?.deploymentId
  if (!deploymentId) return
  const stopClient = codeDeployClient(saved.region, 'rollback')
  const deps = { stopClient, clock: systemClock, log: coreLog, pollMs: 2_000 }
  try {
    await stopDeployment(deploymentId, deps)
  } catch (error) {
    core.setFailed(`Post-step rollback of ${deploymentId} failed: ${errorMessage(error)}`)
  }
  const restore = saved.codeDeploy?.restore ?? []
  const application = saved.codeDeploy?.application
  if (restore.length > 0 && application) {
    try {
      annotateWarning(`The main step did not finish its rollout: redeploying the previous revision to ${restore.map((r) => r.group).join(', ')}.`)
      const restoreDeps = { writeClient: stopClient, stopClient, clock: systemClock, log: coreLog, pollMs: 2_000, region: saved.region }
      const points = restore.map((r) => ({ group: r.group, revision: r.revision, note: undefined }))
      const results = await followRestores(restoreDeps, await startRestores(restoreDeps, application, points, restoreDescription(runUrl())))
      const summary = describeRestores(results)
      if (results.some((r) => r.problem !== undefined)) core.setFailed(`Post-step restore: ${summary}`)
      else core.info(`Post-step restore: ${summary}.`)
    } catch (error) {
      core.setFailed(`Post-step restore failed: ${errorMessage(error)}`)
    }
  }
  stopClient.destroy()
}

/** Stops the deployment with rollback if it is still active, and follows the rollback to its end. */
async function stopDeployment(deploymentId: string, deps: Parameters<typeof stopAndFollow>[0]): Promise<void> {
  const { stopClient } = deps
  {
    const info = (await stopClient.send(new GetDeploymentCommand({ deploymentId }))).deploymentInfo
    const status = info?.status ?? '?'
    let rollback: Awaited<ReturnType<typeof followRollback>>
    if (!TERMINAL.has(status)) {
      annotateWarning(`The main step did not finish following deployment ${deploymentId} (${status}): stopping it with rollback.`)
      rollback = await stopAndFollow(deps, deploymentId, 'the main step did not finish')
    } else if (status === 'Succeeded') {
      core.info(`Deployment ${deploymentId} succeeded; nothing to stop.`)
      return
    } else {
      core.info(`Deployment ${deploymentId} already ended ${status}; following its rollback, if any.`)
      rollback = await followRollback(deps, deploymentId)
    }
    if (rollback.rollbackId && rollback.rollback?.status === 'Succeeded') core.info(`Rollback ${rollback.rollbackId} succeeded.`)
    else if (rollback.original?.status === 'Succeeded') annotateWarning(`Deployment ${deploymentId} succeeded before it could be stopped.`)
    else
      core.setFailed(
        `Post-step rollback of ${deploymentId}: ${rollback.rollbackId ? `rollback ${rollback.rollbackId} ended ${rollback.rollback?.status ?? '?'}` : 'no rollback deployment was created'}`,
      )
  }
}
