/**
 * ECS mode's deploy: read everything, refuse before any write, one UpdateService with the mapped
 * strategy (or attach to this revision's deployment), then the shared watcher, and on a bad gate,
 * a cancel or a crash StopServiceDeployment with ROLLBACK, followed to its end.
 */
import {
  type DeploymentConfiguration,
  type DeploymentLifecycleHook,
  type ECSClient,
  type Service,
  type ServiceDeployment,
  UpdateServiceCommand,
  type UpdateServiceCommandOutput,
} from '@aws-sdk/client-ecs'
import type { Clock } from '../core/clock.js'
import { errorMessage, RefusalError } from '../core/errors.js'
import type { Gate, GateReading } from '../core/gate.js'
import type { Log } from '../core/log.js'
import { preflight } from '../core/preflight.js'
import { quote } from '../core/quote.js'
import { needsStop, Watcher } from '../managed/watch.js'
import {
  activeDeployments,
  describeDeployment,
  describeRevisions,
  describeService,
  describeTaskDefinition,
  familyRevision,
  revisionGroup,
  type ServiceRef,
  type TaskDefinitionInfo,
  type TrafficSetup,
  trafficSetupOf,
} from './api.js'
import { EcsTracked, followToEnd, pausedHook, stopAndFollow } from './deployment.js'
import type { EcsInputs } from './inputs.js'
import { afterRollback, conclusionAfterStop, conclusionWithoutStop, emptyOutcome, type EcsOutcome } from './outcome.js'
import { describePlan, describeProduction, type EcsPlan, type ProductionPlan } from './strategy.js'
import { isTestPause, TEST_STAGE } from './test-hook.js'

export interface ReleaseDeps {
  readonly client: ECSClient
  /** UpdateService, ContinueServiceDeployment. */
  readonly writeClient: ECSClient
  /** StopServiceDeployment and following the rollback: its own retry budget, never aborted by the cancel. */
  readonly stopClient: ECSClient
  readonly gate: Gate
  readonly clock: Clock
  readonly log: Log
  readonly pollMs: number
  readonly signal: AbortSignal
  readonly maxUnreadable?: number
  /** A held test-traffic hook waits at most this long before ECS rolls it back (max-hold). */
  readonly maxHoldMs: number | undefined
  readonly calls?: () => number
  /** Called as soon as the deployment exists (created or attached): output and saved state. */
  readonly onDeployment: (arn: string) => void
  /**
   * The analysis subject: the service's two target groups before the write (their metrics' readability
   * is checked with the alarms), then the running and the new revision's groups once known, or
   * undefined when they cannot be learned (never a guess that could swap them).
   */
  readonly onGroups: (groups: { readonly stable: string; readonly canary: string; readonly known: boolean } | undefined, setup: TrafficSetup) => void
}

/** PAUSE hook timeouts: 1 to 20160 minutes (DeploymentLifecycleHookDuration). */
const HOOK_MAX_MINUTES = 20_160

/** The service's own strategy, for a run that holds at test traffic and lets ECS's configured strategy follow. */
export function serviceProduction(config: DeploymentConfiguration | undefined): ProductionPlan | undefined {
  const finalBakeMinutes = config?.bakeTimeInMinutes ?? 0
  switch (config?.strategy) {
    case 'BLUE_GREEN':
      return { strategy: 'BLUE_GREEN', finalBakeMinutes }
    case 'CANARY':
      return {
        strategy: 'CANARY',
        percent: config.canaryConfiguration?.canaryPercent ?? 5,
        bakeMinutes: config.canaryConfiguration?.canaryBakeTimeInMinutes ?? 10,
        finalBakeMinutes,
      }
    case 'LINEAR':
      return {
        strategy: 'LINEAR',
        stepPercent: config.linearConfiguration?.stepPercent ?? 10,
        bakeMinutes: config.linearConfiguration?.stepBakeTimeInMinutes ?? 6,
        finalBakeMinutes,
      }
    default:
      return undefined
  }
}

/**
 * The deploymentConfiguration UpdateService sends: the service's own settings (task percentages,
 * circuit breaker, its Lambda hooks) with the mapped strategy, the action's alarms with rollback
 * (so ECS rolls back by itself if the runner dies) and, for test traffic, a PAUSE hook whose timeout rolls back.
 */
