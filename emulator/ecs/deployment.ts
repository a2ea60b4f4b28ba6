// The ECS service deployment engine: each deployment is a plan of lifecycle steps advanced against
// wall-clock time (scaled: `timeScale` ms per ECS minute) by a ticker and lazily before every API call.
// Traffic moves on the emulator's ELBv2: the production (and test) listener rule's forward action is
// rewritten between the service's two target groups, so the traffic simulator's per-group metrics
// follow. Alarms are read from the emulator's CloudWatch.
//
// Readings where AWS's documentation is silent (tell the action to be robust to both):
// - Hooks of a stage run when the deployment enters it, before the stage's work (for
//   PRODUCTION_TRAFFIC_SHIFT: before the first weight change). PRE_PRODUCTION_TRAFFIC_SHIFT is a hook
//   stage only; the deployment reports POST_TEST_TRAFFIC_SHIFT meanwhile.
// - lifecycleHookDetails lists the hooks of the current step only.
// - UpdateService during an active deployment supersedes it: the old one ends STOPPED, production and
//   test traffic return to its source revision, and the new deployment starts with RECONCILE_SERVICE
//   (the stage AWS documents for "more than 1 service revision in an ACTIVE state").
// - stopType ABORT (the API reference says only ROLLBACK is valid, the model lists both): the
//   deployment goes STOP_REQUESTED then STOPPED and traffic stays where it was. Use ROLLBACK.
// - A PAUSE hook that times out takes its timeoutAction (default ROLLBACK) and ends TIMED_OUT.
// - Alarms with rollback: false end the deployment STOPPED with traffic left where it was.
// - Without bakeTimeInMinutes CANARY and LINEAR bake 0 minutes; BLUE_GREEN requires it (the API says so).
import type { CloudWatchState } from '../cloudwatch/cloudwatch.js'
import type { Elbv2State } from '../elbv2/model.js'
import { ApiError } from '../service.js'
import { HOOK_TIMEOUT_DEFAULTS, type HookAction } from './config.js'
import { planSteps } from './plan.js'
import { shiftRule } from './routing.js'
import { TaskPlacement } from './tasks.js'
import { type EcsState, type HookRun, isActive, type Service, type ServiceDeployment, type ServiceRevision, type Step } from './model.js'

export interface EcsSettings {
  /** Real milliseconds per ECS minute. */
  timeScale: number
  /** Scaled minutes for the new revision's tasks to start, the old ones to stop, and a rollback to finish. */
  scaleUpMinutes: number
  cleanUpMinutes: number
  rollbackMinutes: number
  /** How AWS_LAMBDA hooks answer (the emulator does not invoke them) and after how many scaled minutes. */
  lambdaHookResult: 'SUCCEEDED' | 'FAILED' | 'IN_PROGRESS'
  lambdaHookMinutes: number
  /** Scaled minutes a new deployment stays PENDING before it starts (ECS accepts it first, then works on it). */
  pendingMinutes: number
  /**
   * Scaled minutes requestedProductionTrafficWeight / requestedTestTrafficWeight trail the listener
   * rules: the model documents them as "a snapshot ... may not reflect real-time changes".
   */
  weightSnapshotLagMinutes: number
}

export const DEFAULT_ECS_SETTINGS: EcsSettings = {
  timeScale: 1000,
  scaleUpMinutes: 0.5,
  cleanUpMinutes: 0.5,
  rollbackMinutes: 0.25,
  lambdaHookResult: 'SUCCEEDED',
  lambdaHookMinutes: 0.1,
  pendingMinutes: 0.05,
  weightSnapshotLagMinutes: 0.05,
}

const conflict = (message: string): ApiError => new ApiError(400, 'ConflictException', message)
const clientError = (message: string): ApiError => new ApiError(400, 'ClientException', message)

export class EcsEngine {
  settings: EcsSettings
  private readonly tasks: TaskPlacement
  private ticker: NodeJS.Timeout | undefined
  private hookCounter = 0

