// ELBv2 state for Application Load Balancers: load balancers, target groups (targets, health),
// listeners, rules, weighted forward actions with stickiness, and tags. Limits and error codes
// follow botocore's elbv2 service-2.json (2015-12-01) and the ELB user guide's quotas.
import { randomBytes } from 'node:crypto'
import { ACCOUNT_ID, REGION } from '../http.js'
import { ApiError } from '../service.js'

export interface TargetGroupTuple {
  TargetGroupArn: string
  Weight: number
}

export interface ForwardConfig {
  TargetGroups: TargetGroupTuple[]
  Stickiness: { Enabled: boolean; DurationSeconds?: number }
}

/** Actions are kept as sent (other types verbatim); forward actions normalised to a ForwardConfig. */
export interface StoredAction {
  Type: string
  Order?: number
  Forward?: ForwardConfig
  /** Any other fields of a non-forward action, echoed back. */
  Other?: Record<string, unknown>
}

export type Condition = Record<string, unknown> & { Field: string }

export interface Rule {
  arn: string
  listenerArn: string
  /** undefined for the default rule. */
  priority: number | undefined
  conditions: Condition[]
  actions: StoredAction[]
  /** A rule's Transforms (host-header and URL rewrites), kept as sent. */
  transforms?: Record<string, unknown>[]
}

export interface Listener {
  arn: string
  loadBalancerArn: string
  port: number
  protocol: string
  defaultRuleArn: string
}

export interface LoadBalancer {
  arn: string
  name: string
  /** The CloudWatch LoadBalancer dimension, app/NAME/ID. */
  dimension: string
}

export type HealthState = 'initial' | 'healthy' | 'unhealthy' | 'unused' | 'draining' | 'unavailable'

export interface Target {
  id: string
  port: number | undefined
  state: HealthState
  reason: string | undefined
}

export interface TargetGroup {
  arn: string
  name: string
  protocol: string
  port: number
  targetType: string
  targets: Target[]
}

/** Quotas from the ELB user guide (defaults): rules per ALB listener, target groups per forward action, tags per resource. */
export const LIMITS = {
  rulesPerListener: 100,
  groupsPerForward: 5,
  tagsPerResource: 50,
  conditionValuesPerRule: 5,
  arnsPerTagCall: 20,
  maxWeight: 999,
  maxStickinessSeconds: 604_800,
  maxPriority: 50_000,
  pageSize: 400,
} as const

const hex = (bytes: number): string => randomBytes(bytes).toString('hex')
const arnPrefix = `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT_ID}:`

export const validation = (message: string): ApiError => new ApiError(400, 'ValidationError', message)
const invalidConfig = (message: string): ApiError => new ApiError(400, 'InvalidConfigurationRequest', message)

export class Elbv2State {
  readonly loadBalancers = new Map<string, LoadBalancer>()
  readonly targetGroups = new Map<string, TargetGroup>()
  readonly listeners = new Map<string, Listener>()
  readonly rules = new Map<string, Rule>()
  readonly tags = new Map<string, Map<string, string>>()
  /** Every write to a forward action or rule set, for tests: what changed, when, and who (null: seeding). */
  readonly history: { at: number; operation: string; arn: string; accessKeyId: string | null; actions: StoredAction[] }[] = []
  /** Fault switch: the next this-many DeleteRule calls fail with a 500, as an ELB outage would (the SDK retries them). */
  deleteRuleFailures = 0

  reset(): void {
    this.deleteRuleFailures = 0
    this.loadBalancers.clear()
    this.targetGroups.clear()
    this.listeners.clear()
    this.rules.clear()
    this.tags.clear()
    this.history.length = 0
  }

  // --- seeding (the emulator's control API; real ALBs are made with CreateLoadBalancer etc.) ---

  createLoadBalancer(name: string): LoadBalancer {
    const id = hex(8)
    const lb = { arn: `${arnPrefix}loadbalancer/app/${name}/${id}`, name, dimension: `app/${name}/${id}` }
    this.loadBalancers.set(lb.arn, lb)
    return lb
  }

