// CodeDeploy data model: predefined deployment configs, traffic-shift schedules and AppSpec parsing.
import { parse as parseYaml } from 'yaml'
import { ApiError } from '../service.js'

export type ComputePlatform = 'Lambda' | 'ECS' | 'Server'
export const COMPUTE_PLATFORMS: readonly string[] = ['Lambda', 'ECS', 'Server']

export type TrafficRouting =
  | { type: 'AllAtOnce' }
  | { type: 'TimeBasedCanary'; timeBasedCanary: { canaryPercentage: number; canaryInterval: number } }
  | { type: 'TimeBasedLinear'; timeBasedLinear: { linearPercentage: number; linearInterval: number } }

export interface MinimumHealthyHosts {
  type: 'HOST_COUNT' | 'FLEET_PERCENT'
  value: number
}

export interface DeploymentConfig {
  id: string
  name: string
  computePlatform: ComputePlatform
  trafficRoutingConfig?: TrafficRouting
  minimumHealthyHosts?: MinimumHealthyHosts
  createTime: number
  predefined: boolean
}

/** 2014-10-06, the API version date; predefined configs report a fixed creation time. */
const PREDEFINED_TIME = Date.UTC(2014, 9, 6)

const canary = (pct: number, interval: number): TrafficRouting => ({
  type: 'TimeBasedCanary',
  timeBasedCanary: { canaryPercentage: pct, canaryInterval: interval },
})
const linear = (pct: number, interval: number): TrafficRouting => ({
  type: 'TimeBasedLinear',
  timeBasedLinear: { linearPercentage: pct, linearInterval: interval },
})
const ALL: TrafficRouting = { type: 'AllAtOnce' }

function predefined(name: string, computePlatform: ComputePlatform, routing: TrafficRouting | undefined, mhh?: MinimumHealthyHosts): DeploymentConfig {
  // Stable pseudo-ids so repeated runs report the same deploymentConfigId.
  const hex = Buffer.from(name).toString('hex').padEnd(32, '0').slice(-32)
  return {
    id: `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`,
    name,
    computePlatform,
    ...(routing !== undefined && { trafficRoutingConfig: routing }),
    ...(mhh !== undefined && { minimumHealthyHosts: mhh }),
    createTime: PREDEFINED_TIME,
    predefined: true,
  }
}

export function predefinedConfigs(): DeploymentConfig[] {
  const P = 'CodeDeployDefault.'
  return [
    predefined(`${P}OneAtATime`, 'Server', undefined, { type: 'FLEET_PERCENT', value: 99 }),
    predefined(`${P}HalfAtATime`, 'Server', undefined, { type: 'FLEET_PERCENT', value: 50 }),
    predefined(`${P}AllAtOnce`, 'Server', undefined, { type: 'HOST_COUNT', value: 0 }),
    predefined(`${P}LambdaCanary10Percent5Minutes`, 'Lambda', canary(10, 5)),
    predefined(`${P}LambdaCanary10Percent10Minutes`, 'Lambda', canary(10, 10)),
    predefined(`${P}LambdaCanary10Percent15Minutes`, 'Lambda', canary(10, 15)),
    predefined(`${P}LambdaCanary10Percent30Minutes`, 'Lambda', canary(10, 30)),
    predefined(`${P}LambdaLinear10PercentEvery1Minute`, 'Lambda', linear(10, 1)),
    predefined(`${P}LambdaLinear10PercentEvery2Minutes`, 'Lambda', linear(10, 2)),
    predefined(`${P}LambdaLinear10PercentEvery3Minutes`, 'Lambda', linear(10, 3)),
    predefined(`${P}LambdaLinear10PercentEvery10Minutes`, 'Lambda', linear(10, 10)),
    predefined(`${P}LambdaAllAtOnce`, 'Lambda', ALL),
    predefined(`${P}ECSAllAtOnce`, 'ECS', ALL),
    predefined(`${P}ECSCanary10Percent5Minutes`, 'ECS', canary(10, 5)),
    predefined(`${P}ECSCanary10Percent15Minutes`, 'ECS', canary(10, 15)),
    predefined(`${P}ECSLinear10PercentEvery1Minutes`, 'ECS', linear(10, 1)),
    predefined(`${P}ECSLinear10PercentEvery3Minutes`, 'ECS', linear(10, 3)),
  ]
}

export const DEFAULT_CONFIG: Record<ComputePlatform, string> = {
  Lambda: 'CodeDeployDefault.LambdaAllAtOnce',
  ECS: 'CodeDeployDefault.ECSAllAtOnce',
  Server: 'CodeDeployDefault.OneAtATime',
}

/**
 * Share of traffic (0..1) on the new version `minutes` after shifting began, and whether shifting is complete.
 * Canary: canary% at once, the rest after canaryInterval. Linear: linear% at once, +linear% per interval.
 */
export function trafficAt(routing: TrafficRouting | undefined, minutes: number): { weight: number; done: boolean; nextAt?: number } {
  if (routing === undefined || routing.type === 'AllAtOnce') return { weight: 1, done: true }
  if (routing.type === 'TimeBasedCanary') {
    const { canaryPercentage: p, canaryInterval: i } = routing.timeBasedCanary
    if (minutes >= i || p >= 100) return { weight: 1, done: true }
    return { weight: p / 100, done: false, nextAt: i }
  }
  const { linearPercentage: p, linearInterval: i } = routing.timeBasedLinear
  const steps = i <= 0 ? Infinity : Math.floor(minutes / i)
  const pct = Math.min(100, (steps + 1) * p)
  if (pct >= 100) return { weight: 1, done: true }
  return { weight: pct / 100, done: false, nextAt: (steps + 1) * i }
}

