import {
  CreateDeploymentCommand,
  GetDeploymentCommand,
  type CodeDeployClient,
  type DeploymentGroupInfo,
  type RevisionLocation,
} from '@aws-sdk/client-codedeploy'
import type { Clock } from '../core/clock.js'
import { errorMessage } from '../core/errors.js'
import type { Log } from '../core/log.js'
import { activeDeployments, limitExceededId } from './active.js'
import { deploymentLink } from './clients.js'
import { DESCRIPTION_MAX } from './inputs.js'
import { describeRevision } from './revision.js'
import { followDeployment } from './watcher.js'

/** What a group served before this run (EC2/on-prem): the revision to redeploy if the rollout does not finish. */
export interface RestorePoint {
  readonly group: string
  /** Undefined when the group cannot be restored; `note` says why. */
  readonly revision: RevisionLocation | undefined
  readonly note: string | undefined
}

/** One group's restore: the redeploy of its previous revision, or why there is none. */
export interface RestoreResult {
  readonly group: string
  readonly revision: string | undefined
  readonly deploymentId: string | undefined
  readonly status: string | undefined
  /** Set when the group was not (or not verifiably) restored. */
  readonly problem: string | undefined
}

export const RESTORE_PREFIX = 'canary-release rollback of run'

/** The redeploy's description: names the run, never the commit (a re-run must not take it for this commit's deployment). */
export function restoreDescription(url: string): string {
  const full = `${RESTORE_PREFIX} ${url}`.trim()
  if (full.length <= DESCRIPTION_MAX) return full
  const runId = /\/runs\/(\d+)/.exec(url)?.[1]
  return (runId ? `${RESTORE_PREFIX} ${runId}` : RESTORE_PREFIX).slice(0, DESCRIPTION_MAX)
}

const same = (a: RevisionLocation | undefined, b: RevisionLocation | undefined): boolean =>
  a !== undefined && b !== undefined && describeRevision(a) === describeRevision(b)

/**
 * The revision a group last deployed successfully (GetDeploymentGroup's lastSuccessfulDeployment, then
 * GetDeployment for its revision). When that is already `target` (a re-run), the revision before it.
 */
export async function restorePoint(
  client: CodeDeployClient,
  group: DeploymentGroupInfo,
  name: string,
  target: RevisionLocation | undefined,
): Promise<RestorePoint> {
  const lastId = group.lastSuccessfulDeployment?.deploymentId
  if (!lastId) return { group: name, revision: undefined, note: 'it has no previous successful deployment' }
  try {
    const last = (await client.send(new GetDeploymentCommand({ deploymentId: lastId }))).deploymentInfo
    let revision = last?.revision
    if (same(revision, target)) revision = same(last?.previousRevision, target) ? undefined : last?.previousRevision
    if (!revision)
      return {
        group: name,
        revision: undefined,
        note: `its last successful deployment ${lastId} already has ${describeRevision(target) ?? 'this revision'} and names no earlier one`,
      }
    return { group: name, revision, note: undefined }
  } catch (error) {
    return { group: name, revision: undefined, note: `its last successful deployment ${lastId} could not be read: ${errorMessage(error)}` }
  }
}

export interface RestoreDeps {
  /** ListDeployments/BatchGetDeployments and CreateDeployment: not aborted by the cancel. */
  readonly writeClient: CodeDeployClient
  /** Follows the redeploys. */
  readonly stopClient: CodeDeployClient
  readonly clock: Clock
  readonly log: Pick<Log, 'info' | 'warning' | 'error'>
  readonly pollMs: number
  readonly region: string
  /** Ends following early (not the creates); main's restore after a cancel never passes one. */
  readonly followSignal?: AbortSignal | undefined
}

export interface StartedRestore {
  readonly point: RestorePoint
  readonly deploymentId: string | undefined
  readonly problem: string | undefined
}

/**
 * Creates one redeploy per group, last group first, without waiting for any of them (so a cancel's
 * budget goes to getting every request out). An active redeploy of the previous revision (left by a
 * killed main) is followed instead of creating another.
 */
