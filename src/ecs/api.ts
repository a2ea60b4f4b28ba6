/**
 * The ECS reads and writes this mode makes, each one call with the facts a message needs. Nothing
 * here decides anything: run.ts and the shared watcher (src/managed/) do.
 */
import {
  ContinueServiceDeploymentCommand,
  DescribeServiceDeploymentsCommand,
  DescribeServiceRevisionsCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  type DescribeTaskDefinitionCommandOutput,
  ECSClient,
  ListServiceDeploymentsCommand,
  type Service,
  type ServiceDeployment,
  type ServiceDeploymentBrief,
  type ServiceDeploymentStatus,
  type ServiceRevision,
  StopServiceDeploymentCommand,
} from '@aws-sdk/client-ecs'
import { clientSettings, type ClientPurpose } from '../aws/clients.js'
import { RefusalError } from '../core/errors.js'
import { quote } from '../core/quote.js'

export function ecsClient(region: string, purpose: ClientPurpose): ECSClient {
  return new ECSClient(clientSettings(region, purpose))
}

/** The statuses of a deployment that may still move traffic. */
export const ACTIVE_STATUSES: ServiceDeploymentStatus[] = ['PENDING', 'IN_PROGRESS', 'STOP_REQUESTED', 'ROLLBACK_REQUESTED', 'ROLLBACK_IN_PROGRESS']
export const TERMINAL_STATUSES = new Set(['SUCCESSFUL', 'STOPPED', 'ROLLBACK_SUCCESSFUL', 'ROLLBACK_FAILED'])

export interface ServiceRef {
  readonly cluster: string
  readonly service: string
}

/** What a blue/green-capable service's load balancer gives the action: the two groups and the listener rules ECS moves. */
export interface TrafficSetup {
  readonly targetGroup: string
  readonly alternateTargetGroup: string
  readonly productionListenerRule: string
  readonly testListenerRule: string | undefined
}

const options = (signal: AbortSignal | undefined) => (signal ? { abortSignal: signal } : {})

export async function describeService(client: ECSClient, ref: ServiceRef, signal?: AbortSignal): Promise<Service> {
  const out = await client.send(new DescribeServicesCommand({ cluster: ref.cluster, services: [ref.service] }), options(signal))
  const service = out.services?.[0]
  if (!service || service.status === 'INACTIVE') {
    const failure = out.failures?.[0]
    throw new RefusalError(
      `service ${quote(ref.service)} was not found in cluster ${quote(ref.cluster)}${failure?.reason ? ` (${failure.reason})` : ''}: check the service and cluster inputs`,
    )
  }
  return service
}

/**
 * The service must let ECS shift traffic itself: the ECS deployment controller and a load balancer
 * with advancedConfiguration (the alternate target group and the production listener rule).
 */
export function trafficSetupOf(service: Service): TrafficSetup {
  const name = quote(service.serviceName ?? '?')
  const controller = service.deploymentController?.type ?? 'ECS'
  if (controller === 'CODE_DEPLOY') {
    throw new RefusalError(
      `service ${name} uses the CODE_DEPLOY deployment controller: CodeDeploy moves its traffic, so use CodeDeploy mode ` +
        '(inputs codedeploy-application, codedeploy-deployment-group and appspec), or move the service to the ECS controller (README: "From CodeDeploy blue/green to ECS")',
    )
  }
  if (controller !== 'ECS') throw new RefusalError(`service ${name} uses the ${controller} deployment controller; ECS mode needs the ECS controller`)
  const lb = (service.loadBalancers ?? []).find((l) => l.advancedConfiguration !== undefined)
  const advanced = lb?.advancedConfiguration
  const missing = [
    !lb?.targetGroupArn && 'a target group',
    !advanced?.alternateTargetGroupArn && 'advancedConfiguration.alternateTargetGroupArn',
    !advanced?.productionListenerRule && 'advancedConfiguration.productionListenerRule',
  ].filter((m): m is string => typeof m === 'string')
  if (!lb || missing.length > 0) {
    throw new RefusalError(
      `service ${name} has no load balancer that ECS can shift traffic on: it lacks ${lb ? missing.join(', ') : 'a load balancer with advancedConfiguration'}. ` +
        'Give the service an Application Load Balancer target group with advancedConfiguration (an alternate target group, the production listener rule and a role)',
    )
  }
  return {
    targetGroup: lb.targetGroupArn as string,
    alternateTargetGroup: advanced?.alternateTargetGroupArn as string,
    productionListenerRule: advanced?.productionListenerRule as string,
    testListenerRule: advanced?.testListenerRule || undefined,
  }
}

