/** ECS mode: `deploy`, `plan` or `rollback` of a service whose ECS controller moves the traffic; and the post step's stop. */
import { countCalls } from '../aws/call-counter.js'
import type { ECSClient } from '@aws-sdk/client-ecs'
import { cloudWatchClient } from '../aws/cloudwatch-client.js'
import { checkWritePermissions, logPermissions, type WritePermission } from '../aws/permissions.js'
import { systemClock } from '../core/clock.js'
import { errorMessage, RefusalError } from '../core/errors.js'
import type { Config } from '../core/inputs.js'
import { preflight } from '../core/preflight.js'
import { type SavedRollout, STATE_ROLLOUT } from '../core/saved-state.js'
import type { StepContext, StepResult } from '../core/step.js'
import { alarmGateFor } from '../gates/alarms.js'
import { albSubject, type Subject } from '../gates/analysis/queries.js'
import { analysisGateFor, describeAnalysis, withAnalysis } from '../gates/analysis/setup.js'
import { createReporter } from '../report/github-reporter.js'
import {
  activeDeployments,
  describeDeployment,
  describeService,
  describeTaskDefinition,
  ecsClient,
  loadBalancerOf,
  type ServiceRef,
  serviceLink,
  TERMINAL_STATUSES,
  trafficSetupOf,
} from './api.js'
import { followToEnd, stopAndFollow } from './deployment.js'
import { type EcsInputs, readEcsInputs } from './inputs.js'
import { afterRollback, emptyOutcome, type EcsOutcome } from './outcome.js'
import { releaseEcs } from './release.js'
import { failureMessage, outcomeProgress, outputsOf, renderSummary } from './report.js'
import { describePlan, productionSteps } from './strategy.js'
import { removeTestHook } from './test-hook.js'

const what = (inputs: ServiceRef): string => `${inputs.cluster}/${inputs.service}`

export async function runEcs(config: Config, context: StepContext): Promise<StepResult> {
  const inputs = readEcsInputs(config, context.input)
  if (config.mode === 'plan') return planEcs(config, inputs, context)
  if (config.mode === 'rollback') return rollbackEcs(config, inputs, context)
  return deployEcs(config, inputs, context)
}

async function deployEcs(config: Config, inputs: EcsInputs, context: StepContext): Promise<StepResult> {
  const { log, signal } = context
  const region = config.region
  const counter = { n: 0 }
  const client = countCalls(ecsClient(region, 'poll'), counter)
  const writeClient = countCalls(ecsClient(region, 'write'), counter)
  const stopClient = ecsClient(region, 'rollback')
  const cloudWatch = countCalls(cloudWatchClient(region), counter)
  const alarms = alarmGateFor(config, cloudWatch, systemClock)
  const subjects: Subject[] = []
  const analysis = analysisGateFor(config, cloudWatch, systemClock, () => subjects, 'requests')
  const gate = withAnalysis(alarms, analysis, config.analysis)
  const analysisWords = describeAnalysis(config.analysis, 'requests')
  log.info(`Canary analysis: ${analysisWords} (ECS decides when a step ends; each step is judged from when it went live)`)
  try {
    const reporter = await createReporter({
      mode: config.github.status,
      token: config.github.token,
      environment: config.github.environment,
      context: `canary/ecs/${inputs.service}`,
      log: { info: (m) => log.info(m), warning: (m) => log.warning(m) },
    })
    void reporter.report({ state: 'pending', description: `ECS release of ${what(inputs)} starting` })
    // The toolkit is loaded before the write, so the deployment's ARN reaches GITHUB_STATE the moment it is known.
    await context.ready?.()
    const outcome = await releaseEcs(
      {
        client,
        writeClient,
        stopClient,
        gate,
        clock: systemClock,
        log,
        pollMs: config.pollMs,
        signal,
        maxHoldMs: config.maxHoldMs,
        calls: () => counter.n,
        onDeployment: (arn) => {
          context.setOutput('deployment-id', arn)
          const saved: SavedRollout = { region, aliases: [], ecs: { deploymentArn: arn } }
          context.saveState(STATE_ROLLOUT, JSON.stringify(saved))
          log.info(`Service deployment ${arn}: ${serviceLink(region, inputs)}`)
        },
        onGroups: (groups, setup) => {
          subjects.length = 0
          if (!groups) return
          subjects.push(albSubject(inputs.service, loadBalancerOf(setup.productionListenerRule), groups.stable, groups.canary))
          const name = (arn: string): string => arn.split(':').at(-1) ?? arn
          if (groups.known) log.info(`Canary analysis: target group ${name(groups.canary)} (new revision) against ${name(groups.stable)} (running revision).`)
        },
      },
      inputs,
    )
    if (outcome.callsPerPoll !== undefined) log.info(`API calls per poll: ${outcome.callsPerPoll} (ECS and CloudWatch).`)
    // A hold keeps its test-traffic hook for the promote or rollback job; every other end takes it off.
    if (outcome.result !== 'held') await removeTestHook(writeClient, inputs, log)
    await reporter.report(outcomeProgress(outcome))
    return stepResult(outcome, inputs, region, alarms.names, analysisWords)
  } catch (error) {
    return { outputs: {}, failure: `ECS mode: ${errorMessage(error)}` }
  } finally {
    for (const c of [client, writeClient, stopClient]) c.destroy()
    cloudWatch.destroy()
  }
}

