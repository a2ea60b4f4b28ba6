import { cloudWatchClient } from '../aws/cloudwatch-client.js'
import { alarmLink } from '../aws/links.js'
import { systemClock } from '../core/clock.js'
import { failureMessage, outcomeOutputs } from '../core/deploy-run.js'
import { rollBackLeftover } from '../core/leftover-rollback.js'
import { isFailure } from '../core/engine.js'
import { errorMessage, OwnershipError, RefusalError } from '../core/errors.js'
import type { Config } from '../core/inputs.js'
import { type SavedAlb, STATE_ROLLOUT } from '../core/saved-state.js'
import type { StepContext, StepResult } from '../core/step.js'
import { alarmGateFor } from '../gates/alarms.js'
import { albSubject, type Subject } from '../gates/analysis/queries.js'
import { analysisGateFor, analysisSummary, describeAnalysis, withAnalysis } from '../gates/analysis/setup.js'
import { runDeploy } from '../report/deploy-run.js'
import { renderSummary } from '../report/summary.js'
import { elbv2Client } from './clients.js'
import { groupName } from './forward.js'
import { type AlbInputs, readAlbInputs } from './inputs.js'
import { withCanaryHealth } from './health-gate.js'
import { ListenerProvider } from './listener-provider.js'
import { describeUsers } from './users-rule.js'

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
  if (config.mode === 'plan') return (await import('./plan.js')).planListener(config, alb, context)
  return deployListener(config, alb, context)
}

/** The analysis subject once the provider has inspected the listener: its stable group against the canary group. */
export function subjectsOf(provider: ListenerProvider, alb: AlbInputs): () => Subject[] {
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
  const gate = withCanaryHealth(withAnalysis(alarms, analysis, config.analysis), () => provider.canaryHealth())
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
    // The weight output is the canary group's live share, whatever the end (a refusal leaves a live canary where it was).
    const outputs = { ...outcomeOutputs(outcome), weight: String(provider.liveWeight ?? outcome.weight) }
    const rule = provider.usersRule
    const usersLive = rule
      ? `\n- Canary users' rule ${rule} is live: requests with ${describeUsers(alb.users) || 'its conditions'} reach ${provider.canaryGroup ? groupName(provider.canaryGroup) : 'the canary'}.\n`
      : ''
    const common = { outputs, summary: summary + usersLive, settled: !outcome.needsCleanup }
    if (isFailure(outcome)) return { ...common, failure: failureMessage(outcome, provider.resource, 'target group') }
    if (outcome.result === 'promoted') return { ...common, conclusion: `Promoted target group ${outcome.targetVersion ?? ''}.` }
    return { ...common, conclusion: `Held at ${outcome.weight}%${rule ? ", with the canary users' rule live" : ''}.` }
  } finally {
    release.destroy()
    cloudWatch.destroy()
  }
}

/** `mode: rollback`: all traffic back to the stable group, the rollout's users' rules and hold tags removed. */
async function rollbackListener(config: Config, alb: AlbInputs, context: StepContext): Promise<StepResult> {
  const probe = listenerRelease(config.region, alb, alb.targetGroup ?? '')
  const none = { alarm: '', 'stable-version': '', 'target-version': alb.targetGroup ?? '' }
  let pair: { stableArn: string; canaryArn: string } | undefined
  try {
    pair = await probe.provider.liveRollout(alb.targetGroup)
  } catch (error) {
    if (!(error instanceof OwnershipError || error instanceof RefusalError)) throw error
    const reason = errorMessage(error)
    return {
      outputs: { ...none, result: 'refused', reason, weight: String(probe.provider.liveWeight ?? 0) },
      settled: true,
      summary: `## Canary release: ⛔ Rollback refused\n\n${reason}\n`,
      failure: `Refusing to roll back: ${reason}`,
    }
  } finally {
    probe.destroy()
  }
  if (!pair) {
    context.log.info("No canary to remove: traffic is already on one target group, and no canary users' rule is live.")
    return {
      outputs: { ...none, result: 'rolled-back', reason: '', weight: String(probe.provider.liveWeight ?? 0) },
      settled: true,
      summary: '## Canary release: ↩️ Nothing to roll back\n',
    }
  }
  const [stable, canary] = [groupName(pair.stableArn), groupName(pair.canaryArn)]
  // Saved before the first write: if the users' rule cannot be removed now, the post step tries again.
  const saved: SavedAlb = { listener: alb.listener.arn, stableArn: pair.stableArn, canaryArn: pair.canaryArn, users: alb.users }
  context.saveState(STATE_ROLLOUT, JSON.stringify({ region: config.region, aliases: [], alb: saved }))
  const release = listenerRelease(config.region, alb, pair.canaryArn, pair)
  const versions = { 'stable-version': stable, 'target-version': canary, alarm: '' }
  try {
    const routing = await release.provider.rollback()
    context.log.info(`${release.provider.resource} now routes ${routing} (verified)`)
    return {
      outputs: { ...versions, result: 'rolled-back', reason: '', weight: '0' },
      summary: `## Canary release: ↩️ Rolled back\n\n- ${release.provider.resource}: all traffic on target group ${stable} (${canary} at weight 0, no canary users' rule)\n`,
      settled: true,
    }
  } catch (error) {
    // Not settled: the post step tries again. Nothing here says all traffic is back.
    const reason = errorMessage(error)
    context.log.error(`Rollback incomplete: ${reason}`)
    return {
      outputs: { ...versions, result: 'failed', reason, weight: String(release.provider.liveWeight ?? 0) },
      summary: `## Canary release: ❌ Rollback incomplete\n\n- ${release.provider.resource}: ${reason}\n`,
      failure: `Rollback of ${release.provider.resource} incomplete: ${reason}`,
    }
  } finally {
    release.destroy()
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
