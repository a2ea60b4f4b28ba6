// Amazon ECS (awsJson1_1, target prefix AmazonEC2ContainerServiceV20141113): clusters, task
// definitions, services with the ECS deployment controller, service revisions and service deployments.
// Shapes, enums and error codes from botocore's ecs model (2014-11-13).
//
// Usage (tests and the demo): seed a service behind the built-in ALB in one call, then drive it with
// the real SDK (@aws-sdk/client-ecs) pointed at the emulator's URL.
//   const s = emulator.ecs.seed({ strategy: 'CANARY' })             // or POST /_emulator/ecs/seed
//   → { clusterArn, serviceArn, serviceName, taskDefinitions: [td:1, td:2], listenerArn, productionRuleArn,
//       testRuleArn, targetGroups: { blue, green }, loadBalancer, roles: { task, execution, infrastructure } }
//   emulator.ecs.configure({ timeScale: 200 })                      // 200 real ms per ECS minute (default 1000)
//   emulator.ecs.crash(s.taskDefinitions[1], 0.3)                   // revision 2's tasks fail 30% of requests
//   emulator.elbv2.startTraffic({ listenerArn: s.listenerArn, rps: 50, users: { share: 0.1, headers: { 'x-canary': 'true' } } })
//   UpdateService { taskDefinition: td:2, deploymentConfiguration: { strategy: 'CANARY', canaryConfiguration: {...} } }
//   → ListServiceDeployments / DescribeServiceDeployments / DescribeServiceRevisions as on AWS;
//     StopServiceDeployment { stopType: 'ROLLBACK' }; ContinueServiceDeployment { hookId } for PAUSE hooks.
//   emulator.ecs.deployments() summarises every deployment (status, stage, weights) for assertions.
// Readings of behaviour AWS leaves open are listed at the top of deployment.ts.
import { parseJsonBody, type ApiRequest, type ApiResponse } from '../http.js'
import { callerArn } from '../identity/caller.js'
import { ApiError, jsonRpcError, jsonRpcOperation, type EmulatedService } from '../service.js'
import { invalid, parseDeploymentConfiguration, type HookAction } from './config.js'
import type { EcsEngine } from './deployment.js'
import type { Elbv2State } from '../elbv2/model.js'
import { ARN_PREFIX, type AdvancedConfiguration, type EcsState, type LoadBalancerConfig, type Service, type TaskDefinition } from './model.js'
import { compact, epoch, responseShapes } from './shapes.js'

const TARGET_PREFIX = 'AmazonEC2ContainerServiceV20141113'
const CONTENT_TYPE = 'application/x-amz-json-1.1'
const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v)

const strList = (v: unknown, what: string, max: number): string[] => {
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) throw invalid(`${what} must be a list of strings.`)
  if (v.length === 0) throw invalid(`${what} must not be empty.`)
  if (v.length > max) throw invalid(`${what} can have at most ${max} items.`)
  return v as string[]
}

/** The groups and rules a load balancer entry names must exist on the (emulated) ELBv2. */
function checkLoadBalancers(elbv2: Elbv2State, lbs: LoadBalancerConfig[]): void {
  for (const lb of lbs) {
    const adv = lb.advancedConfiguration
    for (const group of [lb.targetGroupArn, adv?.alternateTargetGroupArn]) {
      if (group !== undefined && !elbv2.targetGroups.has(group)) throw invalid(`The target group ${group} does not exist.`)
    }
    for (const rule of [adv?.productionListenerRule, adv?.testListenerRule]) {
      if (rule !== undefined && !elbv2.rules.has(rule) && !elbv2.listeners.has(rule)) throw invalid(`The listener rule ${rule} does not exist.`)
    }
  }
}

