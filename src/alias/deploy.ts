import { requestSent } from '../aws/request-sent.js'
import type { Config } from '../core/inputs.js'
import type { StepContext, StepResult } from '../core/step.js'
import { withFirstLook } from '../core/traffic.js'
import { runUrl } from '../report/github-reporter.js'
import { aliasRelease, specsFor } from './release.js'

/**
 * Alias mode's deploy. Only the Lambda side loads before the first AWS request: every alias (and
 * the versions it would share traffic between) is read first, and the gates, the engine and the
 * report (src/alias/gated-rollout.ts) load once that read is on its way, during its round trip.
 * Loading them alongside delayed the first request by about 13 ms. The engine starts from that read.
 */
export async function deployAliases(config: Config, context: StepContext): Promise<StepResult> {
  const release = aliasRelease(config.region, specsFor(config.targets), runUrl())
  const inspection = release.provider.inspect()
  const firstLook = withFirstLook(release.provider, inspection)
  await requestSent(inspection)
  const { runGatedRollout } = await import('./gated-rollout.js')
  return runGatedRollout(config, context, release, firstLook)
}
