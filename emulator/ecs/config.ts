// ECS deploymentConfiguration as CreateService/UpdateService take it: strategy, canary/linear settings,
// bake time, lifecycle hooks and alarms. Bounds from botocore's ecs model (2014-11-13) and the API
// reference: canaryPercent 0.1-100 and stepPercent 3-100 in steps of 0.1, bakes 0-1440 minutes, hook
// timeouts 1-20160 minutes (default 1440, action ROLLBACK by default).
import { ApiError } from '../service.js'

export type Strategy = 'ROLLING' | 'BLUE_GREEN' | 'LINEAR' | 'CANARY'
export type HookStage =
  | 'RECONCILE_SERVICE'
  | 'PRE_SCALE_UP'
  | 'POST_SCALE_UP'
  | 'TEST_TRAFFIC_SHIFT'
  | 'POST_TEST_TRAFFIC_SHIFT'
  | 'PRE_PRODUCTION_TRAFFIC_SHIFT'
  | 'PRODUCTION_TRAFFIC_SHIFT'
  | 'POST_PRODUCTION_TRAFFIC_SHIFT'
export type HookAction = 'ROLLBACK' | 'CONTINUE'

export const HOOK_STAGES: readonly HookStage[] = [
  'RECONCILE_SERVICE',
  'PRE_SCALE_UP',
  'POST_SCALE_UP',
  'TEST_TRAFFIC_SHIFT',
  'POST_TEST_TRAFFIC_SHIFT',
  'PRE_PRODUCTION_TRAFFIC_SHIFT',
  'PRODUCTION_TRAFFIC_SHIFT',
  'POST_PRODUCTION_TRAFFIC_SHIFT',
]

export interface LifecycleHook {
  targetType: 'AWS_LAMBDA' | 'PAUSE'
  hookTargetArn?: string
  roleArn?: string
  lifecycleStages: HookStage[]
  hookDetails?: unknown
  timeoutConfiguration?: { timeoutInMinutes?: number; action?: HookAction }
}

export interface DeploymentConfig {
  maximumPercent: number
  minimumHealthyPercent: number
  deploymentCircuitBreaker: { enable: boolean; rollback: boolean }
  strategy: Strategy
  alarms?: { alarmNames: string[]; rollback: boolean; enable: boolean }
  bakeTimeInMinutes?: number
  canaryConfiguration?: { canaryPercent?: number; canaryBakeTimeInMinutes?: number }
  linearConfiguration?: { stepPercent?: number; stepBakeTimeInMinutes?: number }
  lifecycleHooks?: LifecycleHook[]
}

export const DEFAULT_CONFIG: DeploymentConfig = {
  maximumPercent: 200,
  minimumHealthyPercent: 100,
  deploymentCircuitBreaker: { enable: false, rollback: false },
  strategy: 'ROLLING',
}

/** Documented defaults: canary 5% for 10 minutes, linear 10% steps every 6 minutes. */
export const CANARY_DEFAULTS = { canaryPercent: 5, canaryBakeTimeInMinutes: 10 }
export const LINEAR_DEFAULTS = { stepPercent: 10, stepBakeTimeInMinutes: 6 }
export const HOOK_TIMEOUT_DEFAULTS = { timeoutInMinutes: 1440, action: 'ROLLBACK' as HookAction }

export const invalid = (message: string): ApiError => new ApiError(400, 'InvalidParameterException', message)
const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v)

/** A multiple of 0.1 (to within floating point), as the model requires of percentages. */
const tenths = (n: number): boolean => Math.abs(n * 10 - Math.round(n * 10)) < 1e-9

function bake(v: unknown, what: string): number | undefined {
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 1440)
    throw invalid(`${what} must be an integer from 0 to 1440 minutes; got ${JSON.stringify(v)}.`)
  return v
}

function percent(v: unknown, what: string, min: number): number | undefined {
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > 100 || !tenths(v)) {
    throw invalid(`${what} must be a multiple of 0.1 from ${min.toFixed(1)} to 100.0; got ${JSON.stringify(v)}.`)
  }
  return v
}