function stepResult(outcome: EcsOutcome, inputs: ServiceRef, region: string, alarms: readonly string[], analysis: string): StepResult {
  const summary = renderSummary(outcome, { what: what(inputs), link: serviceLink(region, inputs), alarms, analysis })
  const common = { outputs: outputsOf(outcome), summary, settled: outcome.settled }
  if (outcome.result === 'promoted') return { ...common, conclusion: `Promoted ${outcome.targetVersion ?? ''}.` }
  if (outcome.result === 'held') return { ...common, notice: `Held: ${outcome.reason ?? ''}`, conclusion: `Held: ${outcome.reason ?? ''}` }
  return { ...common, failure: failureMessage(outcome, what(inputs)) }
}

/** `mode: rollback`: stop every active deployment of the service with rollback, and follow each to its end. */
async function rollbackEcs(config: Config, inputs: EcsInputs, context: StepContext): Promise<StepResult> {
  const client = ecsClient(config.region, 'poll')
  const stopClient = ecsClient(config.region, 'rollback')
  const follow = { stopClient, clock: systemClock, pollMs: config.pollMs, log: context.log, followSignal: context.signal }
  try {
    const active = await activeDeployments(client, inputs, context.signal)
    if (active.length === 0) {
      context.log.info(`Service ${inputs.service}: no deployment under way.`)
      await removeTestHook(stopClient, inputs, context.log, context.signal)
      return { outputs: { ...outputsOf(emptyOutcome('rolled-back', '', { weight: 0 })) }, settled: true, summary: '## ECS release: ↩️ Nothing to roll back\n' }
    }
    const problems: string[] = []
    let last: EcsOutcome = emptyOutcome('rolled-back', undefined, { weight: 0 })
    for (const brief of active) {
      const arn = brief.serviceDeploymentArn ?? ''
      const stop = await stopAndFollow(follow, arn, 'mode: rollback').catch((error: unknown) => ({
        info: undefined,
        unfinished: `StopServiceDeployment failed (${errorMessage(error)})`,
        stopSentAt: 0,
      }))
      const after = afterRollback(stop, undefined)
      if (after.result !== 'rolled-back') problems.push(`${arn}: ${after.note}`)
      last = emptyOutcome(after.result, after.note, { deploymentArn: arn, weight: after.weight, settled: after.settled })
    }
    const outcome = problems.length > 0 ? { ...last, result: 'failed' as const, reason: problems.join('; ') } : last
    await removeTestHook(stopClient, inputs, context.log, context.signal)
    return stepResult(outcome, inputs, config.region, [], 'not used (mode: rollback)')
  } catch (error) {
    return { outputs: {}, failure: `ECS mode (rollback): ${errorMessage(error)}` }
  } finally {
    client.destroy()
    stopClient.destroy()
  }
}

