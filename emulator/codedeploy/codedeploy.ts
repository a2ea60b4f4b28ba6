// CodeDeploy (awsJson1_1, target prefix CodeDeploy_20141006): applications, deployment groups/configs,
// deployments and targets. The deployment engine lives in codedeploy-progress.ts.
import { createHash } from 'node:crypto'
import { COMPUTE_PLATFORMS, DEFAULT_CONFIG, type ComputePlatform, type DeploymentConfig, type TrafficRouting } from './model.js'
import {
  type CodeDeployState,
  ecsService,
  isActive,
  newUuid,
  type AlarmConfig,
  type AutoRollbackConfig,
  type Deployment,
  type DeploymentGroup,
  type EcsTaskSet,
  type LifecycleEventRec,
} from './progress.js'
import { ACCOUNT_ID, REGION, parseJsonBody, type ApiResponse } from '../http.js'
import { functionArn } from '../lambda/lambda.js'
import { ApiError, jsonRpcOperation, type EmulatedService } from '../service.js'

const CONTENT_TYPE = 'application/x-amz-json-1.1'
const epoch = (ms: number | undefined): number | undefined => (ms === undefined ? undefined : ms / 1000)

const bad = (code: string, message: string): ApiError => new ApiError(400, code, message)
const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v)

function optStr(body: Record<string, unknown>, key: string): string | undefined {
  const v = body[key]
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'string') throw bad('InvalidInputException', `${key} must be a string`)
  return v
}

function reqStr(body: Record<string, unknown>, key: string, code: string, message: string): string {
  const v = optStr(body, key)
  if (v === undefined || v === '') throw bad(code, message)
  return v
}

const appName = (b: Record<string, unknown>): string =>
  reqStr(b, 'applicationName', 'ApplicationNameRequiredException', 'The minimum number of required application names was not specified.')
const groupName = (b: Record<string, unknown>): string =>
  reqStr(b, 'deploymentGroupName', 'DeploymentGroupNameRequiredException', 'The deployment group name was not specified.')
const deploymentIdOf = (b: Record<string, unknown>): string =>
  reqStr(b, 'deploymentId', 'DeploymentIdRequiredException', 'At least one deployment ID must be specified.')

/** Removes undefined members so the JSON stays tidy. */
function compact<T extends Record<string, unknown>>(o: T): T {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k]
  return o
}

// ---- token paging ----
function pageStart(body: Record<string, unknown>, kind: string): number {
  const t = optStr(body, 'nextToken')
  if (t === undefined) return 0
  const m = /^(\w+):(\d+)$/.exec(Buffer.from(t, 'base64').toString('utf8'))
  if (!m || m[1] !== kind) throw bad('InvalidNextTokenException', 'The next token was specified in an invalid format.')
  return Number(m[2])
}
function page<T>(items: T[], body: Record<string, unknown>, kind: string, size = 100): { items: T[]; nextToken?: string } {
  const start = pageStart(body, kind)
  const slice = items.slice(start, start + size)
  return start + size < items.length ? { items: slice, nextToken: Buffer.from(`${kind}:${start + size}`).toString('base64') } : { items: slice }
}

// ---- input parsing ----

function parseAlarmConfig(v: unknown): AlarmConfig | undefined {
  if (v === undefined || v === null) return undefined
  if (!isObj(v)) throw bad('InvalidAlarmConfigException', 'alarmConfiguration must be an object')
  const alarms = v.alarms ?? []
  if (!Array.isArray(alarms) || alarms.some((a) => !isObj(a) || typeof a.name !== 'string')) {
    throw bad('InvalidAlarmConfigException', 'alarmConfiguration.alarms must be a list of {name}')
  }
  if (alarms.length > 10) throw bad('AlarmsLimitExceededException', 'The maximum number of alarms for a deployment group (10) was exceeded.')
  const enabled = v.enabled === true
  if (enabled && alarms.length === 0) throw bad('InvalidAlarmConfigException', 'The alarm configuration is enabled but no alarms were specified.')
  return { enabled, ignorePollAlarmFailure: v.ignorePollAlarmFailure === true, alarms: (alarms as { name: string }[]).map((a) => ({ name: a.name })) }
}

