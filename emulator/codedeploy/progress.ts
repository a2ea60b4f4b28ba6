// CodeDeploy state and deployment engine. Deployments are phase machines advanced against wall-clock time
// (scaled: `timeScale` ms per CodeDeploy minute) by a background ticker and lazily on every API call.
import { createHash, randomBytes, randomUUID } from 'node:crypto'
import type { CloudWatchState } from '../cloudwatch/cloudwatch.js'
import {
  AppSpecError,
  parseEcsAppSpec,
  parseLambdaAppSpec,
  predefinedConfigs,
  trafficAt,
  type ComputePlatform,
  type DeploymentConfig,
  type EcsAppSpec,
  type LambdaAppSpec,
  type TrafficRouting,
} from './model.js'
import { ACCOUNT_ID, REGION } from '../http.js'
import type { LambdaState } from '../lambda/lambda.js'
import { ApiError } from '../service.js'

export type DeploymentStatus = 'Created' | 'Queued' | 'InProgress' | 'Baking' | 'Ready' | 'Succeeded' | 'Failed' | 'Stopped'
export type TargetStatus = 'Pending' | 'InProgress' | 'Succeeded' | 'Failed' | 'Skipped' | 'Ready' | 'Unknown'
export type EventStatus = 'Pending' | 'InProgress' | 'Succeeded' | 'Failed' | 'Skipped' | 'Unknown'
export type HookMode = 'succeed' | 'fail' | 'manual'

const ACTIVE: ReadonlySet<string> = new Set(['Created', 'Queued', 'InProgress', 'Baking', 'Ready'])
export const isActive = (s: DeploymentStatus): boolean => ACTIVE.has(s)

export interface Application {
  id: string
  name: string
  computePlatform: ComputePlatform
  createTime: number
}

export interface AutoRollbackConfig {
  enabled: boolean
  events: string[]
}

export interface AlarmConfig {
  enabled: boolean
  ignorePollAlarmFailure: boolean
  alarms: { name: string }[]
}

export interface EcsTaskSet {
  identifer: string
  taskDefinition: string
  desiredCount: number
  pendingCount: number
  runningCount: number
  status: 'PRIMARY' | 'ACTIVE' | 'DRAINING'
  trafficWeight: number
  targetGroup: string
  taskSetLabel: 'Blue' | 'Green'
}

export interface DeploymentGroup {
  id: string
  applicationName: string
  name: string
  computePlatform: ComputePlatform
  serviceRoleArn: string
  deploymentConfigName: string
  alarmConfiguration?: AlarmConfig
  autoRollbackConfiguration?: AutoRollbackConfig
  /** Other CreateDeploymentGroup fields, echoed back verbatim (deploymentStyle, ec2TagFilters, ...). */
  stored: Record<string, unknown>
  lastSuccessful?: string
  lastAttempted?: string
  /** ECS: the live task set between deployments. */
  ecsPrimary?: EcsTaskSet
}

export interface LifecycleEventRec {
  name: string
  status: EventStatus
  startTime?: number
  endTime?: number
  message?: string
}

export interface HookExecution {
  id: string
  deploymentId: string
  lifecycleEventName: string
  functionName: string
  startedAt: number
  answer?: 'Succeeded' | 'Failed'
  answeredAt?: number
  closed: boolean
}

export interface InstanceRec {
  id: string
  status: TargetStatus
  startTime?: number
  endTime?: number
}

export interface FailSpec {
  code: string
  message?: string
  /** Scaled minutes into traffic shifting (Lambda/ECS) or instance rollout (Server); default 0. */
  afterMinutes?: number
  applicationName?: string
}

type Phase =
  | { kind: 'event'; event: string; minutes: number; validate?: boolean }
  | { kind: 'hook'; event: string }
  | { kind: 'install' }
  | { kind: 'ready' }
  | { kind: 'shift' }
  | { kind: 'termination'; minutes: number }
  | { kind: 'instances' }
  | { kind: 'restore' }

export interface Deployment {
  id: string
  applicationName: string
  groupName: string
  configName: string
  computePlatform: ComputePlatform
  description?: string
  creator: 'user' | 'codeDeployRollback'
  revision?: Record<string, unknown>
  previousRevision?: Record<string, unknown>
  status: DeploymentStatus
  errorInformation?: { code: string; message: string }
  createTime: number
  startTime?: number
  completeTime?: number
  autoRollbackOverride?: AutoRollbackConfig
  overrideAlarm?: AlarmConfig
  rollbackInfo?: { rollbackDeploymentId?: string; rollbackTriggeringDeploymentId?: string; rollbackMessage?: string }
  statusMessages: string[]
  phases: Phase[]
  phaseIdx: number
  enteredIdx: number
  phaseStart: number
  events: LifecycleEventRec[]
  targetStatus: TargetStatus
  lastUpdatedAt: number
  hooks: HookExecution[]
  continuedAt?: number
  terminationContinuedAt?: number
  injected?: FailSpec
  specError?: string
  lambda?: { spec?: LambdaAppSpec; weight: number; touched: boolean; functionName: string; alias: string; currentVersion: string; targetVersion: string }
  ecs?: { spec?: EcsAppSpec; clusterName: string; serviceName: string; original: EcsTaskSet; replacement?: EcsTaskSet; weight: number; touched: boolean }
  instances?: InstanceRec[]
  rollbackOf?: string
}

