// ECS response shapes: services, task definitions, clusters, service deployments and revisions as
// botocore's ecs model (2014-11-13) names their members. Timestamps are epoch seconds (awsJson).
import { ACCOUNT_ID } from '../http.js'
import { configJson } from './config.js'
import type { EcsEngine } from './deployment.js'
import { type EcsState, isActive, type LoadBalancerConfig, type Service, type ServiceDeployment, type ServiceRevision, type TaskDefinition } from './model.js'

export const epoch = (ms: number | undefined): number | undefined => (ms === undefined ? undefined : ms / 1000)

/** Removes undefined members: AWS omits what it has no value for. */
export function compact<T extends Record<string, unknown>>(o: T): T {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k]
  return o
}

const lbJson = (lbs: LoadBalancerConfig[]) =>
  lbs.map((lb) => compact({ ...lb, advancedConfiguration: lb.advancedConfiguration && { ...lb.advancedConfiguration } }))

export function responseShapes(state: EcsState, engine: EcsEngine) {
  const taskDefinitionJson = (td: TaskDefinition) =>
    compact({
      ...td.rest,
      taskDefinitionArn: td.arn,
      family: td.family,
      revision: td.revision,
      taskRoleArn: td.taskRoleArn,
      executionRoleArn: td.executionRoleArn,
      status: td.status,
      registeredAt: epoch(td.registeredAt),
      registeredBy: `arn:aws:iam::${ACCOUNT_ID}:root`,
    })

  const serviceJson = (s: Service) => {
    const d = s.currentDeployment === undefined ? undefined : state.deployments.get(s.currentDeployment)
    const active = d && isActive(d.status) ? d : undefined
    const revisionArns = active ? [active.target, ...active.sources] : s.currentRevision ? [s.currentRevision] : []
    const revisions = revisionArns.flatMap((arn) => state.revisions.get(arn) ?? [])
    return compact({
      ...s.rest,
      serviceArn: s.arn,
      serviceName: s.name,
      clusterArn: s.clusterArn,
      loadBalancers: lbJson(s.loadBalancers),
      status: s.status,
      desiredCount: s.desiredCount,
      runningCount: revisions.reduce((n, r) => n + r.runningTaskCount, 0),
      pendingCount: revisions.reduce((n, r) => n + r.pendingTaskCount, 0),
      launchType: s.launchType,
      taskDefinition: s.taskDefinition,
      deploymentConfiguration: configJson(s.config),
      deployments: revisions.map((r, i) =>
        compact({
          id: `ecs-svc/${r.arn.split('/').at(-1)}`,
          status: i === 0 ? 'PRIMARY' : 'ACTIVE',
          taskDefinition: r.taskDefinition,
          desiredCount: r.requestedTaskCount,
          pendingCount: r.pendingTaskCount,
          runningCount: r.runningTaskCount,
          failedTasks: 0,
          createdAt: epoch(r.createdAt),
          updatedAt: epoch(active?.updatedAt ?? r.createdAt),
          launchType: r.launchType,
        }),
      ),
      events: s.events.slice(0, 100).map((e) => ({ id: e.id, createdAt: epoch(e.createdAt), message: e.message })),
      createdAt: epoch(s.createdAt),
      currentServiceDeployment: s.currentDeployment,
      currentServiceRevisions: revisions.map((r) => ({
        arn: r.arn,
        requestedTaskCount: r.requestedTaskCount,
        runningTaskCount: r.runningTaskCount,
        pendingTaskCount: r.pendingTaskCount,
      })),
      schedulingStrategy: 'REPLICA',
      deploymentController: { type: s.controller },
      createdBy: s.createdBy,
      enableECSManagedTags: false,
      propagateTags: 'NONE',
      enableExecuteCommand: false,
    })
  }

  const revisionSummary = (d: ServiceDeployment, r: ServiceRevision) => {
    const w = engine.weights(d, r.arn)
    return {
      arn: r.arn,
      requestedTaskCount: r.requestedTaskCount,
      runningTaskCount: r.runningTaskCount,
      pendingTaskCount: r.pendingTaskCount,
      requestedTestTrafficWeight: w.test,
      requestedProductionTrafficWeight: w.production,
    }
  }

  const deploymentJson = (d: ServiceDeployment) => {
    const target = state.revisions.get(d.target)
    return compact({
      serviceDeploymentArn: d.arn,
      serviceArn: d.serviceArn,
      clusterArn: d.clusterArn,
      createdAt: epoch(d.createdAt),
      startedAt: epoch(d.startedAt),
      finishedAt: epoch(d.finishedAt),
      stoppedAt: epoch(d.stoppedAt),
      updatedAt: epoch(d.updatedAt),
      sourceServiceRevisions: d.sources.flatMap((arn) => {
        const r = state.revisions.get(arn)
        return r ? [revisionSummary(d, r)] : []
      }),
      targetServiceRevision: target && revisionSummary(d, target),
      status: d.status,
      statusReason: d.statusReason,
      lifecycleStage: d.config.strategy === 'ROLLING' ? undefined : d.lifecycleStage,
      lifecycleHookDetails: d.hooks.map((h) =>
        compact({
          hookId: h.hookId,
          targetType: h.targetType,
          targetArn: h.targetArn,
          status: h.status,
          expiresAt: epoch(h.expiresAt),
          timeoutAction: h.timeoutAction,
        }),
      ),
      deploymentConfiguration: configJson(d.config),
      rollback: d.rollback && { reason: d.rollback.reason, startedAt: epoch(d.rollback.startedAt), serviceRevisionArn: d.rollback.serviceRevisionArn },
      deploymentCircuitBreaker: { status: d.config.deploymentCircuitBreaker.enable ? 'MONITORING' : 'DISABLED', failureCount: 0, threshold: 3 },
      alarms: d.config.alarms
        ? compact({
            status: d.alarms.status,
            alarmNames: [...d.config.alarms.alarmNames],
            triggeredAlarmNames: d.alarms.triggered.length > 0 ? [...d.alarms.triggered] : undefined,
          })
        : { status: 'DISABLED' },
    })
  }

  const revisionJson = (r: ServiceRevision) => {
    const td = state.taskDefinitions.get(r.taskDefinition)
    const containers = Array.isArray(td?.rest.containerDefinitions) ? (td.rest.containerDefinitions as Record<string, unknown>[]) : []
    return compact({
      serviceRevisionArn: r.arn,
      serviceArn: r.serviceArn,
      clusterArn: r.clusterArn,
      taskDefinition: r.taskDefinition,
      launchType: r.launchType,
      platformVersion: r.launchType === 'FARGATE' ? '1.4.0' : undefined,
      platformFamily: r.launchType === 'FARGATE' ? 'Linux' : undefined,
      loadBalancers: lbJson(r.loadBalancers),
      containerImages: containers.map((c) => compact({ containerName: String(c.name ?? ''), image: typeof c.image === 'string' ? c.image : undefined })),
      guardDutyEnabled: false,
      createdAt: epoch(r.createdAt),
      resolvedConfiguration:
        r.targetGroupArn === undefined
          ? undefined
          : { loadBalancers: [compact({ targetGroupArn: r.targetGroupArn, productionListenerRule: r.productionListenerRule })] },
    })
  }

  const clusterJson = (c: { arn: string; name: string }) => {
    const services = [...state.services.values()].filter((s) => s.clusterArn === c.arn && s.status === 'ACTIVE')
    return {
      clusterArn: c.arn,
      clusterName: c.name,
      status: 'ACTIVE',
      registeredContainerInstancesCount: 0,
      runningTasksCount: services.reduce((n, s) => n + s.desiredCount, 0),
      pendingTasksCount: 0,
      activeServicesCount: services.length,
      statistics: [],
      tags: [],
      settings: [{ name: 'containerInsights', value: 'disabled' }],
      capacityProviders: ['FARGATE', 'FARGATE_SPOT'],
      defaultCapacityProviderStrategy: [],
    }
  }

  return { taskDefinitionJson, serviceJson, deploymentJson, revisionJson, clusterJson }
}
