// In-process emulator state and the programmatic control surface shared by server and control routes.
import { CloudWatchState, createCloudWatchService, type AlarmState, type AlarmHistoryItem } from './cloudwatch/cloudwatch.js'
import { createCodeDeployService } from './codedeploy/codedeploy.js'
import { codeDeployControl, type CodeDeployControlApi } from './codedeploy/control.js'
import { CodeDeployState, type CodeDeploySettings } from './codedeploy/progress.js'
import { FaultInjector, type CallRecord, type FaultConfig, type PolicyDocument } from './faults.js'
import { InvocationStreams, type InvocationStreamSpec } from './lambda/invocations.js'
import { LambdaState, createLambdaService, type AliasHistoryEntry, type Weights } from './lambda/lambda.js'
import type { EmulatedService } from './service.js'
import { createElbv2Service } from './elbv2/elbv2.js'
import { elbv2Control, type Elbv2ControlApi } from './elbv2/control.js'
import { Elbv2State } from './elbv2/model.js'
import { ecsControl, type EcsControlApi } from './ecs/control.js'
import { EcsEngine, type EcsSettings } from './ecs/deployment.js'
import { createEcsService } from './ecs/ecs.js'
import { EcsState } from './ecs/model.js'
import { createIamService } from './identity/iam.js'
import { createStsService } from './identity/sts.js'

export interface SeedAlarmOptions {
  composite?: boolean
  /** Composite rule; defaults to a rule that is always false. */
  alarmRule?: string
  reason?: string
}

export interface EmulatorCoreOptions {
  /** CodeDeploy engine defaults (timeScale = real ms per CodeDeploy minute, hook answering, ...). */
  codedeploy?: Partial<CodeDeploySettings>
  /** ECS deployment engine defaults (timeScale = real ms per ECS minute, ...). */
  ecs?: Partial<EcsSettings>
}

export class EmulatorCore {
  readonly state: { lambda: LambdaState; cloudwatch: CloudWatchState; codedeploy: CodeDeployState; elbv2: Elbv2State; ecs: EcsState }
  readonly faults: FaultInjector
  /** Test controls for the CodeDeploy engine (time scale, hooks, failure injection). */
  readonly codedeploy: CodeDeployControlApi
  /** Test controls for Application Load Balancers (seeding, target health, request stream). */
  readonly elbv2: Elbv2ControlApi
  /** Test controls for ECS services (seeding, time scale, crashing revisions, deployment summaries). */
  readonly ecs: EcsControlApi
  private readonly ecsEngine: EcsEngine
  /** Order matters only for routing; add new services (e.g. CodeDeploy) here. */
  readonly services: EmulatedService[]
  /** Simulated invocations through aliases, published as Lambda's per-version metrics. */
  readonly invocations: InvocationStreams
  private readonly callLog: CallRecord[] = []

  constructor(seed = 1, opts: EmulatorCoreOptions = {}) {
    const lambda = new LambdaState()
    const cloudwatch = new CloudWatchState()
    this.state = { lambda, cloudwatch, codedeploy: new CodeDeployState(lambda, cloudwatch, opts.codedeploy), elbv2: new Elbv2State(), ecs: new EcsState() }
    this.codedeploy = codeDeployControl(this.state.codedeploy)
    this.elbv2 = elbv2Control(this.state.elbv2, seed, cloudwatch.metrics)
    this.ecsEngine = new EcsEngine(this.state.ecs, this.state.elbv2, cloudwatch, opts.ecs)
    this.ecs = ecsControl(this.state.ecs, this.ecsEngine, this.state.elbv2)
    // A crashing ECS revision fails its share of the requests its target group receives.
    this.elbv2.traffic.errorRateOf = (groupArn) => this.ecsEngine.errorRateOf(groupArn)
    this.faults = new FaultInjector(seed)
    this.invocations = new InvocationStreams(lambda, cloudwatch.metrics, seed)
    cloudwatch.beforeMetricsRead = (now) => {
      this.invocations.advance(now)
      this.elbv2.traffic.advance(now)
    }
    this.services = [
      createLambdaService(this.state.lambda),
      createCloudWatchService(this.state.cloudwatch),
      createCodeDeployService(this.state.codedeploy),
      createElbv2Service(this.state.elbv2, (action, resource) => this.faults.isAllowed(action, resource)),
      createEcsService({
        state: this.state.ecs,
        engine: this.ecsEngine,
        elbv2: this.state.elbv2,
        canPassRole: (roleArn, passedToService) => this.faults.isAllowed('iam:PassRole', roleArn, { 'iam:PassedToService': passedToService }),
      }),
      createStsService(),
      createIamService(this.faults),
    ]
  }