export interface TaskDefinitionInfo {
  readonly arn: string
  /** `family:revision`, the form the outputs use. */
  readonly name: string
  /** The task and execution roles: UpdateService passes them to ECS (iam:PassRole). */
  readonly roles: readonly string[]
}

export function familyRevision(arn: string): string {
  return /task-definition\/(.+)$/.exec(arn)?.[1] ?? arn
}

export async function describeTaskDefinition(client: ECSClient, taskDefinition: string, signal?: AbortSignal): Promise<TaskDefinitionInfo> {
  let out: DescribeTaskDefinitionCommandOutput
  try {
    out = await client.send(new DescribeTaskDefinitionCommand({ taskDefinition }), options(signal))
  } catch (error) {
    if (error instanceof Error && /ClientException|InvalidParameter|NotFound/.test(error.name)) {
      throw new RefusalError(
        `task definition ${quote(taskDefinition)} cannot be read (${error.message}): register it first, or check the task-definition input`,
      )
    }
    throw error
  }
  const td = out.taskDefinition
  const arn = td?.taskDefinitionArn ?? taskDefinition
  return { arn, name: familyRevision(arn), roles: [td?.taskRoleArn, td?.executionRoleArn].filter((r): r is string => Boolean(r)) }
}

/** Service deployments that may still move traffic, newest first. */
export async function activeDeployments(client: ECSClient, ref: ServiceRef, signal?: AbortSignal): Promise<ServiceDeploymentBrief[]> {
  const briefs: ServiceDeploymentBrief[] = []
  let nextToken: string | undefined
  do {
    const out = await client.send(
      new ListServiceDeploymentsCommand({ cluster: ref.cluster, service: ref.service, status: ACTIVE_STATUSES, ...(nextToken ? { nextToken } : {}) }),
      options(signal),
    )
    briefs.push(...(out.serviceDeployments ?? []))
    nextToken = out.nextToken
  } while (nextToken)
  return briefs.sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0))
}

export async function describeDeployment(client: ECSClient, arn: string, signal?: AbortSignal): Promise<ServiceDeployment> {
  const out = await client.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] }), options(signal))
  const deployment = out.serviceDeployments?.[0]
  if (!deployment) throw new Error(`DescribeServiceDeployments returned no ${arn}${out.failures?.[0]?.reason ? ` (${out.failures[0].reason})` : ''}`)
  return deployment
}

export async function describeRevisions(client: ECSClient, arns: readonly string[], signal?: AbortSignal): Promise<ServiceRevision[]> {
  const wanted = [...new Set(arns.filter((a) => a !== ''))]
  if (wanted.length === 0) return []
  const out = await client.send(new DescribeServiceRevisionsCommand({ serviceRevisionArns: wanted }), options(signal))
  return out.serviceRevisions ?? []
}

/** StopServiceDeployment with ROLLBACK: ECS puts the previous revision back. */
export async function stopWithRollback(client: ECSClient, arn: string): Promise<void> {
  await client.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: arn, stopType: 'ROLLBACK' }))
}

/** ContinueServiceDeployment on a paused hook (the SDK requires its hookId, from lifecycleHookDetails). */
export async function continueHook(client: ECSClient, arn: string, hookId: string | undefined, action: 'CONTINUE' | 'ROLLBACK'): Promise<void> {
  if (!hookId) throw new Error(`${arn} waits at a PAUSE hook that DescribeServiceDeployments gave no hookId for`)
  await client.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: arn, action, hookId }))
}

/** The target group a revision serves from, as ECS resolved it. */
export function revisionGroup(revision: ServiceRevision | undefined): string | undefined {
  return revision?.resolvedConfiguration?.loadBalancers?.find((l) => l.targetGroupArn)?.targetGroupArn ?? undefined
}

/** `app/NAME/ID` of the load balancer a listener rule (or listener) ARN belongs to: CloudWatch's LoadBalancer dimension. */
export function loadBalancerOf(listenerOrRule: string): string {
  return /:listener(?:-rule)?\/((?:app|net)\/[^/]+\/[^/]+)/.exec(listenerOrRule)?.[1] ?? ''
}

export function serviceLink(region: string, ref: ServiceRef): string {
  const cluster = ref.cluster.split('/').at(-1) ?? ref.cluster
  const service = ref.service.split('/').at(-1) ?? ref.service
  return `https://${region}.console.aws.amazon.com/ecs/v2/clusters/${encodeURIComponent(cluster)}/services/${encodeURIComponent(service)}/deployments?region=${region}`
}
