// ECS resources: clusters, task definitions, services (deployment controller ECS, CODE_DEPLOY or
// EXTERNAL), service revisions and service deployments. ARN formats and "not found" errors follow the
// ECS API reference; the deployment engine that moves them lives in deployment.ts.
import { randomBytes } from 'node:crypto'
import { ACCOUNT_ID, REGION } from '../http.js'
import { ApiError } from '../service.js'
import type { DeploymentConfig, HookAction, HookStage } from './config.js'

export const ARN_PREFIX = `arn:aws:ecs:${REGION}:${ACCOUNT_ID}:`

export type ServiceDeploymentStatus =
  | 'PENDING'
  | 'SUCCESSFUL'
  | 'STOPPED'
  | 'STOP_REQUESTED'
  | 'IN_PROGRESS'
  | 'ROLLBACK_REQUESTED'
  | 'ROLLBACK_IN_PROGRESS'
  | 'ROLLBACK_SUCCESSFUL'
  | 'ROLLBACK_FAILED'

export type LifecycleStage =
  | 'RECONCILE_SERVICE'
  | 'PRE_SCALE_UP'
  | 'SCALE_UP'
  | 'POST_SCALE_UP'
  | 'TEST_TRAFFIC_SHIFT'
  | 'POST_TEST_TRAFFIC_SHIFT'
  | 'PRODUCTION_TRAFFIC_SHIFT'
  | 'POST_PRODUCTION_TRAFFIC_SHIFT'
  | 'BAKE_TIME'
  | 'CLEAN_UP'

const ACTIVE: ReadonlySet<ServiceDeploymentStatus> = new Set(['PENDING', 'IN_PROGRESS', 'STOP_REQUESTED', 'ROLLBACK_REQUESTED', 'ROLLBACK_IN_PROGRESS'])
export const isActive = (s: ServiceDeploymentStatus): boolean => ACTIVE.has(s)

export type MonitorStatus = 'TRIGGERED' | 'MONITORING' | 'MONITORING_COMPLETE' | 'DISABLED'

export interface Cluster {
  arn: string
  name: string
  createdAt: number
}

export interface TaskDefinition {
  arn: string
  family: string
  revision: number
  taskRoleArn?: string
  executionRoleArn?: string
  /** Everything else RegisterTaskDefinition took, echoed back. */
  rest: Record<string, unknown>
  registeredAt: number
  status: 'ACTIVE' | 'INACTIVE'
}

export interface AdvancedConfiguration {
  alternateTargetGroupArn: string
  productionListenerRule: string
  testListenerRule?: string
  roleArn: string
}

export interface LoadBalancerConfig {
  targetGroupArn?: string
  loadBalancerName?: string
  containerName?: string
  containerPort?: number
  advancedConfiguration?: AdvancedConfiguration
}

export interface Service {
  arn: string
  name: string
  clusterArn: string
  status: 'ACTIVE' | 'DRAINING' | 'INACTIVE'
  desiredCount: number
  taskDefinition: string
  launchType: string
  controller: 'ECS' | 'CODE_DEPLOY' | 'EXTERNAL'
  config: DeploymentConfig
  loadBalancers: LoadBalancerConfig[]
  /** Other CreateService members echoed back (networkConfiguration, ...). */
  rest: Record<string, unknown>
  createdAt: number
  createdBy: string
  events: { id: string; createdAt: number; message: string }[]
  /** The revision serving production when no deployment is under way. */
  currentRevision?: string
  currentDeployment?: string
}

export interface ServiceRevision {
  arn: string
  serviceArn: string
  clusterArn: string
  taskDefinition: string
  launchType: string
  loadBalancers: LoadBalancerConfig[]
  /** The target group this revision's tasks are registered in (blue/green alternates between the pair). */
  targetGroupArn?: string
  productionListenerRule?: string
  createdAt: number
  requestedTaskCount: number
  runningTaskCount: number
  pendingTaskCount: number
}

