/**
 * The rollout's note in the alias description: which version takes what share since when, and
 * which run set it. It keeps the hold's start time in AWS, where a later run (after a manual
 * approval) can find it, rather than in the workflow. Lambda caps descriptions at 256 characters.
 */
export const DESCRIPTION_MAX = 256

export interface HoldMarker {
  readonly version: string
  readonly weight: number
  readonly since: number
  readonly runUrl: string | undefined
  /** Set when the stage at this weight finished its bake and the rollout held there. */
  readonly baked: boolean
}

const MARKER = / ?\[canary (\S+)@([\d.]+)%( baked)? since (\S+)(?: (\S+))?\]$/

export function parseMarker(description: string | undefined): HoldMarker | undefined {
  const match = MARKER.exec(description ?? '')
  if (!match) return undefined
  const [, version = '', weight = '', baked, since = '', runUrl] = match
  const at = Date.parse(since)
  if (Number.isNaN(at)) return undefined
  return { version, weight: Number(weight), since: at, runUrl, baked: baked !== undefined }
}

/** The description with any marker removed: what the user wrote. */
export function stripMarker(description: string | undefined): string {
  return (description ?? '').replace(MARKER, '')
}

export function withMarker(description: string | undefined, marker: HoldMarker): string {
  const note = `[canary ${marker.version}@${marker.weight}%${marker.baked ? ' baked' : ''} since ${new Date(marker.since).toISOString()}${marker.runUrl ? ` ${marker.runUrl}` : ''}]`
  const original = stripMarker(description)
  const room = DESCRIPTION_MAX - note.length - 1
  if (room <= 0) return note.slice(0, DESCRIPTION_MAX)
  const kept = original.length > room ? original.slice(0, room) : original
  return kept === '' ? note : `${kept} ${note}`
}
