import { cloudWatchClient } from '../aws/cloudwatch-client.js'
import { checkWritePermissions, logPermissions, type WritePermission } from '../aws/permissions.js'
import { alarmLink } from '../aws/links.js'
import { systemClock } from '../core/clock.js'
import { formatDuration } from '../core/duration.js'
import { failureMessage, outcomeOutputs } from '../core/deploy-run.js'
import { rollBackLeftover } from '../core/leftover-rollback.js'
import { isFailure } from '../core/engine.js'
import { errorMessage, RefusalError } from '../core/errors.js'
import { describeReading } from '../core/gate.js'
import type { Config } from '../core/inputs.js'
import type { SavedAlb } from '../core/saved-state.js'
import { holds } from '../core/stages.js'
import type { StepContext, StepResult } from '../core/step.js'
import { alarmGateFor } from '../gates/alarms.js'
import { albSubject, type Subject } from '../gates/analysis/queries.js'
import { analysisGateFor, analysisSummary, describeAnalysis, withAnalysis } from '../gates/analysis/setup.js'
import { runDeploy } from '../report/deploy-run.js'
import { renderSummary } from '../report/summary.js'
import { elbv2Client } from './clients.js'
import { groupName } from './forward.js'
import { type AlbInputs, readAlbInputs } from './inputs.js'
import { ListenerProvider } from './listener-provider.js'
import { weightsFor } from './weights.js'

/** The ALB provider for a run, with its two clients (the rollback's own, so throttled reads cannot spend its retries). */
export function listenerRelease(region: string, alb: AlbInputs, targetGroup: string, known?: ConstructorParameters<typeof ListenerProvider>[0]['known']) {
  const client = elbv2Client(region, 'write')
  const rollbackClient = elbv2Client(region, 'rollback')
  const provider = new ListenerProvider({
    client,
    rollbackClient,
    target: alb.listener,
    targetGroup,
    stickinessSeconds: alb.stickinessSeconds,
    users: alb.users,
    ...(alb.runUrl ? { runUrl: alb.runUrl } : {}),
    ...(known ? { known } : {}),
  })
  return {
    provider,
    destroy: () => {
      client.destroy()
      rollbackClient.destroy()
    },
  }
}

/** ALB mode: `deploy`, `rollback` or `plan` on a listener's (or rule's) forward action. */
export async function runAlb(config: Config, context: StepContext): Promise<StepResult> {
  const alb = readAlbInputs(config, context.input)
  if (config.mode === 'rollback') return rollbackListener(config, alb, context)
  if (config.mode === 'plan') return planListener(config, alb, context)
  return deployListener(config, alb, context)
}

/** The analysis subject once the provider has inspected the listener: its stable group against the canary group. */
function subjectsOf(provider: ListenerProvider, alb: AlbInputs): () => Subject[] {
  return () => {
    const { stableGroup, canaryGroup } = provider
    return stableGroup && canaryGroup ? [albSubject(provider.resource, alb.listener.loadBalancer, stableGroup, canaryGroup)] : []
  }
}

