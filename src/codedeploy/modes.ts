import { logPermissions, type PermissionReport, type WritePermission } from '../aws/permissions.js'
import { GetDeploymentConfigCommand, type CodeDeployClient, type DeploymentInfo } from '@aws-sdk/client-codedeploy'
import { GetAliasCommand, type LambdaClient } from '@aws-sdk/client-lambda'
import { errorMessage } from '../core/errors.js'
import type { Gate } from '../core/gate.js'
import { preflight } from '../core/preflight.js'
import type { Log } from '../core/log.js'
import { activeDeployments, describeActive, isThisCommits } from './active.js'
import { deploymentLink } from './clients.js'
import { describeRouting } from './deployment-config.js'
import type { CodeDeployInputs } from './inputs.js'
import { emptyOutcome, type CodeDeployOutcome, type DeploymentRef } from './outcome.js'
import { readGroup, warnAboutRollbackConfig } from './release.js'
import { describeRevision } from './revision.js'
import { quote } from '../core/quote.js'
import { followDeployment, stopAndFollow, type FollowDeps, type FollowResult, type WatchDeps } from './watcher.js'

/**
 * `mode: rollback`: stop each group's active deployment with rollback (last group first) and follow it
 * to its end. A group that cannot be read or stopped is reported and the others are still handled; a
 * cancel ends the following, not the stops.
 */
export async function rollbackActive(deps: WatchDeps, inputs: CodeDeployInputs, region: string): Promise<CodeDeployOutcome> {
  const refs: DeploymentRef[] = []
  const problems: string[] = []
  const follow: FollowDeps = { ...deps, followSignal: deps.signal }
  for (const group of [...inputs.groups].reverse()) {
    let active: DeploymentInfo[]
    try {
      active = await activeDeployments(deps.client, inputs.application, group)
    } catch (error) {
      problems.push(`group ${group}: its active deployments could not be listed (${errorMessage(error)})`)
      deps.log.error(`Deployment group ${group}: could not list its active deployments: ${errorMessage(error)}`)
      continue
    }
    if (active.length === 0) {
      deps.log.info(`Deployment group ${group}: no active deployment.`)
      continue
    }
    for (const info of active) {
      const id = info.deploymentId ?? ''
      deps.log.info(`Deployment group ${group}: ${describeActive(info)} ${deploymentLink(region, id)}`)
      if (info.creator === 'codeDeployRollback') {
        const end = await followDeployment(follow, id)
        refs.push({ id, group, kind: 'rollback', status: end.info?.status ?? '?' })
        if (end.kind === 'unfinished') problems.push(`${id}: ${end.why}`)
        else if (end.info.status !== 'Succeeded') problems.push(`${id}: rollback ended ${end.info.status ?? '?'}`)
        continue
      }
      let stopped: FollowResult
      try {
        stopped = await stopAndFollow(follow, id, 'mode: rollback')
      } catch (error) {
        refs.push({ id, group, kind: 'deployment', status: info.status ?? '?' })
        problems.push(`${id}: StopDeployment failed (${errorMessage(error)})`)
        continue
      }
      refs.push({ id, group, kind: 'deployment', status: stopped.original?.status ?? '?' })
      if (stopped.rollbackId) refs.push({ id: stopped.rollbackId, group, kind: 'rollback', status: stopped.rollback?.status ?? '?' })
      if (stopped.rollback?.status !== 'Succeeded' || stopped.unfinished !== undefined)
        problems.push(
          `${id}: ${
            stopped.unfinished ??
            (stopped.rollbackId ? `rollback ${stopped.rollbackId} ended ${stopped.rollback?.status ?? '?'}` : 'no rollback deployment was created')
          }`,
        )
    }
  }
  const reason = problems.length > 0 ? problems.join('; ') : refs.length === 0 ? 'no active deployment to roll back' : undefined
  return emptyOutcome(problems.length > 0 ? 'failed' : 'rolled-back', reason, { deployments: refs, weight: problems.length > 0 ? undefined : 0 })
}

export interface PlanDeps {
  /** IAM's policy simulator for the writes a deploy would make (see aws/permissions.ts). */
  readonly checkWrites: (wanted: (account: string, partition: string) => readonly WritePermission[]) => Promise<PermissionReport>
  readonly region: string
  readonly client: CodeDeployClient
  readonly lambda: LambdaClient | undefined
  readonly gate: Gate
  readonly log: Log
  readonly signal: AbortSignal
}