  createTargetGroup(name: string, targets: { id: string; state?: HealthState; reason?: string }[] = [], targetType = 'instance'): TargetGroup {
    if ([...this.targetGroups.values()].some((g) => g.name === name))
      throw new ApiError(400, 'DuplicateTargetGroupName', `A target group with the same name '${name}' exists`)
    const group: TargetGroup = {
      arn: `${arnPrefix}targetgroup/${name}/${hex(8)}`,
      name,
      protocol: targetType === 'lambda' ? '' : 'HTTP',
      port: 80,
      targetType,
      targets: targets.map((t) => ({ id: t.id, port: targetType === 'lambda' ? undefined : 80, state: t.state ?? 'healthy', reason: t.reason })),
    }
    this.targetGroups.set(group.arn, group)
    return group
  }

  createListener(loadBalancerArn: string, port: number, defaultActions: StoredAction[]): Listener {
    const lb = this.loadBalancers.get(loadBalancerArn)
    if (!lb) throw new ApiError(400, 'LoadBalancerNotFound', 'One or more load balancers not found')
    const path = `app/${lb.name}/${lb.dimension.split('/')[2]}/${hex(8)}`
    const listener: Listener = {
      arn: `${arnPrefix}listener/${path}`,
      loadBalancerArn,
      port,
      protocol: 'HTTP',
      defaultRuleArn: `${arnPrefix}listener-rule/${path}/${hex(8)}`,
    }
    this.checkActions(defaultActions)
    this.listeners.set(listener.arn, listener)
    this.rules.set(listener.defaultRuleArn, {
      arn: listener.defaultRuleArn,
      listenerArn: listener.arn,
      priority: undefined,
      conditions: [],
      actions: defaultActions,
    })
    return listener
  }

  // --- reads ---

  listener(arn: string): Listener {
    const listener = this.listeners.get(arn)
    if (!listener) throw new ApiError(400, 'ListenerNotFound', 'One or more listeners not found')
    return listener
  }

  rule(arn: string): Rule {
    const rule = this.rules.get(arn)
    if (!rule) throw new ApiError(400, 'RuleNotFound', 'One or more rules not found')
    return rule
  }

  defaultRule(listener: Listener): Rule {
    return this.rule(listener.defaultRuleArn)
  }

  /** A listener's rules by priority, the default rule last (the order DescribeRules returns). */
  rulesOf(listenerArn: string): Rule[] {
    return [...this.rules.values()]
      .filter((r) => r.listenerArn === listenerArn)
      .sort((a, b) => (a.priority ?? Number.POSITIVE_INFINITY) - (b.priority ?? Number.POSITIVE_INFINITY))
  }

  targetGroup(arn: string): TargetGroup {
    const group = this.targetGroups.get(arn)
    if (!group) throw new ApiError(400, 'TargetGroupNotFound', `Target group '${arn}' not found`)
    return group
  }

  /** The load balancers whose listeners forward to the group (a group serves one ALB at most). */
  loadBalancersOf(groupArn: string): string[] {
    const lbs = new Set<string>()
    for (const rule of this.rules.values()) {
      if (rule.actions.some((a) => a.Forward?.TargetGroups.some((t) => t.TargetGroupArn === groupArn))) {
        const listener = this.listeners.get(rule.listenerArn)
        if (listener) lbs.add(listener.loadBalancerArn)
      }
    }
    return [...lbs]
  }

  // --- writes ---

  setListenerActions(arn: string, actions: StoredAction[], accessKeyId: string | null): Listener {
    const listener = this.listener(arn)
    this.checkActions(actions, listener)
    this.defaultRule(listener).actions = actions
    this.history.push({ at: Date.now(), operation: 'ModifyListener', arn, accessKeyId, actions })
    return listener
  }

  setRuleActions(arn: string, actions: StoredAction[] | undefined, conditions: Condition[] | undefined, accessKeyId: string | null): Rule {
    const rule = this.rule(arn)
    const listener = this.listener(rule.listenerArn)
    if (actions) this.checkActions(actions, listener)
    if (conditions) {
      if (rule.priority === undefined) throw new ApiError(400, 'OperationNotPermitted', 'Conditions cannot be modified for the default rule')
      this.checkConditions(conditions)
    }
    if (actions) rule.actions = actions
    if (conditions) rule.conditions = conditions
    this.history.push({ at: Date.now(), operation: 'ModifyRule', arn, accessKeyId, actions: rule.actions })
    return rule
  }

