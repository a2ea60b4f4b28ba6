import { GetDeploymentCommand } from '@aws-sdk/client-codedeploy'
import { systemClock } from '../core/clock.js'
import { errorMessage } from '../core/errors.js'
import type { Log } from '../core/log.js'
import type { SavedRollout } from '../core/saved-state.js'
import type { StepContext, StepResult } from '../core/step.js'
import { runUrl } from '../report/github-reporter.js'
import { codeDeployClient } from './clients.js'
import { describeRestores, followRestores, restoreDescription, startRestores } from './restore.js'
import { followRollback, stopAndFollow, TERMINAL } from './watcher.js'

/**
 * Post step: main left a deployment unsettled (killed, crashed). Stop it with rollback if still active,
 * and follow the rollback to its end; then (EC2/on-prem) redeploy the previous revision to the groups
 * that had already finished, last first.
 */
export async function cleanUpDeployment(saved: SavedRollout, context: StepContext): Promise<StepResult> {
  const { log } = context
  const failures: string[] = []
  const deploymentId = saved.codeDeploy?.deploymentId
  if (!deploymentId) return { outputs: {} }
  const stopClient = codeDeployClient(saved.region, 'rollback')
  const deps = { stopClient, clock: systemClock, log, pollMs: 2_000 }
  try {
    const problem = await stopDeployment(deploymentId, deps, log)
    if (problem) failures.push(problem)
  } catch (error) {
    failures.push(`Post-step rollback of ${deploymentId} failed: ${errorMessage(error)}`)
  }
  const restore = saved.codeDeploy?.restore ?? []
  const application = saved.codeDeploy?.application
  if (restore.length > 0 && application) {
    try {
      log.warning(`The main step did not finish its rollout: redeploying the previous revision to ${restore.map((r) => r.group).join(', ')}.`)
      const restoreDeps = { writeClient: stopClient, stopClient, clock: systemClock, log, pollMs: 2_000, region: saved.region }
      const points = restore.map((r) => ({ group: r.group, revision: r.revision, note: undefined }))
      const results = await followRestores(restoreDeps, await startRestores(restoreDeps, application, points, restoreDescription(runUrl())))
      const summary = describeRestores(results)
      if (results.some((r) => r.problem !== undefined)) failures.push(`Post-step restore: ${summary}`)
      else log.info(`Post-step restore: ${summary}.`)
    } catch (error) {
      failures.push(`Post-step restore failed: ${errorMessage(error)}`)
    }
  }
  stopClient.destroy()
  return failures.length > 0 ? { outputs: {}, failure: failures.join('; ') } : { outputs: {}, settled: true }
}

/** Stops the deployment with rollback if it is still active, and follows the rollback to its end. */
async function stopDeployment(deploymentId: string, deps: Parameters<typeof stopAndFollow>[0], log: Log): Promise<string | undefined> {
  const { stopClient } = deps
  {
    const info = (await stopClient.send(new GetDeploymentCommand({ deploymentId }))).deploymentInfo
    const status = info?.status ?? '?'
    let rollback: Awaited<ReturnType<typeof followRollback>>
    if (!TERMINAL.has(status)) {
      log.warning(`The main step did not finish following deployment ${deploymentId} (${status}): stopping it with rollback.`)
      rollback = await stopAndFollow(deps, deploymentId, 'the main step did not finish')
    } else if (status === 'Succeeded') {
      log.info(`Deployment ${deploymentId} succeeded; nothing to stop.`)
      return undefined
    } else {
      log.info(`Deployment ${deploymentId} already ended ${status}; following its rollback, if any.`)
      rollback = await followRollback(deps, deploymentId)
    }
    if (rollback.rollbackId && rollback.rollback?.status === 'Succeeded') log.info(`Rollback ${rollback.rollbackId} succeeded.`)
    else if (rollback.original?.status === 'Succeeded') log.warning(`Deployment ${deploymentId} succeeded before it could be stopped.`)
    else
      return `Post-step rollback of ${deploymentId}: ${rollback.rollbackId ? `rollback ${rollback.rollbackId} ended ${rollback.rollback?.status ?? '?'}` : 'no rollback deployment was created'}`
    return undefined
  }
}
