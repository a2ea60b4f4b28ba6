import {
  ContinueDeploymentCommand,
  CreateDeploymentCommand,
  GetDeploymentGroupCommand,
  type CodeDeployClient,
  type DeploymentGroupInfo,
  type DeploymentInfo,
  type RevisionLocation,
} from '@aws-sdk/client-codedeploy'
import { GetAliasCommand, type GetAliasCommandOutput, type LambdaClient } from '@aws-sdk/client-lambda'
import { errorMessage } from '../core/errors.js'
import type { SavedRestore } from '../core/saved-state.js'
import type { GateReading } from '../core/gate.js'
import { preflight } from '../core/preflight.js'
import { lambdaAppSpec, taskDefinitionOf } from './appspec.js'
import { activeDeployments, describeActive, isThisCommits, limitExceededId } from './active.js'
import { deploymentLink } from './clients.js'
import { conclude } from './conclude.js'
import { describeRouting, ensureConfig, type ComputePlatform } from './deployment-config.js'
import type { CodeDeployInputs } from './inputs.js'
import { emptyOutcome, type CodeDeployOutcome, type DeploymentRef } from './outcome.js'
import { describeRevision } from './revision.js'
import { DeploymentWatcher, stopAndFollow, type WatchDeps, type WatchEnd } from './watcher.js'
import { quote } from '../core/quote.js'

export interface ReleaseDeps extends WatchDeps {
  /** Writes: CreateDeploymentConfig, CreateDeployment, ContinueDeployment. */
  readonly writeClient: CodeDeployClient
  readonly lambda: LambdaClient | undefined
  readonly region: string
  /**
   * Called as soon as a deployment exists (created or attached): output and saved state. EC2/on-prem also
   * passes the finished groups to restore if the run is killed (an empty list once nothing needs restoring).
   */
  readonly onDeployment: (id: string, restore?: { readonly application: string; readonly groups: readonly SavedRestore[] }) => void
}

export class Refusal extends Error {
  override name = 'Refusal'
}

/** GetDeploymentGroup, checked against what the inputs describe. */
export async function readGroup(
  client: CodeDeployClient,
  application: string,
  group: string,
  platform: ComputePlatform | undefined,
): Promise<DeploymentGroupInfo> {
  let info: DeploymentGroupInfo | undefined
  try {
    info = (await client.send(new GetDeploymentGroupCommand({ applicationName: application, deploymentGroupName: group }))).deploymentGroupInfo
  } catch (error) {
    throw new Refusal(`cannot read deployment group ${quote(group)} of application ${quote(application)}: ${errorMessage(error)}`)
  }
  if (!info) throw new Refusal(`deployment group ${quote(group)} was not returned`)
  if (platform !== undefined && info.computePlatform !== undefined && info.computePlatform !== platform) {
    const expects = { Lambda: 'function-name and version', ECS: 'appspec', Server: 'revision' }[info.computePlatform as ComputePlatform] ?? '?'
    throw new Refusal(
      `deployment group ${quote(group)} is for the ${info.computePlatform} compute platform, but the inputs describe a ${platform} deployment; it needs ${expects}`,
    )
  }
  return info
}

/** Warns when CodeDeploy's own failure would leave traffic where it stopped. */
export function warnAboutRollbackConfig(group: DeploymentGroupInfo, warn: (m: string) => void): void {
  const rb = group.autoRollbackConfiguration
  if (!rb?.enabled || !(rb.events ?? []).includes('DEPLOYMENT_FAILURE')) {
    warn(
      `Deployment group ${group.deploymentGroupName ?? ''} does not roll back automatically on DEPLOYMENT_FAILURE: if CodeDeploy fails the deployment, traffic stays where it stopped. ` +
        '(A stop by this action always asks for a rollback.)',
    )
  }
}

/** Why the gate forbids a start (an alarm missing or firing, or unreadable), or undefined when it allows one. */
export function gateProblem(reading: GateReading): string | undefined {
  const verdict = preflight(reading)
  return verdict.ok ? undefined : verdict.message
}

/**
 * A re-run found this commit's deployment running while the gate forbids it: the deployment is not
 * left running unwatched, it is stopped with rollback as the watch would have.
 */
export function attachedUnderFailingGate(reading: GateReading, deploymentId: string): WatchEnd | undefined {
  const problem = gateProblem(reading)
  if (problem === undefined) return undefined
  const alarm = reading.firing[0]
  if (reading.status === 'fail' && alarm) {
    return {
      kind: 'alarm',
      alarm,
      reason: `alarm ${quote(alarm.name)} is ${alarm.state} as the run attaches to ${deploymentId}: ${alarm.reason}`,
      detectedAt: reading.at,
    }
  }
  return { kind: 'unreadable', reason: `${problem} as the run attaches to ${deploymentId}`, detectedAt: reading.at }
}

