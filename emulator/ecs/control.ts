// Test-facing ECS controls, shared by the in-process Emulator object and the /_emulator/ecs/* routes:
// seed a service behind an ALB in one call, scale time, mark a revision as crashing, summarise deployments.
import type { Condition, Elbv2State } from '../elbv2/model.js'
import { ACCOUNT_ID } from '../http.js'
import { ApiError } from '../service.js'
import { parseDeploymentConfiguration } from './config.js'
import type { EcsEngine, EcsSettings } from './deployment.js'
import type { EcsState, LifecycleStage, Service, ServiceDeploymentStatus } from './model.js'

export interface SeedEcsSpec {
  /** Cluster name (default `default`). */
  cluster?: string
  /** Service name (default `web`); also the ALB's and target groups' name prefix. */
  service?: string
  /** Task definition family (default the service name). */
  family?: string
  /** Task definition revisions to register (default 2); the service runs revision 1. */
  revisions?: number
  desiredCount?: number
  /** deploymentConfiguration as CreateService takes it (default BLUE_GREEN with a bake of 0). */
  deploymentConfiguration?: object
  /** The test listener rule's header condition (default x-canary: true); false: no test listener rule. */
  testRule?: { header: string; value: string } | false
  /** CODE_DEPLOY or EXTERNAL seed a service the ECS strategies cannot deploy (default ECS). */
  controller?: Service['controller']
  /** false: the service has no advancedConfiguration (a plain load balancer). */
  advanced?: boolean
}

export interface SeededEcs {
  clusterArn: string
  serviceArn: string
  serviceName: string
  /** `family:N` ARNs, revision 1 first. */
  taskDefinitions: string[]
  loadBalancerArn: string
  /** CloudWatch's LoadBalancer dimension. */
  loadBalancer: string
  listenerArn: string
  productionRuleArn: string
  testRuleArn: string | undefined
  targetGroups: { blue: string; green: string }
  roles: { task: string; execution: string; infrastructure: string }
}

export interface DeploymentSummary {
  serviceDeploymentArn: string
  serviceArn: string
  status: ServiceDeploymentStatus
  statusReason?: string
  lifecycleStage?: LifecycleStage
  strategy: string
  targetTaskDefinition: string
  sourceTaskDefinitions: string[]
  productionPercent: number
  testPercent: number
  hooks: { hookId: string; stage: string; targetType: string; status: string }[]
}

export interface EcsControlApi {
  seed(spec?: SeedEcsSpec): SeededEcs
  configure(patch: Partial<EcsSettings>): EcsSettings
  settings(): EcsSettings
  /** Marks a task definition (ARN or family:revision) as crashing: its tasks fail `errorRate` of requests (0 clears). */
  crash(taskDefinition: string, errorRate: number): void
  /**
   * Deployments started through the API (CreateService, UpdateService), oldest first. A seeded
   * service's own first deployment is left out here, though ListServiceDeployments shows it, as AWS does.
   */
  deployments(): DeploymentSummary[]
}

const role = (name: string): string => `arn:aws:iam::${ACCOUNT_ID}:role/${name}`