export interface CodeDeploySettings {
  /** Real milliseconds per CodeDeploy minute. */
  timeScale: number
  /** How hooks are answered when nobody calls PutLifecycleEventHookExecutionStatus. */
  hookMode: HookMode
  /** Real ms before an automatic hook answer. */
  hookDelayMs: number
  /** Per hook function overrides of hookMode. */
  hookModes: Record<string, HookMode>
  /** Server instances / ECS desired count for groups without an explicit count. */
  instanceCount: number
  /** Scaled minutes: ECS replacement task set install, Server rollout, rollback deployments. */
  installMinutes: number
  serverMinutes: number
  rollbackMinutes: number
  /** Lambda hooks time out after an hour in AWS. */
  hookTimeoutMinutes: number
}

export const DEFAULT_SETTINGS: CodeDeploySettings = {
  timeScale: 1000,
  hookMode: 'succeed',
  hookDelayMs: 100,
  hookModes: {},
  instanceCount: 3,
  installMinutes: 0.5,
  serverMinutes: 2,
  rollbackMinutes: 0.5,
  hookTimeoutMinutes: 60,
}

export interface PendingHook {
  deploymentId: string
  lifecycleEventHookExecutionId: string
  lifecycleEventName: string
  functionName: string
  startedAt: number
}

const LAMBDA_INVALID_BASE =
  'The deployment failed because the AppSpec file that specifies the AWS Lambda deployment configuration is missing or has an invalid configuration.'
const HEALTH_CONSTRAINTS_MESSAGE =
  'The overall deployment failed because too many individual instances failed deployment, too few healthy instances are available for deployment, or some instances in your deployment group are experiencing problems.'

const ID_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'
export function newDeploymentId(): string {
  const bytes = randomBytes(9)
  return `d-${[...bytes].map((b) => ID_CHARS[b % ID_CHARS.length]).join('')}`
}
const stableHex = (s: string, n: number): string => createHash('sha256').update(s).digest('hex').slice(0, n)
const taskSetId = (): string => `ecs-svc/${BigInt(`0x${randomBytes(8).toString('hex')}`) % 10n ** 19n}`

const notFound = (code: string, message: string): ApiError => new ApiError(400, code, message)

export class CodeDeployState {
  readonly applications = new Map<string, Application>()
  /** Keyed by `${application}\u0000${group}`. */
  readonly groups = new Map<string, DeploymentGroup>()
  readonly configs = new Map<string, DeploymentConfig>()
  readonly deployments = new Map<string, Deployment>()
  /** Creation order, for ListDeployments. */
  readonly order: string[] = []
  settings: CodeDeploySettings
  private readonly failQueue = new Map<string, FailSpec[]>()
  private readonly instanceCounts = new Map<string, number>()
  private ticker: NodeJS.Timeout | undefined
  private closed = false

  constructor(
    private readonly lambda: LambdaState,
    private readonly cloudwatch: CloudWatchState,
    private readonly defaults: Partial<CodeDeploySettings> = {},
  ) {
    this.settings = { ...DEFAULT_SETTINGS, ...defaults, hookModes: { ...(defaults.hookModes ?? {}) } }
    this.loadPredefined()
  }

  private loadPredefined(): void {
    for (const c of predefinedConfigs()) this.configs.set(c.name, c)
  }

  reset(): void {
    this.stopTicker()
    this.applications.clear()
    this.groups.clear()
    this.configs.clear()
    this.deployments.clear()
    this.order.length = 0
    this.failQueue.clear()
    this.instanceCounts.clear()
    this.settings = { ...DEFAULT_SETTINGS, ...this.defaults, hookModes: { ...(this.defaults.hookModes ?? {}) } }
    this.loadPredefined()
  }

  /** Stops background timers (emulator shutdown). */
  close(): void {
    this.closed = true
    this.stopTicker()
  }