  createRule(
    listenerArn: string,
    priority: number,
    conditions: Condition[],
    actions: StoredAction[],
    accessKeyId: string | null,
    extra: { transforms?: Record<string, unknown>[]; arn?: string } = {},
  ): Rule {
    const listener = this.listener(listenerArn)
    if (!Number.isInteger(priority) || priority < 1 || priority > LIMITS.maxPriority) {
      throw validation(
        `1 validation error detected: Value '${priority}' at 'priority' failed to satisfy constraint: Member must have value between 1 and ${LIMITS.maxPriority}`,
      )
    }
    const rules = this.rulesOf(listenerArn)
    if (rules.some((r) => r.priority === priority)) throw new ApiError(400, 'PriorityInUse', `Priority '${priority}' is currently in use`)
    // The default rule does not count towards the quota.
    if (rules.length - 1 >= LIMITS.rulesPerListener) throw new ApiError(400, 'TooManyRules', 'The maximum number of rules on this listener has been reached')
    if (conditions.length === 0) throw validation('A condition must be specified')
    this.checkConditions(conditions)
    this.checkActions(actions, listener)
    const { transforms } = extra
    const rule: Rule = {
      arn: extra.arn ?? this.nextRuleArn(listenerArn),
      listenerArn,
      priority,
      conditions,
      actions,
      ...(transforms && transforms.length > 0 ? { transforms } : {}),
    }
    this.rules.set(rule.arn, rule)
    this.history.push({ at: Date.now(), operation: 'CreateRule', arn: rule.arn, accessKeyId, actions })
    return rule
  }

  deleteRule(arn: string, accessKeyId: string | null): void {
    if (this.deleteRuleFailures > 0) {
      this.deleteRuleFailures -= 1
      throw new ApiError(500, 'InternalFailure', 'The request processing has failed because of an unknown error, exception or failure.')
    }
    const rule = this.rule(arn)
    if (rule.priority === undefined) throw new ApiError(400, 'OperationNotPermitted', 'Default rule cannot be deleted')
    this.rules.delete(arn)
    this.tags.delete(arn)
    this.history.push({ at: Date.now(), operation: 'DeleteRule', arn, accessKeyId, actions: [] })
  }

  /** The ARN the next rule created on `listenerArn` gets (so CreateRule can authorise its tags on it first). */
  nextRuleArn(listenerArn: string): string {
    const path = this.listener(listenerArn).arn.split(':listener/')[1] ?? ''
    return `${arnPrefix}listener-rule/${path}/${hex(8)}`
  }

  /** Throws the resource's not-found error when `arn` names nothing taggable. */
  assertTaggable(arn: string): void {
    const kind = /:(loadbalancer|targetgroup|listener|listener-rule)\//.exec(arn)?.[1]
    const found =
      (kind === 'loadbalancer' && this.loadBalancers.has(arn)) ||
      (kind === 'targetgroup' && this.targetGroups.has(arn)) ||
      (kind === 'listener' && this.listeners.has(arn)) ||
      (kind === 'listener-rule' && this.rules.has(arn))
    if (found) return
    const code = { loadbalancer: 'LoadBalancerNotFound', targetgroup: 'TargetGroupNotFound', listener: 'ListenerNotFound', 'listener-rule': 'RuleNotFound' }[
      kind ?? ''
    ]
    if (!code) throw validation(`'${arn}' is not a valid load balancer, target group, listener or rule ARN`)
    throw new ApiError(400, code, `The resource '${arn}' was not found`)
  }

  addTags(arns: string[], tags: { Key: string; Value: string }[]): void {
    const keys = tags.map((t) => t.Key)
    const duplicate = keys.find((k, i) => keys.indexOf(k) !== i)
    if (duplicate !== undefined) throw new ApiError(400, 'DuplicateTagKeys', `Tag key '${duplicate}' specified more than once`)
    for (const arn of arns) this.assertTaggable(arn)
    for (const arn of arns) {
      const existing = new Map(this.tags.get(arn) ?? [])
      for (const tag of tags) existing.set(tag.Key, tag.Value)
      if (existing.size > LIMITS.tagsPerResource)
        throw new ApiError(
          400,
          'TooManyTags',
          `The quota for the number of tags that can be assigned to a resource has been reached (${LIMITS.tagsPerResource})`,
        )
    }
    for (const arn of arns) {
      const map = this.tags.get(arn) ?? new Map<string, string>()
      for (const tag of tags) map.set(tag.Key, tag.Value)
      this.tags.set(arn, map)
    }
  }

