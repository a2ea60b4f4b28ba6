import type { Tag } from '@aws-sdk/client-elastic-load-balancing-v2'

/**
 * The rollout's note on the listener or rule, as tags: which target group takes what share since
 * when, whether that stage finished its bake, and which run set it. Like the alias description in
 * alias mode, it keeps the hold's start in AWS, where a later run (after an approval) finds it.
 * ELBv2 tag values allow letters, digits, spaces and `_.:/=+-@` (no `%`), up to 256 characters.
 */
export interface HoldTags {
  /** The canary target group's name. */
  readonly target: string
  readonly weight: number
  readonly since: number
  readonly baked: boolean
  readonly runUrl: string | undefined
}

export const TAG_PREFIX = 'canary-release:'
export const TAG_KEYS = {
  target: `${TAG_PREFIX}target`,
  weight: `${TAG_PREFIX}weight`,
  since: `${TAG_PREFIX}since`,
  baked: `${TAG_PREFIX}baked`,
  run: `${TAG_PREFIX}run`,
} as const
export const ALL_TAG_KEYS: readonly string[] = Object.values(TAG_KEYS)

const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u

export function holdTags(hold: HoldTags): Tag[] {
  const tags: Tag[] = [
    { Key: TAG_KEYS.target, Value: hold.target },
    { Key: TAG_KEYS.weight, Value: String(hold.weight) },
    { Key: TAG_KEYS.since, Value: new Date(hold.since).toISOString() },
    { Key: TAG_KEYS.baked, Value: hold.baked ? 'true' : 'false' },
  ]
  // A run URL ELBv2 would refuse (it never should) is left out rather than failing the shift.
  if (hold.runUrl && TAG_VALUE.test(hold.runUrl)) tags.push({ Key: TAG_KEYS.run, Value: hold.runUrl })
  return tags
}

export function parseHoldTags(tags: readonly Tag[]): HoldTags | undefined {
  const value = (key: string) => tags.find((tag) => tag.Key === key)?.Value
  const target = value(TAG_KEYS.target)
  const weight = Number(value(TAG_KEYS.weight))
  const since = Date.parse(value(TAG_KEYS.since) ?? '')
  if (!target || !Number.isFinite(weight) || Number.isNaN(since)) return undefined
  return { target, weight, since, baked: value(TAG_KEYS.baked) === 'true', runUrl: value(TAG_KEYS.run) }
}