async function deployListener(config: Config, alb: AlbInputs, context: StepContext): Promise<StepResult> {
  const release = listenerRelease(config.region, alb, alb.targetGroup ?? '')
  const { provider } = release
  const cloudWatch = cloudWatchClient(config.region)
  const alarms = alarmGateFor(config, cloudWatch, systemClock)
  const analysis = analysisGateFor(config, cloudWatch, systemClock, subjectsOf(provider, alb), 'requests')
  const gate = withAnalysis(alarms, analysis, config.analysis)
  context.log.info(`Canary analysis: ${describeAnalysis(config.analysis, 'requests')}`)
  try {
    const outcome = await runDeploy(config, context, {
      provider,
      gate,
      target: alb.targetGroup,
      savedRollout: () => {
        const saved: SavedAlb = { listener: alb.listener.arn, stableArn: provider.stableGroup ?? '', canaryArn: provider.canaryGroup ?? '', users: alb.users }
        return JSON.stringify({ region: config.region, aliases: [], alb: saved })
      },
    })
    const summary = renderSummary(outcome, {
      resource: provider.resource,
      resourceLink: provider.link,
      alarms: alarms.names.map((name) => ({ name, link: alarmLink(config.region, name.replace(/\*$/, '')) })),
      members: [],
      analysis: analysisSummary(analysis, config.analysis),
    })
    const common = { outputs: outcomeOutputs(outcome), summary, settled: !outcome.needsCleanup }
    if (isFailure(outcome)) return { ...common, failure: failureMessage(outcome, provider.resource, 'target group') }
    if (outcome.result === 'promoted') return { ...common, conclusion: `Promoted target group ${outcome.targetVersion ?? ''}.` }
    return { ...common, conclusion: `Held at ${outcome.weight}%.` }
  } finally {
    release.destroy()
    cloudWatch.destroy()
  }
}

/** `mode: rollback`: all traffic back to the stable group, the users' rule and hold tags removed. */
async function rollbackListener(config: Config, alb: AlbInputs, context: StepContext): Promise<StepResult> {
  const probe = listenerRelease(config.region, alb, alb.targetGroup ?? '')
  let pair: { stableArn: string; canaryArn: string } | undefined
  try {
    pair = await probe.provider.liveRollout(alb.targetGroup)
  } finally {
    probe.destroy()
  }
  const outputs = { result: 'rolled-back', reason: '', weight: '0', alarm: '' }
  if (!pair) {
    context.log.info('No canary to remove: traffic is already on one target group.')
    return {
      outputs: { ...outputs, 'stable-version': '', 'target-version': alb.targetGroup ?? '' },
      settled: true,
      summary: '## Canary release: ↩️ Nothing to roll back\n',
    }
  }
  const release = listenerRelease(config.region, alb, pair.canaryArn, pair)
  try {
    const routing = await release.provider.rollback()
    context.log.info(`${release.provider.resource} now routes ${routing} (verified)`)
    const [stable, canary] = [groupName(pair.stableArn), groupName(pair.canaryArn)]
    return {
      outputs: { ...outputs, 'stable-version': stable, 'target-version': canary },
      summary: `## Canary release: ↩️ Rolled back\n\n- ${release.provider.resource}: all traffic on target group ${stable} (${canary} at weight 0)\n`,
      settled: true,
    }
  } finally {
    release.destroy()
  }
}

/**
 * The writes a deploy makes on the listener (or rule): the forward action and the hold tags, and
 * with `canary-users` its own rule. That rule does not exist yet, so DeleteRule is simulated on a
 * rule ARN of this listener that no real rule has.
 */
export function albWrites(alb: AlbInputs): WritePermission[] {
  const { kind, arn, listenerArn } = alb.listener
  const writes: WritePermission[] = [
    { action: kind === 'rule' ? 'elasticloadbalancing:ModifyRule' : 'elasticloadbalancing:ModifyListener', resources: [arn] },
    { action: 'elasticloadbalancing:AddTags', resources: [arn] },
    { action: 'elasticloadbalancing:RemoveTags', resources: [arn] },
  ]
  if (alb.users.length > 0) {
    writes.push({ action: 'elasticloadbalancing:CreateRule', resources: [listenerArn] })
    writes.push({ action: 'elasticloadbalancing:DeleteRule', resources: [`${listenerArn.replace(':listener/', ':listener-rule/')}/0000000000000000`] })
  }
  return writes
}