  /** Stops background timers (CodeDeploy ticker). */
  close(): void {
    this.state.codedeploy.close()
    this.elbv2.close()
    this.ecsEngine.close()
  }

  recordCall(call: CallRecord): void {
    this.callLog.push(call)
  }

  calls(): CallRecord[] {
    return [...this.callLog]
  }

  aliasHistory(): AliasHistoryEntry[] {
    return [...this.state.lambda.history]
  }

  alarmHistory(): AlarmHistoryItem[] {
    return [...this.state.cloudwatch.history]
  }

  setFaults(cfg: FaultConfig | null): void {
    this.faults.setFaults(cfg)
  }

  setPolicy(policy: string[] | PolicyDocument | null): void {
    this.faults.setPolicy(policy)
  }

  setRateLimits(enabled: boolean): void {
    this.faults.rates.enabled = enabled
  }

  /** After each UpdateAlias, the next `count` GetAlias calls for that alias see it as it was before. */
  setStaleAliasReads(count: number): void {
    this.state.lambda.staleReadsAfterWrite = count
  }

  setAlarmState(name: string, state: AlarmState, reason = `Set by emulator to ${state}`): void {
    this.state.cloudwatch.setState(name, state, reason)
  }

  /** Clears all state, faults, policy and logs. */
  reset(): void {
    for (const s of this.services) s.reset()
    this.invocations.reset()
    this.faults.setFaults(null)
    this.faults.setPolicy(null)
    this.faults.rates.reset()
    this.faults.rates.enabled = true
    this.callLog.length = 0
  }

  /** Creates a function with published versions '1'..'N' (replacing any existing one). */
  seedFunction(name: string, opts: { versions?: number } = {}): void {
    this.state.lambda.functions.delete(name)
    this.state.lambda.createFunction(name)
    for (let i = 0; i < (opts.versions ?? 1); i++) this.state.lambda.publishVersion(name, `v${i + 1}`)
  }

  /** Creates or updates an alias; goes through the same validation as the API. */
  seedAlias(fn: string, alias: string, version: string, weights: Weights = {}): void {
    const lambda = this.state.lambda
    if (lambda.getFunction(fn).aliases.has(alias)) {
      lambda.updateAlias(fn, alias, { functionVersion: version, weights }, null)
    } else {
      lambda.createAlias(fn, { name: alias, functionVersion: version, weights }, null)
    }
  }

  /**
   * Starts (or changes) a simulated invocation stream through an alias; `since` (epoch ms) starts it in the
   * past, so the stable has history (up to the stream's 15-minute catch-up, as the alias's history allows).
   */
  setInvocations(spec: InvocationStreamSpec, since?: number): void {
    this.invocations.set(spec, since)
  }

  stopInvocations(functionName: string, alias: string): void {
    this.invocations.stop(functionName, alias)
  }

  seedAlarm(name: string, state: AlarmState = 'OK', opts: SeedAlarmOptions = {}): void {
    const cw = this.state.cloudwatch
    if (opts.composite) {
      cw.putAlarm('CompositeAlarm', name, { AlarmRule: opts.alarmRule ?? 'FALSE' })
    } else {
      cw.putAlarm('MetricAlarm', name, {
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Statistic: 'Sum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        TreatMissingData: 'notBreaching',
      })
    }
    if (cw.alarms.get(name)?.stateValue !== state) cw.setState(name, state, opts.reason ?? `Seeded as ${state}`)
  }
}
