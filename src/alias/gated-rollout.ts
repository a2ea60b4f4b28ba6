import { cloudWatchClient } from '../aws/cloudwatch-client.js'
import { alarmLink } from '../aws/links.js'
import { systemClock } from '../core/clock.js'
import { failureMessage, outcomeOutputs } from '../core/deploy-run.js'
import { isFailure } from '../core/engine.js'
import type { Config } from '../core/inputs.js'
import type { SavedRollout } from '../core/saved-state.js'
import type { StepContext, StepResult } from '../core/step.js'
import type { TrafficProvider } from '../core/traffic.js'
import { alarmGateFor } from '../gates/alarms.js'
import { lambdaSubject } from '../gates/analysis/queries.js'
import { analysisGateFor, analysisSummary, describeAnalysis, withAnalysis } from '../gates/analysis/setup.js'
import { runDeploy } from '../report/deploy-run.js'
import { holdNotice, renderSummary } from '../report/summary.js'
import { FleetProvider } from './fleet-provider.js'
import type { AliasRelease } from './release.js'

/** Saved for the post step once traffic is about to move (or is found moving, on a resume). */
function savedRollout(config: Config, release: AliasRelease): SavedRollout {
  return {
    region: config.region,
    aliases: release.members.map((member, i) => ({
      functionName: config.targets[i]?.functionName ?? '',
      alias: config.targets[i]?.alias ?? '',
      stable: member.stableVersion ?? '',
      target: member.targetVersion,
    })),
  }
}

/**
 * Alias mode's deploy once the live state is being read (src/alias/deploy.ts): the rollout engine
 * over one alias or a lockstep fleet, gated by alarms and the canary analysis. `provider` is the
 * release's provider with that first read under way.
 */
export async function runGatedRollout(config: Config, context: StepContext, release: AliasRelease, provider: TrafficProvider): Promise<StepResult> {
  const cloudWatch = cloudWatchClient(config.region)
  const alarms = alarmGateFor(config, cloudWatch, systemClock)
  // Each member's versions are known once the engine has inspected it, before the pre-flight read.
  const analysis = analysisGateFor(config, cloudWatch, systemClock, () =>
    release.members.map((member, i) =>
      lambdaSubject(config.targets[i]?.functionName ?? '', config.targets[i]?.alias ?? '', member.stableVersion ?? '', member.targetVersion),
    ),
  )
  const gate = withAnalysis(alarms, analysis, config.analysis)
  context.log.info(`Canary analysis: ${describeAnalysis(config.analysis)}`)
  try {
    const outcome = await runDeploy(config, context, {
      provider,
      gate,
      target: config.targets.length === 1 ? config.targets[0]?.version : undefined,
      savedRollout: () => JSON.stringify(savedRollout(config, release)),
    })
    const summary = renderSummary(outcome, {
      resource: provider.resource,
      resourceLink: provider.link,
      // An alarm CloudWatch did not return gets no console link (it would open an empty page).
      alarms: alarms.names.map((name) => ({ name, link: alarmLink(config.region, name.replace(/\*$/, '')), found: !alarms.notFound.includes(name) })),
      members: release.provider instanceof FleetProvider ? release.provider.report() : [],
      analysis: analysisSummary(analysis, config.analysis),
    })
    const common = { outputs: outcomeOutputs(outcome), summary, settled: !outcome.needsCleanup }
    if (isFailure(outcome)) return { ...common, failure: failureMessage(outcome, provider.resource, 'version') }
    if (outcome.result === 'promoted') return { ...common, conclusion: `Promoted version ${outcome.targetVersion ?? ''}.` }
    // A hold ends green with traffic split: easy to miss without an annotation.
    return { ...common, conclusion: `Held at ${outcome.weight}%.`, notice: holdNotice(outcome, provider.resource) }
  } finally {
    release.destroy()
    cloudWatch.destroy()
  }
}
