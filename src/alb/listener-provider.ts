import {
  AddTagsCommand,
  CreateRuleCommand,
  DeleteRuleCommand,
  DescribeListenersCommand,
  DescribeRulesCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  type ElasticLoadBalancingV2Client,
  ModifyListenerCommand,
  ModifyRuleCommand,
  RemoveTagsCommand,
  type Action,
  type Listener,
  type TargetGroup,
  type Rule,
  type RuleCondition,
} from '@aws-sdk/client-elastic-load-balancing-v2'
import { errorMessage, OwnershipError, RefusalError, VerificationError } from '../core/errors.js'
import { quote } from '../core/quote.js'
import type { TrafficProvider, TrafficState } from '../core/traffic.js'
import { listenerLink } from './clients.js'
import { describeForward, type Forward, forwardDifference, forwardOf, groupName, setWeight, withForward } from './forward.js'
import { ALL_TAG_KEYS, type HoldTags, holdTags, parseHoldTags } from './hold-tags.js'
import type { ListenerTarget } from './inputs.js'
import { loginKeys, type RolloutRule, rolloutRules, usersRuleActions, usersRuleTags } from './rollout-rules.js'
import { conditionsProblem, describeUsers, forwardsOnlyTo, sameConditions, toRuleCondition, type UserCondition, usersPriority } from './users-rule.js'
import { shareOf, weightsFor } from './weights.js'

export interface ListenerProviderOptions {
  readonly client: ElasticLoadBalancingV2Client
  /** A separate client, so throttled reads cannot spend the rollback's retries. */
  readonly rollbackClient: ElasticLoadBalancingV2Client
  readonly target: ListenerTarget
  /** The canary target group, by name or ARN. */
  readonly targetGroup: string
  readonly stickinessSeconds: number | undefined
  readonly users: readonly UserCondition[]
  readonly runUrl?: string
  /** Known when cleaning up from saved state (the post step); otherwise learnt by inspect(). */
  readonly known?: { readonly stableArn: string; readonly canaryArn: string; readonly usersRuleArn?: string }
  readonly now?: () => number
}

/** The listener's default actions, or the rule's actions and conditions. */
interface LiveResource {
  readonly actions: readonly Action[]
  readonly forward: Forward
  /** Rule mode: the rule itself. */
  readonly rule: Rule | undefined
}

const isNotFound = (error: unknown, code: string): boolean => error instanceof Error && (error.name === code || error.name === `${code}Exception`)

/**
 * The rollback put the weights back, but the canary users' rule could not be removed: requests it
 * matches still reach the canary, so the rollout is not over (the post step tries again).
 */
export class UsersRuleLiveError extends Error {
  override name = 'UsersRuleLiveError'
}

/** `web` from an ARN path `…/app/web/50dc6c495c0c9188/…`. */
function loadBalancerName(target: ListenerTarget): string {
  return target.loadBalancer.split('/')[1] ?? target.loadBalancer
}

/**
 * Moves traffic between two target groups in an ALB listener's default forward action, or in
 * one listener rule's. ELBv2 has no RevisionId, so before every write the live forward action is
 * read and compared with the one this rollout last wrote (or first read): if anyone else changed
 * it, the write is not made. Every write is read back and compared with what was asked for.
 *
 * With canary users, a rule of the rollout's own (their conditions, forwarding to the canary)
 * sits just ahead of the traffic being shifted, until promote or rollback deletes it.
 */
export class ListenerProvider implements TrafficProvider {
  readonly resource: string
  readonly link: string
  private canaryArn: string | undefined
  private stableArn: string | undefined
  private expected: Forward | undefined
  /** The rollout's users' rule that forwards to the canary, while it exists. */
  private usersRuleArn: string | undefined
  /** Every users' rule of this resource's rollouts found on the listener (removed at the end). */
  private rolloutRuleArns: string[] = []
  private holdSince: number | undefined
  private holdWeight = 0
  /** The canary group's share of the forward weights, as last read or written. */
  private liveShare: number | undefined
  /** The canary takes requests (a weight above 0, or its users' rule): from then on its health is a gate. */
  private serving = false