/** The writes a deploy makes: create and stop deployments in each group, and a custom config it would create. */
export function codeDeployWrites(region: string, inputs: CodeDeployInputs): (account: string, partition: string) => WritePermission[] {
  return (account, partition) => {
    const arn = (kind: string, name: string) => `arn:${partition}:codedeploy:${region}:${account}:${kind}:${name}`
    const groups = inputs.groups.map((group) => arn('deploymentgroup', `${inputs.application}/${group}`))
    const writes: WritePermission[] = ['codedeploy:CreateDeployment', 'codedeploy:StopDeployment'].flatMap((action) =>
      groups.map((group) => ({ action, resources: [group] })),
    )
    if (inputs.configChoice.kind === 'custom')
      writes.push({ action: 'codedeploy:CreateDeploymentConfig', resources: [arn('deploymentconfig', inputs.configChoice.name)] })
    return writes
  }
}

/** `mode: plan`: every read a deploy would make before its first write, and what it would deploy. Writes nothing. */
export async function planDeployment(deps: PlanDeps, inputs: CodeDeployInputs): Promise<{ problems: string[]; lines: string[] }> {
  const problems: string[] = []
  const lines: string[] = []
  const check = async (label: string, action: () => Promise<string | void>): Promise<void> => {
    try {
      const detail = await action()
      deps.log.info(`✓ ${label}${detail ? `: ${detail}` : ''}`)
    } catch (error) {
      problems.push(`${label}: ${errorMessage(error)}`)
      deps.log.error(`✗ ${label}: ${errorMessage(error)}`)
    }
  }
  for (const group of inputs.groups) {
    await check(`codedeploy:GetDeploymentGroup ${group}`, async () => {
      const info = await readGroup(deps.client, inputs.application, group, inputs.platform)
      warnAboutRollbackConfig(info, (m) => deps.log.warning(m))
      if (inputs.configChoice.kind === 'group') lines.push(`Group ${group}: its own config ${info.deploymentConfigName ?? '?'}`)
      return `${info.computePlatform ?? '?'}, config ${info.deploymentConfigName ?? '?'}`
    })
    await check(`codedeploy:ListDeployments ${group}`, async () => {
      const active = await activeDeployments(deps.client, inputs.application, group)
      const first = active[0]
      if (!first) return 'no active deployment'
      if (isThisCommits(first, inputs.sha)) return `a deploy would attach to this commit's ${describeActive(first)}`
      throw new Error(`a deploy would be refused: ${describeActive(first)} is active`)
    })
  }
  const choice = inputs.configChoice
  if (choice.kind !== 'group') {
    await check(`codedeploy:GetDeploymentConfig ${choice.name}`, async () => {
      try {
        const info = (await deps.client.send(new GetDeploymentConfigCommand({ deploymentConfigName: choice.name }))).deploymentConfigInfo
        return `exists (${describeRouting(info?.trafficRoutingConfig)})`
      } catch (error) {
        if (choice.kind === 'custom' && error instanceof Error && error.name === 'DeploymentConfigDoesNotExistException') return 'a deploy would create it'
        throw error
      }
    })
    lines.push(`Deployment config ${choice.name}: ${describeRouting(choice.routing)}`)
  }
  await check('cloudwatch:DescribeAlarms', async () => {
    const reading = await deps.gate.check(deps.signal)
    const verdict = preflight(reading)
    if (!verdict.ok) throw new Error(verdict.message)
    return verdict.detail
  })
  const lambda = inputs.lambda
  if (lambda && deps.lambda) {
    const client = deps.lambda
    await check(`lambda:GetAlias ${lambda.functionName}:${lambda.alias}`, async () => {
      const alias = await client.send(new GetAliasCommand({ FunctionName: lambda.functionName, Name: lambda.alias }))
      const weights = Object.keys(alias.RoutingConfig?.AdditionalVersionWeights ?? {})
      if (weights.length > 0) throw new Error(`already routes to version ${weights.join(', ')}; CodeDeploy cannot start from a weighted alias`)
      if (!/^[1-9][0-9]*$/.test(alias.FunctionVersion ?? '')) {
        throw new Error(`points to ${quote(alias.FunctionVersion ?? '')}, not a published version; a CodeDeploy AppSpec needs positive integer versions`)
      }
      lines.push(`Lambda ${lambda.functionName}:${lambda.alias}: version ${alias.FunctionVersion ?? '?'} → ${lambda.version}`)
      return `serves version ${alias.FunctionVersion ?? '?'}`
    })
  }
  const permissions = logPermissions(await deps.checkWrites(codeDeployWrites(deps.region, inputs)), deps.log)
  problems.push(...permissions.problems)
  lines.push(...permissions.warnings.map((w) => `⚠️ ${w}`))
  if (inputs.ecs)
    lines.push(`ECS: task definition ${inputs.ecs.taskDefinition}, container ${inputs.ecs.containerName}:${inputs.ecs.containerPort} (${inputs.ecs.path})`)
  if (inputs.revision) lines.push(`EC2/on-prem: ${describeRevision(inputs.revision) ?? '?'} to ${inputs.groups.join(' → ')}`)
  return { problems, lines }
}