const ROLLBACK_EVENTS = ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM', 'DEPLOYMENT_STOP_ON_REQUEST']
function parseAutoRollback(v: unknown): AutoRollbackConfig | undefined {
  if (v === undefined || v === null) return undefined
  if (!isObj(v)) throw bad('InvalidAutoRollbackConfigException', 'autoRollbackConfiguration must be an object')
  const events = v.events ?? []
  if (!Array.isArray(events) || events.some((e) => typeof e !== 'string' || !ROLLBACK_EVENTS.includes(e))) {
    throw bad('InvalidAutoRollbackConfigException', `autoRollbackConfiguration.events must be a subset of ${ROLLBACK_EVENTS.join(', ')}`)
  }
  const enabled = v.enabled === true
  if (enabled && events.length === 0) throw bad('InvalidAutoRollbackConfigException', 'Auto rollback is enabled but no events were specified.')
  return { enabled, events: [...(events as string[])] }
}

function parseTrafficRouting(v: unknown): TrafficRouting | undefined {
  if (v === undefined || v === null) return undefined
  const invalid = (m: string): ApiError => bad('InvalidTrafficRoutingConfigurationException', m)
  if (!isObj(v)) throw invalid('trafficRoutingConfig must be an object')
  const pctOk = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 99
  const intervalOk = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 1
  switch (v.type) {
    case 'AllAtOnce':
      return { type: 'AllAtOnce' }
    case 'TimeBasedCanary': {
      const c = isObj(v.timeBasedCanary) ? v.timeBasedCanary : {}
      if (!pctOk(c.canaryPercentage) || !intervalOk(c.canaryInterval)) {
        throw invalid('TimeBasedCanary requires canaryPercentage (1-99) and canaryInterval (minutes, >= 1).')
      }
      return { type: 'TimeBasedCanary', timeBasedCanary: { canaryPercentage: c.canaryPercentage, canaryInterval: c.canaryInterval } }
    }
    case 'TimeBasedLinear': {
      const l = isObj(v.timeBasedLinear) ? v.timeBasedLinear : {}
      if (!pctOk(l.linearPercentage) || !intervalOk(l.linearInterval)) {
        throw invalid('TimeBasedLinear requires linearPercentage (1-99) and linearInterval (minutes, >= 1).')
      }
      return { type: 'TimeBasedLinear', timeBasedLinear: { linearPercentage: l.linearPercentage, linearInterval: l.linearInterval } }
    }
    default:
      throw invalid(`Unsupported traffic routing type ${String(v.type)}; use AllAtOnce, TimeBasedCanary or TimeBasedLinear.`)
  }
}

function parseRevision(v: unknown): Record<string, unknown> | undefined {
  if (v === undefined || v === null) return undefined
  if (!isObj(v)) throw bad('InvalidRevisionException', 'revision must be an object')
  const rev = structuredClone(v)
  switch (rev.revisionType) {
    case 'AppSpecContent': {
      const c = rev.appSpecContent
      if (!isObj(c) || typeof c.content !== 'string') throw bad('InvalidRevisionException', 'The revision appSpecContent.content is required.')
      const sha = createHash('sha256').update(c.content).digest('hex')
      if (typeof c.sha256 === 'string' && c.sha256 !== '' && c.sha256 !== sha) {
        throw bad('InvalidRevisionException', 'The sha256 of the AppSpec content does not match the content.')
      }
      c.sha256 = sha
      return rev
    }
    case 'String': {
      const s = rev.string
      if (!isObj(s) || typeof s.content !== 'string') throw bad('InvalidRevisionException', 'The revision string.content is required.')
      return rev
    }
    case 'S3': {
      const s = rev.s3Location
      if (!isObj(s) || typeof s.bucket !== 'string' || typeof s.key !== 'string')
        throw bad('InvalidRevisionException', 'The S3 revision requires s3Location.bucket and s3Location.key.')
      return rev
    }
    case 'GitHub': {
      const g = rev.gitHubLocation
      if (!isObj(g) || typeof g.repository !== 'string' || typeof g.commitId !== 'string') {
        throw bad('InvalidRevisionException', 'The GitHub revision requires gitHubLocation.repository and gitHubLocation.commitId.')
      }
      return rev
    }
    default:
      throw bad('InvalidRevisionException', `Unsupported revisionType ${String(rev.revisionType)}.`)
  }
}