interface Versions {
  stable: string | undefined
  target: string | undefined
}

/** Lambda: reads the alias (CurrentVersion must match it, or CodeDeploy fails with INVALID_LAMBDA_CONFIGURATION). */
async function lambdaVersions(deps: ReleaseDeps, inputs: CodeDeployInputs): Promise<{ current: string; promoted: boolean }> {
  const lambda = inputs.lambda
  if (!lambda || !deps.lambda) throw new Error('internal: no Lambda inputs')
  let alias: GetAliasCommandOutput
  try {
    alias = await deps.lambda.send(new GetAliasCommand({ FunctionName: lambda.functionName, Name: lambda.alias }))
  } catch (error) {
    throw new Refusal(`cannot read alias ${lambda.functionName}:${lambda.alias}: ${errorMessage(error)}`)
  }
  const current = alias.FunctionVersion ?? ''
  if (!PUBLISHED_VERSION.test(current)) {
    throw new Refusal(
      `alias ${lambda.functionName}:${lambda.alias} points to ${quote(current)}, not a published version; a CodeDeploy AppSpec needs ` +
        'positive integer versions (CodeDeploy fails the deployment with INVALID_LAMBDA_CONFIGURATION). Point the alias at a published version first.',
    )
  }
  const weights = Object.entries(alias.RoutingConfig?.AdditionalVersionWeights ?? {})
  if (weights.length > 0) {
    const routes = weights.map(([v, w]) => `${Math.round(w * 100000) / 1000}% to version ${v}`).join(', ')
    throw new Refusal(
      `alias ${lambda.functionName}:${lambda.alias} already routes ${routes} outside any active CodeDeploy deployment; ` +
        'CodeDeploy cannot start from a weighted alias. Clear its routing first (alias mode with mode: rollback).',
    )
  }
  return { current, promoted: current === lambda.version }
}

/** CodeDeploy's AppSpec takes published versions only: positive integers, never $LATEST. */
const PUBLISHED_VERSION = /^[1-9][0-9]*$/

/** The function's name from a name, a function ARN or a partial ARN: the AppSpec's `Name` is the name. */
export function functionNameOf(functionName: string): string {
  return /(?:^|:)function:([^:]+)$/.exec(functionName)?.[1] ?? functionName
}

function revisionFor(inputs: CodeDeployInputs, currentVersion: string | undefined): RevisionLocation {
  if (inputs.lambda) {
    return {
      revisionType: 'AppSpecContent',
      appSpecContent: {
        content: lambdaAppSpec({
          functionName: functionNameOf(inputs.lambda.functionName),
          alias: inputs.lambda.alias,
          currentVersion: currentVersion ?? '',
          targetVersion: inputs.lambda.version,
          ...(inputs.lambda.beforeAllowTraffic ? { beforeAllowTraffic: inputs.lambda.beforeAllowTraffic } : {}),
          ...(inputs.lambda.afterAllowTraffic ? { afterAllowTraffic: inputs.lambda.afterAllowTraffic } : {}),
        }),
      },
    }
  }
  if (inputs.ecs) return { revisionType: 'AppSpecContent', appSpecContent: { content: inputs.ecs.content } }
  if (inputs.revision) return inputs.revision
  throw new Error('internal: nothing to deploy')
}

/**
 * CreateDeployment. The SDK retries a create whose response was lost; CodeDeploy then answers the
 * retry with DeploymentLimitExceededException naming the deployment the first attempt created. That
 * deployment carries this run's description, so it is this run's: the run attaches to it and watches
 * it. Any other active deployment becomes a refusal naming it.
 */
export async function createDeployment(
  deps: ReleaseDeps,
  inputs: CodeDeployInputs,
  group: string,
  revision: RevisionLocation,
  configName: string | undefined,
): Promise<string> {
  try {
    const { deploymentId } = await deps.writeClient.send(
      new CreateDeploymentCommand({
        applicationName: inputs.application,
        deploymentGroupName: group,
        revision,
        description: inputs.description,
        ...(configName ? { deploymentConfigName: configName } : {}),
      }),
    )
    if (!deploymentId) throw new Error('CreateDeployment returned no deploymentId')
    return deploymentId
  } catch (error) {
    const named = limitExceededId(error)
    if (named === undefined) throw error
    const active = await activeDeployments(deps.client, inputs.application, group)
    const ours = active.find((d) => (named === '' || d.deploymentId === named) && isThisRuns(d, inputs.description))
    if (ours?.deploymentId) {
      deps.log.warning(
        `CreateDeployment's response was lost and its retry found deployment ${ours.deploymentId} active with this run's description: attaching to it.`,
      )
      return ours.deploymentId
    }
    const id = named || (active[0]?.deploymentId ?? 'unknown')
    throw new Refusal(`deployment group ${quote(group)} already has an active deployment ${id}; wait for it to end, or stop it with mode: rollback`)
  }
}