function parseLoadBalancers(v: unknown): LoadBalancerConfig[] {
  if (v === undefined || v === null) return []
  if (!Array.isArray(v)) throw invalid('loadBalancers must be a list.')
  return v.map((lb, i) => {
    if (!isObj(lb)) throw invalid(`loadBalancers[${i}] must be an object.`)
    const out: LoadBalancerConfig = {}
    if (typeof lb.targetGroupArn === 'string') out.targetGroupArn = lb.targetGroupArn
    if (typeof lb.loadBalancerName === 'string') out.loadBalancerName = lb.loadBalancerName
    if (typeof lb.containerName === 'string') out.containerName = lb.containerName
    if (typeof lb.containerPort === 'number') out.containerPort = lb.containerPort
    const adv = lb.advancedConfiguration
    if (adv !== undefined && adv !== null) {
      if (!isObj(adv)) throw invalid(`loadBalancers[${i}].advancedConfiguration must be an object.`)
      for (const k of ['alternateTargetGroupArn', 'productionListenerRule', 'roleArn'] as const) {
        if (typeof adv[k] !== 'string' || adv[k] === '') throw invalid(`loadBalancers[${i}].advancedConfiguration.${k} is required.`)
      }
      if (out.targetGroupArn === undefined) throw invalid(`loadBalancers[${i}].targetGroupArn is required with advancedConfiguration.`)
      if (adv.alternateTargetGroupArn === out.targetGroupArn) throw invalid('The alternate target group must differ from the primary target group.')
      const a: AdvancedConfiguration = {
        alternateTargetGroupArn: adv.alternateTargetGroupArn as string,
        productionListenerRule: adv.productionListenerRule as string,
        roleArn: adv.roleArn as string,
      }
      if (typeof adv.testListenerRule === 'string' && adv.testListenerRule !== '') a.testListenerRule = adv.testListenerRule
      out.advancedConfiguration = a
    }
    return out
  })
}

export interface EcsServiceDeps {
  state: EcsState
  engine: EcsEngine
  elbv2: Elbv2State
  /** iam:PassRole as the caller's policy decides it (the emulator's enforced IAM), with iam:PassedToService. */
  canPassRole(roleArn: string, passedToService: string): boolean
}