export function deploymentConfigurationFor(
  current: DeploymentConfiguration | undefined,
  production: ProductionPlan,
  alarmNames: readonly string[],
  testHookMinutes: number | undefined,
): DeploymentConfiguration {
  const { canaryConfiguration: _c, linearConfiguration: _l, lifecycleHooks, alarms: _a, ...kept } = current ?? {}
  // A PAUSE hook at test traffic from an earlier run is dropped: each run says whether it wants one.
  const hooks: DeploymentLifecycleHook[] = (lifecycleHooks ?? []).filter((h) => !isTestPause(h))
  if (testHookMinutes !== undefined) {
    hooks.push({ targetType: 'PAUSE', lifecycleStages: [TEST_STAGE], timeoutConfiguration: { timeoutInMinutes: testHookMinutes, action: 'ROLLBACK' } })
  }
  return {
    ...kept,
    strategy: production.strategy,
    bakeTimeInMinutes: production.finalBakeMinutes,
    ...(production.strategy === 'CANARY'
      ? { canaryConfiguration: { canaryPercent: production.percent, canaryBakeTimeInMinutes: production.bakeMinutes } }
      : {}),
    ...(production.strategy === 'LINEAR'
      ? { linearConfiguration: { stepPercent: production.stepPercent, stepBakeTimeInMinutes: production.bakeMinutes } }
      : {}),
    lifecycleHooks: hooks,
    ...(alarmNames.length > 0 ? { alarms: { alarmNames: [...alarmNames], enable: true, rollback: true } } : {}),
  }
}

/** The test-traffic hook's timeout: the bake and some slack, or the hold's limit when the run holds there. */
export function testHookMinutes(plan: EcsPlan, maxHoldMs: number | undefined): number | undefined {
  if (!plan.testTraffic) return undefined
  const minutes = plan.production
    ? Math.ceil(plan.testTraffic.bakeMs / 60_000) + 15
    : maxHoldMs === undefined
      ? HOOK_MAX_MINUTES
      : Math.ceil(maxHoldMs / 60_000)
  return Math.min(HOOK_MAX_MINUTES, Math.max(1, minutes))
}

interface Start {
  readonly arn: string
  readonly stable: string | undefined
  /** Attached to this revision's deployment already running (a re-run, or the promote job). */
  readonly attached: boolean
  /** A gate already failing as the run attaches: stopped at once. */
  readonly failingAtAttach: GateReading | undefined
  readonly production: ProductionPlan | undefined
}

function gateProblem(reading: GateReading): string | undefined {
  const verdict = preflight(reading)
  return verdict.ok ? undefined : verdict.message
}

/** The revision (family:revision) a deployment moves to, and the one it moves from. */
async function revisionsOf(deps: ReleaseDeps, deployment: ServiceDeployment) {
  const source = deployment.sourceServiceRevisions?.map((r) => r.arn ?? '') ?? []
  const target = deployment.targetServiceRevision?.arn ?? ''
  const revisions = await describeRevisions(deps.client, [...source, target], deps.signal)
  const byArn = new Map(revisions.map((r) => [r.serviceRevisionArn ?? '', r]))
  return { source: source.map((a) => byArn.get(a)).filter((r) => r !== undefined), target: byArn.get(target) }
}