/** A deployment this very run created: the description is the run's own (commit and run URL). */
export function isThisRuns(info: DeploymentInfo, description: string): boolean {
  return description !== '' && info.creator === 'user' && info.description === description
}

/** A deployment this run created or attached to, before it is watched. */
interface Started {
  readonly deploymentId: string
  /** This run continued a Ready deployment: Ready is no longer a hold. */
  readonly continued: boolean
  readonly configName: string | undefined
  /** Set when this commit's deployment is already running and the gate forbids it: stop it at once. */
  readonly stopAtOnce: WatchEnd | undefined
}

/**
 * Every read before the write, then the write: attach to this commit's active deployment (continuing
 * it from Ready) or create one. Throws Refusal for what forbids a start; an outcome when nothing is to deploy.
 */
async function startOne(deps: ReleaseDeps, inputs: CodeDeployInputs, versions: Versions): Promise<Started | CodeDeployOutcome> {
  const group = inputs.groups[0] as string
  const platform = inputs.platform as ComputePlatform
  const { log } = deps
  const groupInfo = await readGroup(deps.client, inputs.application, group, platform)
  warnAboutRollbackConfig(groupInfo, (m) => log.warning(m))
  const active = await activeDeployments(deps.client, inputs.application, group)
  const mine = active.find((d) => isThisCommits(d, inputs.sha))
  const other = active.find((d) => !isThisCommits(d, inputs.sha))
  if (other) {
    throw new Refusal(`deployment group ${quote(group)} already has an active deployment that is not this commit's: ${describeActive(other)}`)
  }
  const reading = await deps.gate.check(deps.signal)
  if (deps.signal.aborted) throw new Refusal('the workflow was cancelled before any change')
  if (mine?.deploymentId) {
    const deploymentId = mine.deploymentId
    log.info(`Attaching to this commit's deployment ${deploymentId} (${mine.status ?? '?'}) instead of starting another.`)
    deps.onDeployment(deploymentId)
    const stopAtOnce = attachedUnderFailingGate(reading, deploymentId)
    let continued = false
    if (!stopAtOnce && mine.status === 'Ready') {
      await deps.writeClient.send(new ContinueDeploymentCommand({ deploymentId, deploymentWaitType: 'READY_WAIT' }))
      log.info(`Continued deployment ${deploymentId}: traffic now moves to the replacement task set.`)
      continued = true
    }
    return { deploymentId, continued, configName: mine.deploymentConfigName, stopAtOnce }
  }
  const problem = gateProblem(reading)
  if (problem !== undefined) throw new Refusal(problem)
  let current: string | undefined
  if (platform === 'Lambda') {
    const lv = await lambdaVersions(deps, inputs)
    current = lv.current
    versions.stable = current
    if (lv.promoted) {
      log.info(`Alias ${inputs.lambda?.functionName ?? ''}:${inputs.lambda?.alias ?? ''} already serves version ${current}: nothing to deploy.`)
      return emptyOutcome('promoted', undefined, { weight: 100, stableVersion: current, targetVersion: current, platform })
    }
  }
  let configName = await ensureConfig(deps.writeClient, platform, inputs.configChoice, (m) => log.info(m))
  const routing =
    inputs.configChoice.kind === 'group'
      ? `the group's config ${groupInfo.deploymentConfigName ?? '?'}`
      : `${configName ?? ''} (${describeRouting(inputs.configChoice.routing)})`
  log.info(`Deploying ${describeTarget(inputs, current)} with ${routing}.`)
  const deploymentId = await createDeployment(deps, inputs, group, revisionFor(inputs, current), configName)
  configName ??= groupInfo.deploymentConfigName
  log.info(`Created deployment ${deploymentId}: ${deploymentLink(deps.region, deploymentId)}`)
  deps.onDeployment(deploymentId)
  return { deploymentId, continued: false, configName, stopAtOnce: undefined }
}