  constructor(
    private readonly state: EcsState,
    private readonly elbv2: Elbv2State,
    private readonly cloudwatch: CloudWatchState,
    settings: Partial<EcsSettings> = {},
  ) {
    this.settings = { ...DEFAULT_ECS_SETTINGS, ...settings }
    this.tasks = new TaskPlacement(state, elbv2)
  }

  configure(patch: Partial<EcsSettings>): EcsSettings {
    this.settings = { ...this.settings, ...patch }
    return { ...this.settings }
  }

  reset(): void {
    this.stopTicker()
    this.tasks.reset()
  }

  close(): void {
    this.stopTicker()
  }

  private scaled(minutes: number): number {
    return minutes * this.settings.timeScale
  }

  // ---- starting ----

  /** Starts a deployment of `taskDefinition` for the service (UpdateService / CreateService). */
  start(service: Service, taskDefinition: string, now = Date.now()): ServiceDeployment {
    const config = service.config
    const lb = service.loadBalancers[0]
    const adv = lb?.advancedConfiguration
    const shifted = config.strategy !== 'ROLLING'
    if (shifted && !adv) {
      throw new ApiError(
        400,
        'InvalidParameterException',
        `The ${config.strategy} deployment strategy requires a load balancer with advancedConfiguration (alternateTargetGroupArn, productionListenerRule, roleArn).`,
      )
    }
    if (config.strategy === 'BLUE_GREEN' && config.bakeTimeInMinutes === undefined) {
      throw new ApiError(400, 'InvalidParameterException', 'bakeTimeInMinutes is required when the deployment strategy is BLUE_GREEN.')
    }
    const sources: string[] = []
    const previous = this.state.activeDeployment(service.arn)
    if (previous) {
      // Both revisions are ACTIVE when the new deployment starts (its RECONCILE_SERVICE stage).
      for (const s of [...previous.sources, previous.target]) if (!sources.includes(s) && (s !== previous.target || this.tasks.running(s))) sources.push(s)
      this.supersede(service, previous, now)
    } else if (service.currentRevision) sources.push(service.currentRevision)
    // Revisions still running tasks (a STOPPED deployment leaves its target up) are ACTIVE too.
    for (const arn of this.tasks.revisions()) if (this.state.revisions.get(arn)?.serviceArn === service.arn && !sources.includes(arn)) sources.push(arn)
    const sourceRev = sources[0] === undefined ? undefined : this.state.revisions.get(sources[0])
    const sourceGroup = sourceRev?.targetGroupArn ?? lb?.targetGroupArn
    const group = !shifted || !sourceRev ? lb?.targetGroupArn : sourceGroup === lb?.targetGroupArn ? adv?.alternateTargetGroupArn : lb?.targetGroupArn
    const target = this.state.newRevision(service, taskDefinition, group)
    const d: ServiceDeployment = {
      arn: this.state.newDeploymentArn(service),
      serviceArn: service.arn,
      clusterArn: service.clusterArn,
      createdAt: now,
      updatedAt: now,
      sources,
      target: target.arn,
      status: 'PENDING',
      config: structuredClone(config),
      plan: planSteps(config, sources.length, shifted, { scaleUp: this.settings.scaleUpMinutes, cleanUp: this.settings.cleanUpMinutes }),
      step: 0,
      stepEnteredAt: now + this.scaled(this.settings.pendingMinutes),
      hooks: [],
      productionPercent: 0,
      testPercent: 0,
      weightLog: [],
      alarms: { status: config.alarms?.enable ? 'MONITORING' : 'DISABLED', triggered: [] },
    }
    if (shifted && sources.length > 1) this.reconcile(service, d)
    this.state.deployments.set(d.arn, d)
    service.currentDeployment = d.arn
    service.taskDefinition = taskDefinition
    this.state.event(service, `(service ${service.name}) has started a service deployment ${d.arn.split('/').at(-1)} of ${taskDefinition}.`)
    this.advance(d, now)
    this.ensureTicker()
    return d
  }