  constructor(private readonly options: ListenerProviderOptions) {
    const { target } = options
    const id = target.arn.split('/').at(-1)?.slice(0, 8) ?? ''
    this.resource = `${loadBalancerName(target)} ${target.kind === 'rule' ? 'rule' : 'listener'} ${id}`
    this.link = listenerLink(target.region, target.listenerArn)
    this.canaryArn = options.known?.canaryArn
    this.stableArn = options.known?.stableArn
    this.usersRuleArn = options.known?.usersRuleArn
  }

  get stableGroup(): string | undefined {
    return this.stableArn
  }

  get canaryGroup(): string | undefined {
    return this.canaryArn
  }

  /** The canary users' rule, while it exists. */
  get usersRule(): string | undefined {
    return this.usersRuleArn
  }

  /** The canary group's live share of the forward weights in percent, once read. */
  get liveWeight(): number | undefined {
    return this.liveShare
  }

  async inspect(): Promise<TrafficState> {
    const { client } = this.options
    const live = await this.read(client)
    this.expected = live.forward
    const canary = await this.resolveCanary(client)
    this.canaryArn = canary.arn
    const description = describeForward(live.forward)
    const positive = live.forward.groups.filter((group) => group.weight > 0)
    const others = positive.filter((group) => group.arn !== canary.arn)
    const canaryWeight = live.forward.groups.find((group) => group.arn === canary.arn)?.weight ?? 0
    const zeroStable = live.forward.groups.find((group) => group.arn !== canary.arn)?.arn
    this.liveShare = shareOf({ canary: canaryWeight, stable: others.reduce((sum, group) => sum + group.weight, 0) })

    const state = (ownership: TrafficState['ownership'], weight: number, stableArn: string | undefined, extra: Partial<TrafficState> = {}): TrafficState => ({
      ownership,
      weight,
      description,
      stableVersion: stableArn ? groupName(stableArn) : '',
      targetVersion: canary.name,
      since: undefined,
      baked: false,
      ...extra,
    })
    if (others.length > 1) {
      throw new RefusalError(
        `${this.resource} forwards to target groups ${others.map((g) => quote(groupName(g.arn))).join(' and ')} (${description}), not only to ${quote(canary.name)} and one stable group: another rollout owns it. Finish or roll back that one first (mode: rollback).`,
      )
    }
    // No group takes traffic: not a rollout this run can own.
    if (positive.length === 0) return state('foreign', 0, undefined)
    const stable = others[0]?.arn ?? zeroStable
    const hold = parseHoldTags(await this.readTags(client))
    const rules = await rolloutRules(client, await this.listenerRules(client), this.options.target.arn)
    this.assertOwned(stable, canary.arn, hold, rules)
    this.rolloutRuleArns = rules.map((rule) => rule.arn)
    const usersRule = rules.find((rule) => rule.forwardsTo === canary.arn)
    this.usersRuleArn = usersRule?.arn
    if (others.length === 0) return state('promoted', 100, zeroStable)
    this.stableArn = stable

    const conditions = this.usersConditions(live.rule)
    if (conditions && !usersRule) {
      const problem = conditionsProblem(conditions)
      if (problem) throw new RefusalError(`the canary users' rule for ${this.resource} cannot be made: ${problem}`)
    }
    const weight = this.liveShare
    this.serving = weight > 0 || usersRule !== undefined
    // A canary already serving is judged by the gate (a failing one rolls back); a fresh one must be ready first.
    if (!this.serving) await this.assertHealthy(client, canary.arn, canary.name)

    const ours = hold?.target === canary.name && Math.abs(hold.weight - weight) < 1e-6
    if (ours) {
      this.holdSince = hold.since
      this.holdWeight = hold.weight
    }
    const extra = { since: ours ? hold.since : undefined, baked: ours && hold.baked, users: usersRule !== undefined }
    if (this.serving) return state('resumable', weight, stable, extra)
    return state('fresh', 0, stable, extra)
  }

  /**
   * Why the canary group is unfit to serve, while it serves: no target can take requests. Undefined
   * when it is fit, or takes no traffic yet (the first write checks it then).
   */
  async canaryHealth(): Promise<string | undefined> {
    const canary = this.canaryArn
    if (!this.serving || !canary) return undefined
    return this.healthProblem(this.options.client, canary, groupName(canary))
  }

