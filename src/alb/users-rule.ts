import type { Rule, RuleCondition } from '@aws-sdk/client-elastic-load-balancing-v2'
import { RefusalError } from '../core/errors.js'
import { quote } from '../core/quote.js'
import type { UserCondition } from '../core/canary-users.js'

export type { UserCondition }

/** ALB allows five condition values per rule (wildcards aside), and one source-ip condition. */
export const MAX_CONDITION_VALUES = 5
/** ALB's highest rule priority. */
export const MAX_PRIORITY = 50_000

export function toRuleCondition(condition: UserCondition): RuleCondition {
  switch (condition.kind) {
    case 'header':
      return { Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: condition.name, Values: [condition.value] } }
    case 'source-ip':
      return { Field: 'source-ip', SourceIpConfig: { Values: [condition.cidr] } }
    case 'query':
      return { Field: 'query-string', QueryStringConfig: { Values: [{ Key: condition.key, Value: condition.value }] } }
  }
}

function valueCount(condition: RuleCondition): number {
  return (
    (condition.Values?.length ?? 0) +
    (condition.HttpHeaderConfig?.Values?.length ?? 0) +
    (condition.SourceIpConfig?.Values?.length ?? 0) +
    (condition.QueryStringConfig?.Values?.length ?? 0) +
    (condition.HostHeaderConfig?.Values?.length ?? 0) +
    (condition.PathPatternConfig?.Values?.length ?? 0) +
    (condition.HttpRequestMethodConfig?.Values?.length ?? 0)
  )
}

/** Why ALB would refuse a rule with these conditions, or undefined. */
export function conditionsProblem(conditions: readonly RuleCondition[]): string | undefined {
  const values = conditions.reduce((sum, condition) => sum + valueCount(condition), 0)
  if (values > MAX_CONDITION_VALUES) return `a listener rule takes at most ${MAX_CONDITION_VALUES} condition values, and these need ${values}`
  for (const field of ['source-ip', 'host-header', 'path-pattern', 'http-request-method']) {
    if (conditions.filter((condition) => condition.Field === field).length > 1) return `a listener rule takes at most one ${field} condition`
  }
  return undefined
}

export function usersConditionsLimit(users: readonly UserCondition[]): string | undefined {
  return conditionsProblem(users.map(toRuleCondition))
}

/** A canonical form of a condition, for comparing what ALB returns with what was asked. */
function conditionKey(condition: RuleCondition): string {
  const sorted = (values: readonly string[] | undefined) => [...(values ?? [])].sort()
  const field = condition.Field ?? ''
  switch (field) {
    case 'http-header':
      return `${field}:${(condition.HttpHeaderConfig?.HttpHeaderName ?? '').toLowerCase()}=${sorted(condition.HttpHeaderConfig?.Values).join('|')}`
    case 'source-ip':
      return `${field}:${sorted(condition.SourceIpConfig?.Values).join('|')}`
    case 'query-string':
      return `${field}:${sorted((condition.QueryStringConfig?.Values ?? []).map((pair) => `${pair.Key ?? ''}=${pair.Value ?? ''}`)).join('|')}`
    case 'host-header':
      return `${field}:${sorted(condition.HostHeaderConfig?.Values ?? condition.Values).join('|')}`
    case 'path-pattern':
      return `${field}:${sorted(condition.PathPatternConfig?.Values ?? condition.Values).join('|')}`
    case 'http-request-method':
      return `${field}:${sorted(condition.HttpRequestMethodConfig?.Values ?? condition.Values).join('|')}`
    default:
      return `${field}:${sorted(condition.Values).join('|')}`
  }
}

export function sameConditions(a: readonly RuleCondition[], b: readonly RuleCondition[]): boolean {
  const keys = (list: readonly RuleCondition[]) => list.map(conditionKey).sort().join('\n')
  return keys(a) === keys(b)
}

/** True when `rule` forwards everything it matches to `targetArn` alone. */
export function forwardsOnlyTo(rule: Rule, targetArn: string): boolean {
  const forward = rule.Actions?.find((action) => action.Type === 'forward')
  if (!forward) return false
  const groups = forward.ForwardConfig?.TargetGroups?.filter((group) => (group.Weight ?? 1) > 0).map((group) => group.TargetGroupArn)
  const arns = groups && groups.length > 0 ? groups : [forward.TargetGroupArn]
  return arns.length === 1 && arns[0] === targetArn
}

const priorityOf = (rule: Rule): number | undefined => (rule.IsDefault || rule.Priority === 'default' ? undefined : Number(rule.Priority))

/**
 * Where the users rule goes: just ahead of the traffic it borrows from. For a listener that is
 * its default action, so after every other rule (requests other rules serve stay theirs); for a
 * rule, the priority right before it (after every rule that came before it).
 */
export function usersPriority(rules: readonly Rule[], before: Rule | undefined, resource: string): number {
  const taken = new Set(rules.map(priorityOf).filter((p): p is number => p !== undefined))
  if (before === undefined) {
    const highest = Math.max(0, ...taken)
    if (highest >= MAX_PRIORITY) throw new RefusalError(`${resource} has a rule at priority ${MAX_PRIORITY}, so no rule fits after it for the canary users`)
    return highest + 1
  }
  const own = priorityOf(before) ?? 0
  const slot = own - 1
  if (slot < 1 || taken.has(slot)) {
    throw new RefusalError(
      `no free priority right before ${resource} (priority ${own}) for the canary users' rule; leave priority ${slot} free, e.g. renumber the rules by tens`,
    )
  }
  return slot
}

export function describeUsers(users: readonly UserCondition[]): string {
  return users
    .map((user) => {
      if (user.kind === 'header') return `header ${quote(user.name)}=${quote(user.value)}`
      if (user.kind === 'source-ip') return `source ${user.cidr}`
      return `query ${quote(user.key)}=${quote(user.value)}`
    })
    .join(' and ')
}