  configure(patch: Partial<CodeDeploySettings>): CodeDeploySettings {
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined) continue
      if (k === 'hookMode' && v !== 'succeed' && v !== 'fail' && v !== 'manual') throw new ApiError(400, 'BadRequest', `invalid hookMode ${String(v)}`)
      if (k !== 'hookMode' && k !== 'hookModes' && (typeof v !== 'number' || !Number.isFinite(v) || v < 0)) {
        throw new ApiError(400, 'BadRequest', `${k} must be a non-negative number`)
      }
    }
    const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<CodeDeploySettings>
    this.settings = { ...this.settings, ...defined, hookModes: { ...this.settings.hookModes, ...(defined.hookModes ?? {}) } }
    if (this.ticker) {
      this.stopTicker()
      this.ensureTicker()
    }
    return this.settings
  }

  failNext(groupName: string, spec: FailSpec): void {
    const q = this.failQueue.get(groupName) ?? []
    q.push(spec)
    this.failQueue.set(groupName, q)
  }

  setInstanceCount(groupName: string, count: number): void {
    if (!Number.isInteger(count) || count < 1) throw new ApiError(400, 'BadRequest', 'count must be a positive integer')
    this.instanceCounts.set(groupName, count)
  }

  instanceCount(groupName: string): number {
    return this.instanceCounts.get(groupName) ?? this.settings.instanceCount
  }

  // ---- lookups ----

  getApplication(name: string): Application {
    const app = this.applications.get(name)
    if (!app) throw notFound('ApplicationDoesNotExistException', `No application found for name: ${name}`)
    return app
  }

  getGroup(app: string, name: string): DeploymentGroup {
    this.getApplication(app)
    const g = this.groups.get(`${app}\u0000${name}`)
    if (!g) throw notFound('DeploymentGroupDoesNotExistException', `No Deployment Group found for name: ${name}`)
    return g
  }

  getConfig(name: string): DeploymentConfig {
    const c = this.configs.get(name)
    if (!c) throw notFound('DeploymentConfigDoesNotExistException', `No deployment configuration found for name: ${name}`)
    return c
  }

  getDeployment(id: string): Deployment {
    if (!/^d-[A-Z0-9]{9}$/.test(id)) throw new ApiError(400, 'InvalidDeploymentIdException', `Specified DeploymentId is not in the valid format: ${id}`)
    const d = this.deployments.get(id)
    if (!d) throw notFound('DeploymentDoesNotExistException', `The deployment ${id} could not be found.`)
    return d
  }

  activeDeployment(app: string, group: string): Deployment | undefined {
    for (const d of this.deployments.values()) {
      if (d.applicationName === app && d.groupName === group && isActive(d.status)) return d
    }
    return undefined
  }

  pendingHooks(): PendingHook[] {
    this.pump()
    const out: PendingHook[] = []
    for (const d of this.deployments.values()) {
      for (const h of d.hooks) {
        if (h.closed || h.answer !== undefined) continue
        out.push({
          deploymentId: d.id,
          lifecycleEventHookExecutionId: h.id,
          lifecycleEventName: h.lifecycleEventName,
          functionName: h.functionName,
          startedAt: h.startedAt,
        })
      }
    }
    return out
  }

  // ---- deployments ----

  createDeployment(input: {
    group: DeploymentGroup
    configName: string
    description?: string
    revision?: Record<string, unknown>
    autoRollbackOverride?: AutoRollbackConfig
    overrideAlarm?: AlarmConfig
  }): Deployment {
    this.pump()
    const g = input.group
    const active = this.activeDeployment(g.applicationName, g.name)
    if (active) {
      throw new ApiError(400, 'DeploymentLimitExceededException', `The Deployment Group '${g.name}' already has an active Deployment '${active.id}'`)
    }
    const now = Date.now()
    const d = this.blankDeployment(g, input.configName, 'user', now)
    if (input.description !== undefined) d.description = input.description
    if (input.revision !== undefined) d.revision = input.revision
    if (input.autoRollbackOverride !== undefined) d.autoRollbackOverride = input.autoRollbackOverride
    if (input.overrideAlarm !== undefined) d.overrideAlarm = input.overrideAlarm
    const last = g.lastSuccessful === undefined ? undefined : this.deployments.get(g.lastSuccessful)
    if (last?.revision !== undefined) d.previousRevision = last.revision
    const q = this.failQueue.get(g.name)
    const idx = q?.findIndex((f) => f.applicationName === undefined || f.applicationName === g.applicationName) ?? -1
    if (q && idx >= 0) d.injected = q.splice(idx, 1)[0] as FailSpec

    const content = appSpecContent(input.revision)
    switch (g.computePlatform) {
      case 'Lambda': {
        let spec: LambdaAppSpec | undefined
        try {
          if (content === undefined) throw new AppSpecError('The emulator can only read AppSpecContent or String revisions for Lambda deployments.')
          spec = parseLambdaAppSpec(content)
        } catch (err) {
          if (!(err instanceof AppSpecError)) throw err
          d.specError = err.message
        }
        d.lambda = {
          ...(spec !== undefined && { spec }),
          weight: 0,
          touched: false,
          functionName: spec?.functionName ?? '',
          alias: spec?.alias ?? '',
          currentVersion: spec?.currentVersion ?? '',
          targetVersion: spec?.targetVersion ?? '',
        }
        const hook = (event: string): Phase => ({ kind: 'hook', event })
        d.phases = [
          { kind: 'event', event: 'Start', minutes: 0, validate: true },
          hook('BeforeAllowTraffic'),
          { kind: 'shift' },
          hook('AfterAllowTraffic'),
          { kind: 'event', event: 'End', minutes: 0 },
        ]
        break
      }
      case 'ECS': {
        let spec: EcsAppSpec | undefined
        try {
          if (content === undefined) throw new AppSpecError('The emulator can only read AppSpecContent or String revisions for ECS deployments.')
          spec = parseEcsAppSpec(content)
        } catch (err) {
          if (!(err instanceof AppSpecError)) throw err
          d.specError = err.message
        }
        const svc = ecsService(g)
        g.ecsPrimary ??= {
          identifer: taskSetId(),
          taskDefinition: `arn:aws:ecs:${REGION}:${ACCOUNT_ID}:task-definition/${svc.serviceName}:1`,
          desiredCount: this.instanceCount(g.name),
          pendingCount: 0,
          runningCount: this.instanceCount(g.name),
          status: 'PRIMARY',
          trafficWeight: 100,
          targetGroup: targetGroups(g)[0],
          taskSetLabel: 'Blue',
        }
        d.ecs = { ...(spec !== undefined && { spec }), ...svc, original: { ...g.ecsPrimary, taskSetLabel: 'Blue' }, weight: 0, touched: false }
        const bg = (g.stored.blueGreenDeploymentConfiguration ?? {}) as Record<string, Record<string, unknown> | undefined>
        const ready = bg.deploymentReadyOption
        const term = bg.terminateBlueInstancesOnDeploymentSuccess
        const termWait = term?.action === 'TERMINATE' && typeof term.terminationWaitTimeInMinutes === 'number' ? term.terminationWaitTimeInMinutes : 0
        d.phases = [
          { kind: 'event', event: 'Start', minutes: 0, validate: true },
          { kind: 'hook', event: 'BeforeInstall' },
          { kind: 'install' },
          { kind: 'hook', event: 'AfterInstall' },
          { kind: 'event', event: 'AllowTestTraffic', minutes: 0 },
          { kind: 'hook', event: 'AfterAllowTestTraffic' },
          ...(ready?.actionOnTimeout === 'STOP_DEPLOYMENT' ? [{ kind: 'ready' } as const] : []),
          { kind: 'hook', event: 'BeforeAllowTraffic' },
          { kind: 'shift' },
          { kind: 'hook', event: 'AfterAllowTraffic' },
          ...(termWait > 0 ? [{ kind: 'termination', minutes: termWait } as const] : []),
          { kind: 'event', event: 'End', minutes: 0 },
        ]
        break
      }
      case 'Server':
        d.instances = this.instanceIds(g).map((id) => ({ id, status: 'Pending' }))
        d.phases = [{ kind: 'instances' }]
        break
    }
    d.events = d.phases.flatMap((p) => {
      const name = phaseEvent(p)
      return name === undefined ? [] : [{ name, status: 'Pending' as EventStatus }]
    })
    this.register(d, g)
    this.advance(d, now)
    this.ensureTicker()
    return d
  }

  private blankDeployment(g: DeploymentGroup, configName: string, creator: Deployment['creator'], now: number): Deployment {
    let id = newDeploymentId()
    while (this.deployments.has(id)) id = newDeploymentId()
    return {
      id,
      applicationName: g.applicationName,
      groupName: g.name,
      configName,
      computePlatform: g.computePlatform,
      creator,
      status: 'Created',
      createTime: now,
      statusMessages: [],
      phases: [],
      phaseIdx: 0,
      enteredIdx: -1,
      phaseStart: now,
      events: [],
      targetStatus: 'Pending',
      lastUpdatedAt: now,
      hooks: [],
    }
  }

  private register(d: Deployment, g: DeploymentGroup): void {
    this.deployments.set(d.id, d)
    this.order.push(d.id)
    g.lastAttempted = d.id
  }

  private instanceIds(g: DeploymentGroup): string[] {
    const n = this.instanceCount(g.name)
    return Array.from({ length: n }, (_, k) => `i-${stableHex(`${g.applicationName}/${g.name}/${k}`, 17)}`)
  }

  stopDeployment(id: string, autoRollbackEnabled: boolean | undefined): { status: 'Pending' | 'Succeeded'; statusMessage: string } {
    this.pump()
    const d = this.getDeployment(id)
    if (!isActive(d.status)) {
      throw new ApiError(400, 'DeploymentAlreadyCompletedException', `Deployment ${id} has already completed.`)
    }
    const rolledBack = this.finish(d, 'Stopped', 'MANUAL_STOP', 'The deployment was stopped by the user.', Date.now(), 'request', autoRollbackEnabled)
    return rolledBack
      ? { status: 'Pending', statusMessage: 'Stopping Pending. Stopping to deploy the revision and rolling back to the previous version.' }
      : { status: 'Succeeded', statusMessage: `Deployment ${id} was stopped.` }
  }

  continueDeployment(id: string, waitType: string): void {
    this.pump()
    const d = this.getDeployment(id)
    if (waitType !== 'READY_WAIT' && waitType !== 'TERMINATION_WAIT') {
      throw new ApiError(400, 'InvalidDeploymentWaitTypeException', `The wait type ${waitType} is invalid; use READY_WAIT or TERMINATION_WAIT.`)
    }
    if (d.computePlatform === 'Lambda') {
      throw new ApiError(400, 'UnsupportedActionForDeploymentTypeException', 'ContinueDeployment is not supported for AWS Lambda deployments.')
    }
    if (!isActive(d.status)) throw new ApiError(400, 'DeploymentAlreadyCompletedException', `Deployment ${id} has already completed.`)
    const phase = d.phases[d.phaseIdx]
    const now = Date.now()
    if (waitType === 'READY_WAIT') {
      if (d.status !== 'Ready' || phase?.kind !== 'ready') {
        throw new ApiError(400, 'DeploymentIsNotInReadyStateException', `Deployment ${id} is not in a Ready state.`)
      }
      d.continuedAt = now
    } else {
      if (phase?.kind !== 'termination') {
        throw new ApiError(400, 'DeploymentIsNotInReadyStateException', `Deployment ${id} is not waiting for the original task set to terminate.`)
      }
      d.terminationContinuedAt = now
    }
    this.advance(d, now)
  }

  putHookStatus(deploymentId: string, executionId: string, status: string): string {
    this.pump()
    const d = this.getDeployment(deploymentId)
    if (status !== 'Succeeded' && status !== 'Failed') {
      throw new ApiError(400, 'InvalidLifecycleEventHookExecutionStatusException', `The status ${status} is not valid; use Succeeded or Failed.`)
    }
    const h = d.hooks.find((x) => x.id === executionId)
    if (!h) {
      throw new ApiError(
        400,
        'InvalidLifecycleEventHookExecutionIdException',
        `The lifecycle event hook execution ID ${executionId} is not valid for deployment ${deploymentId}.`,
      )
    }
    if (h.answer !== undefined || h.closed) {
      throw new ApiError(
        400,
        'LifecycleEventAlreadyCompletedException',
        `The lifecycle event ${h.lifecycleEventName} for deployment ${deploymentId} has already completed.`,
      )
    }
    const now = Date.now()
    h.answer = status
    h.answeredAt = now
    this.advance(d, now)
    return h.id
  }

  // ---- engine ----

  /** Advances every active deployment to `now`. Called by the ticker and before every API call. */
  pump(now = Date.now()): void {
    for (const d of [...this.deployments.values()]) if (isActive(d.status)) this.advance(d, now)
  }

  private ensureTicker(): void {
    if (this.ticker || this.closed) return
    const ms = Math.min(100, Math.max(5, Math.floor(this.settings.timeScale / 20)))
    this.ticker = setInterval(() => {
      this.pump()
      if (![...this.deployments.values()].some((d) => isActive(d.status))) this.stopTicker()
    }, ms)
    this.ticker.unref()
  }

  private stopTicker(): void {
    if (this.ticker) clearInterval(this.ticker)
    this.ticker = undefined
  }

  private minutes(ms: number): number {
    return this.settings.timeScale <= 0 ? Infinity : ms / this.settings.timeScale
  }

  private scaled(minutes: number): number {
    return minutes * this.settings.timeScale
  }

  private group(d: Deployment): DeploymentGroup | undefined {
    return this.groups.get(`${d.applicationName}\u0000${d.groupName}`)
  }

  private routing(d: Deployment): TrafficRouting | undefined {
    return this.configs.get(d.configName)?.trafficRoutingConfig
  }

  private advance(d: Deployment, now: number): void {
    for (let guard = 0; guard < 1000 && isActive(d.status); guard++) {
      if (d.status === 'Created') {
        d.status = 'InProgress'
        d.startTime = d.createTime
        d.targetStatus = 'InProgress'
        d.lastUpdatedAt = d.createTime
      }
      if (d.creator === 'user' && this.checkAlarms(d, now)) return
      const phase = d.phases[d.phaseIdx]
      if (phase === undefined) {
        this.succeed(d, d.phaseStart)
        return
      }
      if (d.enteredIdx !== d.phaseIdx) {
        d.enteredIdx = d.phaseIdx
        this.enter(d, phase)
        if (!isActive(d.status)) return
      }
      const doneAt = this.run(d, phase, now)
      if (!isActive(d.status) || doneAt === undefined) return
      const name = phaseEvent(phase)
      const ev = name === undefined ? undefined : d.events.find((e) => e.name === name)
      if (ev && ev.status === 'InProgress') {
        ev.status = 'Succeeded'
        ev.endTime = doneAt
      }
      d.lastUpdatedAt = doneAt
      d.phaseIdx += 1
      d.phaseStart = doneAt
    }
  }

  private startEvent(d: Deployment, name: string): void {
    const ev = d.events.find((e) => e.name === name)
    if (ev) {
      ev.status = 'InProgress'
      ev.startTime = d.phaseStart
    }
  }

  private enter(d: Deployment, phase: Phase): void {
    const name = phaseEvent(phase)
    if (name !== undefined) this.startEvent(d, name)
    switch (phase.kind) {
      case 'event':
        if (phase.validate) this.validate(d)
        return
      case 'hook': {
        const fn = d.lambda?.spec?.hooks[phase.event] ?? d.ecs?.spec?.hooks[phase.event]
        const ev = d.events.find((e) => e.name === phase.event)
        if (fn === undefined) {
          if (ev) {
            ev.status = 'Skipped'
            ev.endTime = d.phaseStart
          }
          return
        }
        d.hooks.push({
          id: randomBytes(24).toString('base64url'),
          deploymentId: d.id,
          lifecycleEventName: phase.event,
          functionName: fn,
          startedAt: d.phaseStart,
          closed: false,
        })
        return
      }
      case 'install': {
        const ecs = d.ecs
        const g = this.group(d)
        if (!ecs || !g) return
        const [blue, green] = targetGroups(g)
        const count = ecs.original.desiredCount
        ecs.replacement = {
          identifer: taskSetId(),
          taskDefinition: ecs.spec?.taskDefinition ?? '',
          desiredCount: count,
          pendingCount: count,
          runningCount: 0,
          status: 'ACTIVE',
          trafficWeight: 0,
          targetGroup: ecs.original.targetGroup === blue ? green : blue,
          taskSetLabel: 'Green',
        }
        return
      }
      case 'ready':
        d.status = 'Ready'
        d.targetStatus = 'Ready'
        d.statusMessages.push('The replacement task set is ready; waiting for ContinueDeployment to reroute traffic.')
        return
      case 'restore':
        this.restore(d)
        return
      default:
        return
    }
  }

  /** Returns the completion time if the phase is complete, else undefined. May finish the deployment. */
  private run(d: Deployment, phase: Phase, now: number): number | undefined {
    const elapsedMin = this.minutes(now - d.phaseStart)
    switch (phase.kind) {
      case 'event':
        return elapsedMin >= phase.minutes ? d.phaseStart + this.scaled(phase.minutes) : undefined
      case 'hook': {
        const h = d.hooks.find((x) => x.lifecycleEventName === phase.event && !x.closed)
        if (!h) return d.phaseStart // skipped
        if (h.answer === undefined) {
          const mode = this.settings.hookModes[h.functionName] ?? this.settings.hookMode
          if (mode !== 'manual' && now >= h.startedAt + this.settings.hookDelayMs) {
            h.answer = mode === 'succeed' ? 'Succeeded' : 'Failed'
            h.answeredAt = h.startedAt + this.settings.hookDelayMs
          }
        }
        if (h.answer === undefined) {
          if (elapsedMin >= this.settings.hookTimeoutMinutes) {
            h.closed = true
            this.finish(
              d,
              'Failed',
              'TIMEOUT',
              `The ${phase.event} lifecycle event hook ${h.functionName} did not report a status before the hook timed out.`,
              now,
              'failure',
            )
          }
          return undefined
        }
        h.closed = true
        if (h.answer === 'Failed') {
          const ev = d.events.find((e) => e.name === phase.event)
          if (ev) ev.message = `The ${phase.event} hook ${h.functionName} reported Failed.`
          this.finish(
            d,
            'Failed',
            'HOOK_EXECUTION_FAILURE',
            `The deployment failed because the ${phase.event} lifecycle event hook (function ${h.functionName}) reported a Failed status.`,
            h.answeredAt ?? now,
            'failure',
          )
          return undefined
        }
        return h.answeredAt ?? now
      }
      case 'install': {
        const r = d.ecs?.replacement
        const done = elapsedMin >= this.settings.installMinutes
        if (r && done) {
          r.pendingCount = 0
          r.runningCount = r.desiredCount
        }
        return done ? d.phaseStart + this.scaled(this.settings.installMinutes) : undefined
      }
      case 'ready': {
        if (d.continuedAt !== undefined) {
          d.status = 'InProgress'
          d.targetStatus = 'InProgress'
          return Math.max(d.continuedAt, d.phaseStart)
        }
        const g = this.group(d)
        const opt = (g?.stored.blueGreenDeploymentConfiguration as Record<string, Record<string, unknown> | undefined> | undefined)?.deploymentReadyOption
        const wait = typeof opt?.waitTimeInMinutes === 'number' ? opt.waitTimeInMinutes : 0
        if (wait > 0 && elapsedMin >= wait) {
          this.finish(
            d,
            'Stopped',
            'TIMEOUT',
            `The deployment timed out while waiting for traffic to be rerouted (waitTimeInMinutes ${wait}).`,
            d.phaseStart + this.scaled(wait),
            'timeout',
          )
        }
        return undefined
      }
      case 'shift': {
        const routing = this.routing(d)
        const total = shiftMinutes(routing)
        // Injected failures fire at their scheduled minute, whatever the tick granularity.
        const fireAt = d.injected ? Math.min(d.injected.afterMinutes ?? 0, total) : undefined
        const upTo = fireAt !== undefined && elapsedMin >= fireAt ? fireAt : elapsedMin
        const at = trafficAt(routing, upTo)
        this.applyWeight(d, at.weight)
        if (!isActive(d.status)) return undefined
        if (fireAt !== undefined && elapsedMin >= fireAt) {
          this.fireInjected(d, d.phaseStart + this.scaled(fireAt))
          return undefined
        }
        return at.done ? d.phaseStart + this.scaled(total) : undefined
      }
      case 'termination': {
        if (d.terminationContinuedAt !== undefined) return Math.max(d.terminationContinuedAt, d.phaseStart)
        return elapsedMin >= phase.minutes ? d.phaseStart + this.scaled(phase.minutes) : undefined
      }
      case 'instances': {
        const total = this.settings.serverMinutes
        const fireAt = d.injected ? Math.min(d.injected.afterMinutes ?? 0, total) : undefined
        if (fireAt !== undefined && elapsedMin >= fireAt) {
          this.updateInstances(d, fireAt)
          this.fireInjected(d, d.phaseStart + this.scaled(fireAt))
          return undefined
        }
        this.updateInstances(d, Math.min(elapsedMin, total))
        return elapsedMin >= total ? d.phaseStart + this.scaled(total) : undefined
      }
      case 'restore': {
        const total = this.settings.rollbackMinutes
        if (d.instances) for (const i of d.instances) if (elapsedMin >= total) i.status = 'Succeeded'
        return elapsedMin >= total ? d.phaseStart + this.scaled(total) : undefined
      }
    }
  }

  private fireInjected(d: Deployment, now: number): void {
    const f = d.injected
    if (!f) return
    delete d.injected
    const message = f.message ?? (f.code === 'HEALTH_CONSTRAINTS' ? HEALTH_CONSTRAINTS_MESSAGE : `Deployment failed: ${f.code} (injected by the emulator).`)
    if (d.instances) {
      const victim = d.instances.find((i) => i.status === 'InProgress') ?? d.instances.find((i) => i.status === 'Pending') ?? d.instances[0]
      if (victim) {
        victim.status = 'Failed'
        victim.endTime = now
      }
    }
    this.finish(d, 'Failed', f.code, message, now, 'failure')
  }

  /** Validates the AppSpec against live state when the deployment starts. */
  private validate(d: Deployment): void {
    const now = d.phaseStart
    if (d.lambda) {
      const l = d.lambda
      if (d.specError !== undefined || !l.spec) {
        this.finish(d, 'Failed', 'INVALID_LAMBDA_CONFIGURATION', `${LAMBDA_INVALID_BASE} ${d.specError ?? ''}`.trim(), now, 'failure')
        return
      }
      const fn = this.lambda.functions.get(l.functionName)
      if (!fn) {
        this.finish(d, 'Failed', 'INVALID_LAMBDA_FUNCTION', `The Lambda function ${l.functionName} could not be found.`, now, 'failure')
        return
      }
      const alias = fn.aliases.get(l.alias)
      if (!alias) {
        this.finish(
          d,
          'Failed',
          'INVALID_LAMBDA_CONFIGURATION',
          `${LAMBDA_INVALID_BASE} The alias ${l.alias} of function ${l.functionName} does not exist.`,
          now,
          'failure',
        )
        return
      }
      for (const v of [l.currentVersion, l.targetVersion]) {
        // Weighted alias routing (how CodeDeploy shifts Lambda traffic) takes published versions only, never $LATEST.
        if (!/^[1-9][0-9]*$/.test(v)) {
          this.finish(
            d,
            'Failed',
            'INVALID_LAMBDA_CONFIGURATION',
            `${LAMBDA_INVALID_BASE} Version ${v} of function ${l.functionName} is not a published version.`,
            now,
            'failure',
          )
          return
        }
        if (!fn.versions.has(v)) {
          this.finish(
            d,
            'Failed',
            'INVALID_LAMBDA_CONFIGURATION',
            `${LAMBDA_INVALID_BASE} Version ${v} of function ${l.functionName} does not exist.`,
            now,
            'failure',
          )
          return
        }
      }
      if (l.currentVersion === l.targetVersion) {
        this.finish(d, 'Failed', 'INVALID_LAMBDA_CONFIGURATION', LAMBDA_INVALID_BASE, now, 'failure')
        return
      }
      if (alias.functionVersion !== l.currentVersion) {
        this.finish(
          d,
          'Failed',
          'INVALID_LAMBDA_CONFIGURATION',
          `${LAMBDA_INVALID_BASE} The Lambda function alias version does not match the current version in AppSpec file.`,
          now,
          'failure',
        )
      }
      return
    }
    if (d.ecs && (d.specError !== undefined || !d.ecs.spec)) {
      this.finish(d, 'Failed', 'INVALID_REVISION', `The AppSpec file for the Amazon ECS deployment is invalid. ${d.specError ?? ''}`.trim(), now, 'failure')
    }
  }

  private applyWeight(d: Deployment, weight: number): void {
    const w = Math.round(Math.min(1, Math.max(0, weight)) * 10000) / 10000
    if (d.lambda) {
      const l = d.lambda
      if (l.touched && l.weight === w) return
      try {
        this.lambda.updateAlias(
          l.functionName,
          l.alias,
          w >= 1 ? { functionVersion: l.targetVersion, weights: {} } : { functionVersion: l.currentVersion, weights: w > 0 ? { [l.targetVersion]: w } : {} },
          'codedeploy.amazonaws.com',
        )
      } catch (err) {
        this.finish(
          d,
          'Failed',
          'INVALID_LAMBDA_FUNCTION',
          `Failed to update alias ${l.alias}: ${err instanceof Error ? err.message : String(err)}`,
          Date.now(),
          'failure',
        )
        return
      }
      l.weight = w
      l.touched = true
      return
    }
    const ecs = d.ecs
    if (ecs?.replacement) {
      ecs.weight = w
      ecs.touched = true
      ecs.replacement.trafficWeight = Math.round(w * 1000) / 10
      ecs.original.trafficWeight = Math.round((1 - w) * 1000) / 10
    }
  }

  private updateInstances(d: Deployment, minutes: number): void {
    const inst = d.instances ?? []
    const n = inst.length
    if (n === 0) return
    const batch = this.batchSize(d, n)
    const batches = Math.ceil(n / batch)
    const per = this.settings.serverMinutes / batches
    inst.forEach((i, k) => {
      if (i.status === 'Failed' || i.status === 'Skipped') return
      const b = Math.floor(k / batch)
      const start = b * per
      const end = (b + 1) * per
      if (minutes >= end) {
        i.status = 'Succeeded'
        i.endTime ??= d.phaseStart + this.scaled(end)
        i.startTime ??= d.phaseStart + this.scaled(start)
      } else if (minutes >= start) {
        i.status = 'InProgress'
        i.startTime ??= d.phaseStart + this.scaled(start)
      }
    })
  }

  private batchSize(d: Deployment, n: number): number {
    if (d.configName === 'CodeDeployDefault.OneAtATime') return 1
    const mhh = this.configs.get(d.configName)?.minimumHealthyHosts
    if (!mhh) return 1
    const healthy = mhh.type === 'HOST_COUNT' ? mhh.value : Math.ceil((n * mhh.value) / 100)
    return Math.max(1, n - healthy)
  }

  private checkAlarms(d: Deployment, now: number): boolean {
    const cfg = d.overrideAlarm ?? this.group(d)?.alarmConfiguration
    if (!cfg?.enabled) return false
    const firing = cfg.alarms.map((a) => a.name).filter((n) => this.cloudwatch.alarms.get(n)?.stateValue === 'ALARM')
    if (firing.length === 0) return false
    this.finish(
      d,
      'Stopped',
      'ALARM_ACTIVE',
      `One or more alarms have been activated according to the Amazon CloudWatch metrics you selected, and the affected deployments have been stopped. Activated alarms: <${firing.join(', ')}>`,
      now,
      'alarm',
    )
    return true
  }

  private succeed(d: Deployment, at: number): void {
    d.status = 'Succeeded'
    d.completeTime = at
    d.targetStatus = 'Succeeded'
    d.lastUpdatedAt = at
    const g = this.group(d)
    if (g && d.creator === 'user') g.lastSuccessful = d.id
    if (d.ecs?.replacement && g && d.creator === 'user') {
      const r = d.ecs.replacement
      r.status = 'PRIMARY'
      r.trafficWeight = 100
      d.ecs.original.status = 'DRAINING'
      d.ecs.original.trafficWeight = 0
      d.ecs.original.desiredCount = 0
      d.ecs.original.runningCount = 0
      g.ecsPrimary = { ...r, taskSetLabel: 'Blue' }
    }
  }

  /**
   * Ends a deployment as Failed/Stopped and starts a rollback deployment when configured.
   * Returns true when a rollback deployment was created.
   */
  private finish(
    d: Deployment,
    status: 'Failed' | 'Stopped',
    code: string,
    message: string,
    at: number,
    cause: 'failure' | 'alarm' | 'request' | 'timeout',
    rollbackOverride?: boolean,
  ): boolean {
    d.status = status
    d.errorInformation = { code, message }
    d.completeTime = at
    d.lastUpdatedAt = at
    d.targetStatus = 'Failed'
    d.statusMessages.push(message)
    for (const ev of d.events) {
      if (ev.status === 'InProgress') {
        ev.status = 'Failed'
        ev.endTime = at
      } else if (ev.status === 'Pending') ev.status = 'Skipped'
    }
    for (const h of d.hooks) h.closed = true
    for (const i of d.instances ?? []) {
      if (i.status === 'InProgress') {
        i.status = 'Failed'
        i.endTime = at
      } else if (i.status === 'Pending') i.status = 'Skipped'
    }
    if (d.creator !== 'user') return false
    const g = this.group(d)
    const rb = d.autoRollbackOverride ?? g?.autoRollbackConfiguration
    const event =
      cause === 'failure'
        ? 'DEPLOYMENT_FAILURE'
        : cause === 'alarm'
          ? 'DEPLOYMENT_STOP_ON_ALARM'
          : cause === 'request'
            ? 'DEPLOYMENT_STOP_ON_REQUEST'
            : undefined
    const roll =
      cause === 'request' && rollbackOverride !== undefined ? rollbackOverride : rb?.enabled === true && event !== undefined && rb.events.includes(event)
    if (!roll || !g) {
      // No rollback: an ECS replacement that never took traffic is cleaned up; shifted traffic stays put.
      if (d.ecs?.replacement && !d.ecs.touched) d.ecs.replacement.status = 'DRAINING'
      return false
    }
    this.startRollback(d, g, at)
    return true
  }

  private startRollback(d: Deployment, g: DeploymentGroup, at: number): void {
    const r = this.blankDeployment(g, d.configName, 'codeDeployRollback', at)
    r.description = `Rollback of deployment ${d.id}`
    const rev = d.previousRevision ?? d.revision
    if (rev !== undefined) r.revision = rev
    if (d.revision !== undefined) r.previousRevision = d.revision
    r.rollbackOf = d.id
    r.rollbackInfo = { rollbackTriggeringDeploymentId: d.id, rollbackMessage: `Rollback of deployment ${d.id} (${d.errorInformation?.code ?? 'stopped'})` }
    d.rollbackInfo = { rollbackDeploymentId: r.id, rollbackMessage: `Deployment ${d.id} was rolled back by deployment ${r.id}.` }
    if (d.lambda) {
      const l = d.lambda
      r.lambda = {
        weight: 0,
        touched: false,
        functionName: l.functionName,
        alias: l.alias,
        currentVersion: l.targetVersion,
        targetVersion: l.currentVersion,
      }
    }
    if (d.ecs) {
      r.ecs = {
        clusterName: d.ecs.clusterName,
        serviceName: d.ecs.serviceName,
        original: d.ecs.original,
        ...(d.ecs.replacement !== undefined && { replacement: d.ecs.replacement }),
        weight: 0,
        touched: false,
      }
    }
    if (d.instances) r.instances = d.instances.map((i) => ({ id: i.id, status: 'Pending' as TargetStatus }))
    r.phases = [{ kind: 'restore' }, { kind: 'event', event: 'End', minutes: 0 }]
    r.events = [
      { name: 'Start', status: 'Succeeded', startTime: at, endTime: at },
      { name: 'AllowTraffic', status: 'Pending' },
      { name: 'End', status: 'Pending' },
    ]
    r.statusMessages.push(`Rolling back deployment ${d.id}.`)
    this.register(r, g)
    this.advance(r, at)
    this.ensureTicker()
  }

  /** Rollback: traffic returns to the version/task set that was live before the triggering deployment. */
  private restore(r: Deployment): void {
    const src = r.rollbackOf === undefined ? undefined : this.deployments.get(r.rollbackOf)
    if (r.lambda && src?.lambda?.touched) {
      const l = src.lambda
      try {
        this.lambda.updateAlias(l.functionName, l.alias, { functionVersion: l.currentVersion, weights: {} }, 'codedeploy.amazonaws.com')
      } catch {
        // The alias or function vanished; nothing to restore.
      }
      r.lambda.weight = 1
      r.lambda.touched = true
    }
    if (src?.ecs) {
      src.ecs.original.trafficWeight = 100
      src.ecs.original.status = 'PRIMARY'
      if (src.ecs.replacement) {
        src.ecs.replacement.trafficWeight = 0
        src.ecs.replacement.status = 'DRAINING'
      }
    }
  }
}