/** One deployment (Lambda or ECS): attach to this commit's active deployment or create one, watch it, conclude. */
export async function releaseOne(deps: ReleaseDeps, inputs: CodeDeployInputs): Promise<CodeDeployOutcome> {
  const platform = inputs.platform as ComputePlatform
  const versions: Versions = { stable: undefined, target: inputs.lambda?.version ?? inputs.ecs?.taskDefinition }
  let started: Started | CodeDeployOutcome
  try {
    started = await startOne(deps, inputs, versions)
  } catch (error) {
    if (error instanceof Refusal) return emptyOutcome('refused', error.message, { platform })
    throw error
  }
  if ('result' in started) return started
  return watchOne(deps, inputs, started, versions)
}

/** Watches a started deployment to its end and concludes; anything unexpected still stops it with rollback. */
async function watchOne(deps: ReleaseDeps, inputs: CodeDeployInputs, started: Started, versions: Versions): Promise<CodeDeployOutcome> {
  const group = inputs.groups[0] as string
  const platform = inputs.platform as ComputePlatform
  const { log } = deps
  const { deploymentId, continued, configName, stopAtOnce } = started
  const refs: DeploymentRef[] = [{ id: deploymentId, group, kind: 'deployment', status: 'Created' }]
  // Lambda: the live weight comes from the alias's routing too, which the action may always read.
  const alias =
    inputs.lambda && deps.lambda
      ? { lambda: deps.lambda, functionName: inputs.lambda.functionName, alias: inputs.lambda.alias, version: inputs.lambda.version }
      : undefined
  const watcher = new DeploymentWatcher(deps, deploymentId, { readTarget: true, holdOnReady: !continued, alias })
  try {
    const end = stopAtOnce ?? (await watcher.watch())
    const c = await conclude(deps, deploymentId, end, watcher.weight)
    ;(refs[0] as DeploymentRef).status = c.finalStatus ?? watcher.info?.status ?? '?'
    if (c.rollbackId) refs.push({ id: c.rollbackId, group, kind: 'rollback', status: c.rollbackStatus ?? '?' })
    const lambdaInfo = watcher.target?.lambdaTarget?.lambdaFunctionInfo
    versions.stable ??= lambdaInfo?.currentVersion ?? stableOf(platform, watcher.info?.previousRevision)
    if (lambdaInfo?.targetVersion) versions.target = lambdaInfo.targetVersion
    return {
      ...emptyOutcome(c.result, c.reason),
      weight: c.weight,
      stableVersion: versions.stable,
      targetVersion: versions.target,
      alarm: c.alarm,
      alarmName: c.alarmName,
      errorCode: c.errorCode,
      deployments: refs,
      rows: watcher.rows,
      callsPerPoll: watcher.lastCallsPerPoll,
      stopLatencyMs: c.stopLatencyMs,
      configName,
      platform,
      settled: c.settled,
    }
  } catch (error) {
    // Anything unexpected mid-deployment still stops it with rollback; if that fails too, the post step tries again.
    log.error(`Unexpected error while following deployment ${deploymentId}, stopping it: ${errorMessage(error)}`)
    let follow: Awaited<ReturnType<typeof stopAndFollow>>
    try {
      follow = await stopAndFollow(deps, deploymentId, errorMessage(error))
    } catch (stopError) {
      return {
        ...emptyOutcome(
          'failed',
          `${errorMessage(error)}; StopDeployment of ${deploymentId} failed too (${errorMessage(stopError)}); the post step tries again`,
        ),
        weight: watcher.weight,
        deployments: refs,
        rows: watcher.rows,
        platform,
        settled: false,
      }
    }
    const rolledBack = follow.rollback?.status === 'Succeeded'
    return {
      ...emptyOutcome(rolledBack ? 'rolled-back' : 'failed', `${errorMessage(error)}; stopped deployment ${deploymentId}`),
      settled: follow.unfinished === undefined,
      weight: rolledBack ? 0 : watcher.weight,
      deployments: [
        ...refs,
        ...(follow.rollbackId ? [{ id: follow.rollbackId, group, kind: 'rollback' as const, status: follow.rollback?.status ?? '?' }] : []),
      ],
      rows: watcher.rows,
      platform,
    }
  }
}

function stableOf(platform: ComputePlatform, previous: RevisionLocation | undefined): string | undefined {
  if (platform === 'ECS') return taskDefinitionOf(previous?.appSpecContent?.content ?? previous?.string?.content)
  return describeRevision(previous)
}

function describeTarget(inputs: CodeDeployInputs, current: string | undefined): string {
  if (inputs.lambda) return `${inputs.lambda.functionName}:${inputs.lambda.alias} from version ${current ?? '?'} to version ${inputs.lambda.version}`
  if (inputs.ecs) return `task definition ${inputs.ecs.taskDefinition} (container ${inputs.ecs.containerName}:${inputs.ecs.containerPort})`
  return describeRevision(inputs.revision) ?? 'the revision'
}
