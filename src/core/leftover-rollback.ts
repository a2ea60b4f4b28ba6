/**
 * The post step's rollback of a canary main left live (killed, crashed), shared by the modes whose
 * provider rolls back itself (alias, ALB): say why, roll back, and report where traffic went.
 */
import { errorMessage } from './errors.js'
import type { StepContext, StepResult } from './step.js'

export interface LeftoverRelease {
  readonly provider: { readonly resource: string; rollback(): Promise<string> }
  destroy(): void
}

/** `stable` names what traffic goes back to, e.g. `version 3` or `target group blue`. */
export async function rollBackLeftover(release: LeftoverRelease, stable: string, context: StepContext): Promise<StepResult> {
  try {
    context.log.warning(`The main step did not finish its rollout of ${release.provider.resource}: rolling back to ${stable}.`)
    const routing = await release.provider.rollback()
    return { outputs: {}, settled: true, conclusion: `${release.provider.resource} now routes ${routing} (verified)` }
  } catch (error) {
    return { outputs: {}, failure: `Post-step rollback failed: ${errorMessage(error)}` }
  } finally {
    release.destroy()
  }
}
