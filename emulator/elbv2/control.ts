// Test-facing ALB controls, shared by the in-process Emulator object and the /_emulator/elbv2/* routes.
import type { MetricStore } from '../cloudwatch/metrics.js'
import { ApiError } from '../service.js'
import type { Elbv2State, HealthState, StoredAction } from './model.js'
import { TrafficSimulator, type TrafficSpec } from './traffic.js'

export interface SeedAlbSpec {
  /** The load balancer's name (default `web`). */
  name?: string
  /** Target groups to create, each with its targets' health (default one healthy target). */
  groups: { name: string; targets?: number; health?: HealthState; reason?: string; targetType?: string }[]
  /** The listener's default forward action: group name → weight. */
  weights: Record<string, number>
  stickinessSeconds?: number
  /** Extra rules, each forwarding to one group. */
  rules?: {
    priority: number
    conditions: Record<string, unknown>[]
    group: string
    weights?: Record<string, number>
    /** Actions before the forward (authenticate-oidc / authenticate-cognito), as the API takes them. */
    before?: { Type: string; [config: string]: unknown }[]
    transforms?: Record<string, unknown>[]
  }[]
  /** Actions before the listener's default forward (authenticate-oidc / authenticate-cognito). */
  before?: { Type: string; [config: string]: unknown }[]
}

export interface SeededAlb {
  loadBalancerArn: string
  /** CloudWatch's LoadBalancer dimension. */
  loadBalancer: string
  listenerArn: string
  groups: Record<string, string>
  rules: string[]
}

export interface ForwardView {
  weights: Record<string, number>
  stickinessSeconds: number | undefined
}

export interface Elbv2ControlApi {
  seed(spec: SeedAlbSpec): SeededAlb
  setTargetHealth(group: string, health: HealthState, reason?: string): void
  /** The forward action of a listener's default rule, or of a rule, by group name. */
  forward(arn: string): ForwardView
  /** A listener's non-default rules: priority, conditions, forward. */
  rules(listenerArn: string): { arn: string; priority: number; conditions: Record<string, unknown>[]; forward: ForwardView | undefined }[]
  tags(arn: string): Record<string, string>
  /** Writes to forward actions and rules, oldest first. */
  history(): Elbv2State['history']
  /** Fault switch: the next `count` DeleteRule calls fail with a 500. */
  failDeleteRule(count: number): void
  startTraffic(spec: TrafficSpec): void
  stopTraffic(listenerArn?: string): void
  traffic: TrafficSimulator
  close(): void
}

const forwardAction = (state: Elbv2State, weights: Record<string, number>, groups: Record<string, string>, stickinessSeconds?: number): StoredAction => ({
  Type: 'forward',
  Forward: {
    TargetGroups: Object.entries(weights).map(([name, weight]) => {
      const arn = groups[name] ?? [...state.targetGroups.values()].find((g) => g.name === name)?.arn
      if (!arn) throw new ApiError(400, 'BadRequest', `no target group ${name}`)
      return { TargetGroupArn: arn, Weight: weight }
    }),
    Stickiness: stickinessSeconds ? { Enabled: true, DurationSeconds: stickinessSeconds } : { Enabled: false },
  },
})

/** Authenticate actions as stored: the type, its order ahead of the forward, the rest of the config verbatim. */
const beforeActions = (before: { Type: string; [config: string]: unknown }[] | undefined): StoredAction[] =>
  (before ?? []).map(({ Type, ...other }, i) => ({ Type, Order: i + 1, Other: other }))

const withOrder = (before: StoredAction[], forward: StoredAction): StoredAction[] =>
  before.length === 0 ? [forward] : [...before, { ...forward, Order: before.length + 1 }]