export interface HookRun {
  hookId: string
  stage: HookStage
  targetType: 'AWS_LAMBDA' | 'PAUSE'
  targetArn?: string
  status: 'AWAITING_ACTION' | 'IN_PROGRESS' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT'
  startedAt: number
  expiresAt: number
  timeoutAction: HookAction
}

/** One step of a deployment's plan: run the stage's hooks, then its effect, then wait `minutes`. */
export interface Step {
  stage: LifecycleStage
  hookStage?: HookStage
  effect?: 'scaleUp' | 'test' | 'production' | 'cleanUp'
  /** For effect production: the target revision's share of production traffic, in percent. */
  percent?: number
  minutes: number
}

export interface ServiceDeployment {
  arn: string
  serviceArn: string
  clusterArn: string
  createdAt: number
  startedAt?: number
  finishedAt?: number
  stoppedAt?: number
  updatedAt: number
  sources: string[]
  target: string
  status: ServiceDeploymentStatus
  statusReason?: string
  lifecycleStage?: LifecycleStage
  config: DeploymentConfig
  plan: Step[]
  step: number
  /** When the current step's hooks finished and its effect ran (undefined: hooks still running). */
  stepDoneAt?: number
  stepEnteredAt: number
  hooks: HookRun[]
  /** The target revision's live share of the production and test rules, in percent. */
  productionPercent: number
  testPercent: number
  /** When each share took effect: DescribeServiceDeployments reports a snapshot that trails them. */
  weightLog: { at: number; production: number; test: number }[]
  alarms: { status: MonitorStatus; triggered: string[] }
  rollback?: { reason: string; startedAt: number; serviceRevisionArn: string }
  /** ROLLBACK_IN_PROGRESS / STOP_REQUESTED: when the work finishes. */
  settleAt?: number
  /** Made by the control API's seed (the service's first deployment), not by an API call. */
  seeded?: boolean
}

const id = (bytes: number): string => randomBytes(bytes).toString('base64url')

export const clusterNotFound = (): ApiError => new ApiError(400, 'ClusterNotFoundException', 'Cluster not found.')
export const serviceNotFound = (): ApiError => new ApiError(400, 'ServiceNotFoundException', 'Service not found.')

export class EcsState {
  readonly clusters = new Map<string, Cluster>()
  readonly taskDefinitions = new Map<string, TaskDefinition>()
  readonly services = new Map<string, Service>()
  readonly revisions = new Map<string, ServiceRevision>()
  readonly deployments = new Map<string, ServiceDeployment>()
  /** Task definition ARN → share of requests its tasks fail (control API: a crashing revision). */
  readonly crashing = new Map<string, number>()
  private revisionCounter = 0

  reset(): void {
    this.clusters.clear()
    this.taskDefinitions.clear()
    this.services.clear()
    this.revisions.clear()
    this.deployments.clear()
    this.crashing.clear()
  }

  createCluster(name: string): Cluster {
    const arn = `${ARN_PREFIX}cluster/${name}`
    const existing = this.clusters.get(arn)
    if (existing) return existing
    const cluster = { arn, name, createdAt: Date.now() }
    this.clusters.set(arn, cluster)
    return cluster
  }

  /** A cluster by name or ARN (default: `default`); ClusterNotFoundException otherwise. */
  cluster(ref: unknown): Cluster {
    const name = typeof ref === 'string' && ref !== '' ? ref : 'default'
    const arn = name.startsWith('arn:') ? name : `${ARN_PREFIX}cluster/${name}`
    const cluster = this.clusters.get(arn)
    if (!cluster) throw clusterNotFound()
    return cluster
  }

  registerTaskDefinition(family: string, fields: Omit<TaskDefinition, 'arn' | 'family' | 'revision' | 'registeredAt' | 'status'>): TaskDefinition {
    const revision = [...this.taskDefinitions.values()].filter((t) => t.family === family).length + 1
    const td: TaskDefinition = {
      ...fields,
      arn: `${ARN_PREFIX}task-definition/${family}:${revision}`,
      family,
      revision,
      registeredAt: Date.now(),
      status: 'ACTIVE',
    }
    this.taskDefinitions.set(td.arn, td)
    return td
  }