  /**
   * RECONCILE_SERVICE: with more than one ACTIVE revision, production and test traffic go back to the
   * first, and the others' tasks leave the group the new revision will use.
   */
  private reconcile(service: Service, d: ServiceDeployment): void {
    const group = this.state.revisions.get(d.target)?.targetGroupArn
    for (const arn of d.sources.slice(1)) {
      const rev = this.state.revisions.get(arn)
      if (rev && rev.targetGroupArn === group) this.tasks.deregister(rev)
    }
    try {
      this.writeWeights(service, d, 'production', 0)
      this.writeWeights(service, d, 'test', 0)
    } catch {
      // A missing rule fails the deployment at its first traffic shift instead.
    }
  }

  /** An UpdateService while `d` is under way: `d` stops and traffic returns to its source revision. */
  private supersede(service: Service, d: ServiceDeployment, now: number): void {
    this.restoreTraffic(service, d, now)
    const target = this.state.revisions.get(d.target)
    const source = d.sources[0] === undefined ? undefined : this.state.revisions.get(d.sources[0])
    if (target && source && target.targetGroupArn !== source.targetGroupArn) this.tasks.deregister(target)
    this.finish(d, 'STOPPED', now, `Superseded by a newer service deployment of ${service.name}.`)
  }

  // ---- user actions ----

  stop(d: ServiceDeployment, stopType: 'ROLLBACK' | 'ABORT', now = Date.now()): void {
    this.advance(d, now)
    if (!isActive(d.status)) throw conflict(`The service deployment is ${d.status} and can't be stopped.`)
    if (d.status !== 'PENDING' && d.status !== 'IN_PROGRESS') return // already stopping or rolling back: it continues
    if (stopType === 'ABORT') {
      d.status = 'STOP_REQUESTED'
      d.statusReason = 'Service deployment stopped by a StopServiceDeployment request.'
      d.settleAt = now + this.scaled(this.settings.rollbackMinutes)
      d.updatedAt = now
    } else this.requestRollback(d, 'Service deployment rolled back by a StopServiceDeployment request.', now)
    this.ensureTicker()
  }

  continueHook(d: ServiceDeployment, hookId: string, action: HookAction, now = Date.now()): void {
    this.advance(d, now)
    if (d.status !== 'IN_PROGRESS') throw clientError(`The service deployment is ${d.status}; only an IN_PROGRESS deployment can be continued.`)
    const run = d.hooks.find((h) => h.hookId === hookId)
    if (!run) throw new ApiError(400, 'InvalidParameterException', `The hook ${hookId} is not a lifecycle hook of this service deployment.`)
    if (run.status !== 'AWAITING_ACTION') throw clientError(`The hook ${hookId} is ${run.status}, not AWAITING_ACTION.`)
    run.status = action === 'CONTINUE' ? 'SUCCEEDED' : 'FAILED'
    this.resolvedAt.set(run, now)
    if (action === 'ROLLBACK') this.requestRollback(d, `Service deployment rolled back by ContinueServiceDeployment at hook ${hookId}.`, now)
    d.updatedAt = now
    this.advance(d, now)
    this.ensureTicker()
  }

  // ---- engine ----

  private readonly resolvedAt = new WeakMap<HookRun, number>()
  /** Step index each hook run belongs to. */
  private readonly runStep = new WeakMap<HookRun, number>()

  /** Advances every active deployment to `now`. */
  pump(now = Date.now()): void {
    for (const d of [...this.state.deployments.values()]) if (isActive(d.status)) this.advance(d, now)
  }

  private ensureTicker(): void {
    if (this.ticker) return
    const ms = Math.min(100, Math.max(5, Math.floor(this.settings.timeScale / 20)))
    this.ticker = setInterval(() => {
      this.pump()
      if (![...this.state.deployments.values()].some((d) => isActive(d.status))) this.stopTicker()
    }, ms)
    this.ticker.unref()
  }

  private stopTicker(): void {
    if (this.ticker) clearInterval(this.ticker)
    this.ticker = undefined
  }