  /** Plan mode: why the users' rule could not be placed, or undefined (no users, or their rule is live). */
  async usersRuleProblem(): Promise<string | undefined> {
    if (this.options.users.length === 0 || this.usersRuleArn) return undefined
    const rules = await this.listenerRules(this.options.client)
    const before = this.options.target.kind === 'rule' ? rules.find((rule) => rule.RuleArn === this.options.target.arn) : undefined
    try {
      const priority = usersPriority(rules, before, this.resource)
      return rules.some((rule) => rule.Priority === String(priority)) ? `priority ${priority} is taken` : undefined
    } catch (error) {
      return errorMessage(error)
    }
  }

  async shift(weight: number): Promise<string> {
    const client = this.options.client
    const notes: string[] = []
    // Every stage starts on a canary that can take requests; a failure here rolls back.
    await this.assertHealthy(client, this.requireCanary(), groupName(this.requireCanary()))
    if (this.options.users.length > 0 && !this.usersRuleArn) {
      notes.push(await this.createUsersRule(client))
      this.serving = true
    }
    const pair = weightsFor(weight)
    const wanted: Forward = {
      ...setWeight(setWeight(this.requireExpected(), this.requireStable(), pair.stable), this.requireCanary(), pair.canary),
      stickiness: this.options.stickinessSeconds,
    }
    // The users stage moves no weights: only its rule reaches the canary.
    const routing = weight > 0 ? await this.write(client, wanted) : describeForward(this.requireExpected())
    if (weight > 0) this.serving = true
    await this.writeHold(client, weight, false)
    return [routing, ...notes].join('; ')
  }

  async promote(): Promise<string> {
    const client = this.options.client
    // The old stable group stays at weight 0: the next release deploys into it and shifts back.
    const wanted: Forward = { ...setWeight(setWeight(this.requireExpected(), this.requireStable(), 0), this.requireCanary(), 1), stickiness: undefined }
    const routing = await this.write(client, wanted)
    // After a promote the users' rule forwards to what everyone gets: a rule left behind is reported, not fatal.
    const { removed, failed } = await this.removeRolloutRules(client)
    const notes = [...removed, ...failed.map((f) => `could not remove the canary users' rule ${f}`)]
    return [routing, ...notes, ...(await this.removeHoldTags(client))].join('; ')
  }

  async markBaked(): Promise<void> {
    await this.writeHold(this.options.client, this.holdWeight, true)
  }

  /**
   * All traffic back to the stable group, this rollout's users' rules removed (found from the
   * listener by their tags, whatever this run's inputs), then the hold tags. Throws
   * UsersRuleLiveError, keeping the hold tags, when a users' rule could not be removed.
   */
  async rollback(): Promise<string> {
    const client = this.options.rollbackClient
    const stable = this.requireStable()
    const canary = this.requireCanary()
    const live = await this.read(client)
    // Whatever the canary's share now, traffic going back to the stable group is safe to write,
    // as long as no other group joined in (then someone else is rolling out: leave it alone).
    const foreign = live.forward.groups.find((group) => group.weight > 0 && group.arn !== stable && group.arn !== canary)
    if (foreign) {
      throw new OwnershipError(`${this.resource} now forwards to ${groupName(foreign.arn)} too (${describeForward(live.forward)}); not rolling back over it`)
    }
    // The canary's weight goes to 0 where it is listed; a group the users stage never added is not added now.
    const canaryListed = live.forward.groups.some((group) => group.arn === canary)
    const restored = setWeight(live.forward, stable, 1)
    const wanted: Forward = { ...(canaryListed ? setWeight(restored, canary, 0) : restored), stickiness: undefined }
    this.expected = live.forward
    const routing = forwardDifference(wanted, live.forward) === undefined ? describeForward(live.forward) : await this.write(client, wanted)
    this.liveShare = 0
    const { removed, failed } = await this.removeRolloutRules(client)
    if (failed.length > 0) {
      throw new UsersRuleLiveError(
        `${this.resource} routes ${routing}, but the canary users' rule ${failed.join('; ')} could not be removed: requests it matches still reach target group ${groupName(canary)}`,
      )
    }
    this.serving = false
    return [routing, ...removed, ...(await this.removeHoldTags(client))].join('; ')
  }