export function elbv2Control(state: Elbv2State, seed: number, metrics?: MetricStore): Elbv2ControlApi {
  const traffic = new TrafficSimulator(state, seed, metrics)
  const view = (actions: StoredAction[]): ForwardView | undefined => {
    const forward = actions.find((a) => a.Forward)?.Forward
    if (!forward) return undefined
    const weights: Record<string, number> = {}
    for (const g of forward.TargetGroups) weights[state.targetGroups.get(g.TargetGroupArn)?.name ?? g.TargetGroupArn] = g.Weight
    return { weights, stickinessSeconds: forward.Stickiness.Enabled ? forward.Stickiness.DurationSeconds : undefined }
  }
  const originalReset = state.reset.bind(state)
  state.reset = () => {
    originalReset()
    traffic.reset()
  }
  return {
    seed(spec) {
      const lb = state.createLoadBalancer(spec.name ?? 'web')
      const groups: Record<string, string> = {}
      for (const g of spec.groups) {
        const targets = Array.from({ length: g.targets ?? 1 }, (_, i) => ({
          id: g.targetType === 'lambda' ? `arn:aws:lambda:us-east-1:123456789012:function:${g.name}` : `10.0.${Object.keys(groups).length}.${i + 10}`,
          state: g.health ?? 'healthy',
          ...(g.reason ? { reason: g.reason } : {}),
        }))
        groups[g.name] = state.createTargetGroup(g.name, targets, g.targetType).arn
      }
      const listener = state.createListener(
        lb.arn,
        80,
        withOrder(beforeActions(spec.before), forwardAction(state, spec.weights, groups, spec.stickinessSeconds)),
      )
      const rules = (spec.rules ?? []).map(
        (r) =>
          state.createRule(
            listener.arn,
            r.priority,
            r.conditions as never,
            withOrder(beforeActions(r.before), forwardAction(state, r.weights ?? { [r.group]: 1 }, groups)),
            null,
            r.transforms ? { transforms: r.transforms } : {},
          ).arn,
      )
      return { loadBalancerArn: lb.arn, loadBalancer: lb.dimension, listenerArn: listener.arn, groups, rules }
    },
    setTargetHealth(name, health, reason) {
      const group = [...state.targetGroups.values()].find((g) => g.name === name)
      if (!group) throw new ApiError(400, 'BadRequest', `no target group ${name}`)
      for (const t of group.targets) {
        t.state = health
        t.reason = reason
      }
    },
    forward(arn) {
      const listener = state.listeners.get(arn)
      const rule = listener ? state.defaultRule(listener) : state.rule(arn)
      const v = view(rule.actions)
      if (!v) throw new ApiError(400, 'BadRequest', `${arn} does not forward`)
      return v
    },
    rules: (listenerArn) =>
      state
        .rulesOf(listenerArn)
        .filter((r) => r.priority !== undefined)
        .map((r) => ({ arn: r.arn, priority: r.priority ?? 0, conditions: r.conditions, forward: view(r.actions) })),
    tags: (arn) => Object.fromEntries(state.tags.get(arn) ?? []),
    history: () => [...state.history],
    failDeleteRule(count) {
      state.deleteRuleFailures = count
    },
    startTraffic: (spec) => traffic.start(spec),
    stopTraffic: (listenerArn) => traffic.stop(listenerArn),
    traffic,
    close: () => traffic.stop(),
  }
}

/** Routes under /_emulator/elbv2/…; undefined when the route is not ALB's. */
export function handleElbv2Control(api: Elbv2ControlApi, route: string, body: Record<string, unknown>): unknown {
  switch (route) {
    case 'POST elbv2/seed':
      return api.seed(body as unknown as SeedAlbSpec)
    case 'POST elbv2/health':
      api.setTargetHealth(String(body['group']), body['health'] as HealthState, typeof body['reason'] === 'string' ? body['reason'] : undefined)
      return { ok: true }
    case 'POST elbv2/forward':
      return api.forward(String(body['arn']))
    case 'POST elbv2/rules':
      return api.rules(String(body['listenerArn']))
    case 'POST elbv2/tags':
      return api.tags(String(body['arn']))
    case 'GET elbv2/history':
      return api.history()
    case 'POST elbv2/faults/delete-rule':
      api.failDeleteRule(Number(body['count'] ?? 0))
      return { ok: true }
    case 'POST elbv2/traffic':
      api.startTraffic(body as unknown as TrafficSpec)
      return { ok: true }
    case 'POST elbv2/traffic/stop':
      api.stopTraffic(typeof body['listenerArn'] === 'string' ? body['listenerArn'] : undefined)
      return { ok: true }
    default:
      return undefined
  }
}
