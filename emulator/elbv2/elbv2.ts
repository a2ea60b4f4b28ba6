// Elastic Load Balancing v2 (AWS query protocol, API version 2015-12-01): the calls a rollout
// makes on an Application Load Balancer. Shapes and error codes from botocore's elbv2 model.
import type { ApiRequest } from '../http.js'
import { ApiError, type EmulatedService } from '../service.js'
import { type Condition, type Elbv2State, LIMITS, type Rule, type StoredAction, validation } from './model.js'
import { parseQuery, type QueryObject, type QueryValue, type XmlValue, xmlError, xmlResponse } from '../query.js'

export const ELBV2_VERSION = '2015-12-01'
export const ELBV2_NAMESPACE = `http://elasticloadbalancing.amazonaws.com/doc/${ELBV2_VERSION}/`
const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u

const str = (v: QueryValue | undefined): string | undefined => (typeof v === 'string' ? v : undefined)
const list = (v: QueryValue | undefined): QueryValue[] => (Array.isArray(v) ? v.filter((x) => x !== undefined) : [])
const obj = (v: QueryValue | undefined): QueryObject | undefined => (v !== undefined && typeof v === 'object' && !Array.isArray(v) ? v : undefined)
const strings = (v: QueryValue | undefined): string[] => list(v).filter((x): x is string => typeof x === 'string')

function required(q: QueryObject, key: string): string {
  const v = str(q[key])
  if (v === undefined || v === '')
    throw validation(
      `1 validation error detected: Value null at '${key.charAt(0).toLowerCase()}${key.slice(1)}' failed to satisfy constraint: Member must not be null`,
    )
  return v
}

function int(v: QueryValue | undefined, what: string): number | undefined {
  if (v === undefined) return undefined
  const n = Number(str(v))
  if (!Number.isInteger(n)) throw validation(`${what} must be an integer`)
  return n
}

function parseAction(raw: QueryValue): StoredAction {
  const a = obj(raw) ?? {}
  const type = str(a['Type'])
  if (!type) throw validation("1 validation error detected: Value null at 'actions.member.type' failed to satisfy constraint: Member must not be null")
  const order = int(a['Order'], 'Order')
  if (type !== 'forward') {
    const { Type: _t, Order: _o, ...other } = a
    return { Type: type, ...(order !== undefined ? { Order: order } : {}), Other: other }
  }
  const single = str(a['TargetGroupArn'])
  const config = obj(a['ForwardConfig'])
  const tuples = list(config?.['TargetGroups']).map((t) => {
    const tuple = obj(t) ?? {}
    return { TargetGroupArn: str(tuple['TargetGroupArn']) ?? '', Weight: int(tuple['Weight'], 'Weight') ?? 1 }
  })
  if (single && tuples.length > 0 && (tuples.length !== 1 || tuples[0]?.TargetGroupArn !== single)) {
    throw validation('You cannot specify both a target group ARN and a forward config with different target groups')
  }
  const sticky = obj(config?.['TargetGroupStickinessConfig'])
  const enabled = str(sticky?.['Enabled']) === 'true'
  const duration = int(sticky?.['DurationSeconds'], 'DurationSeconds')
  return {
    Type: 'forward',
    ...(order !== undefined ? { Order: order } : {}),
    Forward: {
      TargetGroups: tuples.length > 0 ? tuples : single ? [{ TargetGroupArn: single, Weight: 1 }] : [],
      Stickiness: enabled ? { Enabled: true, ...(duration !== undefined ? { DurationSeconds: duration } : {}) } : { Enabled: false },
    },
  }
}

export function actionXml(action: StoredAction): XmlValue {
  if (!action.Forward) return { Type: action.Type, ...(action.Other as Record<string, XmlValue>), Order: action.Order }
  const groups = action.Forward.TargetGroups
  return {
    Type: 'forward',
    // ALB reports a lone group's ARN at the top level too.
    TargetGroupArn: groups.length === 1 ? groups[0]?.TargetGroupArn : undefined,
    Order: action.Order,
    ForwardConfig: {
      TargetGroups: groups.map((g) => ({ TargetGroupArn: g.TargetGroupArn, Weight: g.Weight })),
      TargetGroupStickinessConfig: action.Forward.Stickiness.Enabled
        ? { Enabled: true, DurationSeconds: action.Forward.Stickiness.DurationSeconds }
        : { Enabled: false },
    },
  }
}

function parseConditions(raw: QueryValue | undefined): Condition[] {
  return list(raw).map((c) => {
    const condition = obj(c) ?? {}
    const field = str(condition['Field'])
    if (!field) throw validation('A condition field must be specified')
    return { ...condition, Field: field } as Condition
  })
}

function ruleXml(rule: Rule): XmlValue {
  return {
    RuleArn: rule.arn,
    Priority: rule.priority === undefined ? 'default' : String(rule.priority),
    Conditions: rule.conditions as XmlValue[],
    Actions: rule.actions.map(actionXml),
    IsDefault: rule.priority === undefined,
    ...(rule.transforms ? { Transforms: rule.transforms as XmlValue[] } : {}),
  }
}