  /**
   * For rollback mode: the stable and canary groups of the rollout live on the resource, or
   * undefined when there is none. The canary is `targetGroup` or, without it, the group the hold
   * tags or the rollout's users' rule name. Refuses what it cannot tell apart, and a rollout of
   * another group than `targetGroup`.
   */
  async liveRollout(targetGroup: string | undefined): Promise<{ stableArn: string; canaryArn: string } | undefined> {
    const { client } = this.options
    const live = await this.read(client)
    const hold = parseHoldTags(await this.readTags(client))
    const rules = await rolloutRules(client, await this.listenerRules(client), this.options.target.arn)
    const positive = live.forward.groups.filter((group) => group.weight > 0)
    const matching = (name: string) => (arn: string | undefined) => arn !== undefined && (arn === name || groupName(arn) === name)
    const find = (name: string): string | undefined =>
      live.forward.groups.map((group) => group.arn).find(matching(name)) ?? rules.map((rule) => rule.forwardsTo).find(matching(name))
    const ruleTargets = [...new Set(rules.map((rule) => rule.target))]
    const canaryName = targetGroup || hold?.target || (ruleTargets.length === 1 ? ruleTargets[0] : undefined)
    if (!canaryName) {
      if (ruleTargets.length > 1)
        throw new OwnershipError(`${this.resource} has canary users' rules for ${ruleTargets.map(quote).join(' and ')}; give target-group`)
      if (positive.length <= 1) return undefined
      throw new OwnershipError(
        `${this.resource} splits traffic (${describeForward(live.forward)}) and carries no hold tags: give target-group to say which group is the canary`,
      )
    }
    const canaryArn = find(canaryName)
    const canaryWeight = live.forward.groups.find((group) => group.arn === canaryArn)?.weight ?? 0
    const others = positive.filter((group) => group.arn !== canaryArn)
    this.liveShare = shareOf({ canary: canaryWeight, stable: others.reduce((sum, group) => sum + group.weight, 0) })
    if (others.length > 1)
      throw new OwnershipError(`${this.resource} forwards to ${others.map((g) => groupName(g.arn)).join(', ')} besides the canary; leaving it alone`)
    const stable = others[0]?.arn
    if (!canaryArn) {
      // The named canary takes no traffic here; a live rollout of another group is not this run's to end.
      if (targetGroup) this.assertOwned(stable, '', hold, rules)
      return undefined
    }
    this.assertOwned(stable, canaryArn, hold, rules)
    if (!stable) {
      if (canaryWeight > 0)
        throw new OwnershipError(`${groupName(canaryArn)} already serves all of ${this.resource}; rollback mode cannot tell which group served before`)
      return undefined
    }
    const usersLive = rules.length > 0
    if (canaryWeight === 0 && !usersLive && hold === undefined) return undefined
    return { stableArn: stable, canaryArn }
  }

  // --- reads ---------------------------------------------------------------

  /**
   * A listener is another rollout's when its hold tags or a users' rule of a rollout name a group
   * other than this run's stable and canary groups (the weights are checked by the caller).
   * Refuses naming that group, before anything is written.
   */
  private assertOwned(stable: string | undefined, canary: string, hold: HoldTags | undefined, rules: readonly RolloutRule[]): void {
    const names = new Set([stable, canary].filter((arn): arn is string => !!arn).map(groupName))
    const arns = new Set([stable, canary].filter((arn): arn is string => !!arn))
    const wanted = canary ? quote(groupName(canary)) : 'this target group'
    const advice = 'another rollout owns it. Finish or roll back that one first (mode: rollback).'
    for (const rule of rules) {
      const other = rule.forwardsTo !== undefined && !arns.has(rule.forwardsTo) ? groupName(rule.forwardsTo) : !names.has(rule.target) ? rule.target : undefined
      if (other !== undefined) {
        throw new RefusalError(
          `${this.resource} has the canary users' rule ${quote(rule.arn)} of a rollout of target group ${quote(other)}, not ${wanted}: ${advice}`,
        )
      }
    }
    if (hold && !names.has(hold.target)) {
      throw new RefusalError(
        `${this.resource} carries the hold tags of a rollout of target group ${quote(hold.target)} at ${hold.weight}%, not ${wanted}: ${advice}`,
      )
    }
  }

