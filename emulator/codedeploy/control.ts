// Test-facing CodeDeploy controls, shared by the in-process Emulator object and the /_emulator/codedeploy/* routes.
import type { CodeDeploySettings, CodeDeployState, DeploymentStatus, FailSpec, HookMode, PendingHook } from './progress.js'
import { ApiError } from '../service.js'

export interface DeploymentSummary {
  deploymentId: string
  applicationName: string
  deploymentGroupName: string
  status: DeploymentStatus
  creator: string
  errorCode?: string
  rollbackDeploymentId?: string
  rollbackTriggeringDeploymentId?: string
}

export interface CodeDeployControlApi {
  /** Real ms per CodeDeploy minute (default 1000, so Canary10Percent5Minutes takes ~5 s). */
  setTimeScale(msPerMinute: number): void
  configure(patch: Partial<CodeDeploySettings>): CodeDeploySettings
  settings(): CodeDeploySettings
  /** 'succeed' (default) / 'fail' answer hooks after hookDelayMs; 'manual' waits for PutLifecycleEventHookExecutionStatus. */
  setHookMode(mode: HookMode, opts?: { delayMs?: number; functionName?: string }): void
  pendingHooks(): PendingHook[]
  answerHook(deploymentId: string, lifecycleEventHookExecutionId: string, status: 'Succeeded' | 'Failed'): void
  /** Makes CodeDeploy itself fail the next deployment of this group (e.g. HEALTH_CONSTRAINTS). */
  failNext(deploymentGroupName: string, spec: FailSpec): void
  /** Server instance count / ECS desired count for a group. */
  setInstanceCount(deploymentGroupName: string, count: number): void
  deployments(): DeploymentSummary[]
}

export function codeDeployControl(state: CodeDeployState): CodeDeployControlApi {
  return {
    setTimeScale: (ms) => {
      state.configure({ timeScale: ms })
    },
    configure: (patch) => state.configure(patch),
    settings: () => ({ ...state.settings, hookModes: { ...state.settings.hookModes } }),
    setHookMode: (mode, opts = {}) => {
      if (opts.functionName !== undefined) {
        state.configure({ hookModes: { [opts.functionName]: mode }, ...(opts.delayMs !== undefined && { hookDelayMs: opts.delayMs }) })
      } else {
        state.configure({ hookMode: mode, ...(opts.delayMs !== undefined && { hookDelayMs: opts.delayMs }) })
      }
    },
    pendingHooks: () => state.pendingHooks(),
    answerHook: (id, exec, status) => {
      state.putHookStatus(id, exec, status)
    },
    failNext: (group, spec) => state.failNext(group, spec),
    setInstanceCount: (group, count) => state.setInstanceCount(group, count),
    deployments: () => {
      state.pump()
      return state.order.flatMap((id) => {
        const d = state.deployments.get(id)
        if (!d) return []
        const s: DeploymentSummary = {
          deploymentId: d.id,
          applicationName: d.applicationName,
          deploymentGroupName: d.groupName,
          status: d.status,
          creator: d.creator,
        }
        if (d.errorInformation) s.errorCode = d.errorInformation.code
        if (d.rollbackInfo?.rollbackDeploymentId !== undefined) s.rollbackDeploymentId = d.rollbackInfo.rollbackDeploymentId
        if (d.rollbackInfo?.rollbackTriggeringDeploymentId !== undefined) s.rollbackTriggeringDeploymentId = d.rollbackInfo.rollbackTriggeringDeploymentId
        return [s]
      })
    },
  }
}

const str = (v: unknown, what: string): string => {
  if (typeof v !== 'string' || v === '') throw new ApiError(400, 'BadRequest', `${what} is missing or invalid`)
  return v
}

/** Handles `<METHOD> codedeploy/...` control routes; undefined when the route is not a CodeDeploy one. */
export function handleCodeDeployControl(api: CodeDeployControlApi, route: string, body: Record<string, unknown>): unknown {
  switch (route) {
    case 'GET codedeploy/settings':
      return api.settings()
    case 'POST codedeploy/settings':
      return api.configure(body as Partial<CodeDeploySettings>)
    case 'GET codedeploy/hooks':
      return api.pendingHooks()
    case 'POST codedeploy/hooks/answer': {
      const status = body.status
      if (status !== 'Succeeded' && status !== 'Failed') throw new ApiError(400, 'BadRequest', 'status must be Succeeded or Failed')
      api.answerHook(str(body.deploymentId, 'deploymentId'), str(body.lifecycleEventHookExecutionId, 'lifecycleEventHookExecutionId'), status)
      return { ok: true }
    }
    case 'POST codedeploy/fail-next': {
      const spec: FailSpec = { code: str(body.code, 'code') }
      if (typeof body.message === 'string') spec.message = body.message
      if (typeof body.afterMinutes === 'number') spec.afterMinutes = body.afterMinutes
      if (typeof body.applicationName === 'string') spec.applicationName = body.applicationName
      api.failNext(str(body.deploymentGroupName, 'deploymentGroupName'), spec)
      return { ok: true }
    }
    case 'POST codedeploy/instances':
      api.setInstanceCount(str(body.deploymentGroupName, 'deploymentGroupName'), Number(body.count))
      return { ok: true }
    case 'GET codedeploy/deployments':
      return api.deployments()
    default:
      return undefined
  }
}