  private service(d: ServiceDeployment): Service | undefined {
    return this.state.services.get(d.serviceArn)
  }

  private advance(d: ServiceDeployment, now: number): void {
    const service = this.service(d)
    if (!service) return
    for (let guard = 0; guard < 1000 && isActive(d.status); guard++) {
      if (d.status === 'STOP_REQUESTED') {
        if (now < (d.settleAt ?? now)) return
        this.finish(d, 'STOPPED', now)
        continue
      }
      if (d.status === 'ROLLBACK_REQUESTED') {
        d.status = 'ROLLBACK_IN_PROGRESS'
        d.updatedAt = now
        const source = d.sources[0] === undefined ? undefined : this.state.revisions.get(d.sources[0])
        // A rollback after CLEAN_UP began starts the old revision's tasks again first.
        if (source && !this.tasks.running(source.arn)) this.tasks.register(service, source)
        try {
          this.restoreTraffic(service, d, now)
        } catch (err) {
          this.finish(d, 'ROLLBACK_FAILED', now, `Rollback failed: ${err instanceof Error ? err.message : String(err)}`)
          return
        }
        d.settleAt = now + this.scaled(this.settings.rollbackMinutes)
        continue
      }
      if (d.status === 'ROLLBACK_IN_PROGRESS') {
        if (now < (d.settleAt ?? now)) return
        const target = this.state.revisions.get(d.target)
        const source = d.sources[0] === undefined ? undefined : this.state.revisions.get(d.sources[0])
        if (target) this.tasks.deregister(target)
        if (source) {
          service.taskDefinition = source.taskDefinition
          service.currentRevision = source.arn
        }
        this.finish(d, 'ROLLBACK_SUCCESSFUL', now)
        this.state.event(service, `(service ${service.name}) rolled back service deployment ${d.arn.split('/').at(-1)}.`)
        continue
      }
      if (d.status === 'PENDING') {
        if (now < d.stepEnteredAt) return
        d.status = 'IN_PROGRESS'
        d.startedAt = d.stepEnteredAt
        d.updatedAt = d.stepEnteredAt
      }
      if (this.alarmTriggered(d, now)) continue
      const step = d.plan[d.step]
      if (!step) {
        d.lifecycleStage = 'CLEAN_UP'
        service.currentRevision = d.target
        if (d.alarms.status === 'MONITORING') d.alarms.status = 'MONITORING_COMPLETE'
        this.finish(d, 'SUCCESSFUL', now)
        this.state.event(service, `(service ${service.name}) service deployment ${d.arn.split('/').at(-1)} completed.`)
        continue
      }
      d.lifecycleStage = step.stage
      if (d.stepDoneAt === undefined) {
        const doneAt = this.runHooks(d, step, now)
        if (doneAt === undefined || !isActive(d.status) || d.status !== 'IN_PROGRESS') {
          if (d.status === 'IN_PROGRESS') return
          continue
        }
        try {
          this.effect(service, d, step, doneAt)
        } catch (err) {
          this.requestRollback(d, `Service deployment failed at ${step.stage}: ${err instanceof Error ? err.message : String(err)}`, now)
          continue
        }
        d.stepDoneAt = doneAt
        d.updatedAt = now
      }
      const end = d.stepDoneAt + this.scaled(step.minutes)
      if (now < end) return
      d.step += 1
      d.stepEnteredAt = end
      delete d.stepDoneAt
      if (step.stage === 'BAKE_TIME' && d.alarms.status === 'MONITORING') d.alarms.status = 'MONITORING_COMPLETE'
    }
  }

