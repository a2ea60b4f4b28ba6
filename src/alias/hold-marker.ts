/**
 * The rollout's note in the alias description: which version takes what share since when, whether
 * that share finished its bake, and which run set it. It keeps the hold's start in AWS, where a
 * later run (after a manual approval) can find it, rather than in the workflow.
 *
 * Lambda caps descriptions at 256 characters and the user's own text shares them, so the note is
 * compact (a run is named by its numeric id, never its URL, which reaches 250 characters) and the
 * user's text is never cut: when both do not fit, the note is left out. A resume without a note
 * checks alarm history over max-hold (or 24 h) and bakes the live stage again, which only costs time.
 */
export const DESCRIPTION_MAX = 256

export interface HoldMarker {
  readonly version: string
  readonly weight: number
  /** When the share was set, to the second (rounded down, so the history read never starts late). */
  readonly since: number
  /** The workflow run's id (`run/attempt` on a re-run attempt), when known. */
  readonly run: string | undefined
  /** Set when the stage at this weight finished its bake and the rollout held there. */
  readonly baked: boolean
}

// Markers written before the run id replaced the run URL end in the URL: still read (and stripped).
const MARKER = / ?\[canary (\S+)@([\d.]+)%( baked)? since (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{3})?Z)(?: run (\S+)| (https?:\/\/\S+))?\]$/

/** The run id (and attempt, after the first) from a run URL like `.../actions/runs/123/attempts/2`. */
export function runIdOf(runUrl: string | undefined): string | undefined {
  const match = /\/actions\/runs\/(\d+)(?:\/attempts\/(\d+))?\/?$/.exec(runUrl ?? '')
  if (!match) return undefined
  const [, id, attempt] = match
  return attempt ? `${id}/${attempt}` : id
}

export function parseMarker(description: string | undefined): HoldMarker | undefined {
  const match = MARKER.exec(description ?? '')
  if (!match) return undefined
  const [, version = '', weight = '', baked, since = '', run, legacyUrl] = match
  const at = Date.parse(since)
  if (Number.isNaN(at)) return undefined
  return { version, weight: Number(weight), since: at, run: run ?? runIdOf(legacyUrl), baked: baked !== undefined }
}

/** The description with any marker removed: what the user wrote, byte for byte. */
export function stripMarker(description: string | undefined): string {
  return (description ?? '').replace(MARKER, '')
}

function render(marker: HoldMarker): string {
  const since = new Date(Math.floor(marker.since / 1000) * 1000).toISOString().replace('.000Z', 'Z')
  return `[canary ${marker.version}@${marker.weight}%${marker.baked ? ' baked' : ''} since ${since}${marker.run ? ` run ${marker.run}` : ''}]`
}

/**
 * The user's text with the marker after it: in full if it fits, else without the run, else the
 * user's text alone. Length is counted in UTF-16 units, which is never less than Lambda's count.
 */
export function withMarker(description: string | undefined, marker: HoldMarker): string {
  const user = stripMarker(description)
  for (const note of [render(marker), render({ ...marker, run: undefined })]) {
    const text = user === '' ? note : `${user} ${note}`
    if (text.length <= DESCRIPTION_MAX) return text
  }
  return user
}