/** A rule's Transforms as sent (host-header-rewrite, url-rewrite); at most one of each type, as the API reference says. */
function parseTransforms(raw: QueryValue | undefined): Record<string, unknown>[] {
  const transforms = list(raw).map((t) => {
    const transform = obj(t) ?? {}
    const type = str(transform['Type'])
    if (type !== 'host-header-rewrite' && type !== 'url-rewrite') throw validation(`Transform type '${type ?? ''}' is not valid`)
    return { ...transform, Type: type }
  })
  const types = transforms.map((t) => t.Type)
  if (new Set(types).size !== types.length) throw validation('A rule can have at most one transform of each type')
  return transforms
}

/** Whether the caller may do `action` on `resource` (the emulator's IAM); always true without a policy. */
export type Authorize = (action: string, resource: string) => boolean

function page<T>(items: T[], q: QueryObject): { items: T[]; next: string | undefined } {
  const size = int(q['PageSize'], 'PageSize') ?? LIMITS.pageSize
  if (size < 1 || size > LIMITS.pageSize) throw validation(`Page size must be between 1 and ${LIMITS.pageSize}`)
  const marker = str(q['Marker'])
  const start =
    marker === undefined
      ? 0
      : Number(
          Buffer.from(marker, 'base64')
            .toString('utf8')
            .replace(/^page:/, ''),
        )
  if (!Number.isInteger(start) || start < 0) throw validation('Invalid marker')
  const next = start + size < items.length ? Buffer.from(`page:${start + size}`).toString('base64') : undefined
  return { items: items.slice(start, start + size), next }
}

function tagsOf(raw: QueryValue | undefined): { Key: string; Value: string }[] {
  return list(raw).map((t) => {
    const tag = obj(t) ?? {}
    const key = str(tag['Key']) ?? ''
    const value = str(tag['Value']) ?? ''
    if (key.length < 1 || key.length > 128 || !TAG_TEXT.test(key)) throw validation(`Tag key '${key}' is not valid`)
    if (value.length > 256 || !TAG_TEXT.test(value)) throw validation(`Tag value '${value}' is not valid`)
    return { Key: key, Value: value }
  })
}

function resourceArns(q: QueryObject): string[] {
  const arns = strings(q['ResourceArns'])
  if (arns.length === 0) throw validation('A resource ARN must be specified')
  if (arns.length > LIMITS.arnsPerTagCall) throw validation(`You can specify up to ${LIMITS.arnsPerTagCall} resource ARNs`)
  return arns
}