const STORED_GROUP_FIELDS = [
  'ec2TagFilters',
  'onPremisesInstanceTagFilters',
  'autoScalingGroups',
  'triggerConfigurations',
  'deploymentStyle',
  'blueGreenDeploymentConfiguration',
  'loadBalancerInfo',
  'ec2TagSet',
  'onPremisesTagSet',
  'ecsServices',
  'outdatedInstancesStrategy',
  'terminationHookEnabled',
]

// ---- output shapes ----

function configJson(c: DeploymentConfig): Record<string, unknown> {
  return compact({
    deploymentConfigId: c.id,
    deploymentConfigName: c.name,
    minimumHealthyHosts: c.minimumHealthyHosts,
    createTime: epoch(c.createTime),
    computePlatform: c.computePlatform,
    trafficRoutingConfig: c.trafficRoutingConfig,
  })
}

function lastDeploymentJson(state: CodeDeployState, id: string | undefined): Record<string, unknown> | undefined {
  const d = id === undefined ? undefined : state.deployments.get(id)
  if (!d) return undefined
  return compact({ deploymentId: d.id, status: d.status, endTime: epoch(d.completeTime), createTime: epoch(d.createTime) })
}

function defaultStyle(p: ComputePlatform): Record<string, string> {
  return p === 'Server'
    ? { deploymentType: 'IN_PLACE', deploymentOption: 'WITHOUT_TRAFFIC_CONTROL' }
    : { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' }
}

function groupJson(state: CodeDeployState, g: DeploymentGroup): Record<string, unknown> {
  return compact({
    applicationName: g.applicationName,
    deploymentGroupId: g.id,
    deploymentGroupName: g.name,
    deploymentConfigName: g.deploymentConfigName,
    serviceRoleArn: g.serviceRoleArn,
    alarmConfiguration: g.alarmConfiguration ?? { enabled: false, ignorePollAlarmFailure: false, alarms: [] },
    autoRollbackConfiguration: g.autoRollbackConfiguration,
    deploymentStyle: defaultStyle(g.computePlatform),
    ec2TagFilters: [],
    onPremisesInstanceTagFilters: [],
    autoScalingGroups: [],
    triggerConfigurations: [],
    ...g.stored,
    lastSuccessfulDeployment: lastDeploymentJson(state, g.lastSuccessful),
    lastAttemptedDeployment: lastDeploymentJson(state, g.lastAttempted),
    computePlatform: g.computePlatform,
  })
}

function overview(d: Deployment): Record<string, number> {
  const o: Record<string, number> = { Pending: 0, InProgress: 0, Succeeded: 0, Failed: 0, Skipped: 0, Ready: 0 }
  const statuses = d.instances ? d.instances.map((i) => i.status) : [d.targetStatus]
  for (const s of statuses) if (s in o) o[s] = (o[s] ?? 0) + 1
  return o
}

function deploymentJson(state: CodeDeployState, d: Deployment): Record<string, unknown> {
  const g = state.groups.get(`${d.applicationName}\u0000${d.groupName}`)
  const autoRollback = d.autoRollbackOverride ?? g?.autoRollbackConfiguration
  return compact({
    applicationName: d.applicationName,
    deploymentGroupName: d.groupName,
    deploymentConfigName: d.configName,
    deploymentId: d.id,
    previousRevision: d.previousRevision,
    revision: d.revision,
    status: d.status,
    errorInformation: d.errorInformation,
    createTime: epoch(d.createTime),
    startTime: epoch(d.startTime),
    completeTime: epoch(d.completeTime),
    deploymentOverview: overview(d),
    description: d.description,
    creator: d.creator,
    ignoreApplicationStopFailures: false,
    autoRollbackConfiguration: autoRollback,
    updateOutdatedInstancesOnly: false,
    rollbackInfo: d.rollbackInfo,
    deploymentStyle: (g?.stored.deploymentStyle as Record<string, unknown> | undefined) ?? defaultStyle(d.computePlatform),
    instanceTerminationWaitTimeStarted: false,
    blueGreenDeploymentConfiguration: d.computePlatform === 'ECS' ? g?.stored.blueGreenDeploymentConfiguration : undefined,
    loadBalancerInfo: d.computePlatform === 'ECS' ? g?.stored.loadBalancerInfo : undefined,
    deploymentStatusMessages: [...d.statusMessages],
    computePlatform: d.computePlatform,
    overrideAlarmConfiguration: d.overrideAlarm,
  })
}

function eventsJson(events: LifecycleEventRec[]): Record<string, unknown>[] {
  return events.map((e) =>
    compact({
      lifecycleEventName: e.name,
      startTime: epoch(e.startTime),
      endTime: epoch(e.endTime),
      status: e.status,
      diagnostics:
        e.message === undefined
          ? undefined
          : { errorCode: e.status === 'Failed' ? 'ScriptFailed' : 'Success', scriptName: '', message: e.message, logTail: '' },
    }),
  )
}

function taskSetJson(t: EcsTaskSet): Record<string, unknown> {
  return {
    identifer: t.identifer,
    desiredCount: t.desiredCount,
    pendingCount: t.pendingCount,
    runningCount: t.runningCount,
    status: t.status,
    trafficWeight: t.trafficWeight,
    targetGroup: { name: t.targetGroup },
    taskSetLabel: t.taskSetLabel,
  }
}

const SERVER_EVENTS = ['ApplicationStop', 'DownloadBundle', 'BeforeInstall', 'Install', 'AfterInstall', 'ApplicationStart', 'ValidateService']

export function targetIds(d: Deployment): string[] {
  if (d.lambda) return [`${d.lambda.functionName}:${d.lambda.alias}`]
  if (d.ecs) return [`${d.ecs.clusterName}:${d.ecs.serviceName}`]
  return (d.instances ?? []).map((i) => i.id)
}

function targetJson(d: Deployment, targetId: string): Record<string, unknown> {
  const base = { deploymentId: d.id, targetId, lastUpdatedAt: epoch(d.lastUpdatedAt) }
  if (d.lambda) {
    const l = d.lambda
    return {
      deploymentTargetType: 'LambdaTarget',
      lambdaTarget: {
        ...base,
        targetArn: functionArn(l.functionName, l.alias),
        status: d.targetStatus,
        lifecycleEvents: eventsJson(d.events),
        lambdaFunctionInfo: {
          functionName: l.functionName,
          functionAlias: l.alias,
          currentVersion: l.currentVersion,
          targetVersion: l.targetVersion,
          targetVersionWeight: l.weight,
        },
      },
    }
  }
  if (d.ecs) {
    const e = d.ecs
    return {
      deploymentTargetType: 'ECSTarget',
      ecsTarget: {
        ...base,
        targetArn: `arn:aws:ecs:${REGION}:${ACCOUNT_ID}:service/${e.clusterName}/${e.serviceName}`,
        lifecycleEvents: eventsJson(d.events),
        status: d.targetStatus,
        taskSetsInfo: [e.original, ...(e.replacement ? [e.replacement] : [])].map(taskSetJson),
      },
    }
  }
  const inst = d.instances?.find((i) => i.id === targetId)
  const status = inst?.status ?? 'Unknown'
  const events: LifecycleEventRec[] = SERVER_EVENTS.map((name, k): LifecycleEventRec => {
    if (status === 'Succeeded') {
      return {
        name,
        status: 'Succeeded',
        ...(inst?.startTime !== undefined && { startTime: inst.startTime }),
        ...(inst?.endTime !== undefined && { endTime: inst.endTime }),
      }
    }
    if (status === 'InProgress') return { name, status: k === 0 ? ('InProgress' as const) : ('Pending' as const) }
    if (status === 'Failed')
      return k === 0 ? { name, status: 'Failed' as const, message: d.errorInformation?.message ?? 'Failed' } : { name, status: 'Skipped' as const }
    if (status === 'Skipped') return { name, status: 'Skipped' as const }
    return { name, status: 'Pending' as const }
  })
  return {
    deploymentTargetType: 'InstanceTarget',
    instanceTarget: {
      ...base,
      targetArn: `arn:aws:ec2:${REGION}:${ACCOUNT_ID}:instance/${targetId}`,
      status,
      lifecycleEvents: eventsJson(events),
    },
  }
}

// ---- service ----

const DEPLOYMENT_STATUSES = ['Created', 'Queued', 'InProgress', 'Baking', 'Succeeded', 'Failed', 'Stopped', 'Ready']

export function createCodeDeployService(state: CodeDeployState): EmulatedService {
  const error = (status: number, code: string, message: string, headers: Record<string, string> = {}): ApiResponse => ({
    status,
    headers: { 'content-type': CONTENT_TYPE, ...headers },
    body: { __type: code, message },
  })
  const ok = (body: unknown = {}): ApiResponse => ({ status: 200, headers: { 'content-type': CONTENT_TYPE }, body })

  const handlers: Record<string, (b: Record<string, unknown>) => unknown> = {
    CreateApplication(b) {
      const name = appName(b)
      const platform = optStr(b, 'computePlatform') ?? 'Server'
      if (!COMPUTE_PLATFORMS.includes(platform))
        throw bad('InvalidComputePlatformException', `The computePlatform ${platform} is invalid. Use Lambda, ECS or Server.`)
      if (state.applications.has(name)) throw bad('ApplicationAlreadyExistsException', `Application '${name}' already exists.`)
      const id = newUuid()
      state.applications.set(name, { id, name, computePlatform: platform as ComputePlatform, createTime: Date.now() })
      return { applicationId: id }
    },
    GetApplication(b) {
      const a = state.getApplication(appName(b))
      return {
        application: {
          applicationId: a.id,
          applicationName: a.name,
          createTime: epoch(a.createTime),
          linkedToGitHub: false,
          computePlatform: a.computePlatform,
        },
      }
    },
    ListApplications(b) {
      const p = page([...state.applications.keys()].sort(), b, 'applications')
      return compact({ applications: p.items, nextToken: p.nextToken })
    },
    DeleteApplication(b) {
      const name = appName(b)
      state.applications.delete(name)
      for (const [k, g] of state.groups) if (g.applicationName === name) state.groups.delete(k)
      return {}
    },
    CreateDeploymentGroup(b) {
      const app = state.getApplication(appName(b))
      const name = groupName(b)
      const key = `${app.name}\u0000${name}`
      if (state.groups.has(key))
        throw bad('DeploymentGroupAlreadyExistsException', `A deployment group named ${name} already exists for application ${app.name}.`)
      const role = reqStr(b, 'serviceRoleArn', 'RoleRequiredException', 'The service role ARN was not specified.')
      if (!/^arn:aws[a-z-]*:iam::\d{12}:role\//.test(role)) throw bad('InvalidRoleException', `The service role ARN ${role} is not valid.`)
      const configName = optStr(b, 'deploymentConfigName') ?? DEFAULT_CONFIG[app.computePlatform]
      const cfg = state.getConfig(configName)
      if (cfg.computePlatform !== app.computePlatform) {
        throw bad(
          'InvalidDeploymentConfigNameException',
          `The deployment configuration ${configName} is for the ${cfg.computePlatform} compute platform, not ${app.computePlatform}.`,
        )
      }
      const alarmConfiguration = parseAlarmConfig(b.alarmConfiguration)
      const autoRollbackConfiguration = parseAutoRollback(b.autoRollbackConfiguration)
      const stored: Record<string, unknown> = {}
      for (const f of STORED_GROUP_FIELDS) if (b[f] !== undefined && b[f] !== null) stored[f] = structuredClone(b[f])
      const ready = (stored.blueGreenDeploymentConfiguration as Record<string, Record<string, unknown> | undefined> | undefined)?.deploymentReadyOption
      if (ready?.actionOnTimeout !== undefined && ready.actionOnTimeout !== 'CONTINUE_DEPLOYMENT' && ready.actionOnTimeout !== 'STOP_DEPLOYMENT') {
        throw bad('InvalidBlueGreenDeploymentConfigurationException', `Invalid deploymentReadyOption.actionOnTimeout ${String(ready.actionOnTimeout)}.`)
      }
      const g: DeploymentGroup = {
        id: newUuid(),
        applicationName: app.name,
        name,
        computePlatform: app.computePlatform,
        serviceRoleArn: role,
        deploymentConfigName: configName,
        ...(alarmConfiguration !== undefined && { alarmConfiguration }),
        ...(autoRollbackConfiguration !== undefined && { autoRollbackConfiguration }),
        stored,
      }
      state.groups.set(key, g)
      return { deploymentGroupId: g.id }
    },
    GetDeploymentGroup(b) {
      return { deploymentGroupInfo: groupJson(state, state.getGroup(appName(b), groupName(b))) }
    },
    ListDeploymentGroups(b) {
      const app = state.getApplication(appName(b))
      const names = [...state.groups.values()]
        .filter((g) => g.applicationName === app.name)
        .map((g) => g.name)
        .sort()
      const p = page(names, b, 'groups')
      return compact({ applicationName: app.name, deploymentGroups: p.items, nextToken: p.nextToken })
    },
    DeleteDeploymentGroup(b) {
      const g = state.getGroup(appName(b), groupName(b))
      state.groups.delete(`${g.applicationName}\u0000${g.name}`)
      return { hooksNotCleanedUp: [] }
    },
    CreateDeploymentConfig(b) {
      const name = reqStr(b, 'deploymentConfigName', 'DeploymentConfigNameRequiredException', 'The deployment configuration name was not specified.')
      if (state.configs.has(name)) {
        throw bad(
          'DeploymentConfigAlreadyExistsException',
          `A deployment configuration with the specified name with the IAM user or AWS account already exists: ${name}`,
        )
      }
      const platform = optStr(b, 'computePlatform') ?? 'Server'
      if (!COMPUTE_PLATFORMS.includes(platform))
        throw bad('InvalidComputePlatformException', `The computePlatform ${platform} is invalid. Use Lambda, ECS or Server.`)
      const routing = parseTrafficRouting(b.trafficRoutingConfig)
      const mhhRaw = b.minimumHealthyHosts
      let mhh: DeploymentConfig['minimumHealthyHosts']
      if (platform === 'Server') {
        if (routing !== undefined)
          throw bad('InvalidTrafficRoutingConfigurationException', 'trafficRoutingConfig is only valid for the Lambda and ECS compute platforms.')
        if (!isObj(mhhRaw) || (mhhRaw.type !== 'HOST_COUNT' && mhhRaw.type !== 'FLEET_PERCENT') || typeof mhhRaw.value !== 'number' || mhhRaw.value < 0) {
          throw bad(
            'InvalidMinimumHealthyHostValueException',
            'minimumHealthyHosts {type: HOST_COUNT | FLEET_PERCENT, value} is required for the Server compute platform.',
          )
        }
        if (mhhRaw.type === 'FLEET_PERCENT' && mhhRaw.value > 99)
          throw bad('InvalidMinimumHealthyHostValueException', 'The FLEET_PERCENT value must be between 0 and 99.')
        mhh = { type: mhhRaw.type, value: mhhRaw.value }
      } else if (mhhRaw !== undefined && mhhRaw !== null) {
        throw bad('InvalidMinimumHealthyHostValueException', 'minimumHealthyHosts is only valid for the Server compute platform.')
      }
      const cfg: DeploymentConfig = {
        id: newUuid(),
        name,
        computePlatform: platform as ComputePlatform,
        ...(platform !== 'Server' && { trafficRoutingConfig: routing ?? { type: 'AllAtOnce' } }),
        ...(mhh !== undefined && { minimumHealthyHosts: mhh }),
        createTime: Date.now(),
        predefined: false,
      }
      state.configs.set(name, cfg)
      return { deploymentConfigId: cfg.id }
    },
    GetDeploymentConfig(b) {
      const name = reqStr(b, 'deploymentConfigName', 'DeploymentConfigNameRequiredException', 'The deployment configuration name was not specified.')
      return { deploymentConfigInfo: configJson(state.getConfig(name)) }
    },
    ListDeploymentConfigs(b) {
      const p = page([...state.configs.keys()], b, 'configs')
      return compact({ deploymentConfigsList: p.items, nextToken: p.nextToken })
    },
    DeleteDeploymentConfig(b) {
      const name = reqStr(b, 'deploymentConfigName', 'DeploymentConfigNameRequiredException', 'The deployment configuration name was not specified.')
      const cfg = state.getConfig(name)
      if (cfg.predefined) throw bad('InvalidOperationException', `The predefined deployment configuration ${name} cannot be deleted.`)
      if ([...state.groups.values()].some((g) => g.deploymentConfigName === name)) {
        throw bad('DeploymentConfigInUseException', `The deployment configuration ${name} is still in use.`)
      }
      state.configs.delete(name)
      return {}
    },
    CreateDeployment(b) {
      const g = state.getGroup(appName(b), groupName(b))
      const configName = optStr(b, 'deploymentConfigName') ?? g.deploymentConfigName
      const cfg = state.getConfig(configName)
      if (cfg.computePlatform !== g.computePlatform) {
        throw bad(
          'InvalidDeploymentConfigNameException',
          `The deployment configuration ${configName} is for the ${cfg.computePlatform} compute platform, not ${g.computePlatform}.`,
        )
      }
      const revision = parseRevision(b.revision)
      if (revision === undefined) throw bad('RevisionRequiredException', 'The revision ID was not specified.')
      const description = optStr(b, 'description')
      if (description !== undefined && description.length > 100) throw bad('DescriptionTooLongException', 'The description is too long.')
      const autoRollbackOverride = parseAutoRollback(b.autoRollbackConfiguration)
      const overrideAlarm = parseAlarmConfig(b.overrideAlarmConfiguration)
      const d = state.createDeployment({
        group: g,
        configName,
        revision,
        ...(description !== undefined && { description }),
        ...(autoRollbackOverride !== undefined && { autoRollbackOverride }),
        ...(overrideAlarm !== undefined && { overrideAlarm }),
      })
      return { deploymentId: d.id }
    },
    GetDeployment(b) {
      return { deploymentInfo: deploymentJson(state, state.getDeployment(deploymentIdOf(b))) }
    },
    BatchGetDeployments(b) {
      const ids = b.deploymentIds
      if (!Array.isArray(ids) || ids.length === 0) throw bad('DeploymentIdRequiredException', 'At least one deployment ID must be specified.')
      if (ids.length > 25) throw bad('BatchLimitExceededException', 'The maximum number of names or IDs allowed for this request (25) was exceeded.')
      const infos = ids.flatMap((id) => {
        const d = typeof id === 'string' ? state.deployments.get(id) : undefined
        return d ? [deploymentJson(state, d)] : []
      })
      return { deploymentsInfo: infos }
    },
    ListDeployments(b) {
      const app = optStr(b, 'applicationName')
      const group = optStr(b, 'deploymentGroupName')
      if (group !== undefined && app === undefined) {
        throw bad('ApplicationNameRequiredException', 'If deploymentGroupName is specified, then applicationName must be specified.')
      }
      if (app !== undefined) state.getApplication(app)
      if (app !== undefined && group !== undefined) state.getGroup(app, group)
      const statuses = b.includeOnlyStatuses
      if (statuses !== undefined && (!Array.isArray(statuses) || statuses.some((s) => typeof s !== 'string' || !DEPLOYMENT_STATUSES.includes(s)))) {
        throw bad('InvalidDeploymentStatusException', `includeOnlyStatuses must be a list of ${DEPLOYMENT_STATUSES.join(', ')}`)
      }
      const range = isObj(b.createTimeRange) ? b.createTimeRange : {}
      const from = typeof range.start === 'number' ? range.start * 1000 : undefined
      const to = typeof range.end === 'number' ? range.end * 1000 : undefined
      const ids = [...state.order]
        .reverse()
        .map((id) => state.deployments.get(id))
        .filter((d): d is Deployment => d !== undefined)
        .filter((d) => app === undefined || d.applicationName === app)
        .filter((d) => group === undefined || d.groupName === group)
        .filter((d) => !Array.isArray(statuses) || statuses.length === 0 || statuses.includes(d.status))
        .filter((d) => (from === undefined || d.createTime >= from) && (to === undefined || d.createTime <= to))
        .map((d) => d.id)
      const p = page(ids, b, 'deployments')
      return compact({ deployments: p.items, nextToken: p.nextToken })
    },
    StopDeployment(b) {
      const id = deploymentIdOf(b)
      const rb = b.autoRollbackEnabled
      return state.stopDeployment(id, typeof rb === 'boolean' ? rb : undefined)
    },
    ContinueDeployment(b) {
      state.continueDeployment(deploymentIdOf(b), optStr(b, 'deploymentWaitType') ?? 'READY_WAIT')
      return {}
    },
    PutLifecycleEventHookExecutionStatus(b) {
      const id = deploymentIdOf(b)
      const exec = reqStr(
        b,
        'lifecycleEventHookExecutionId',
        'InvalidLifecycleEventHookExecutionIdException',
        'A lifecycle event hook execution ID is required.',
      )
      const status = reqStr(b, 'status', 'InvalidLifecycleEventHookExecutionStatusException', 'A lifecycle event hook execution status is required.')
      return { lifecycleEventHookExecutionId: state.putHookStatus(id, exec, status) }
    },
    ListDeploymentTargets(b) {
      const d = state.getDeployment(deploymentIdOf(b))
      const filters = isObj(b.targetFilters) ? b.targetFilters : {}
      for (const k of Object.keys(filters)) {
        if (k !== 'TargetStatus' && k !== 'ServerInstanceLabel') throw bad('InvalidTargetFilterNameException', `Invalid target filter name ${k}.`)
      }
      const wanted = Array.isArray(filters.TargetStatus) ? (filters.TargetStatus as string[]) : undefined
      const ids = targetIds(d).filter((id) => {
        if (wanted === undefined || wanted.length === 0) return true
        const status = d.instances ? d.instances.find((i) => i.id === id)?.status : d.targetStatus
        return status !== undefined && wanted.includes(status)
      })
      const p = page(ids, b, 'targets')
      return compact({ targetIds: p.items, nextToken: p.nextToken })
    },
    BatchGetDeploymentTargets(b) {
      const d = state.getDeployment(deploymentIdOf(b))
      const ids = b.targetIds
      if (!Array.isArray(ids) || ids.length === 0) throw bad('DeploymentTargetIdRequiredException', 'A deployment target ID was not provided.')
      if (ids.length > 25)
        throw bad(
          'DeploymentTargetListSizeExceededException',
          'The maximum number of targets that can be associated with an Amazon ECS or AWS Lambda deployment was exceeded. The target list of both types of deployments must have exactly one item. This exception does not apply to EC2/On-premises deployments.',
        )
      const known = targetIds(d)
      return {
        deploymentTargets: ids.map((id) => {
          if (typeof id !== 'string' || !known.includes(id))
            throw bad('DeploymentTargetDoesNotExistException', `The provided target ID ${String(id)} does not belong to the deployment ${d.id}.`)
          return targetJson(d, id)
        }),
      }
    },
    GetDeploymentTarget(b) {
      const d = state.getDeployment(deploymentIdOf(b))
      const id = reqStr(b, 'targetId', 'DeploymentTargetIdRequiredException', 'A deployment target ID was not provided.')
      if (!targetIds(d).includes(id))
        throw bad('DeploymentTargetDoesNotExistException', `The provided target ID ${id} does not belong to the deployment ${d.id}.`)
      return { deploymentTarget: targetJson(d, id) }
    },
  }

  return {
    name: 'codedeploy',
    iamPrefix: 'codedeploy',
    throttle: { status: 400, code: 'ThrottlingException' },
    accessDeniedCode: 'AccessDeniedException',
    match: (req) => jsonRpcOperation(req, 'CodeDeploy_20141006'),
    error,
    reset: () => state.reset(),
    resourceArn(req) {
      let b: Record<string, unknown> = {}
      try {
        b = parseJsonBody(req)
      } catch {
        // Malformed bodies still get an AccessDenied naming a wildcard resource.
      }
      const prefix = `arn:aws:codedeploy:${REGION}:${ACCOUNT_ID}`
      let app = typeof b.applicationName === 'string' ? b.applicationName : undefined
      let group = typeof b.deploymentGroupName === 'string' ? b.deploymentGroupName : undefined
      // BatchGetDeployments names several: AWS authorises each one's group; the first stands for them here.
      const deploymentId = typeof b.deploymentId === 'string' ? b.deploymentId : Array.isArray(b.deploymentIds) ? b.deploymentIds[0] : undefined
      if (typeof deploymentId === 'string') {
        const d = state.deployments.get(deploymentId)
        if (d) {
          app = d.applicationName
          group = d.groupName
        }
      }
      if (app !== undefined && group !== undefined) return `${prefix}:deploymentgroup:${app}/${group}`
      if (app !== undefined) return `${prefix}:application:${app}`
      if (typeof b.deploymentConfigName === 'string') return `${prefix}:deploymentconfig:${b.deploymentConfigName}`
      return `${prefix}:*`
    },
    handle(op, req) {
      const body = parseJsonBody(req)
      const h = handlers[op]
      if (!h) throw new ApiError(400, 'UnknownOperationException', `Operation ${op} is not supported by the emulator`)
      state.pump()
      return ok(h(body))
    },
  }
}

export { isActive, ecsService }