/** `mode: plan`: reads the listener, the canary group's health and the alarms; prints the schedule with ALB weights; writes nothing. */
async function planListener(config: Config, alb: AlbInputs, context: StepContext): Promise<StepResult> {
  const release = listenerRelease(config.region, alb, alb.targetGroup ?? '')
  const cloudWatch = cloudWatchClient(config.region)
  const { log } = context
  try {
    const problems: string[] = []
    try {
      const state = await release.provider.inspect()
      log.info(`✓ ${release.provider.resource} routes ${state.description} (${state.ownership})`)
      if (state.ownership === 'foreign') problems.push(`${release.provider.resource} forwards to another rollout's target groups`)
    } catch (error) {
      problems.push(error instanceof RefusalError ? error.message : `could not read ${release.provider.resource}: ${errorMessage(error)}`)
    }
    const reading = await alarmGateFor(config, cloudWatch, systemClock).check()
    log.info(`${reading.status === 'pass' ? '✓' : '✗'} gate: ${describeReading(reading)}`)
    if (reading.status !== 'pass') problems.push(`gate: ${describeReading(reading)}`)
    const settings = `Canary analysis: ${describeAnalysis(config.analysis, 'requests')}`
    log.info(settings)
    const subjects = subjectsOf(release.provider, alb)
    const analysis = analysisGateFor(config, cloudWatch, systemClock, subjects, 'requests')
    // Without both groups (the listener could not be read) there is nothing to read the metrics of.
    if (analysis && subjects().length > 0) {
      const read = await analysis.check()
      const detail = read.status === 'pass' ? (read.notes ?? []).join('; ') : (read.error ?? describeReading(read))
      log.info(`${read.status === 'pass' ? '✓' : '✗'} canary analysis: cloudwatch:GetMetricData: ${detail}`)
      if (read.status !== 'pass') problems.push(`canary analysis: ${detail}`)
    }
    const permissions = logPermissions(await checkWritePermissions(config.region, () => albWrites(alb), context.signal), log)
    problems.push(...permissions.problems)
    let offset = 0
    const rows = config.stages.map((stage, index) => {
      const pair = weightsFor(stage.weight)
      const share = stage.users ? 'canary users' : `${stage.weight}%`
      const row = `| ${index + 1} | ${share} | ${stage.users ? '–' : `${pair.canary} : ${pair.stable}`} | +${formatDuration(offset)} | ${formatDuration(stage.bakeMs)} |`
      offset += stage.bakeMs
      return row
    })
    const table = ['| Stage | Share | ALB weights (canary : stable) | Starts at | Bake |', '|---|---|---|---|---|', ...rows].join('\n')
    const held = holds(config.stages) ? `\n\nHolds at ${config.stages.at(-1)?.weight ?? 0}% after the last stage; a later run promotes.` : ''
    log.info(table)
    const flagged = [...problems.map((p) => `\n- ✗ ${p}`), ...permissions.warnings.map((w) => `\n- ⚠️ ${w}`)].join('')
    const summary = `## Canary release: plan for ${release.provider.resource}\n\n${table}${held}\n\n${settings}.\n${flagged}\n`
    const outputs = { result: 'planned', reason: problems.join('; '), weight: '0', 'stable-version': '', 'target-version': alb.targetGroup ?? '', alarm: '' }
    if (problems.length > 0) return { outputs, summary, failure: `Plan found problems: ${problems.join('; ')}`, settled: true }
    return { outputs, summary, settled: true, conclusion: 'Plan: every check passed; nothing was changed.' }
  } finally {
    release.destroy()
    cloudWatch.destroy()
  }
}

/** The post step: main left a canary live (killed, crashed): traffic back to the stable group, the users' rule removed. */
export async function cleanUpListener(saved: { region: string; alb: SavedAlb }, context: StepContext): Promise<StepResult> {
  const { parseListener } = await import('./inputs.js')
  const alb: AlbInputs = {
    listener: parseListener(saved.alb.listener),
    targetGroup: saved.alb.canaryArn,
    stickinessSeconds: undefined,
    users: saved.alb.users,
    runUrl: '',
  }
  const release = listenerRelease(saved.region, alb, saved.alb.canaryArn, { stableArn: saved.alb.stableArn, canaryArn: saved.alb.canaryArn })
  return rollBackLeftover(release, `target group ${groupName(saved.alb.stableArn)}`, context)
}
