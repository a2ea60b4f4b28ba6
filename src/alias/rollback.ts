import { aliasRelease, specsFor } from './release.js'
import { OwnershipError } from '../core/errors.js'
import type { AliasTarget, Config } from '../core/inputs.js'
import type { StepContext, StepResult } from '../core/step.js'
import { describeRouting, type Routing } from '../core/traffic.js'

/** Refuses what rollback mode must not touch; returns the canary version to remove, if any. */
function canaryToRemove(resource: string, live: Routing, target: AliasTarget): string | undefined {
  const canary = live.canaryVersion
  if (canary === undefined && target.version !== undefined && live.stableVersion === target.version) {
    throw new OwnershipError(`version ${target.version} already serves all of ${resource}; rollback mode cannot tell which version served before`)
  }
  if (canary !== undefined && target.version !== undefined && canary !== target.version) {
    throw new OwnershipError(`${resource} routes its canary share to version ${canary}, not ${target.version}; leaving it alone`)
  }
  return canary
}

/** `mode: rollback`: send all traffic to each alias's stable version and clear its routing. */
export async function rollbackAliases(config: Config, context: StepContext): Promise<StepResult> {
  // Read every alias first, so a refusal for one leaves all of them untouched.
  const reader = aliasRelease(config.region, specsFor(config.targets))
  let routings: Routing[]
  try {
    routings = await Promise.all(reader.members.map((member) => member.routing()))
  } finally {
    reader.destroy()
  }
  const plans = config.targets.map((target, i) => {
    const live = routings[i] as Routing
    const resource = reader.members[i]?.resource ?? target.functionName
    context.log.info(`${resource} routes ${describeRouting(live)}`)
    return { target, live, canary: canaryToRemove(resource, live, target) }
  })

  const toRemove = plans.filter((plan) => plan.canary !== undefined)
  if (toRemove.length === 0) context.log.info('No canary routing to remove: traffic is already on the stable version.')
  else {
    const release = aliasRelease(
      config.region,
      toRemove.map((plan) => ({
        functionName: plan.target.functionName,
        alias: plan.target.alias,
        targetVersion: plan.canary ?? '',
        stableVersion: plan.live.stableVersion,
      })),
    )
    try {
      context.log.info(`${release.provider.resource} now routes ${await release.provider.rollback()} (verified)`)
    } finally {
      release.destroy()
    }
  }

  const many = plans.length > 1
  const versions = (pick: (plan: (typeof plans)[number]) => string) =>
    plans.map((plan) => (many ? `${plan.target.functionName}:${plan.target.alias}=${pick(plan)}` : pick(plan))).join(', ')
  const lines = plans.map((plan) => `- ${plan.target.functionName}:${plan.target.alias}: all traffic on version ${plan.live.stableVersion}`)
  return {
    outputs: {
      result: 'rolled-back',
      reason: '',
      weight: '0',
      'stable-version': versions((plan) => plan.live.stableVersion),
      'target-version': versions((plan) => plan.canary ?? plan.target.version ?? ''),
      alarm: '',
    },
    summary: `## Canary release: ↩️ Rolled back\n\n${lines.join('\n')}\n`,
    settled: true,
  }
}
