// How ECS moves traffic on an Application Load Balancer: it rewrites the forward action of the
// production (or test) listener rule between the service's two target groups, keeping its stickiness.
import type { Elbv2State, StoredAction } from '../elbv2/model.js'

/** Who the ELBv2 history names for ECS's own writes (the infrastructure role acts for ECS). */
export const ECS_WRITER = 'ecs.amazonaws.com'

/** Gives `to` `percent` of the rule's (or listener's default rule's) traffic and `from` the rest. */
export function shiftRule(elbv2: Elbv2State, ruleArn: string, from: string, to: string, percent: number): void {
  // ALB weights are integers (0-999): whole percents as they are, tenths of a percent in per mille.
  const scale = Number.isInteger(percent) ? 100 : 1000
  const share = Math.round((percent * scale) / 100)
  const groups = [
    { TargetGroupArn: from, Weight: scale - share },
    { TargetGroupArn: to, Weight: share },
  ]
  const listener = elbv2.listeners.get(ruleArn)
  const rule = listener ? elbv2.defaultRule(listener) : elbv2.rule(ruleArn)
  const forward = rule.actions.find((a) => a.Forward)?.Forward
  const actions: StoredAction[] = rule.actions.map((a) =>
    a.Type === 'forward' ? { ...a, Forward: { TargetGroups: groups, Stickiness: forward?.Stickiness ?? { Enabled: false } } } : a,
  )
  if (!actions.some((a) => a.Type === 'forward')) actions.push({ Type: 'forward', Forward: { TargetGroups: groups, Stickiness: { Enabled: false } } })
  if (listener) elbv2.setListenerActions(ruleArn, actions, ECS_WRITER)
  else elbv2.setRuleActions(ruleArn, actions, undefined, ECS_WRITER)
}
