import { type Action, DescribeTagsCommand, type ElasticLoadBalancingV2Client, type Rule, type Tag } from '@aws-sdk/client-elastic-load-balancing-v2'
import { TAG_KEYS } from './hold-tags.js'

/**
 * The canary users' rule is part of the rollout: it carries tags naming the canary group and the
 * listener (or rule) whose traffic it borrows from, so any run finds it from the listener alone,
 * whatever its inputs (a promote or rollback job without `canary-users`, the post step).
 */
export const RULE_TAG_KEYS = {
  /** The canary group's name, as in the hold tags. */
  target: TAG_KEYS.target,
  /** The ARN of the listener or rule the rollout shifts. */
  rollout: 'canary-release:rollout',
} as const

/** ELBv2's DescribeTags takes at most 20 ARNs per call. */
const TAGS_PER_CALL = 20

export function usersRuleTags(canaryName: string, resourceArn: string): Tag[] {
  return [
    { Key: RULE_TAG_KEYS.target, Value: canaryName },
    { Key: RULE_TAG_KEYS.rollout, Value: resourceArn },
  ]
}

/** A users' rule of some rollout on the listener. */
export interface RolloutRule {
  readonly arn: string
  /** The canary group's name, from its tag. */
  readonly target: string
  /** The group the rule forwards to on its own (its ARN), if it does. */
  readonly forwardsTo: string | undefined
}

/** The one group a rule forwards everything it matches to, or undefined. */
export function loneGroup(rule: Rule): string | undefined {
  const forward = rule.Actions?.find((action) => action.Type === 'forward')
  if (!forward) return undefined
  const groups = forward.ForwardConfig?.TargetGroups?.filter((group) => (group.Weight ?? 1) > 0).map((group) => group.TargetGroupArn)
  const arns = groups && groups.length > 0 ? groups : [forward.TargetGroupArn]
  return arns.length === 1 ? arns[0] : undefined
}

/**
 * The users' rules rollouts made for `resourceArn` among `rules`, by their tags. A rule tagged
 * with a canary target and no rollout tag was made before the rollout tag existed: it counts for
 * any resource of the listener. The rule being shifted (rule mode) carries hold tags and is skipped.
 */
export async function rolloutRules(client: ElasticLoadBalancingV2Client, rules: readonly Rule[], resourceArn: string): Promise<RolloutRule[]> {
  const candidates = rules.filter((rule) => !rule.IsDefault && rule.RuleArn && rule.RuleArn !== resourceArn)
  const found: RolloutRule[] = []
  for (let i = 0; i < candidates.length; i += TAGS_PER_CALL) {
    const batch = candidates.slice(i, i + TAGS_PER_CALL)
    const described = await client.send(new DescribeTagsCommand({ ResourceArns: batch.map((rule) => rule.RuleArn ?? '') }))
    for (const rule of batch) {
      const tags = described.TagDescriptions?.find((d) => d.ResourceArn === rule.RuleArn)?.Tags ?? []
      const value = (key: string) => tags.find((tag) => tag.Key === key)?.Value
      const target = value(RULE_TAG_KEYS.target)
      const rollout = value(RULE_TAG_KEYS.rollout)
      // Hold tags (a weight) mark a rule another rollout shifts, not a users' rule.
      if (!target || value(TAG_KEYS.weight) !== undefined) continue
      if (rollout !== undefined && rollout !== resourceArn) continue
      found.push({ arn: rule.RuleArn ?? '', target, forwardsTo: loneGroup(rule) })
    }
  }
  return found
}

/**
 * The actions of the users' rule: every authenticate action that comes before the forward in the
 * traffic it borrows from, in order, then a forward to the canary alone, so canary users pass the
 * same login as everyone else. ALB never returns an OIDC client secret: the copy asks ALB to keep
 * the existing one. AWS documents UseExistingClientSecret for modifying a rule; whether CreateRule
 * takes it is not documented. If ALB refuses it, no rule is made and the stage rolls back, which
 * never opens the canary without the login.
 */
export function usersRuleActions(actions: readonly Action[], canaryArn: string): Action[] {
  const before = [...actions]
    .filter((action) => action.Type === 'authenticate-oidc' || action.Type === 'authenticate-cognito')
    .sort((a, b) => (a.Order ?? 0) - (b.Order ?? 0))
    .map((action, i): Action => {
      const copy: Action = { ...action, Order: i + 1 }
      if (action.Type === 'authenticate-oidc' && action.AuthenticateOidcConfig) {
        copy.AuthenticateOidcConfig = { ...action.AuthenticateOidcConfig, ClientSecret: undefined, UseExistingClientSecret: true }
      }
      return copy
    })
  const forward: Action = {
    Type: 'forward',
    ...(before.length > 0 ? { Order: before.length + 1 } : {}),
    ForwardConfig: { TargetGroups: [{ TargetGroupArn: canaryArn, Weight: 1 }] },
  }
  return [...before, forward]
}

/** The authenticate actions of `actions` in order, as `type:issuer-or-pool` keys, for reading a rule back. */
export function loginKeys(actions: readonly Action[]): string[] {
  return [...actions]
    .filter((action) => action.Type === 'authenticate-oidc' || action.Type === 'authenticate-cognito')
    .sort((a, b) => (a.Order ?? 0) - (b.Order ?? 0))
    .map((action) =>
      action.Type === 'authenticate-oidc'
        ? `oidc:${action.AuthenticateOidcConfig?.Issuer ?? ''}:${action.AuthenticateOidcConfig?.ClientId ?? ''}`
        : `cognito:${action.AuthenticateCognitoConfig?.UserPoolArn ?? ''}:${action.AuthenticateCognitoConfig?.UserPoolClientId ?? ''}`,
    )
}
