// Typed fetch wrapper for the /_emulator/ control API, for processes that don't own the emulator.
import type { AlarmHistoryItem, AlarmState } from './cloudwatch/cloudwatch.js'
import type { DeliverySettings } from './cloudwatch/delivery.js'
import type { DeploymentSummary } from './codedeploy/control.js'
import type { CodeDeploySettings, FailSpec, HookMode, PendingHook } from './codedeploy/progress.js'
import type { DeploymentSummary as EcsDeploymentSummary, SeedEcsSpec, SeededEcs } from './ecs/control.js'
import type { EcsSettings } from './ecs/deployment.js'
import type { CallRecord, FaultConfig } from './faults.js'
import type { AliasHistoryEntry, Weights } from './lambda/lambda.js'

export class EmulatorControl {
  constructor(private readonly url: string) {}

  private async call<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.url.replace(/\/$/, '')}/_emulator/${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    })
    const text = await res.text()
    if (!res.ok) throw new Error(`emulator control ${method} ${path} failed: ${res.status} ${text}`)
    return JSON.parse(text) as T
  }

  async health(): Promise<boolean> {
    return this.call<{ ok: boolean }>('GET', 'health').then(
      (r) => r.ok,
      () => false,
    )
  }
  async setAlarmState(name: string, state: AlarmState, reason?: string): Promise<void> {
    await this.call('POST', `alarms/${encodeURIComponent(name)}/state`, { state, ...(reason !== undefined && { reason }) })
  }
  async setFaults(cfg: FaultConfig | null): Promise<void> {
    await this.call('POST', 'faults', cfg ?? {})
  }
  async setPolicy(actions: string[] | null): Promise<void> {
    await this.call('POST', 'policy', { actions })
  }
  /** After each UpdateAlias, the next `count` GetAlias calls for that alias see it as it was before. */
  async setStaleAliasReads(count: number): Promise<void> {
    await this.call('POST', 'lambda/stale-reads', { count })
  }
  async seedFunction(name: string, versions = 1): Promise<void> {
    await this.call('POST', 'seed/function', { name, versions })
  }
  async seedAlias(fn: string, alias: string, version: string, weights?: Weights): Promise<void> {
    await this.call('POST', 'seed/alias', { function: fn, alias, version, ...(weights !== undefined && { weights }) })
  }
  async seedAlarm(name: string, state: AlarmState = 'OK', opts: { composite?: boolean; alarmRule?: string; reason?: string } = {}): Promise<void> {
    await this.call('POST', 'seed/alarm', { name, state, ...opts })
  }
  /**
   * Simulated invocations through FUNCTION:ALIAS (default alias live): `rate` per second in all,
   * split by the alias's live weights; each version's error rate and median duration.
   */
  async setInvocations(spec: {
    function: string
    alias?: string
    rate: number
    versions?: Record<string, { errorRate?: number; durationMs?: number }>
    errorRate?: number
    durationMs?: number
    metricDelayMs?: number
    /** Log-normal sigma of each call's duration around its median (default 0.25). */
    durationSigma?: number
  }): Promise<void> {
    await this.call('POST', 'invocations', spec)
  }
  /** A shared error spike through FUNCTION:ALIAS: every version also fails `errorRate` of its calls for `durationMs`, from now (+ startInMs) or from `at` (epoch ms). */
  async spikeInvocations(spec: { function: string; alias?: string; errorRate: number; durationMs: number; startInMs?: number; at?: number }): Promise<void> {
    await this.call('POST', 'invocations/spike', spec)
  }
  /**
   * How late CloudWatch delivers AWS metrics, per series: a base delay, a jitter per series and minute,
   * a fixed skew per series, and extra delays for chosen series. Unset fields keep their value; reset() clears.
   */
  metricDelivery(patch: Partial<DeliverySettings> = {}): Promise<DeliverySettings> {
    return this.call('POST', 'cloudwatch/delivery', patch)
  }
  async stopInvocations(fn: string, alias = 'live'): Promise<void> {
    await this.call('POST', 'invocations/stop', { function: fn, alias })
  }
  calls(): Promise<CallRecord[]> {
    return this.call('GET', 'calls')
  }
  aliasHistory(): Promise<AliasHistoryEntry[]> {
    return this.call('GET', 'alias-history')
  }
  alarmHistory(): Promise<AlarmHistoryItem[]> {
    return this.call('GET', 'alarm-history')
  }
  async reset(): Promise<void> {
    await this.call('POST', 'reset')
  }

  // ---- CodeDeploy ----
  codeDeploySettings(): Promise<CodeDeploySettings> {
    return this.call('GET', 'codedeploy/settings')
  }
  configureCodeDeploy(patch: Partial<CodeDeploySettings>): Promise<CodeDeploySettings> {
    return this.call('POST', 'codedeploy/settings', patch)
  }
  /** Real ms per CodeDeploy minute. */
  async setCodeDeployTimeScale(msPerMinute: number): Promise<void> {
    await this.configureCodeDeploy({ timeScale: msPerMinute })
  }
  async setCodeDeployHookMode(mode: HookMode, delayMs?: number): Promise<void> {
    await this.configureCodeDeploy({ hookMode: mode, ...(delayMs !== undefined && { hookDelayMs: delayMs }) })
  }
  codeDeployHooks(): Promise<PendingHook[]> {
    return this.call('GET', 'codedeploy/hooks')
  }
  async answerCodeDeployHook(deploymentId: string, lifecycleEventHookExecutionId: string, status: 'Succeeded' | 'Failed'): Promise<void> {
    await this.call('POST', 'codedeploy/hooks/answer', { deploymentId, lifecycleEventHookExecutionId, status })
  }
  async failNextDeployment(deploymentGroupName: string, spec: FailSpec): Promise<void> {
    await this.call('POST', 'codedeploy/fail-next', { deploymentGroupName, ...spec })
  }
  async setCodeDeployInstanceCount(deploymentGroupName: string, count: number): Promise<void> {
    await this.call('POST', 'codedeploy/instances', { deploymentGroupName, count })
  }
  codeDeployDeployments(): Promise<DeploymentSummary[]> {
    return this.call('GET', 'codedeploy/deployments')
  }

  // ---- ECS ----
  /** A cluster, task definitions (revisions 1..N), and a service on revision 1 behind a seeded ALB with production and test rules. */
  seedEcs(spec: SeedEcsSpec = {}): Promise<SeededEcs> {
    return this.call('POST', 'ecs/seed', spec)
  }
  configureEcs(patch: Partial<EcsSettings>): Promise<EcsSettings> {
    return this.call('POST', 'ecs/settings', patch)
  }
  /** Marks a task definition (ARN or family:revision) as crashing: its tasks fail `errorRate` of their requests (0 clears). */
  async crashEcsRevision(taskDefinition: string, errorRate: number): Promise<void> {
    await this.call('POST', 'ecs/crash', { taskDefinition, errorRate })
  }
  ecsDeployments(): Promise<EcsDeploymentSummary[]> {
    return this.call('GET', 'ecs/deployments')
  }
}