/** The writes a deploy makes, for IAM's policy simulator. */
export function ecsWrites(serviceArn: string, roles: readonly string[]): (account: string, partition: string) => WritePermission[] {
  return () => {
    // service-deployment/CLUSTER/SERVICE/ID: a deployment that does not exist yet, on this service.
    const deployment = `${serviceArn.replace(':service/', ':service-deployment/')}/plan`
    return [
      { action: 'ecs:UpdateService', resources: [serviceArn] },
      { action: 'ecs:StopServiceDeployment', resources: [deployment] },
      { action: 'ecs:ContinueServiceDeployment', resources: [deployment] },
      ...roles.map((role) => ({ action: 'iam:PassRole', resources: [role], context: [{ key: 'iam:PassedToService', values: ['ecs-tasks.amazonaws.com'] }] })),
    ]
  }
}

/** `mode: plan`: every read a deploy makes before its write, the strategy the stages map to, and the writes simulated. Writes nothing. */
async function planEcs(config: Config, inputs: EcsInputs, context: StepContext): Promise<StepResult> {
  const { log } = context
  const client: ECSClient = ecsClient(config.region, 'poll')
  const cloudWatch = cloudWatchClient(config.region)
  const problems: string[] = []
  const lines: string[] = []
  const check = async (label: string, action: () => Promise<string | void>): Promise<void> => {
    try {
      const detail = await action()
      log.info(`✓ ${label}${detail ? `: ${detail}` : ''}`)
    } catch (error) {
      problems.push(`${label}: ${errorMessage(error)}`)
      log.error(`✗ ${label}: ${errorMessage(error)}`)
    }
  }
  try {
    const plan = inputs.plan
    if (plan) {
      lines.push(`Strategy: ${describePlan(plan)}`)
      if (plan.production)
        lines.push(
          `Production steps: ${productionSteps(plan.production)
            .map((w) => `${w}%`)
            .join(' → ')}`,
        )
    }
    let serviceArn = ''
    const subjects: Subject[] = []
    await check(`ecs:DescribeServices ${inputs.service}`, async () => {
      const service = await describeService(client, inputs, context.signal)
      serviceArn = service.serviceArn ?? ''
      const setup = trafficSetupOf(service)
      if (plan?.testTraffic && !setup.testListenerRule)
        throw new RefusalError('the users stage needs a test listener rule (advancedConfiguration.testListenerRule)')
      subjects.push(albSubject(inputs.service, loadBalancerOf(setup.productionListenerRule), setup.targetGroup, setup.alternateTargetGroup))
      lines.push(
        `Service ${inputs.service}: runs ${service.taskDefinition?.split('/').at(-1) ?? '?'}; groups ${setup.targetGroup.split(':').at(-1)} / ${setup.alternateTargetGroup.split(':').at(-1)}`,
      )
      return `ECS controller, ${service.deploymentConfiguration?.strategy ?? 'ROLLING'} now`
    })
    let roles: readonly string[] = []
    await check(`ecs:DescribeTaskDefinition ${inputs.taskDefinition}`, async () => {
      const td = await describeTaskDefinition(client, inputs.taskDefinition, context.signal)
      roles = td.roles
      lines.push(`New revision: ${td.name}`)
      return roles.length > 0 ? `passes ${roles.join(', ')}` : 'no task or execution role'
    })
    await check(`ecs:ListServiceDeployments ${inputs.service}`, async () => {
      const active = await activeDeployments(client, inputs, context.signal)
      if (active.length === 0) return 'no deployment under way'
      const first = await describeDeployment(client, active[0]?.serviceDeploymentArn ?? '', context.signal)
      return `a deploy would attach to, or refuse for, ${first.serviceDeploymentArn ?? '?'} (${first.status ?? '?'})`
    })
    await check('cloudwatch:DescribeAlarms', async () => {
      const verdict = preflight(await alarmGateFor(config, cloudWatch, systemClock).check(context.signal))
      if (!verdict.ok) throw new Error(verdict.message)
      return verdict.detail
    })
    const analysis = analysisGateFor(config, cloudWatch, systemClock, () => subjects, 'requests')
    log.info(`Canary analysis: ${describeAnalysis(config.analysis, 'requests')}`)
    if (analysis && subjects.length > 0) {
      await check('cloudwatch:GetMetricData', async () => {
        const read = await analysis.check(context.signal)
        if (read.status !== 'pass') throw new Error(read.error ?? read.reason ?? 'unreadable')
        return (read.notes ?? []).join('; ') || 'readable'
      })
    }
    if (serviceArn !== '') {
      const permissions = logPermissions(await checkWritePermissions(config.region, ecsWrites(serviceArn, roles), context.signal), log)
      problems.push(...permissions.problems)
      lines.push(...permissions.warnings.map((w) => `⚠️ ${w}`))
    }
    log.info(`Would deploy:\n${lines.map((l) => `  ${l}`).join('\n')}`)
    const ready = problems.length === 0
    const summary =
      `## ECS release plan for ${what(inputs)}: ${ready ? '✅ ready' : '⛔ not ready'}\n\n` +
      [...problems.map((p) => `- ✗ ${p}`), ...lines.map((l) => `- ${l}`)].join('\n') +
      '\n'
    const outputs = { result: ready ? 'planned' : 'refused', reason: problems.join('; '), weight: '0', 'target-version': inputs.taskDefinition }
    if (!ready)
      return { outputs, summary, settled: true, failure: `Plan found ${problems.length} problem${problems.length === 1 ? '' : 's'}: ${problems.join('; ')}` }
    return { outputs, summary, settled: true, conclusion: 'Plan: every check passed; nothing was changed.' }
  } finally {
    client.destroy()
    cloudWatch.destroy()
  }
}

