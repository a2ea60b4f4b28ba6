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
import { ALL_TAG_KEYS, holdTags, parseHoldTags, TAG_KEYS } from './hold-tags.js'
import type { ListenerTarget } from './inputs.js'
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
  private usersRuleArn: string | undefined
  private holdSince: number | undefined
  private holdWeight = 0

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
    if (others.length === 0 && canaryWeight > 0) return state('promoted', 100, zeroStable)
    // No group takes traffic, or more than one besides the canary: not a rollout this run can own.
    if (others.length !== 1) return state('foreign', 0, others[0]?.arn)
    const stable = others[0]?.arn ?? ''
    this.stableArn = stable

    const conditions = this.usersConditions(live.rule)
    if (conditions) {
      const problem = conditionsProblem(conditions)
      if (problem) throw new RefusalError(`the canary users' rule for ${this.resource} cannot be made: ${problem}`)
    }
    const rule = conditions ? await this.findUsersRule(client, conditions, canary.arn) : undefined
    this.usersRuleArn = rule?.RuleArn
    await this.assertHealthy(client, canary.arn, canary.name)

    const weight = shareOf({ canary: canaryWeight, stable: others[0]?.weight ?? 0 })
    const hold = parseHoldTags(await this.readTags(client))
    const ours = hold?.target === canary.name && Math.abs(hold.weight - weight) < 1e-6
    if (ours) {
      this.holdSince = hold.since
      this.holdWeight = hold.weight
    }
    const extra = { since: ours ? hold.since : undefined, baked: ours && hold.baked, users: rule !== undefined }
    if (weight > 0 || rule !== undefined) return state('resumable', weight, stable, extra)
    return state('fresh', 0, stable, extra)
  }

  async shift(weight: number): Promise<string> {
    const client = this.options.client
    const notes: string[] = []
    if (this.options.users.length > 0 && !this.usersRuleArn) notes.push(await this.createUsersRule(client))
    const pair = weightsFor(weight)
    const wanted: Forward = {
      ...setWeight(setWeight(this.requireExpected(), this.requireStable(), pair.stable), this.requireCanary(), pair.canary),
      stickiness: this.options.stickinessSeconds,
    }
    // The users stage moves no weights: only its rule reaches the canary.
    const routing = weight > 0 ? await this.write(client, wanted) : describeForward(this.requireExpected())
    await this.writeHold(client, weight, false)
    return [routing, ...notes].join('; ')
  }

  async promote(): Promise<string> {
    const client = this.options.client
    // The old stable group stays at weight 0: the next release deploys into it and shifts back.
    const wanted: Forward = { ...setWeight(setWeight(this.requireExpected(), this.requireStable(), 0), this.requireCanary(), 1), stickiness: undefined }
    const routing = await this.write(client, wanted)
    return [routing, ...(await this.cleanUp(client))].join('; ')
  }

  async markBaked(): Promise<void> {
    await this.writeHold(this.options.client, this.holdWeight, true)
  }

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
    const wanted: Forward = { ...setWeight(setWeight(live.forward, stable, 1), canary, 0), stickiness: undefined }
    this.expected = live.forward
    const routing = forwardDifference(wanted, live.forward) === undefined ? describeForward(live.forward) : await this.write(client, wanted)
    if (!this.usersRuleArn && this.options.users.length > 0) {
      // The post step starts from saved state, taken before the rule was made: find it by its conditions.
      const conditions = this.usersConditions(live.rule) ?? []
      this.usersRuleArn = (await this.findUsersRule(client, conditions, canary))?.RuleArn
    }
    return [routing, ...(await this.cleanUp(client))].join('; ')
  }

  /**
   * For rollback mode: the stable and canary groups of the rollout live on the resource, or
   * undefined when there is none. The canary is `targetGroup` or, without it, the group the hold
   * tags name. Refuses what it cannot tell apart.
   */
  async liveRollout(targetGroup: string | undefined): Promise<{ stableArn: string; canaryArn: string } | undefined> {
    const { client } = this.options
    const live = await this.read(client)
    const hold = parseHoldTags(await this.readTags(client))
    const canaryName = targetGroup || hold?.target
    if (!canaryName) {
      const positive = live.forward.groups.filter((group) => group.weight > 0)
      if (positive.length <= 1) return undefined
      throw new OwnershipError(
        `${this.resource} splits traffic (${describeForward(live.forward)}) and carries no hold tags: give target-group to say which group is the canary`,
      )
    }
    const canary = live.forward.groups.find((group) => group.arn === canaryName || groupName(group.arn) === canaryName)
    const others = live.forward.groups.filter((group) => group.weight > 0 && group !== canary)
    if (!canary) return undefined
    if (others.length === 0)
      throw new OwnershipError(`${groupName(canary.arn)} already serves all of ${this.resource}; rollback mode cannot tell which group served before`)
    if (others.length > 1)
      throw new OwnershipError(`${this.resource} forwards to ${others.map((g) => groupName(g.arn)).join(', ')} besides the canary; leaving it alone`)
    return { stableArn: others[0]?.arn ?? '', canaryArn: canary.arn }
  }

  // --- reads ---------------------------------------------------------------

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
   * At least one target must be able to take requests. A Lambda target group has health checks
   * off by default: its target reads `unavailable` (Target.HealthCheckDisabled) and still gets requests.
   */
  private async assertHealthy(client: ElasticLoadBalancingV2Client, arn: string, name: string): Promise<void> {
    const targets = (await client.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }))).TargetHealthDescriptions ?? []
    const serving = targets.filter(
      (t) => t.TargetHealth?.State === 'healthy' || (t.TargetHealth?.State === 'unavailable' && t.TargetHealth.Reason === 'Target.HealthCheckDisabled'),
    )
    if (serving.length > 0) return
    const states = targets.map((t) => `${t.Target?.Id ?? '?'} ${t.TargetHealth?.State ?? '?'}`).join(', ')
    throw new RefusalError(
      `target group ${quote(name)} has no healthy target (${states || 'no targets registered'}); register and warm up the new version first`,
    )
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

  private usersRuleConditions: RuleCondition[] | undefined

  private async findUsersRule(client: ElasticLoadBalancingV2Client, conditions: RuleCondition[], canaryArn: string): Promise<Rule | undefined> {
    this.usersRuleConditions = conditions
    const rules = await this.listenerRules(client)
    return rules.find((rule) => !rule.IsDefault && forwardsOnlyTo(rule, canaryArn) && sameConditions(rule.Conditions ?? [], conditions))
  }

  // --- writes --------------------------------------------------------------

  private async createUsersRule(client: ElasticLoadBalancingV2Client): Promise<string> {
    const conditions = this.usersRuleConditions ?? this.usersConditions(undefined) ?? []
    const rules = await this.listenerRules(client)
    const before = this.options.target.kind === 'rule' ? rules.find((rule) => rule.RuleArn === this.options.target.arn) : undefined
    if (this.options.target.kind === 'rule' && !before) throw new OwnershipError(`${this.resource} disappeared from its listener; stopping`)
    const priority = usersPriority(rules, before, this.resource)
    const created = await client.send(
      new CreateRuleCommand({
        ListenerArn: this.options.target.listenerArn,
        Priority: priority,
        Conditions: conditions,
        Actions: [{ Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: this.requireCanary(), Weight: 1 }] } }],
        Tags: [{ Key: TAG_KEYS.target, Value: groupName(this.requireCanary()) }],
      }),
    )
    const arn = created.Rules?.[0]?.RuleArn
    if (!arn) throw new VerificationError(`CreateRule for the canary users on ${this.resource} returned no rule`)
    this.usersRuleArn = arn
    // Read back: the rule must match and forward what was asked.
    const [rule] = (await client.send(new DescribeRulesCommand({ RuleArns: [arn] }))).Rules ?? []
    if (!rule || !forwardsOnlyTo(rule, this.requireCanary()) || !sameConditions(rule.Conditions ?? [], conditions)) {
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

  /** Deletes the users rule and the hold tags; a failure here is reported, never fatal (traffic is settled). */
  private async cleanUp(client: ElasticLoadBalancingV2Client): Promise<string[]> {
    const notes: string[] = []
    const ruleArn = this.usersRuleArn
    if (ruleArn) {
      try {
        await client.send(new DeleteRuleCommand({ RuleArn: ruleArn }))
        this.usersRuleArn = undefined
        notes.push("removed the canary users' rule")
      } catch (error) {
        if (isNotFound(error, 'RuleNotFound')) this.usersRuleArn = undefined
        else notes.push(`could not remove the canary users' rule ${quote(ruleArn)}: ${errorMessage(error)}`)
      }
    }
    try {
      await client.send(new RemoveTagsCommand({ ResourceArns: [this.options.target.arn], TagKeys: [...ALL_TAG_KEYS] }))
    } catch (error) {
      notes.push(`could not remove the hold tags: ${errorMessage(error)}`)
    }
    return notes
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
