import type { Config } from '../core/inputs.js'
import type { StepContext, StepResult } from '../core/step.js'
import { withFirstLook } from '../core/traffic.js'
import { runUrl } from '../report/github-reporter.js'
import { aliasRelease, specsFor } from './release.js'

/**
 * Alias mode's deploy. Only the Lambda side loads before the first AWS request: every alias (and
 * the versions it would share traffic between) is read while the gates, the engine and the report
 * load (src/alias/gated-rollout.ts). The engine then starts from that read.
 */
export async function deployAliases(config: Config, context: StepContext): Promise<StepResult> {
  const release = aliasRelease(config.region, specsFor(config.targets), runUrl())
  const firstLook = withFirstLook(release.provider, release.provider.inspect())
  const { runGatedRollout } = await import('./gated-rollout.js')
  return runGatedRollout(config, context, release, firstLook)
}
