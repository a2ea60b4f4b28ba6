import type { RevisionLocation } from '@aws-sdk/client-codedeploy'
import type { UserCondition } from './canary-users.js'

/** What main leaves for the post step, through GITHUB_STATE. */
export interface SavedAlias {
  readonly functionName: string
  readonly alias: string
  readonly stable: string
  readonly target: string
}

/** A group that already took the new revision (EC2/on-prem), and the revision to put back if the rollout does not finish. */
export interface SavedRestore {
  readonly group: string
  readonly revision: RevisionLocation
}

/** A CodeDeploy deployment main created and did not see finish. */
export interface SavedDeployment {
  readonly deploymentId: string
  /** EC2/on-prem: the application, for the redeploys in `restore`. */
  readonly application?: string
  /** EC2/on-prem: finished groups to redeploy their previous revision to, in rollout order (restored last first). */
  readonly restore?: readonly SavedRestore[]
}

/** An ALB rollout: the listener (or rule), its two target groups and the canary users' conditions (to find their rule). */
export interface SavedAlb {
  readonly listener: string
  readonly stableArn: string
  readonly canaryArn: string
  readonly users: readonly UserCondition[]
}

/** An ECS service deployment main started (or attached to) and did not see settle. */
export interface SavedEcs {
  readonly deploymentArn: string
}

export interface SavedRollout {
  readonly region: string
  readonly aliases: readonly SavedAlias[]
  readonly codeDeploy?: SavedDeployment
  readonly alb?: SavedAlb
  readonly ecs?: SavedEcs
}

/** Saved first thing by main: marks that main started (the post step has its own entry, dist/post.js). */
export const STATE_POST = 'isPost'
export const STATE_ROLLOUT = 'rollout'
/** Set once main has left traffic where it meant to (promoted, held, rolled back). */
export const STATE_SETTLED = 'settled'

const nonEmpty = (value: unknown): value is string => typeof value === 'string' && value !== ''

export function parseSavedRollout(text: string): SavedRollout | undefined {
  if (text === '') return undefined
  try {
    const value = JSON.parse(text) as Partial<SavedRollout>
    if (!nonEmpty(value.region) || !Array.isArray(value.aliases)) return undefined
    if (value.codeDeploy !== undefined) {
      if (!nonEmpty(value.codeDeploy.deploymentId)) return undefined
      const { application, restore } = value.codeDeploy
      // Older saved states have neither; a malformed restore list is dropped rather than losing the deployment.
      const restoreValid =
        nonEmpty(application) &&
        Array.isArray(restore) &&
        restore.every((r: Partial<SavedRestore>) => nonEmpty(r.group) && typeof r.revision === 'object' && r.revision !== null)
      if (restoreValid) return value as SavedRollout
      return { region: value.region, aliases: value.aliases, codeDeploy: { deploymentId: value.codeDeploy.deploymentId } }
    }
    if (value.ecs !== undefined) return nonEmpty(value.ecs.deploymentArn) ? (value as SavedRollout) : undefined
    if (value.alb !== undefined) {
      const { listener, stableArn, canaryArn, users } = value.alb
      return [listener, stableArn, canaryArn].every(nonEmpty) && Array.isArray(users) ? (value as SavedRollout) : undefined
    }
    if (value.aliases.length === 0) return undefined
    const valid = value.aliases.every((a: Partial<SavedAlias>) => [a.functionName, a.alias, a.stable, a.target].every(nonEmpty))
    return valid ? (value as SavedRollout) : undefined
  } catch {
    return undefined
  }
}
