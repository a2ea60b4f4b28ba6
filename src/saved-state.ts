/** What main leaves for the post step, through GITHUB_STATE. */
export interface SavedAlias {
  readonly functionName: string
  readonly alias: string
  readonly stable: string
  readonly target: string
}

/** A CodeDeploy deployment main created and did not see finish. */
export interface SavedDeployment {
  readonly deploymentId: string
}

export interface SavedRollout {
  readonly region: string
  readonly aliases: readonly SavedAlias[]
  readonly codeDeploy?: SavedDeployment
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
    if (value.codeDeploy !== undefined) return nonEmpty(value.codeDeploy.deploymentId) ? (value as SavedRollout) : undefined
    if (value.aliases.length === 0) return undefined
    const valid = value.aliases.every((a: Partial<SavedAlias>) => [a.functionName, a.alias, a.stable, a.target].every(nonEmpty))
    return valid ? (value as SavedRollout) : undefined
  } catch {
    return undefined
  }
}