export async function startRestores(deps: RestoreDeps, application: string, points: readonly RestorePoint[], description: string): Promise<StartedRestore[]> {
  const started: StartedRestore[] = []
  for (const point of [...points].reverse()) {
    const what = describeRevision(point.revision) ?? 'the previous revision'
    if (!point.revision) {
      const problem = `cannot be restored: ${point.note ?? 'no previous revision is known'}; it keeps the new revision`
      deps.log.error(`Deployment group ${point.group} ${problem}.`)
      started.push({ point, deploymentId: undefined, problem })
      continue
    }
    const underWay = async (): Promise<string | undefined> => {
      const active = await activeDeployments(deps.writeClient, application, point.group)
      return active.find((d) => d.creator === 'user' && (d.description ?? '').startsWith(RESTORE_PREFIX) && same(d.revision, point.revision))?.deploymentId
    }
    try {
      const mine = await underWay()
      if (mine) {
        deps.log.info(`Deployment group ${point.group}: following the restore ${mine} already under way.`)
        started.push({ point, deploymentId: mine, problem: undefined })
        continue
      }
      let deploymentId: string | undefined
      try {
        ;({ deploymentId } = await deps.writeClient.send(
          new CreateDeploymentCommand({ applicationName: application, deploymentGroupName: point.group, revision: point.revision, description }),
        ))
      } catch (error) {
        // A lost response: the SDK's retry meets the redeploy its first attempt created.
        if (limitExceededId(error) === undefined) throw error
        deploymentId = await underWay()
        if (!deploymentId) throw error
        deps.log.warning(`Deployment group ${point.group}: CreateDeployment's response was lost; following the restore ${deploymentId} it created.`)
      }
      if (!deploymentId) throw new Error('CreateDeployment returned no deploymentId')
      deps.log.warning(`Restoring deployment group ${point.group} to ${what}: deployment ${deploymentId} ${deploymentLink(deps.region, deploymentId)}`)
      started.push({ point, deploymentId, problem: undefined })
    } catch (error) {
      const problem = `the redeploy of ${what} could not be created: ${errorMessage(error)}`
      deps.log.error(`Deployment group ${point.group}: ${problem}.`)
      started.push({ point, deploymentId: undefined, problem })
    }
  }
  return started
}

/** Follows each redeploy (in the order started) to its end; bounded, and never throws for a failed read. */
export async function followRestores(deps: RestoreDeps, started: readonly StartedRestore[]): Promise<RestoreResult[]> {
  const results: RestoreResult[] = []
  for (const s of started) {
    const revision = describeRevision(s.point.revision)
    if (!s.deploymentId) {
      results.push({ group: s.point.group, revision, deploymentId: undefined, status: undefined, problem: s.problem })
      continue
    }
    const end = await followDeployment(deps, s.deploymentId)
    const status = end.info?.status ?? '?'
    const err = end.info?.errorInformation
    const detail = end.kind === 'unfinished' ? ` (${end.why})` : err ? ` (${err.code ?? ''}: ${err.message ?? ''})` : ''
    const ok = end.kind === 'ended' && status === 'Succeeded'
    if (ok) deps.log.info(`Deployment group ${s.point.group} restored to ${revision ?? '?'} (deployment ${s.deploymentId} succeeded).`)
    else deps.log.error(`Deployment group ${s.point.group}: the restore ${s.deploymentId} of ${revision ?? '?'} ended ${status}${detail}.`)
    results.push({
      group: s.point.group,
      revision,
      deploymentId: s.deploymentId,
      status,
      problem: ok ? undefined : `the restore ${s.deploymentId} ended ${status}${detail}`,
    })
  }
  return results
}

/** One line for the reason: which groups went back, which did not. */
export function describeRestores(results: readonly RestoreResult[]): string {
  return results.map((r) => (r.problem ? `group ${r.group} NOT restored (${r.problem})` : `group ${r.group} restored to ${r.revision ?? '?'}`)).join('; ')
}