  private async read(client: ElasticLoadBalancingV2Client): Promise<LiveResource> {
    const { target } = this.options
    if (target.kind === 'listener') {
      let listener: Listener | undefined
      try {
        listener = (await client.send(new DescribeListenersCommand({ ListenerArns: [target.arn] }))).Listeners?.[0]
      } catch (error) {
        if (isNotFound(error, 'ListenerNotFound')) throw new RefusalError(`listener ${quote(target.arn)} does not exist`)
        throw error
      }
      if (!listener) throw new RefusalError(`listener ${quote(target.arn)} does not exist`)
      const actions = listener.DefaultActions ?? []
      return { actions, forward: forwardOf(actions, this.resource), rule: undefined }
    }
    let rule: Rule | undefined
    try {
      rule = (await client.send(new DescribeRulesCommand({ RuleArns: [target.arn] }))).Rules?.[0]
    } catch (error) {
      if (isNotFound(error, 'RuleNotFound')) throw new RefusalError(`listener rule ${quote(target.arn)} does not exist`)
      throw error
    }
    if (!rule) throw new RefusalError(`listener rule ${quote(target.arn)} does not exist`)
    if (rule.IsDefault) throw new RefusalError(`${quote(target.arn)} is the listener's default rule: give the listener ARN instead`)
    const actions = rule.Actions ?? []
    return { actions, forward: forwardOf(actions, this.resource), rule }
  }

  private async resolveCanary(client: ElasticLoadBalancingV2Client): Promise<{ arn: string; name: string }> {
    const given = this.options.targetGroup
    const byArn = given.startsWith('arn:')
    let group: TargetGroup | undefined
    try {
      group = (await client.send(new DescribeTargetGroupsCommand(byArn ? { TargetGroupArns: [given] } : { Names: [given] }))).TargetGroups?.[0]
    } catch (error) {
      if (isNotFound(error, 'TargetGroupNotFound')) throw new RefusalError(`target group ${quote(given)} does not exist`)
      throw error
    }
    if (!group?.TargetGroupArn) throw new RefusalError(`target group ${quote(given)} does not exist`)
    return { arn: group.TargetGroupArn, name: group.TargetGroupName ?? groupName(group.TargetGroupArn) }
  }