// ---- AppSpec ----

export interface LambdaAppSpec {
  kind: 'Lambda'
  resourceName: string
  functionName: string
  alias: string
  currentVersion: string
  targetVersion: string
  hooks: Record<string, string>
}

export interface EcsAppSpec {
  kind: 'ECS'
  taskDefinition: string
  containerName: string
  containerPort: number
  platformVersion?: string
  hooks: Record<string, string>
}

export const LAMBDA_HOOKS = ['BeforeAllowTraffic', 'AfterAllowTraffic'] as const
export const ECS_HOOKS = ['BeforeInstall', 'AfterInstall', 'AfterAllowTestTraffic', 'BeforeAllowTraffic', 'AfterAllowTraffic'] as const

export class AppSpecError extends Error {}

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v)

function parseDoc(content: string): Record<string, unknown> {
  let doc: unknown
  try {
    doc = parseYaml(content)
  } catch (err) {
    throw new AppSpecError(`The AppSpec content is not valid YAML or JSON: ${err instanceof Error ? err.message : String(err)}`)
  }
  if (!isObj(doc)) throw new AppSpecError('The AppSpec content must be a YAML or JSON object.')
  return doc
}

/** Hooks may be a list of single-key maps (the documented form) or a plain map. */
function parseHooks(raw: unknown, allowed: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {}
  if (raw === undefined || raw === null) return out
  const entries: [string, unknown][] = Array.isArray(raw) ? raw.flatMap((h) => (isObj(h) ? Object.entries(h) : [])) : isObj(raw) ? Object.entries(raw) : []
  for (const [event, fn] of entries) {
    if (!allowed.includes(event)) throw new AppSpecError(`Unsupported lifecycle event hook ${event}; expected one of ${allowed.join(', ')}.`)
    if (typeof fn !== 'string' || fn === '') throw new AppSpecError(`Hook ${event} must name a Lambda function.`)
    out[event] = fn
  }
  return out
}

function firstResource(doc: Record<string, unknown>): [string, Record<string, unknown>] {
  const resources = doc.Resources ?? doc.resources
  const list: [string, unknown][] = Array.isArray(resources)
    ? resources.flatMap((r) => (isObj(r) ? Object.entries(r) : []))
    : isObj(resources)
      ? Object.entries(resources)
      : []
  if (list.length === 0) throw new AppSpecError('The AppSpec file must declare exactly one resource in Resources.')
  if (list.length > 1) throw new AppSpecError('The AppSpec file declares more than one resource; only one is supported.')
  const [name, body] = list[0] as [string, unknown]
  if (!isObj(body)) throw new AppSpecError(`Resource ${name} must be an object.`)
  return [name, body]
}

const scalar = (v: unknown): string | undefined => (typeof v === 'string' || typeof v === 'number' ? String(v) : undefined)

export function parseLambdaAppSpec(content: string): LambdaAppSpec {
  const doc = parseDoc(content)
  const [name, res] = firstResource(doc)
  if (res.Type !== 'AWS::Lambda::Function') throw new AppSpecError(`Resource ${name} must have Type AWS::Lambda::Function.`)
  const props = isObj(res.Properties) ? res.Properties : {}
  const functionName = scalar(props.Name)
  const alias = scalar(props.Alias)
  const currentVersion = scalar(props.CurrentVersion)
  const targetVersion = scalar(props.TargetVersion)
  for (const [k, v] of Object.entries({ Name: functionName, Alias: alias, CurrentVersion: currentVersion, TargetVersion: targetVersion })) {
    if (v === undefined || v === '') throw new AppSpecError(`The ${k} property of resource ${name} is missing.`)
  }
  return {
    kind: 'Lambda',
    resourceName: name,
    functionName: functionName as string,
    alias: alias as string,
    currentVersion: currentVersion as string,
    targetVersion: targetVersion as string,
    hooks: parseHooks(doc.Hooks ?? doc.hooks, LAMBDA_HOOKS),
  }
}

export function parseEcsAppSpec(content: string): EcsAppSpec {
  const doc = parseDoc(content)
  const [name, res] = firstResource(doc)
  if (res.Type !== 'AWS::ECS::Service') throw new AppSpecError(`Resource ${name} must have Type AWS::ECS::Service.`)
  const props = isObj(res.Properties) ? res.Properties : {}
  const taskDefinition = scalar(props.TaskDefinition)
  if (taskDefinition === undefined || taskDefinition === '') throw new AppSpecError('TaskDefinition is missing from the AppSpec file.')
  const lb = isObj(props.LoadBalancerInfo) ? props.LoadBalancerInfo : undefined
  const containerName = scalar(lb?.ContainerName)
  const containerPort = Number(lb?.ContainerPort)
  if (containerName === undefined || !Number.isInteger(containerPort)) {
    throw new AppSpecError('LoadBalancerInfo must specify ContainerName and ContainerPort.')
  }
  const platformVersion = scalar(props.PlatformVersion)
  return {
    kind: 'ECS',
    taskDefinition,
    containerName,
    containerPort,
    ...(platformVersion !== undefined && { platformVersion }),
    hooks: parseHooks(doc.Hooks ?? doc.hooks, ECS_HOOKS),
  }
}

// ---- input validation helpers shared by the wire layer ----

export const invalidInput = (code: string, message: string): ApiError => new ApiError(400, code, message)