  /** FAMILY (latest ACTIVE), FAMILY:REVISION or an ARN; ClientException when there is none, as ECS answers. */
  taskDefinition(ref: unknown): TaskDefinition {
    if (typeof ref !== 'string' || ref === '') throw new ApiError(400, 'ClientException', 'TaskDefinition is required.')
    const bare = ref.startsWith('arn:') ? (ref.split(':task-definition/')[1] ?? '') : ref
    const [family = '', rev] = bare.split(':')
    const matches = [...this.taskDefinitions.values()].filter((t) => t.family === family)
    const td = rev === undefined ? matches.filter((t) => t.status === 'ACTIVE').at(-1) : matches.find((t) => String(t.revision) === rev)
    if (!td || (ref.startsWith('arn:') && td.arn !== ref)) throw new ApiError(400, 'ClientException', 'Unable to describe task definition.')
    return td
  }

  serviceArn(cluster: Cluster, name: string): string {
    return `${ARN_PREFIX}service/${cluster.name}/${name}`
  }

  /** A service by name or ARN within a cluster; ServiceNotFoundException otherwise. */
  service(cluster: Cluster, ref: unknown): Service {
    if (typeof ref !== 'string' || ref === '') throw new ApiError(400, 'InvalidParameterException', 'Service name or ARN is required.')
    const arn = ref.startsWith('arn:') ? ref : this.serviceArn(cluster, ref)
    const service = this.services.get(arn)
    if (!service || service.clusterArn !== cluster.arn) throw serviceNotFound()
    return service
  }

  newRevision(service: Service, taskDefinition: string, targetGroupArn: string | undefined): ServiceRevision {
    this.revisionCounter += 1
    const clusterName = service.clusterArn.split('/').at(-1) ?? ''
    const rev: ServiceRevision = {
      // ECS revision IDs are long decimal numbers.
      arn: `${ARN_PREFIX}service-revision/${clusterName}/${service.name}/${Date.now()}${String(this.revisionCounter).padStart(4, '0')}`,
      serviceArn: service.arn,
      clusterArn: service.clusterArn,
      taskDefinition,
      launchType: service.launchType,
      loadBalancers: structuredClone(service.loadBalancers),
      createdAt: Date.now(),
      requestedTaskCount: 0,
      runningTaskCount: 0,
      pendingTaskCount: 0,
    }
    if (targetGroupArn !== undefined) rev.targetGroupArn = targetGroupArn
    const rule = service.loadBalancers[0]?.advancedConfiguration?.productionListenerRule
    if (rule !== undefined) rev.productionListenerRule = rule
    this.revisions.set(rev.arn, rev)
    return rev
  }

  newDeploymentArn(service: Service): string {
    const clusterName = service.clusterArn.split('/').at(-1) ?? ''
    return `${ARN_PREFIX}service-deployment/${clusterName}/${service.name}/${id(16)}`
  }

  deployment(arn: unknown): ServiceDeployment {
    const d = typeof arn === 'string' ? this.deployments.get(arn) : undefined
    if (!d) throw new ApiError(400, 'ServiceDeploymentNotFoundException', `The service deployment ${String(arn)} does not exist.`)
    return d
  }

  deploymentsOf(serviceArn: string): ServiceDeployment[] {
    return [...this.deployments.values()].filter((d) => d.serviceArn === serviceArn)
  }

  activeDeployment(serviceArn: string): ServiceDeployment | undefined {
    return this.deploymentsOf(serviceArn).find((d) => isActive(d.status))
  }

  event(service: Service, message: string): void {
    service.events.unshift({ id: randomBytes(16).toString('hex'), createdAt: Date.now(), message })
    service.events.length = Math.min(service.events.length, 100)
  }
}