function parseHooks(v: unknown): LifecycleHook[] | undefined {
  if (v === undefined || v === null) return undefined
  if (!Array.isArray(v)) throw invalid('lifecycleHooks must be a list.')
  return v.map((h, i) => {
    if (!isObj(h)) throw invalid(`lifecycleHooks[${i}] must be an object.`)
    const targetType = h.targetType ?? 'AWS_LAMBDA'
    if (targetType !== 'AWS_LAMBDA' && targetType !== 'PAUSE') throw invalid(`lifecycleHooks[${i}].targetType must be AWS_LAMBDA or PAUSE.`)
    const stages = h.lifecycleStages
    if (!Array.isArray(stages) || stages.length === 0) throw invalid(`lifecycleHooks[${i}].lifecycleStages must name at least one stage.`)
    for (const s of stages) {
      if (!HOOK_STAGES.includes(s as HookStage))
        throw invalid(`lifecycleHooks[${i}].lifecycleStages: ${JSON.stringify(s)} is not one of ${HOOK_STAGES.join(', ')}.`)
    }
    if (targetType === 'AWS_LAMBDA') {
      if (typeof h.hookTargetArn !== 'string' || !h.hookTargetArn.startsWith('arn:aws:lambda:'))
        throw invalid(`lifecycleHooks[${i}].hookTargetArn must be a Lambda function ARN for an AWS_LAMBDA hook.`)
      if (typeof h.roleArn !== 'string' || !h.roleArn.startsWith('arn:aws:iam::'))
        throw invalid(`lifecycleHooks[${i}].roleArn is required for an AWS_LAMBDA hook.`)
    }
    const hook: LifecycleHook = { targetType, lifecycleStages: [...stages] as HookStage[] }
    if (typeof h.hookTargetArn === 'string') hook.hookTargetArn = h.hookTargetArn
    if (typeof h.roleArn === 'string') hook.roleArn = h.roleArn
    if (h.hookDetails !== undefined) hook.hookDetails = h.hookDetails
    const t = h.timeoutConfiguration
    if (t !== undefined && t !== null) {
      if (!isObj(t)) throw invalid(`lifecycleHooks[${i}].timeoutConfiguration must be an object.`)
      const minutes = t.timeoutInMinutes
      if (minutes !== undefined && (typeof minutes !== 'number' || !Number.isInteger(minutes) || minutes < 1 || minutes > 20160)) {
        throw invalid(`lifecycleHooks[${i}].timeoutConfiguration.timeoutInMinutes must be an integer from 1 to 20160; got ${JSON.stringify(minutes)}.`)
      }
      if (t.action !== undefined && t.action !== 'ROLLBACK' && t.action !== 'CONTINUE')
        throw invalid(`lifecycleHooks[${i}].timeoutConfiguration.action must be ROLLBACK or CONTINUE.`)
      hook.timeoutConfiguration = {
        ...(typeof minutes === 'number' && { timeoutInMinutes: minutes }),
        ...(typeof t.action === 'string' && { action: t.action as HookAction }),
      }
    }
    return hook
  })
}

/**
 * Merges a request's deploymentConfiguration over the service's current one (members not sent are
 * kept, as UpdateService does) and validates the result.
 */