  /**
   * Why no target of the group can take requests, or undefined when one can. A Lambda target group
   * has health checks off by default: its target reads `unavailable` (Target.HealthCheckDisabled)
   * and still gets requests.
   */
  private async healthProblem(client: ElasticLoadBalancingV2Client, arn: string, name: string): Promise<string | undefined> {
    const targets = (await client.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }))).TargetHealthDescriptions ?? []
    const serving = targets.filter(
      (t) => t.TargetHealth?.State === 'healthy' || (t.TargetHealth?.State === 'unavailable' && t.TargetHealth.Reason === 'Target.HealthCheckDisabled'),
    )
    if (serving.length > 0) return undefined
    const states = targets.map((t) => `${t.Target?.Id ?? '?'} ${t.TargetHealth?.State ?? '?'}`).join(', ')
    return `target group ${quote(name)} has no healthy target (${states || 'no targets registered'})`
  }

  private async assertHealthy(client: ElasticLoadBalancingV2Client, arn: string, name: string): Promise<void> {
    const problem = await this.healthProblem(client, arn, name)
    if (problem) throw new RefusalError(`${problem}; register and warm up the new version first`)
  }

  private async readTags(client: ElasticLoadBalancingV2Client) {
    const described = await client.send(new DescribeTagsCommand({ ResourceArns: [this.options.target.arn] }))
    return described.TagDescriptions?.[0]?.Tags ?? []
  }

  /** Every rule of the listener (DescribeRules pages by Marker). */
  private async listenerRules(client: ElasticLoadBalancingV2Client): Promise<Rule[]> {
    const rules: Rule[] = []
    let marker: string | undefined
    do {
      const page = await client.send(
        new DescribeRulesCommand({ ListenerArn: this.options.target.listenerArn, PageSize: 400, ...(marker ? { Marker: marker } : {}) }),
      )
      rules.push(...(page.Rules ?? []))
      marker = page.NextMarker
    } while (marker)
    return rules
  }

  /** The conditions of the users rule: theirs, plus (for a rule) the conditions of the traffic it borrows from. */
  private usersConditions(rule: Rule | undefined): RuleCondition[] | undefined {
    if (this.options.users.length === 0) return undefined
    const base = (rule?.Conditions ?? []).map(
      ({ Field, Values, HostHeaderConfig, PathPatternConfig, HttpHeaderConfig, QueryStringConfig, HttpRequestMethodConfig, SourceIpConfig }) => ({
        Field,
        ...(HostHeaderConfig || PathPatternConfig || HttpRequestMethodConfig || HttpHeaderConfig || QueryStringConfig || SourceIpConfig ? {} : { Values }),
        ...(HostHeaderConfig ? { HostHeaderConfig } : {}),
        ...(PathPatternConfig ? { PathPatternConfig } : {}),
        ...(HttpHeaderConfig ? { HttpHeaderConfig } : {}),
        ...(QueryStringConfig ? { QueryStringConfig } : {}),
        ...(HttpRequestMethodConfig ? { HttpRequestMethodConfig } : {}),
        ...(SourceIpConfig ? { SourceIpConfig } : {}),
      }),
    )
    return [...base, ...this.options.users.map(toRuleCondition)]
  }

  // --- writes --------------------------------------------------------------

  /**
   * The users' rule: the traffic's conditions and theirs, the traffic's login actions and (for a
   * rule) its Transforms, then a forward to the canary; tagged as this rollout's own.
   */
  private async createUsersRule(client: ElasticLoadBalancingV2Client): Promise<string> {
    const live = await this.read(client)
    const conditions = this.usersConditions(live.rule) ?? []
    const rules = await this.listenerRules(client)
    const before = this.options.target.kind === 'rule' ? rules.find((rule) => rule.RuleArn === this.options.target.arn) : undefined
    if (this.options.target.kind === 'rule' && !before) throw new OwnershipError(`${this.resource} disappeared from its listener; stopping`)
    const priority = usersPriority(rules, before, this.resource)
    const actions = usersRuleActions(live.actions, this.requireCanary())
    const transforms = live.rule?.Transforms ?? []
    const created = await client.send(
      new CreateRuleCommand({
        ListenerArn: this.options.target.listenerArn,
        Priority: priority,
        Conditions: conditions,
        Actions: actions,
        ...(transforms.length > 0 ? { Transforms: transforms } : {}),
        Tags: usersRuleTags(groupName(this.requireCanary()), this.options.target.arn),
      }),
    )
    const arn = created.Rules?.[0]?.RuleArn
    if (!arn) throw new VerificationError(`CreateRule for the canary users on ${this.resource} returned no rule`)
    this.usersRuleArn = arn
    this.rolloutRuleArns = [...new Set([...this.rolloutRuleArns, arn])]
    // Read back: the rule must match, log in and rewrite as asked, and forward to the canary alone.
    const [rule] = (await client.send(new DescribeRulesCommand({ RuleArns: [arn] }))).Rules ?? []
    const sameLogin = rule && loginKeys(rule.Actions ?? []).join('\n') === loginKeys(live.actions).join('\n')
    const sameTransforms = rule && (rule.Transforms ?? []).map((t) => t.Type).join() === transforms.map((t) => t.Type).join()
    if (!rule || !forwardsOnlyTo(rule, this.requireCanary()) || !sameConditions(rule.Conditions ?? [], conditions) || !sameLogin || !sameTransforms) {
      throw new VerificationError(`the canary users' rule ${quote(arn)} reads back differently from what was created`)
    }
    return `requests with ${describeUsers(this.options.users)} go to ${groupName(this.requireCanary())} (rule at priority ${priority})`
  }

  /** Compares the live forward action with the last one written, then writes `wanted` and reads it back. */
  private async write(client: ElasticLoadBalancingV2Client, wanted: Forward): Promise<string> {
    const expected = this.requireExpected()
    const before = await this.read(client)
    const changed = forwardDifference(expected, before.forward)
    if (changed) {
      throw new OwnershipError(
        `${this.resource} was changed by someone else since this rollout last wrote it: ${changed} (now ${describeForward(before.forward)}). Stopping without overwriting that change.`,
      )
    }
    const actions = withForward(before.actions, wanted)
    const { target } = this.options
    if (target.kind === 'listener') await client.send(new ModifyListenerCommand({ ListenerArn: target.arn, DefaultActions: actions }))
    else await client.send(new ModifyRuleCommand({ RuleArn: target.arn, Actions: actions }))
    const after = await this.read(client)
    const difference = forwardDifference(wanted, after.forward)
    if (difference)
      throw new VerificationError(`${this.resource} was set to ${describeForward(wanted)} but reads back as ${describeForward(after.forward)} (${difference})`)
    this.expected = after.forward
    const canary = this.canaryArn
    const canaryWeight = after.forward.groups.find((group) => group.arn === canary)?.weight ?? 0
    const rest = after.forward.groups.filter((group) => group.arn !== canary).reduce((sum, group) => sum + group.weight, 0)
    this.liveShare = shareOf({ canary: canaryWeight, stable: rest })
    return describeForward(after.forward)
  }

  private async writeHold(client: ElasticLoadBalancingV2Client, weight: number, baked: boolean): Promise<void> {
    const now = this.options.now ?? Date.now
    const since = baked && this.holdSince !== undefined ? this.holdSince : now()
    this.holdSince = since
    this.holdWeight = weight
    const tags = holdTags({ target: groupName(this.requireCanary()), weight, since, baked, runUrl: this.options.runUrl })
    await client.send(new AddTagsCommand({ ResourceArns: [this.options.target.arn], Tags: tags }))
  }

  /**
   * Deletes this rollout's users' rules, found afresh from the listener by their tags (a run that
   * did not make them knows them only so), plus any this run made. Only rules forwarding to this
   * rollout's groups are touched.
   */
  private async removeRolloutRules(client: ElasticLoadBalancingV2Client): Promise<{ removed: string[]; failed: string[] }> {
    const groups = new Set([this.stableArn, this.canaryArn])
    const found = await rolloutRules(client, await this.listenerRules(client), this.options.target.arn)
    const arns = new Set([...this.rolloutRuleArns, ...(this.usersRuleArn ? [this.usersRuleArn] : [])])
    for (const rule of found) if (rule.forwardsTo === undefined || groups.has(rule.forwardsTo)) arns.add(rule.arn)
    const removed: string[] = []
    const failed: string[] = []
    for (const arn of arns) {
      try {
        await client.send(new DeleteRuleCommand({ RuleArn: arn }))
        removed.push("removed the canary users' rule")
      } catch (error) {
        if (!isNotFound(error, 'RuleNotFound')) {
          failed.push(`${quote(arn)} (${errorMessage(error)})`)
          continue
        }
      }
      if (arn === this.usersRuleArn) this.usersRuleArn = undefined
      this.rolloutRuleArns = this.rolloutRuleArns.filter((a) => a !== arn)
    }
    return { removed, failed }
  }

  /** Removes the hold tags; a failure is reported, never fatal (traffic is settled). */
  private async removeHoldTags(client: ElasticLoadBalancingV2Client): Promise<string[]> {
    try {
      await client.send(new RemoveTagsCommand({ ResourceArns: [this.options.target.arn], TagKeys: [...ALL_TAG_KEYS] }))
      return []
    } catch (error) {
      return [`could not remove the hold tags: ${errorMessage(error)}`]
    }
  }

  private requireExpected(): Forward {
    if (!this.expected) throw new Error(`internal: ${this.resource} was not inspected before a write`)
    return this.expected
  }

  private requireStable(): string {
    if (!this.stableArn) throw new Error(`internal: the stable target group of ${this.resource} is unknown`)
    return this.stableArn
  }

  private requireCanary(): string {
    if (!this.canaryArn) throw new Error(`internal: the canary target group of ${this.resource} is unknown`)
    return this.canaryArn
  }
}
