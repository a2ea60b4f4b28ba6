/** What main leaves for the post step, through GITHUB_STATE. */
export interface SavedRollout {
  readonly functionName: string
  readonly alias: string
  readonly region: string
  readonly stable: string
  readonly target: string
}

export const STATE_POST = 'isPost'
export const STATE_ROLLOUT = 'rollout'
/** Set once main has left traffic where it meant to (promoted, held, rolled back). */
export const STATE_SETTLED = 'settled'

export function parseSavedRollout(text: string): SavedRollout | undefined {
  if (text === '') return undefined
  try {
    const value = JSON.parse(text) as Partial<SavedRollout>
    const fields = [value.functionName, value.alias, value.region, value.stable, value.target]
    return fields.every((field) => typeof field === 'string' && field !== '') ? (value as SavedRollout) : undefined
  } catch {
    return undefined
  }
}
