import * as core from '@actions/core'
import { aliasRelease, specsFor, type AliasRelease } from './release.js'
import { cloudWatchClient } from '../aws/clients.js'
import { systemClock } from '../core/clock.js'
import { annotateError, annotateWarning, coreLog } from '../action/annotations.js'
import { isFailure, Rollout, type Outcome } from '../core/engine.js'
import { errorMessage } from '../core/errors.js'
import { alarmGateFor } from '../gates/alarms.js'
import type { Config } from '../core/inputs.js'
import { outcomeProgress, stageProgress, startProgress } from '../report/github-progress.js'
import { createReporter, runUrl, type Reporter } from '../report/github-reporter.js'
import { alarmLink } from '../aws/links.js'
import { FleetProvider } from './fleet-provider.js'
import { STATE_ROLLOUT, STATE_SETTLED, type SavedRollout } from '../core/saved-state.js'
import { renderSummary } from '../report/summary.js'

function setOutputs(outcome: Outcome): void {
  core.setOutput('result', outcome.result)
  core.setOutput('weight', String(outcome.weight))
  core.setOutput('stable-version', outcome.stableVersion ?? '')
  core.setOutput('target-version', outcome.targetVersion ?? '')
  core.setOutput('alarm', outcome.alarm?.name ?? '')
}

function failureMessage(outcome: Outcome, resource: string): string {
  switch (outcome.result) {
    case 'rolled-back':
      return `Rolled back ${resource} to version ${outcome.stableVersion ?? '?'}: ${outcome.reason ?? 'unknown reason'}`
    case 'refused':
      return `Did not start: ${outcome.reason ?? 'unknown reason'}`
    default:
      return `Rollout of ${resource} failed: ${outcome.reason ?? 'unknown reason'}`
  }
}

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

async function githubReporter(config: Config, resource: string): Promise<Reporter> {
  return createReporter({
    mode: config.github.status,
    token: config.github.token,
    environment: config.github.environment,
    context: `canary/${resource}`,
    log: { info: (m) => core.info(m), warning: annotateWarning },
  })
}

/** Alias mode's deploy: the rollout engine over one alias or a lockstep fleet, gated by alarms. */
export async function deployAliases(config: Config, signal: AbortSignal): Promise<void> {
  const release = aliasRelease(config.region, specsFor(config.targets), runUrl())
  const cloudWatch = cloudWatchClient(config.region)
  const { provider } = release
  const gate = alarmGateFor(config, cloudWatch, systemClock)
  const reporter = await githubReporter(config, provider.resource)
  const target = config.targets.length === 1 ? config.targets[0]?.version : undefined
  void reporter.report(startProgress(target))
  let started = false
  const engine = new Rollout({
    provider,
    gate,
    clock: systemClock,
    log: coreLog,
    stages: config.stages,
    pollMs: config.pollMs,
    signal,
    ...(config.maxHoldMs !== undefined ? { maxHoldMs: config.maxHoldMs } : {}),
    onEvent: (event, stage) => {
      if (event.kind === 'shift' || event.kind === 'promote') void reporter.report(stageProgress(stage.index, stage.total, event.weight, target))
    },
    onFirstWrite: () => {
      started = true
      core.saveState(STATE_ROLLOUT, JSON.stringify(savedRollout(config, release)))
    },
  })

  try {
    let outcome: Outcome
    try {
      outcome = await engine.run()
    } catch (error) {
      // A crash mid-rollout still puts traffic back on the stable version.
      if (started) {
        annotateError(`Unexpected error mid-rollout, rolling back: ${errorMessage(error)}`)
        await provider.rollback()
        core.saveState(STATE_SETTLED, 'true')
      }
      throw error
    }
    if (!outcome.needsCleanup) core.saveState(STATE_SETTLED, 'true')
    setOutputs(outcome)
    await reporter.report(outcomeProgress(outcome))
    await core.summary
      .addRaw(
        renderSummary(outcome, {
          resource: provider.resource,
          resourceLink: provider.link,
          alarms: gate.names.map((name) => ({ name, link: alarmLink(config.region, name.replace(/\*$/, '')) })),
          members: provider instanceof FleetProvider ? provider.report() : [],
        }),
      )
      .write()
    if (isFailure(outcome)) core.setFailed(failureMessage(outcome, provider.resource))
    else core.info(outcome.result === 'promoted' ? `Promoted version ${outcome.targetVersion ?? ''}.` : `Held at ${outcome.weight}%.`)
  } finally {
    release.destroy()
    cloudWatch.destroy()
  }
}