/** Every read before the write, and the write (or the attach). Throws RefusalError for what forbids a start. */
async function start(deps: ReleaseDeps, inputs: EcsInputs, plan: EcsPlan, service: Service, setup: TrafficSetup, td: TaskDefinitionInfo): Promise<Start> {
  const { log } = deps
  if (plan.testTraffic && !setup.testListenerRule) {
    throw new RefusalError(
      `the users stage sends test traffic, but service ${quote(inputs.service)} has no test listener rule (loadBalancers[].advancedConfiguration.testListenerRule): add one, or drop the users stage`,
    )
  }
  const active = await activeDeployments(deps.client, inputs, deps.signal)
  const reading = await deps.gate.check(deps.signal)
  if (deps.signal.aborted) throw new RefusalError('the workflow was cancelled before any change')
  for (const brief of active) {
    const deployment = await describeDeployment(deps.client, brief.serviceDeploymentArn ?? '', deps.signal)
    const { source, target } = await revisionsOf(deps, deployment)
    const revision = target?.taskDefinition ?? ''
    if (revision !== td.arn) {
      throw new RefusalError(
        `service ${quote(inputs.service)} has another deployment under way, to ${familyRevision(revision || '?')} (${deployment.serviceDeploymentArn ?? '?'}, ${deployment.status ?? '?'}): ` +
          'wait for it to end, or stop it with mode: rollback',
      )
    }
    log.info(
      `Attaching to ${deployment.serviceDeploymentArn ?? '?'} (${deployment.status ?? '?'} ${deployment.lifecycleStage ?? ''}), already deploying ${td.name}.`,
    )
    const running = serviceProduction(deployment.deploymentConfiguration)
    if (plan.production && running && describeProduction(running) !== describeProduction(plan.production)) {
      log.warning(
        `The deployment runs ${describeProduction(running)}, fixed when it started; the stages (${describeProduction(plan.production)}) cannot change it.`,
      )
    }
    const failing = gateProblem(reading) === undefined ? undefined : reading
    return {
      arn: deployment.serviceDeploymentArn ?? '',
      stable: source[0]?.taskDefinition ? familyRevision(source[0].taskDefinition) : undefined,
      attached: true,
      failingAtAttach: failing,
      production: running ?? plan.production,
    }
  }
  const problem = gateProblem(reading)
  if (problem !== undefined) throw new RefusalError(problem)
  const stable = service.taskDefinition ? familyRevision(service.taskDefinition) : undefined
  const production = plan.production ?? serviceProduction(service.deploymentConfiguration)
  if (!production) {
    throw new RefusalError(
      `the stages hold at test traffic and let the service's own strategy follow, but service ${quote(inputs.service)} is set to ${service.deploymentConfiguration?.strategy ?? 'ROLLING'}: ` +
        'give the production stages too (e.g. "users:10m, 10%:5m, 100%"), or set the service to CANARY, LINEAR or BLUE_GREEN',
    )
  }
  const alarms = reading.alarms.map((a) => a.name)
  const config = deploymentConfigurationFor(service.deploymentConfiguration, production, alarms, testHookMinutes(plan, deps.maxHoldMs))
  log.info(`Deploying ${td.name} to ${inputs.service} (${stable ?? 'no running revision'} runs now): ${describePlan({ ...plan, production })}.`)
  let out: UpdateServiceCommandOutput
  try {
    out = await deps.writeClient.send(
      new UpdateServiceCommand({ cluster: inputs.cluster, service: inputs.service, taskDefinition: td.arn, deploymentConfiguration: config }),
    )
  } catch (error) {
    // ECS refused the write (denied, invalid, iam:PassRole): nothing started, so nothing to roll back.
    throw new RefusalError(`ECS refused UpdateService of ${inputs.service} to ${td.name}: ${errorMessage(error)}`)
  }
  let arn = out.service?.currentServiceDeployment
  // The response should name the new deployment; when it does not, the list does (robust to both).
  for (let tries = 0; !arn && tries < 5; tries += 1) {
    const found = (await activeDeployments(deps.client, inputs, deps.signal))[0]
    arn = found?.serviceDeploymentArn
    if (!arn) await deps.clock.sleep(1_000, deps.signal)
  }
  if (!arn) throw new Error(`UpdateService of ${inputs.service} named no service deployment, and none is listed`)
  return { arn, stable, attached: false, failingAtAttach: undefined, production }
}

