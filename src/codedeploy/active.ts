import {
  BatchGetDeploymentsCommand,
  ListDeploymentsCommand,
  type CodeDeployClient,
  type DeploymentInfo,
  type DeploymentStatus,
} from '@aws-sdk/client-codedeploy'
import { quote } from '../core/quote.js'

export const ACTIVE_STATUSES: DeploymentStatus[] = ['Created', 'Queued', 'InProgress', 'Baking', 'Ready']

/** The group's active deployments (CodeDeploy allows one at a time), newest first. */
export async function activeDeployments(
  client: CodeDeployClient,
  application: string,
  group: string,
  statuses: DeploymentStatus[] = ACTIVE_STATUSES,
): Promise<DeploymentInfo[]> {
  const { deployments } = await client.send(
    new ListDeploymentsCommand({ applicationName: application, deploymentGroupName: group, includeOnlyStatuses: statuses }),
  )
  const ids = (deployments ?? []).slice(0, 25)
  if (ids.length === 0) return []
  const { deploymentsInfo } = await client.send(new BatchGetDeploymentsCommand({ deploymentIds: ids }))
  const order = new Map(ids.map((id, i) => [id, i]))
  return [...(deploymentsInfo ?? [])].sort((a, b) => (order.get(a.deploymentId ?? '') ?? 0) - (order.get(b.deploymentId ?? '') ?? 0))
}

/** A deployment this commit's workflow created: its description carries the commit SHA (see deploymentDescription). */
export function isThisCommits(info: DeploymentInfo, sha: string): boolean {
  return sha !== '' && info.creator === 'user' && (info.description ?? '').toLowerCase().includes(sha.toLowerCase())
}

/** The active deployment named by a DeploymentLimitExceededException's message. */
export function limitExceededId(error: unknown): string | undefined {
  if (!(error instanceof Error) || error.name !== 'DeploymentLimitExceededException') return undefined
  return /\b(d-[A-Z0-9]{9})\b/.exec(error.message)?.[1] ?? ''
}

export function describeActive(info: DeploymentInfo): string {
  const who = info.creator === 'codeDeployRollback' ? 'a rollback' : info.creator === 'user' ? 'a deployment' : `a ${info.creator ?? ''} deployment`
  const description = info.description ? `, ${quote(info.description)}` : ''
  return `${who} ${info.deploymentId ?? '?'} (${info.status ?? '?'}${description})`
}