export function ecsControl(state: EcsState, engine: EcsEngine, elbv2: Elbv2State): EcsControlApi {
  return {
    seed(spec = {}) {
      const name = spec.service ?? 'web'
      const family = spec.family ?? name
      const cluster = state.createCluster(spec.cluster ?? 'default')
      const roles = { task: role(`${family}-task`), execution: role('ecsTaskExecutionRole'), infrastructure: role('ecsInfrastructureRoleForLoadBalancers') }
      const taskDefinitions = Array.from({ length: spec.revisions ?? 2 }, (_, i) =>
        state.registerTaskDefinition(family, {
          taskRoleArn: roles.task,
          executionRoleArn: roles.execution,
          rest: {
            containerDefinitions: [
              { name: 'app', image: `public.ecr.aws/example/${family}:v${i + 1}`, essential: true, portMappings: [{ containerPort: 80 }] },
            ],
            networkMode: 'awsvpc',
            requiresCompatibilities: ['FARGATE'],
            cpu: '256',
            memory: '512',
          },
        }),
      )
      const first = taskDefinitions[0]
      if (!first) throw new ApiError(400, 'BadRequest', 'revisions must be at least 1')
      const lb = elbv2.createLoadBalancer(name)
      const blue = elbv2.createTargetGroup(`${name}-blue`, [], 'ip')
      const green = elbv2.createTargetGroup(`${name}-green`, [], 'ip')
      const listener = elbv2.createListener(lb.arn, 80, [{ Type: 'fixed-response', Other: { FixedResponseConfig: { StatusCode: '404' } } }])
      const forward = () => ({
        Type: 'forward',
        Forward: {
          TargetGroups: [
            { TargetGroupArn: blue.arn, Weight: 100 },
            { TargetGroupArn: green.arn, Weight: 0 },
          ],
          Stickiness: { Enabled: false },
        },
      })
      const testRule =
        spec.testRule === false
          ? undefined
          : elbv2.createRule(
              listener.arn,
              1,
              [
                {
                  Field: 'http-header',
                  HttpHeaderConfig: { HttpHeaderName: spec.testRule?.header ?? 'x-canary', Values: [spec.testRule?.value ?? 'true'] },
                } as Condition,
              ],
              [forward()],
              null,
            )
      const productionRule = elbv2.createRule(
        listener.arn,
        10,
        [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/*'] } } as Condition],
        [forward()],
        null,
      )
      const controller = spec.controller ?? 'ECS'
      const config = parseDeploymentConfiguration(
        spec.deploymentConfiguration ?? { strategy: controller === 'ECS' ? 'BLUE_GREEN' : 'ROLLING', bakeTimeInMinutes: 0 },
      )
      const service: Service = {
        arn: state.serviceArn(cluster, name),
        name,
        clusterArn: cluster.arn,
        status: 'ACTIVE',
        desiredCount: spec.desiredCount ?? 2,
        taskDefinition: first.arn,
        launchType: 'FARGATE',
        controller,
        config,
        loadBalancers: [
          {
            targetGroupArn: blue.arn,
            containerName: 'app',
            containerPort: 80,
            ...(spec.advanced !== false && {
              advancedConfiguration: {
                alternateTargetGroupArn: green.arn,
                productionListenerRule: productionRule.arn,
                ...(testRule && { testListenerRule: testRule.arn }),
                roleArn: roles.infrastructure,
              },
            }),
          },
        ],
        rest: { networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-0a1b2c3d'], securityGroups: ['sg-0a1b2c3d'], assignPublicIp: 'DISABLED' } } },
        createdAt: Date.now(),
        createdBy: role('admin'),
        events: [],
      }
      state.services.set(service.arn, service)
      if (controller === 'ECS') {
        // The service's first deployment, completed at once: its tasks run in the blue group.
        const timeScale = engine.settings.timeScale
        engine.settings.timeScale = 0
        try {
          engine.start(service, first.arn).seeded = true
        } finally {
          engine.settings.timeScale = timeScale
        }
      } else {
        const rev = state.newRevision(service, first.arn, blue.arn)
        service.currentRevision = rev.arn
        engine.adopt(service, rev)
      }
      return {
        clusterArn: cluster.arn,
        serviceArn: service.arn,
        serviceName: name,
        taskDefinitions: taskDefinitions.map((t) => t.arn),
        loadBalancerArn: lb.arn,
        loadBalancer: lb.dimension,
        listenerArn: listener.arn,
        productionRuleArn: productionRule.arn,
        testRuleArn: testRule?.arn,
        targetGroups: { blue: blue.arn, green: green.arn },
        roles,
      }
    },
    configure: (patch) => engine.configure(patch),
    settings: () => ({ ...engine.settings }),
    crash(taskDefinition, errorRate) {
      if (!Number.isFinite(errorRate) || errorRate < 0 || errorRate > 1) throw new ApiError(400, 'BadRequest', 'errorRate must be from 0 to 1')
      const td = state.taskDefinition(taskDefinition)
      if (errorRate === 0) state.crashing.delete(td.arn)
      else state.crashing.set(td.arn, errorRate)
    },
    deployments() {
      engine.pump()
      return [...state.deployments.values()]
        .filter((d) => d.seeded !== true)
        .map((d) => {
          const td = (arn: string) => state.revisions.get(arn)?.taskDefinition ?? ''
          const s: DeploymentSummary = {
            serviceDeploymentArn: d.arn,
            serviceArn: d.serviceArn,
            status: d.status,
            strategy: d.config.strategy,
            targetTaskDefinition: td(d.target),
            sourceTaskDefinitions: d.sources.map(td),
            productionPercent: d.productionPercent,
            testPercent: d.testPercent,
            hooks: d.hooks.map((h) => ({ hookId: h.hookId, stage: h.stage, targetType: h.targetType, status: h.status })),
          }
          if (d.statusReason !== undefined) s.statusReason = d.statusReason
          if (d.lifecycleStage !== undefined) s.lifecycleStage = d.lifecycleStage
          return s
        })
    },
  }
}

const num = (v: unknown, what: string): number => {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ApiError(400, 'BadRequest', `${what} is missing or invalid`)
  return v
}

/** Routes under /_emulator/ecs/…; undefined when the route is not ECS's. */
export function handleEcsControl(api: EcsControlApi, route: string, body: Record<string, unknown>): unknown {
  switch (route) {
    case 'POST ecs/seed':
      return api.seed(body as SeedEcsSpec)
    case 'GET ecs/settings':
      return api.settings()
    case 'POST ecs/settings':
      return api.configure(body as Partial<EcsSettings>)
    case 'POST ecs/crash':
      api.crash(String(body['taskDefinition'] ?? ''), num(body['errorRate'], 'errorRate'))
      return { ok: true }
    case 'GET ecs/deployments':
      return api.deployments()
    default:
      return undefined
  }
}