export function createElbv2Service(state: Elbv2State, authorize: Authorize = () => true): EmulatedService {
  const error = (status: number, code: string, message: string, headers?: Record<string, string>) => xmlError(status, code, message, ELBV2_NAMESPACE, headers)
  const ok = (action: string, result: Record<string, XmlValue> = {}) => xmlResponse(action, ELBV2_NAMESPACE, result)
  const listenerXml = (arn: string): XmlValue => {
    const listener = state.listener(arn)
    return {
      ListenerArn: listener.arn,
      LoadBalancerArn: listener.loadBalancerArn,
      Port: listener.port,
      Protocol: listener.protocol,
      DefaultActions: state.defaultRule(listener).actions.map(actionXml),
    }
  }
  return {
    name: 'elbv2',
    iamPrefix: 'elasticloadbalancing',
    throttle: { status: 400, code: 'Throttling' },
    accessDeniedCode: 'AccessDenied',
    resourceArn: (req) => /arn(?:%3A|:)aws[^&]*/i.exec(req.body)?.[0]?.replace(/%3A/gi, ':').replace(/%2F/gi, '/') ?? '*',
    match(req: ApiRequest) {
      if (req.method !== 'POST' || !req.body.includes(`Version=${ELBV2_VERSION}`)) return undefined
      return new URLSearchParams(req.body).get('Action') ?? undefined
    },
    error,
    reset: () => state.reset(),
    handle(op, req) {
      const q = parseQuery(req.body)
      const who = req.accessKeyId ?? null
      switch (op) {
        case 'DescribeListeners': {
          const arns = strings(q['ListenerArns'])
          const lb = str(q['LoadBalancerArn'])
          if (arns.length === 0 && !lb) throw validation('You must specify either listener ARNs or a load balancer ARN')
          const all =
            arns.length > 0 ? arns.map((a) => state.listener(a).arn) : [...state.listeners.values()].filter((l) => l.loadBalancerArn === lb).map((l) => l.arn)
          const { items, next } = page(all, q)
          return ok(op, { Listeners: items.map(listenerXml), NextMarker: next })
        }
        case 'DescribeRules': {
          const arns = strings(q['RuleArns'])
          const listenerArn = str(q['ListenerArn'])
          if (arns.length === 0 && !listenerArn) throw validation('You must specify either listener rule ARNs or a listener ARN')
          const rules = arns.length > 0 ? arns.map((a) => state.rule(a)) : state.rulesOf(state.listener(listenerArn ?? '').arn)
          const { items, next } = page(rules, q)
          return ok(op, { Rules: items.map(ruleXml), NextMarker: next })
        }
        case 'ModifyListener': {
          const arn = required(q, 'ListenerArn')
          const actions = q['DefaultActions'] === undefined ? undefined : list(q['DefaultActions']).map(parseAction)
          if (actions) state.setListenerActions(arn, actions, who)
          else state.listener(arn)
          return ok(op, { Listeners: [listenerXml(arn)] })
        }
        case 'ModifyRule': {
          const arn = required(q, 'RuleArn')
          const actions = q['Actions'] === undefined ? undefined : list(q['Actions']).map(parseAction)
          const conditions = q['Conditions'] === undefined ? undefined : parseConditions(q['Conditions'])
          return ok(op, { Rules: [ruleXml(state.setRuleActions(arn, actions, conditions, who))] })
        }
        case 'CreateRule': {
          const listenerArn = required(q, 'ListenerArn')
          const priority = int(q['Priority'], 'Priority')
          if (priority === undefined)
            throw validation("1 validation error detected: Value null at 'priority' failed to satisfy constraint: Member must not be null")
          const tags = tagsOf(q['Tags'])
          // Tags given at creation are authorised as AddTags on the new rule too (AWS's ELB user guide,
          // "Grant permissions to tag resources on creation"); without it nothing is created.
          const arn = state.nextRuleArn(listenerArn)
          if (tags.length > 0 && !authorize('elasticloadbalancing:AddTags', arn)) {
            throw new ApiError(
              403,
              'AccessDenied',
              `User is not authorized to perform: elasticloadbalancing:AddTags on resource: ${arn} because no identity-based policy allows the elasticloadbalancing:AddTags action`,
            )
          }
          const rule = state.createRule(listenerArn, priority, parseConditions(q['Conditions']), list(q['Actions']).map(parseAction), who, {
            arn,
            transforms: parseTransforms(q['Transforms']),
          })
          if (tags.length > 0) state.addTags([rule.arn], tags)
          return ok(op, { Rules: [ruleXml(rule)] })
        }
        case 'DeleteRule':
          state.deleteRule(required(q, 'RuleArn'), who)
          return ok(op)
        case 'DescribeTargetGroups': {
          const names = strings(q['Names'])
          const arns = strings(q['TargetGroupArns'])
          const lb = str(q['LoadBalancerArn'])
          const all = [...state.targetGroups.values()]
          let groups = all
          if (names.length > 0) groups = names.map((n) => all.find((g) => g.name === n)).filter((g) => g !== undefined)
          else if (arns.length > 0) groups = arns.map((a) => state.targetGroups.get(a)).filter((g) => g !== undefined)
          else if (lb) groups = all.filter((g) => state.loadBalancersOf(g.arn).includes(lb))
          if (groups.length < names.length + arns.length) throw new ApiError(400, 'TargetGroupNotFound', 'One or more target groups not found')
          const { items, next } = page(groups, q)
          return ok(op, {
            TargetGroups: items.map((g) => ({
              TargetGroupArn: g.arn,
              TargetGroupName: g.name,
              Protocol: g.protocol || undefined,
              Port: g.targetType === 'lambda' ? undefined : g.port,
              TargetType: g.targetType,
              LoadBalancerArns: state.loadBalancersOf(g.arn),
            })),
            NextMarker: next,
          })
        }
        case 'DescribeTargetHealth': {
          const group = state.targetGroup(required(q, 'TargetGroupArn'))
          // A group no listener forwards to is not health-checked: ALB reports its targets unused.
          const inUse = state.loadBalancersOf(group.arn).length > 0
          return ok(op, {
            TargetHealthDescriptions: group.targets.map((t) => ({
              Target: { Id: t.id, Port: t.port },
              HealthCheckPort: t.port === undefined ? undefined : 'traffic-port',
              TargetHealth: inUse
                ? { State: t.state, Reason: t.reason }
                : { State: 'unused', Reason: 'Target.NotInUse', Description: 'Target group is not configured to receive traffic from the load balancer' },
            })),
          })
        }
        case 'AddTags':
          state.addTags(resourceArns(q), tagsOf(q['Tags']))
          return ok(op)
        case 'RemoveTags': {
          const keys = strings(q['TagKeys'])
          state.removeTags(resourceArns(q), keys)
          return ok(op)
        }
        case 'DescribeTags': {
          const arns = resourceArns(q)
          for (const arn of arns) state.assertTaggable(arn)
          return ok(op, {
            // The model's TagList has at least one item, so an untagged resource gets no Tags element. AWS's
            // docs do not say whether it sends none or an empty one; the action reads both as no tags
            // (moto sends an empty one; the e2e runs on both).
            TagDescriptions: arns.map((arn) => {
              const tags = [...(state.tags.get(arn) ?? new Map<string, string>())].map(([Key, Value]) => ({ Key, Value }))
              return { ResourceArn: arn, ...(tags.length > 0 ? { Tags: tags } : {}) }
            }),
          })
        }
        default:
          throw new ApiError(400, 'InvalidAction', `Operation ${op} is not supported by the emulator`)
      }
    },
  }
}