export function parseDeploymentConfiguration(v: unknown, current: DeploymentConfig = DEFAULT_CONFIG): DeploymentConfig {
  if (v === undefined || v === null) return structuredClone(current)
  if (!isObj(v)) throw invalid('deploymentConfiguration must be an object.')
  const out = structuredClone(current)
  if (v.maximumPercent !== undefined) out.maximumPercent = Number(v.maximumPercent)
  if (v.minimumHealthyPercent !== undefined) out.minimumHealthyPercent = Number(v.minimumHealthyPercent)
  if (isObj(v.deploymentCircuitBreaker)) {
    out.deploymentCircuitBreaker = { enable: v.deploymentCircuitBreaker.enable === true, rollback: v.deploymentCircuitBreaker.rollback === true }
  }
  if (v.strategy !== undefined) {
    if (!['ROLLING', 'BLUE_GREEN', 'LINEAR', 'CANARY'].includes(v.strategy as string))
      throw invalid(`deploymentConfiguration.strategy must be one of ROLLING, BLUE_GREEN, LINEAR, CANARY; got ${JSON.stringify(v.strategy)}.`)
    out.strategy = v.strategy as Strategy
  }
  if (v.alarms !== undefined) {
    const a = v.alarms
    if (!isObj(a) || !Array.isArray(a.alarmNames) || typeof a.enable !== 'boolean' || typeof a.rollback !== 'boolean') {
      throw invalid('deploymentConfiguration.alarms requires alarmNames (a list), enable and rollback.')
    }
    if (a.alarmNames.some((n) => typeof n !== 'string' || n === '')) throw invalid('deploymentConfiguration.alarms.alarmNames must be alarm names.')
    out.alarms = { alarmNames: [...(a.alarmNames as string[])], enable: a.enable, rollback: a.rollback }
  }
  if (v.bakeTimeInMinutes !== undefined) {
    const minutes = bake(v.bakeTimeInMinutes, 'deploymentConfiguration.bakeTimeInMinutes')
    if (minutes === undefined) delete out.bakeTimeInMinutes
    else out.bakeTimeInMinutes = minutes
  }
  if (v.canaryConfiguration !== undefined) {
    const c = v.canaryConfiguration
    if (!isObj(c)) throw invalid('deploymentConfiguration.canaryConfiguration must be an object.')
    const canaryPercent = percent(c.canaryPercent, 'canaryConfiguration.canaryPercent', 0.1)
    const canaryBakeTimeInMinutes = bake(c.canaryBakeTimeInMinutes, 'canaryConfiguration.canaryBakeTimeInMinutes')
    out.canaryConfiguration = {
      ...(canaryPercent !== undefined && { canaryPercent }),
      ...(canaryBakeTimeInMinutes !== undefined && { canaryBakeTimeInMinutes }),
    }
  }
  if (v.linearConfiguration !== undefined) {
    const l = v.linearConfiguration
    if (!isObj(l)) throw invalid('deploymentConfiguration.linearConfiguration must be an object.')
    const stepPercent = percent(l.stepPercent, 'linearConfiguration.stepPercent', 3)
    const stepBakeTimeInMinutes = bake(l.stepBakeTimeInMinutes, 'linearConfiguration.stepBakeTimeInMinutes')
    out.linearConfiguration = {
      ...(stepPercent !== undefined && { stepPercent }),
      ...(stepBakeTimeInMinutes !== undefined && { stepBakeTimeInMinutes }),
    }
  }
  if (v.lifecycleHooks !== undefined) {
    const hooks = parseHooks(v.lifecycleHooks)
    if (hooks === undefined) delete out.lifecycleHooks
    else out.lifecycleHooks = hooks
  }
  // The API reference: each configuration is "only valid when the deployment strategy is" its own.
  if (v.canaryConfiguration !== undefined && out.strategy !== 'CANARY')
    throw invalid('canaryConfiguration is only valid when the deployment strategy is CANARY.')
  if (v.linearConfiguration !== undefined && out.strategy !== 'LINEAR')
    throw invalid('linearConfiguration is only valid when the deployment strategy is LINEAR.')
  if (out.strategy !== 'CANARY') delete out.canaryConfiguration
  if (out.strategy !== 'LINEAR') delete out.linearConfiguration
  if (out.strategy === 'ROLLING' && out.lifecycleHooks?.length)
    throw invalid('Lifecycle hooks are only supported by the BLUE_GREEN, LINEAR and CANARY deployment strategies.')
  return out
}

/** The production weight (percent) of each traffic step, in order, ending at 100. */
export function productionSteps(config: DeploymentConfig): { percent: number; bakeMinutes: number }[] {
  switch (config.strategy) {
    case 'CANARY': {
      const p = config.canaryConfiguration?.canaryPercent ?? CANARY_DEFAULTS.canaryPercent
      const bakeMinutes = config.canaryConfiguration?.canaryBakeTimeInMinutes ?? CANARY_DEFAULTS.canaryBakeTimeInMinutes
      return p >= 100
        ? [{ percent: 100, bakeMinutes: 0 }]
        : [
            { percent: p, bakeMinutes },
            { percent: 100, bakeMinutes: 0 },
          ]
    }
    case 'LINEAR': {
      const step = config.linearConfiguration?.stepPercent ?? LINEAR_DEFAULTS.stepPercent
      const bakeMinutes = config.linearConfiguration?.stepBakeTimeInMinutes ?? LINEAR_DEFAULTS.stepBakeTimeInMinutes
      const out: { percent: number; bakeMinutes: number }[] = []
      // Whole tenths avoid 0.1 + 0.2 drift; the bake is "not applied after reaching 100 percent".
      for (let tenthsDone = Math.round(step * 10); tenthsDone < 1000; tenthsDone += Math.round(step * 10)) out.push({ percent: tenthsDone / 10, bakeMinutes })
      out.push({ percent: 100, bakeMinutes: 0 })
      return out
    }
    default:
      return [{ percent: 100, bakeMinutes: 0 }]
  }
}

/** The configuration as DescribeServices echoes it. */
export function configJson(c: DeploymentConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {
    deploymentCircuitBreaker: { ...c.deploymentCircuitBreaker },
    maximumPercent: c.maximumPercent,
    minimumHealthyPercent: c.minimumHealthyPercent,
    strategy: c.strategy,
  }
  if (c.alarms) out.alarms = { ...c.alarms, alarmNames: [...c.alarms.alarmNames] }
  if (c.bakeTimeInMinutes !== undefined) out.bakeTimeInMinutes = c.bakeTimeInMinutes
  if (c.canaryConfiguration) out.canaryConfiguration = { ...c.canaryConfiguration }
  if (c.linearConfiguration) out.linearConfiguration = { ...c.linearConfiguration }
  if (c.lifecycleHooks) out.lifecycleHooks = structuredClone(c.lifecycleHooks)
  return out
}