  /** Starts the step's hooks once; the time they all finished, or undefined while any is pending. */
  private runHooks(d: ServiceDeployment, step: Step, now: number): number | undefined {
    const stage = step.hookStage
    const hooks = stage === undefined ? [] : (d.config.lifecycleHooks ?? []).filter((h) => h.lifecycleStages.includes(stage))
    if (hooks.length === 0 || stage === undefined) return d.stepEnteredAt
    let runs = d.hooks.filter((r) => this.runStep.get(r) === d.step)
    if (runs.length === 0) {
      const startedAt = d.stepEnteredAt
      runs = hooks.map((h) => {
        this.hookCounter += 1
        const timeout = h.timeoutConfiguration?.timeoutInMinutes ?? HOOK_TIMEOUT_DEFAULTS.timeoutInMinutes
        const run: HookRun = {
          hookId: `ecs-${h.targetType === 'PAUSE' ? 'pause' : 'lambda'}-${Buffer.from(`${d.arn}#${this.hookCounter}`).toString('base64url').slice(-43)}`,
          stage,
          targetType: h.targetType,
          ...(h.hookTargetArn !== undefined && h.targetType === 'AWS_LAMBDA' && { targetArn: h.hookTargetArn }),
          status: h.targetType === 'PAUSE' ? 'AWAITING_ACTION' : 'IN_PROGRESS',
          startedAt,
          expiresAt: startedAt + this.scaled(timeout),
          timeoutAction: h.timeoutConfiguration?.action ?? HOOK_TIMEOUT_DEFAULTS.action,
        }
        this.runStep.set(run, d.step)
        return run
      })
      d.hooks = runs
      d.updatedAt = now
    }
    let latest = d.stepEnteredAt
    let pending = false
    for (const run of runs) {
      if (run.status === 'IN_PROGRESS' && this.settings.lambdaHookResult !== 'IN_PROGRESS') {
        const answerAt = run.startedAt + this.scaled(this.settings.lambdaHookMinutes)
        if (now >= answerAt && answerAt < run.expiresAt) {
          run.status = this.settings.lambdaHookResult
          this.resolvedAt.set(run, answerAt)
        }
      }
      if ((run.status === 'IN_PROGRESS' || run.status === 'AWAITING_ACTION') && now >= run.expiresAt) {
        run.status = 'TIMED_OUT'
        this.resolvedAt.set(run, run.expiresAt)
        if (run.timeoutAction === 'ROLLBACK') {
          this.requestRollback(d, `Lifecycle hook ${run.hookId} at ${run.stage} timed out.`, run.expiresAt)
          return undefined
        }
      }
      if (run.status === 'FAILED') {
        if (d.status === 'IN_PROGRESS') this.requestRollback(d, `Lifecycle hook ${run.hookId} at ${run.stage} failed.`, this.resolvedAt.get(run) ?? now)
        return undefined
      }
      if (run.status === 'IN_PROGRESS' || run.status === 'AWAITING_ACTION') pending = true
      else latest = Math.max(latest, this.resolvedAt.get(run) ?? now)
    }
    return pending ? undefined : latest
  }

  private effect(service: Service, d: ServiceDeployment, step: Step, at: number): void {
    const target = this.state.revisions.get(d.target)
    if (!target) return
    switch (step.effect) {
      case 'scaleUp':
        this.tasks.register(service, target)
        break
      case 'test':
        if (this.writeWeights(service, d, 'test', 100)) {
          d.testPercent = 100
          this.logWeights(d, at)
        }
        break
      case 'production':
        this.writeWeights(service, d, 'production', step.percent ?? 100)
        d.productionPercent = step.percent ?? 100
        this.logWeights(d, at)
        break
      case 'cleanUp':
        for (const arn of d.sources) {
          const source = this.state.revisions.get(arn)
          if (source) this.tasks.deregister(source)
        }
        break
      default:
        break
    }
  }

  private alarmTriggered(d: ServiceDeployment, now: number): boolean {
    const alarms = d.config.alarms
    if (!alarms?.enable || d.alarms.status !== 'MONITORING') return false
    const firing = alarms.alarmNames.filter((n) => this.cloudwatch.alarms.get(n)?.stateValue === 'ALARM')
    if (firing.length === 0) return false
    d.alarms = { status: 'TRIGGERED', triggered: firing }
    const reason = `Service deployment failed: the CloudWatch alarm(s) ${firing.join(', ')} went into ALARM.`
    if (alarms.rollback) this.requestRollback(d, reason, now)
    else this.finish(d, 'STOPPED', now, reason)
    return true
  }