/** The post step: main left a deployment moving traffic (killed, crashed, its stop failed): stop it with rollback. */
export async function cleanUpEcs(saved: { region: string; deploymentArn: string }, context: StepContext): Promise<StepResult> {
  const stopClient = ecsClient(saved.region, 'rollback')
  const follow = { stopClient, clock: systemClock, pollMs: 2_000, log: context.log, followMaxMs: 5 * 60_000 }
  try {
    const current = await describeDeployment(stopClient, saved.deploymentArn)
    if (TERMINAL_STATUSES.has(current.status ?? '')) {
      return { outputs: {}, settled: true, conclusion: `${saved.deploymentArn} had already ended ${current.status ?? ''}.` }
    }
    context.log.warning(`The main step did not settle ${saved.deploymentArn} (${current.status ?? '?'}): stopping it with rollback.`)
    const stop =
      current.status === 'ROLLBACK_REQUESTED' || current.status === 'ROLLBACK_IN_PROGRESS'
        ? await followToEnd(follow, saved.deploymentArn)
        : await stopAndFollow(follow, saved.deploymentArn, 'post step')
    const after = afterRollback(stop, undefined)
    if (current.clusterArn && current.serviceArn) {
      await removeTestHook(stopClient, { cluster: current.clusterArn, service: current.serviceArn }, context.log)
    }
    if (after.result === 'rolled-back') return { outputs: {}, settled: true, conclusion: `${saved.deploymentArn}: ${after.note}` }
    return { outputs: {}, failure: `Post-step rollback of ${saved.deploymentArn}: ${after.note}` }
  } catch (error) {
    return { outputs: {}, failure: `Post-step rollback failed: ${errorMessage(error)}` }
  } finally {
    stopClient.destroy()
  }
}