export function createEcsService({ state, engine, elbv2, canPassRole }: EcsServiceDeps): EmulatedService {
  const error = (status: number, code: string, message: string, headers: Record<string, string> = {}): ApiResponse =>
    jsonRpcError(status, code, message, false, { ...headers, 'content-type': CONTENT_TYPE })
  const ok = (body: unknown): ApiResponse => ({ status: 200, headers: { 'content-type': CONTENT_TYPE }, body })

  const passRole = (req: ApiRequest, roleArn: string | undefined, service: string): void => {
    if (roleArn === undefined || canPassRole(roleArn, service)) return
    throw new ApiError(
      400,
      'AccessDeniedException',
      `User: ${callerArn(req)} is not authorized to perform: iam:PassRole on resource: ${roleArn} with iam:PassedToService ${service}`,
    )
  }

  const { taskDefinitionJson, serviceJson, deploymentJson, revisionJson, clusterJson } = responseShapes(state, engine)

  const controllerOf = (v: unknown): Service['controller'] => {
    if (v === undefined || v === null) return 'ECS'
    const type = isObj(v) ? v.type : undefined
    if (type !== 'ECS' && type !== 'CODE_DEPLOY' && type !== 'EXTERNAL') throw invalid('deploymentController.type must be ECS, CODE_DEPLOY or EXTERNAL.')
    return type
  }

  const checkRoles = (req: ApiRequest, td: TaskDefinition): void => {
    passRole(req, td.taskRoleArn, 'ecs-tasks.amazonaws.com')
    passRole(req, td.executionRoleArn, 'ecs-tasks.amazonaws.com')
  }

  const handlers: Record<string, (b: Record<string, unknown>, req: ApiRequest) => unknown> = {
    CreateCluster(b) {
      const name = typeof b.clusterName === 'string' && b.clusterName !== '' ? b.clusterName : 'default'
      if (!/^[A-Za-z0-9_-]{1,255}$/.test(name)) throw invalid('Cluster name can have up to 255 letters, numbers, hyphens and underscores.')
      return { cluster: clusterJson(state.createCluster(name)) }
    },
    DescribeClusters(b) {
      const refs = b.clusters === undefined ? ['default'] : strList(b.clusters, 'clusters', 100)
      const clusters: unknown[] = []
      const failures: unknown[] = []
      for (const ref of refs) {
        const arn = ref.startsWith('arn:') ? ref : `${ARN_PREFIX}cluster/${ref}`
        const c = state.clusters.get(arn)
        if (c) clusters.push(clusterJson(c))
        else failures.push({ arn, reason: 'MISSING' })
      }
      return { clusters, failures }
    },
    RegisterTaskDefinition(b, req) {
      const family = b.family
      if (typeof family !== 'string' || !/^[A-Za-z0-9_-]{1,255}$/.test(family))
        throw new ApiError(400, 'ClientException', 'Family contains invalid characters or is missing; up to 255 letters, numbers, hyphens and underscores.')
      if (!Array.isArray(b.containerDefinitions) || b.containerDefinitions.length === 0)
        throw new ApiError(400, 'ClientException', 'Container list cannot be empty.')
      const { family: _f, taskRoleArn, executionRoleArn, tags: _t, ...rest } = b
      const fields: Parameters<EcsState['registerTaskDefinition']>[1] = { rest }
      if (typeof taskRoleArn === 'string') fields.taskRoleArn = taskRoleArn
      if (typeof executionRoleArn === 'string') fields.executionRoleArn = executionRoleArn
      passRole(req, fields.taskRoleArn, 'ecs-tasks.amazonaws.com')
      passRole(req, fields.executionRoleArn, 'ecs-tasks.amazonaws.com')
      return { taskDefinition: taskDefinitionJson(state.registerTaskDefinition(family, fields)) }
    },
    DescribeTaskDefinition(b) {
      return { taskDefinition: taskDefinitionJson(state.taskDefinition(b.taskDefinition)) }
    },
    CreateService(b, req) {
      const cluster = state.cluster(b.cluster)
      const name = b.serviceName
      if (typeof name !== 'string' || !/^[A-Za-z0-9_-]{1,255}$/.test(name))
        throw invalid('Service name can have up to 255 letters (uppercase and lowercase), numbers, underscores, and hyphens.')
      const arn = state.serviceArn(cluster, name)
      if (state.services.get(arn)?.status === 'ACTIVE') throw invalid('Creation of service was not idempotent.')
      const controller = controllerOf(b.deploymentController)
      const td = state.taskDefinition(b.taskDefinition)
      const loadBalancers = parseLoadBalancers(b.loadBalancers)
      const config = parseDeploymentConfiguration(b.deploymentConfiguration)
      if (controller !== 'ECS' && config.strategy !== 'ROLLING')
        throw invalid(`The ${config.strategy} deployment strategy requires the ECS deployment controller.`)
      const desired = b.desiredCount ?? 1
      if (typeof desired !== 'number' || !Number.isInteger(desired) || desired < 0) throw invalid('desiredCount must be a whole number of tasks.')
      checkLoadBalancers(elbv2, loadBalancers)
      checkRoles(req, td)
      for (const lb of loadBalancers) passRole(req, lb.advancedConfiguration?.roleArn, 'ecs.amazonaws.com')
      for (const hook of config.lifecycleHooks ?? []) passRole(req, hook.roleArn, 'ecs.amazonaws.com')
      const {
        cluster: _c,
        serviceName: _n,
        taskDefinition: _td,
        loadBalancers: _lb,
        deploymentConfiguration: _dc,
        deploymentController: _ctl,
        desiredCount: _d,
        launchType,
        clientToken: _tok,
        tags: _tags,
        ...rest
      } = b
      const service: Service = {
        arn,
        name,
        clusterArn: cluster.arn,
        status: 'ACTIVE',
        desiredCount: desired,
        taskDefinition: td.arn,
        launchType: typeof launchType === 'string' ? launchType : 'FARGATE',
        controller,
        config,
        loadBalancers,
        rest,
        createdAt: Date.now(),
        createdBy: callerArn(req),
        events: [],
      }
      state.services.set(arn, service)
      if (controller === 'ECS') engine.start(service, td.arn)
      return { service: serviceJson(service) }
    },
    UpdateService(b, req) {
      const cluster = state.cluster(b.cluster)
      const service = state.service(cluster, b.service)
      if (service.status !== 'ACTIVE') throw new ApiError(400, 'ServiceNotActiveException', 'Service was not ACTIVE.')
      if (service.controller !== 'ECS' && (b.taskDefinition !== undefined || b.forceNewDeployment === true)) {
        throw invalid(
          service.controller === 'CODE_DEPLOY'
            ? 'Unable to update task definition on services with a CODE_DEPLOY deployment controller. Use AWS CodeDeploy to trigger a new deployment.'
            : 'Unable to update task definition on services with an EXTERNAL deployment controller. Use task sets to deploy.',
        )
      }
      const config = parseDeploymentConfiguration(b.deploymentConfiguration, service.config)
      const loadBalancers = b.loadBalancers === undefined ? service.loadBalancers : parseLoadBalancers(b.loadBalancers)
      const td = b.taskDefinition === undefined ? undefined : state.taskDefinition(b.taskDefinition)
      if (td) checkRoles(req, td)
      if (b.loadBalancers !== undefined) {
        checkLoadBalancers(elbv2, loadBalancers)
        for (const lb of loadBalancers) passRole(req, lb.advancedConfiguration?.roleArn, 'ecs.amazonaws.com')
      }
      if (b.deploymentConfiguration !== undefined) for (const hook of config.lifecycleHooks ?? []) passRole(req, hook.roleArn, 'ecs.amazonaws.com')
      if (b.desiredCount !== undefined) {
        if (typeof b.desiredCount !== 'number' || !Number.isInteger(b.desiredCount) || b.desiredCount < 0)
          throw invalid('desiredCount must be a whole number of tasks.')
      }
      // Validate the new deployment before changing anything, so a refused call leaves the service as it was.
      const redeploy = td !== undefined || b.forceNewDeployment === true || b.loadBalancers !== undefined
      const previous = {
        config: service.config,
        loadBalancers: service.loadBalancers,
        desiredCount: service.desiredCount,
        taskDefinition: service.taskDefinition,
      }
      service.config = config
      service.loadBalancers = loadBalancers
      if (typeof b.desiredCount === 'number') service.desiredCount = b.desiredCount
      if (redeploy) {
        try {
          engine.start(service, td?.arn ?? service.taskDefinition)
        } catch (err) {
          Object.assign(service, previous)
          throw err
        }
      }
      return { service: serviceJson(service) }
    },
    DescribeServices(b) {
      const cluster = state.cluster(b.cluster)
      const refs = strList(b.services, 'services', 10)
      const services: unknown[] = []
      const failures: unknown[] = []
      for (const ref of refs) {
        const arn = ref.startsWith('arn:') ? ref : state.serviceArn(cluster, ref)
        const s = state.services.get(arn)
        if (s && s.clusterArn === cluster.arn) services.push(serviceJson(s))
        else failures.push({ arn, reason: 'MISSING' })
      }
      return { services, failures }
    },
    ListServiceDeployments(b) {
      const cluster = state.cluster(b.cluster)
      const service = state.service(cluster, b.service)
      let wanted: string[] | undefined
      if (b.status !== undefined) wanted = strList(b.status, 'status', 20)
      const created = isObj(b.createdAt) ? b.createdAt : {}
      const before = typeof created.before === 'number' ? created.before * 1000 : Number.POSITIVE_INFINITY
      const after = typeof created.after === 'number' ? created.after * 1000 : Number.NEGATIVE_INFINITY
      const max = b.maxResults === undefined ? 20 : Number(b.maxResults)
      if (!Number.isInteger(max) || max < 1 || max > 100) throw invalid('maxResults must be between 1 and 100.')
      // Newest first, as the console lists them.
      const all = state
        .deploymentsOf(service.arn)
        .filter((d) => (wanted === undefined || wanted.includes(d.status)) && d.createdAt < before && d.createdAt > after)
        .reverse()
      const start = typeof b.nextToken === 'string' ? Number(Buffer.from(b.nextToken, 'base64').toString('utf8').replace(/^sd:/, '')) : 0
      if (!Number.isInteger(start) || start < 0) throw invalid('The nextToken is not valid.')
      const page = all.slice(start, start + max)
      return compact({
        serviceDeployments: page.map((d) =>
          compact({
            serviceDeploymentArn: d.arn,
            serviceArn: d.serviceArn,
            clusterArn: d.clusterArn,
            startedAt: epoch(d.startedAt),
            createdAt: epoch(d.createdAt),
            finishedAt: epoch(d.finishedAt),
            targetServiceRevisionArn: d.target,
            status: d.status,
            statusReason: d.statusReason,
          }),
        ),
        nextToken: start + max < all.length ? Buffer.from(`sd:${start + max}`).toString('base64') : undefined,
      })
    },
    DescribeServiceDeployments(b) {
      const arns = strList(b.serviceDeploymentArns, 'serviceDeploymentArns', 20)
      const serviceDeployments: unknown[] = []
      const failures: unknown[] = []
      for (const arn of arns) {
        const d = state.deployments.get(arn)
        if (d) serviceDeployments.push(deploymentJson(d))
        else failures.push({ arn, reason: 'MISSING' })
      }
      return { serviceDeployments, failures }
    },
    DescribeServiceRevisions(b) {
      const arns = strList(b.serviceRevisionArns, 'serviceRevisionArns', 20)
      const serviceRevisions: unknown[] = []
      const failures: unknown[] = []
      for (const arn of arns) {
        const r = state.revisions.get(arn)
        if (r) serviceRevisions.push(revisionJson(r))
        else failures.push({ arn, reason: 'MISSING' })
      }
      return { serviceRevisions, failures }
    },
    StopServiceDeployment(b) {
      const d = state.deployment(b.serviceDeploymentArn)
      const stopType = b.stopType ?? 'ROLLBACK'
      if (stopType !== 'ROLLBACK' && stopType !== 'ABORT') throw invalid(`stopType must be ROLLBACK or ABORT; got ${JSON.stringify(stopType)}.`)
      engine.stop(d, stopType)
      return { serviceDeploymentArn: d.arn }
    },
    ContinueServiceDeployment(b) {
      const d = state.deployment(b.serviceDeploymentArn)
      if (typeof b.hookId !== 'string' || b.hookId === '') throw invalid('hookId is required.')
      const action = (b.action ?? 'CONTINUE') as HookAction
      if (action !== 'CONTINUE' && action !== 'ROLLBACK') throw invalid(`action must be CONTINUE or ROLLBACK; got ${JSON.stringify(b.action)}.`)
      engine.continueHook(d, b.hookId, action)
      return { serviceDeploymentArn: d.arn }
    },
  }

  /** The ARN IAM authorises the call on (service, service deployment, service revision or cluster). */
  const resourceArn = (req: ApiRequest): string => {
    let b: Record<string, unknown> = {}
    try {
      b = parseJsonBody(req)
    } catch {
      return '*'
    }
    const op = jsonRpcOperation(req, TARGET_PREFIX)
    const clusterName = typeof b.cluster === 'string' && b.cluster !== '' ? (b.cluster.split('/').at(-1) ?? 'default') : 'default'
    const serviceArn = (ref: unknown): string =>
      typeof ref === 'string' && ref.startsWith('arn:') ? ref : `${ARN_PREFIX}service/${clusterName}/${typeof ref === 'string' ? ref : '*'}`
    switch (op) {
      case 'CreateService':
        return serviceArn(b.serviceName)
      case 'UpdateService':
      case 'ListServiceDeployments':
        return serviceArn(b.service)
      case 'DescribeServices':
        // AWS authorises each service named; the first stands for them here.
        return serviceArn(Array.isArray(b.services) ? b.services[0] : undefined)
      case 'DescribeServiceDeployments':
        return Array.isArray(b.serviceDeploymentArns) && typeof b.serviceDeploymentArns[0] === 'string' ? b.serviceDeploymentArns[0] : '*'
      case 'DescribeServiceRevisions':
        return Array.isArray(b.serviceRevisionArns) && typeof b.serviceRevisionArns[0] === 'string' ? b.serviceRevisionArns[0] : '*'
      case 'StopServiceDeployment':
      case 'ContinueServiceDeployment':
        return typeof b.serviceDeploymentArn === 'string' ? b.serviceDeploymentArn : '*'
      case 'DescribeClusters':
        return Array.isArray(b.clusters) && typeof b.clusters[0] === 'string'
          ? b.clusters[0].startsWith('arn:')
            ? b.clusters[0]
            : `${ARN_PREFIX}cluster/${b.clusters[0]}`
          : `${ARN_PREFIX}cluster/default`
      case 'CreateCluster':
        return `${ARN_PREFIX}cluster/${typeof b.clusterName === 'string' ? b.clusterName : 'default'}`
      default:
        // RegisterTaskDefinition and DescribeTaskDefinition take no resource-level permissions.
        return '*'
    }
  }

  return {
    name: 'ecs',
    iamPrefix: 'ecs',
    throttle: { status: 400, code: 'ThrottlingException' },
    accessDeniedCode: 'AccessDeniedException',
    match: (req) => jsonRpcOperation(req, TARGET_PREFIX),
    error,
    reset: () => {
      state.reset()
      engine.reset()
    },
    resourceArn,
    handle(op, req) {
      const body = parseJsonBody(req)
      const h = handlers[op]
      if (!h) throw new ApiError(400, 'UnknownOperationException', `Operation ${op} is not supported by the emulator`)
      engine.pump()
      return ok(h(body, req))
    },
  }
}