/** The whole deploy: refuse, write, watch, conclude; never leaves a started deployment unwatched. */
export async function releaseEcs(deps: ReleaseDeps, inputs: EcsInputs, ref: ServiceRef = inputs): Promise<EcsOutcome> {
  const plan = inputs.plan as EcsPlan
  let setup: TrafficSetup
  let td: TaskDefinitionInfo
  let begun: Start
  try {
    const service = await describeService(deps.client, ref, deps.signal)
    setup = trafficSetupOf(service)
    // Before the write the gate checks the groups' metrics can be read, as the other modes do; which is which comes after.
    deps.onGroups({ stable: setup.targetGroup, canary: setup.alternateTargetGroup, known: false }, setup)
    td = await describeTaskDefinition(deps.client, inputs.taskDefinition, deps.signal)
    if (service.taskDefinition === td.arn && (await activeDeployments(deps.client, ref, deps.signal)).length === 0) {
      deps.log.info(`Service ${inputs.service} already runs ${td.name}: nothing to deploy.`)
      return emptyOutcome('promoted', undefined, { weight: 100, stableVersion: td.name, targetVersion: td.name })
    }
    begun = await start(deps, inputs, plan, service, setup, td)
  } catch (error) {
    if (error instanceof RefusalError) return emptyOutcome('refused', error.message, { strategy: describePlan(plan) })
    throw error
  }
  deps.onDeployment(begun.arn)
  const strategy = describePlan({ ...plan, production: begun.production })
  const base = { deploymentArn: begun.arn, stableVersion: begun.stable, targetVersion: td.name, strategy }
  const tracked = new EcsTracked(begun.arn, {
    client: deps.client,
    writeClient: deps.writeClient,
    log: deps.log,
    testBakeMs: plan.testTraffic?.bakeMs,
    continueAfterTest: plan.production !== undefined,
  })
  const watcher = new Watcher(deps, tracked)
  try {
    await learnGroups(deps, begun.arn, setup)
    let end: Awaited<ReturnType<typeof watcher.watch>>
    if (begun.failingAtAttach) {
      const alarm = begun.failingAtAttach.firing[0]
      const reason = `${gateProblem(begun.failingAtAttach) ?? 'the gate fails'} as the run attaches to ${begun.arn}`
      end = { kind: 'alarm', alarm, reason, detectedAt: begun.failingAtAttach.at }
    } else end = await watcher.watch()
    const common = { ...base, rows: watcher.rows, callsPerPoll: watcher.lastCallsPerPoll }
    if (!needsStop(end)) {
      const done = conclusionWithoutStop(end, begun.arn, watcher.weight, tracked.heldAt)
      if (done) return { ...emptyOutcome(done.result, done.reason), ...common, ...done }
      // ECS ended it (its own alarms, a hook's timeout, someone else's stop): follow it to its end.
      const follow = await followToEnd({ ...deps, followSignal: undefined }, begun.arn)
      const after = afterRollback(follow, watcher.weight)
      const why = follow.info?.statusReason ?? end.info.statusReason ?? 'no reason given'
      return {
        ...emptyOutcome(after.result, `ECS ended ${begun.arn} as ${end.info.status ?? '?'} (${why}); ${after.note}`),
        ...common,
        alarmName: (follow.info ?? end.info).alarms?.triggeredAlarmNames?.[0],
        weight: after.weight,
        settled: after.settled,
      }
    }
    const stop = await stopAndFollow({ ...deps, followSignal: undefined }, begun.arn, end.reason)
    const c = conclusionAfterStop(end, begun.arn, stop, watcher.weight)
    deps.log.info(`StopServiceDeployment went out ${c.stopLatencyMs ?? '?'} ms after the ${end.kind === 'cancelled' ? 'cancel' : 'poll that saw it'}.`)
    return { ...emptyOutcome(c.result, c.reason), ...common, ...c }
  } catch (error) {
    // Anything unexpected mid-deployment still stops it with rollback; if that fails too, the post step tries again.
    deps.log.error(`Unexpected error while following ${begun.arn}, stopping it: ${errorMessage(error)}`)
    try {
      const stop = await stopAndFollow({ ...deps, followSignal: undefined }, begun.arn, errorMessage(error))
      const at = deps.clock.now()
      const c = conclusionAfterStop({ kind: 'unreadable', reason: errorMessage(error), detectedAt: at }, begun.arn, stop, watcher.weight)
      return { ...emptyOutcome(c.result === 'rolled-back' ? 'rolled-back' : 'failed', c.reason), ...base, rows: watcher.rows, ...c }
    } catch (stopError) {
      return {
        ...emptyOutcome(
          'failed',
          `${errorMessage(error)}; StopServiceDeployment of ${begun.arn} failed too (${errorMessage(stopError)}); the post step tries again`,
        ),
        ...base,
        rows: watcher.rows,
        settled: false,
      }
    }
  }
}

/**
 * The two revisions' target groups, for the per-group analysis: from DescribeServiceRevisions'
 * resolved configuration; where ECS does not resolve them (yet), the new revision takes the group
 * the running one does not use.
 */
async function learnGroups(deps: ReleaseDeps, arn: string, setup: TrafficSetup): Promise<void> {
  try {
    const deployment = await describeDeployment(deps.client, arn, deps.signal)
    const { source, target } = await revisionsOf(deps, deployment)
    const stableGroup = revisionGroup(source[0]) ?? setup.targetGroup
    const other = stableGroup === setup.targetGroup ? setup.alternateTargetGroup : setup.targetGroup
    const canaryGroup = revisionGroup(target) ?? other
    if (canaryGroup === stableGroup) throw new Error(`both revisions serve from ${stableGroup}`)
    deps.onGroups({ stable: stableGroup, canary: canaryGroup, known: true }, setup)
    if (pausedHook(deployment)) deps.log.info(`${arn} waits at a PAUSE hook (${deployment.lifecycleStage ?? '?'}).`)
  } catch (error) {
    if (deps.signal.aborted) throw error
    deps.onGroups(undefined, setup)
    deps.log.warning(`Canary analysis: could not learn the revisions' target groups (${errorMessage(error)}); the alarms alone gate this deployment`)
  }
}
