import type { Action } from '@aws-sdk/client-elastic-load-balancing-v2'
import { RefusalError } from '../core/errors.js'

/** One target group in a forward action. */
export interface GroupWeight {
  readonly arn: string
  readonly weight: number
}

/** A forward action reduced to what a rollout reads and writes. */
export interface Forward {
  readonly groups: readonly GroupWeight[]
  /** Stickiness in seconds when enabled. */
  readonly stickiness: number | undefined
}

/** `green` from `arn:…:targetgroup/green/0123abcd`. */
export function groupName(arn: string): string {
  return /:targetgroup\/([^/]+)\//.exec(arn)?.[1] ?? arn
}

/** CloudWatch's TargetGroup dimension: `targetgroup/green/0123abcd`. */
export function groupDimension(arn: string): string {
  return /:(targetgroup\/.+)$/.exec(arn)?.[1] ?? arn
}

/** The forward action among `actions` (authenticate actions may come first), or a refusal naming what is there. */
export function forwardOf(actions: readonly Action[], resource: string): Forward {
  const forwards = actions.filter((action) => action.Type === 'forward')
  const [forward] = forwards
  if (!forward || forwards.length > 1) {
    const types = actions.map((action) => action.Type ?? '?').join(', ') || 'none'
    throw new RefusalError(`${resource} does not forward to target groups (its actions: ${types}); only a forward action can be shifted`)
  }
  const tuples = forward.ForwardConfig?.TargetGroups
  const groups =
    tuples && tuples.length > 0
      ? tuples.map((tuple) => ({ arn: tuple.TargetGroupArn ?? '', weight: tuple.Weight ?? 1 }))
      : forward.TargetGroupArn
        ? [{ arn: forward.TargetGroupArn, weight: 1 }]
        : []
  const sticky = forward.ForwardConfig?.TargetGroupStickinessConfig
  return { groups, stickiness: sticky?.Enabled ? (sticky.DurationSeconds ?? 0) : undefined }
}

/**
 * The actions to write: `actions` with the forward action replaced by `forward`. Other actions
 * (say, an OIDC login before the forward) are kept; ALB never returns an OIDC client secret, so
 * such an action is told to keep the existing one.
 */
export function withForward(actions: readonly Action[], forward: Forward): Action[] {
  return actions.map((action): Action => {
    if (action.Type === 'forward') {
      return {
        Type: 'forward',
        ...(action.Order !== undefined ? { Order: action.Order } : {}),
        ForwardConfig: {
          TargetGroups: forward.groups.map((group) => ({ TargetGroupArn: group.arn, Weight: group.weight })),
          TargetGroupStickinessConfig: forward.stickiness === undefined ? { Enabled: false } : { Enabled: true, DurationSeconds: forward.stickiness },
        },
      }
    }
    if (action.Type === 'authenticate-oidc' && action.AuthenticateOidcConfig) {
      return { ...action, AuthenticateOidcConfig: { ...action.AuthenticateOidcConfig, ClientSecret: undefined, UseExistingClientSecret: true } }
    }
    return action
  })
}

/** `forward` with `arn` at `weight`, appended when it is not there yet; other groups keep theirs. */
export function setWeight(forward: Forward, arn: string, weight: number): Forward {
  const present = forward.groups.some((group) => group.arn === arn)
  const groups = present ? forward.groups.map((group) => (group.arn === arn ? { arn, weight } : group)) : [...forward.groups, { arn, weight }]
  return { ...forward, groups }
}

export function describeForward(forward: Forward): string {
  const total = forward.groups.reduce((sum, group) => sum + group.weight, 0)
  const parts = forward.groups.map((group) => {
    const share = total === 0 ? 0 : Math.round((group.weight / total) * 100 * 1000) / 1000
    return `${share}% ${groupName(group.arn)} (weight ${group.weight})`
  })
  const sticky = forward.stickiness === undefined ? '' : `, sticky ${forward.stickiness}s`
  return `${parts.join(', ') || 'no target groups'}${sticky}`
}

/** What differs between `expected` and `live`, in words; undefined when they are the same. */
export function forwardDifference(expected: Forward, live: Forward): string | undefined {
  const differences: string[] = []
  const weightOf = (forward: Forward, arn: string) => forward.groups.find((group) => group.arn === arn)?.weight
  for (const group of expected.groups) {
    const now = weightOf(live, group.arn)
    if (now === undefined) differences.push(`target group ${groupName(group.arn)} was removed (it had weight ${group.weight})`)
    else if (now !== group.weight) differences.push(`weight of ${groupName(group.arn)} changed from ${group.weight} to ${now}`)
  }
  for (const group of live.groups) {
    if (weightOf(expected, group.arn) === undefined) differences.push(`target group ${groupName(group.arn)} was added at weight ${group.weight}`)
  }
  if (expected.stickiness !== live.stickiness) {
    const says = (s: number | undefined) => (s === undefined ? 'off' : `${s}s`)
    differences.push(`stickiness changed from ${says(expected.stickiness)} to ${says(live.stickiness)}`)
  }
  return differences.length === 0 ? undefined : differences.join('; ')
}