  private requestRollback(d: ServiceDeployment, reason: string, now: number): void {
    const source = d.sources[0]
    d.status = 'ROLLBACK_REQUESTED'
    d.statusReason = reason
    d.updatedAt = now
    for (const run of d.hooks) {
      if (run.status === 'AWAITING_ACTION' || run.status === 'IN_PROGRESS') {
        run.status = 'FAILED'
        this.resolvedAt.set(run, now)
      }
    }
    if (source === undefined) {
      this.finish(d, 'ROLLBACK_FAILED', now, `${reason} There is no earlier service revision to roll back to.`)
      return
    }
    d.rollback = { reason, startedAt: now, serviceRevisionArn: source }
  }

  private finish(d: ServiceDeployment, status: ServiceDeployment['status'], now: number, reason?: string): void {
    d.status = status
    if (reason !== undefined) d.statusReason = reason
    d.updatedAt = now
    d.finishedAt = now
    if (status === 'STOPPED') d.stoppedAt = now
    if (d.alarms.status === 'MONITORING') d.alarms.status = status === 'SUCCESSFUL' ? 'MONITORING_COMPLETE' : 'DISABLED'
  }

  // ---- traffic and tasks ----

  /** Production and test traffic back to the first source revision's group. */
  private restoreTraffic(service: Service, d: ServiceDeployment, at: number): void {
    if (d.productionPercent > 0) this.writeWeights(service, d, 'production', 0)
    if (d.testPercent > 0) this.writeWeights(service, d, 'test', 0)
    d.productionPercent = 0
    d.testPercent = 0
    this.logWeights(d, at)
  }

  private logWeights(d: ServiceDeployment, at: number): void {
    d.weightLog.push({ at, production: d.productionPercent, test: d.testPercent })
  }

  /** Sets the target revision's share of one rule; false when the service has no such rule. */
  private writeWeights(service: Service, d: ServiceDeployment, which: 'production' | 'test', percent: number): boolean {
    const lb = service.loadBalancers[0]
    const adv = lb?.advancedConfiguration
    const ruleArn = which === 'production' ? adv?.productionListenerRule : adv?.testListenerRule
    if (!adv || !lb || ruleArn === undefined) return false
    const target = this.state.revisions.get(d.target)?.targetGroupArn
    const source = (d.sources[0] === undefined ? undefined : this.state.revisions.get(d.sources[0])?.targetGroupArn) ?? lb.targetGroupArn
    const other = target === lb.targetGroupArn ? adv.alternateTargetGroupArn : lb.targetGroupArn
    const from = source === target ? other : source
    if (!target || !from) return false
    shiftRule(this.elbv2, ruleArn, from, target, percent)
    return true
  }

  /** Registers a service's running revision without a deployment (seeding). */
  adopt(service: Service, rev: ServiceRevision): void {
    this.tasks.register(service, rev)
  }

  /** The share of requests a target group's tasks fail: the crash rate of the revision running in it. */
  errorRateOf(groupArn: string): number | undefined {
    return this.tasks.errorRateOf(groupArn)
  }

  /**
   * Each revision's requested share of production and test traffic, as DescribeServiceDeployments
   * reports it: while the deployment is under way, a snapshot `weightSnapshotLagMinutes` old.
   */
  weights(d: ServiceDeployment, revisionArn: string, now = Date.now()): { production: number; test: number } {
    const cutoff = isActive(d.status) ? now - this.scaled(this.settings.weightSnapshotLagMinutes) : Number.POSITIVE_INFINITY
    const seen = d.weightLog.filter((w) => w.at <= cutoff).at(-1) ?? { production: 0, test: 0 }
    if (revisionArn === d.target) return { production: seen.production, test: seen.test }
    if (revisionArn === d.sources[0]) return { production: 100 - seen.production, test: 100 - seen.test }
    return { production: 0, test: 0 }
  }
}