function appSpecContent(rev: Record<string, unknown> | undefined): string | undefined {
  if (!rev) return undefined
  const pick = (o: unknown): string | undefined =>
    o !== null && typeof o === 'object' && typeof (o as Record<string, unknown>).content === 'string'
      ? ((o as Record<string, unknown>).content as string)
      : undefined
  if (rev.revisionType === 'AppSpecContent') return pick(rev.appSpecContent)
  if (rev.revisionType === 'String') {
    const s = rev.string as Record<string, unknown> | undefined
    return typeof s?.content === 'string' ? s.content : undefined
  }
  return undefined
}

function phaseEvent(p: Phase): string | undefined {
  switch (p.kind) {
    case 'event':
    case 'hook':
      return p.event
    case 'install':
      return 'Install'
    case 'shift':
    case 'restore':
      return 'AllowTraffic'
    default:
      return undefined
  }
}

/** Scaled minutes from the first traffic shift to 100%. */
export function shiftMinutes(routing: TrafficRouting | undefined): number {
  if (!routing || routing.type === 'AllAtOnce') return 0
  if (routing.type === 'TimeBasedCanary') return routing.timeBasedCanary.canaryPercentage >= 100 ? 0 : routing.timeBasedCanary.canaryInterval
  const { linearPercentage: p, linearInterval: i } = routing.timeBasedLinear
  return p <= 0 ? Infinity : Math.max(0, Math.ceil(100 / p) - 1) * i
}

export function ecsService(g: DeploymentGroup): { clusterName: string; serviceName: string } {
  const svc = (g.stored.ecsServices as { serviceName?: string; clusterName?: string }[] | undefined)?.[0]
  return { clusterName: svc?.clusterName ?? 'default', serviceName: svc?.serviceName ?? g.name }
}

function targetGroups(g: DeploymentGroup): [string, string] {
  const lb = g.stored.loadBalancerInfo as { targetGroupPairInfoList?: { targetGroups?: { name?: string }[] }[] } | undefined
  const tgs = lb?.targetGroupPairInfoList?.[0]?.targetGroups ?? []
  const svc = ecsService(g).serviceName
  return [tgs[0]?.name ?? `${svc}-tg-blue`, tgs[1]?.name ?? `${svc}-tg-green`]
}

export const newUuid = (): string => randomUUID()