  removeTags(arns: string[], keys: string[]): void {
    for (const arn of arns) this.assertTaggable(arn)
    for (const arn of arns) for (const key of keys) this.tags.get(arn)?.delete(key)
  }

  // --- validation ---

  private checkActions(actions: StoredAction[], listener?: Listener): void {
    if (actions.length === 0) throw validation('An action must be specified')
    const terminal = actions.filter((a) => ['forward', 'redirect', 'fixed-response'].includes(a.Type))
    if (terminal.length !== 1) throw invalidConfig('Exactly one forward, redirect or fixed-response action must be specified')
    for (const action of actions) {
      const forward = action.Forward
      if (action.Type !== 'forward' || !forward) continue
      if (forward.TargetGroups.length === 0) throw validation('A target group must be specified for a forward action')
      if (forward.TargetGroups.length > LIMITS.groupsPerForward) {
        throw new ApiError(400, 'TooManyTargetGroups', `You can specify up to ${LIMITS.groupsPerForward} target groups in a forward action`)
      }
      const seen = new Set<string>()
      for (const tuple of forward.TargetGroups) {
        const group = this.targetGroup(tuple.TargetGroupArn)
        if (seen.has(group.arn)) throw validation(`Target group '${group.arn}' is specified more than once`)
        seen.add(group.arn)
        if (!Number.isInteger(tuple.Weight) || tuple.Weight < 0 || tuple.Weight > LIMITS.maxWeight) {
          throw validation(`Target group weight must be an integer between 0 and ${LIMITS.maxWeight}`)
        }
        // A target group belongs to at most one load balancer.
        const other = this.loadBalancersOf(group.arn).find((lb) => listener && lb !== listener.loadBalancerArn)
        if (other) throw new ApiError(400, 'TargetGroupAssociationLimit', `The target group '${group.arn}' is already associated with another load balancer`)
      }
      const { Stickiness } = forward
      if (Stickiness.Enabled) {
        const d = Stickiness.DurationSeconds
        if (d === undefined) throw validation('Stickiness duration must be specified when target group stickiness is enabled')
        if (!Number.isInteger(d) || d < 1 || d > LIMITS.maxStickinessSeconds) {
          throw validation(`Stickiness duration must be between 1 and ${LIMITS.maxStickinessSeconds} seconds`)
        }
      }
    }
  }

  private checkConditions(conditions: Condition[]): void {
    let values = 0
    const once = new Map<string, number>()
    for (const condition of conditions) {
      const field = condition.Field
      if (!['http-header', 'http-request-method', 'host-header', 'path-pattern', 'query-string', 'source-ip'].includes(field)) {
        throw validation(`Condition field '${field}' is not supported`)
      }
      once.set(field, (once.get(field) ?? 0) + 1)
      values += conditionValues(condition).length
    }
    for (const field of ['http-request-method', 'host-header', 'path-pattern', 'source-ip']) {
      if ((once.get(field) ?? 0) > 1) throw validation(`A rule can only have one '${field}' condition`)
    }
    if (values > LIMITS.conditionValuesPerRule) {
      throw new ApiError(400, 'TooManyConditionValues', `A rule can only have '${LIMITS.conditionValuesPerRule}' condition values`)
    }
  }
}

/** A condition's values, whichever config carries them (query-string values as KEY=VALUE). */
export function conditionValues(condition: Condition): string[] {
  const config = (name: string) => (condition[name] as { Values?: unknown[] } | undefined)?.Values
  const list =
    config('HttpHeaderConfig') ??
    config('SourceIpConfig') ??
    config('HostHeaderConfig') ??
    config('PathPatternConfig') ??
    config('HttpRequestMethodConfig') ??
    config('QueryStringConfig') ??
    (condition['Values'] as unknown[] | undefined) ??
    []
  return list.map((v) => (typeof v === 'object' && v !== null ? `${(v as { Key?: string }).Key ?? ''}=${(v as { Value?: string }).Value ?? ''}` : String(v)))
}
