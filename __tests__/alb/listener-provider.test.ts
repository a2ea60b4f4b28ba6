import { AddTagsCommand, ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { type Emulator, startEmulator } from '../../emulator/server.js'
import { OwnershipError, RefusalError } from '../../src/core/errors.js'
import { parseListener } from '../../src/alb/inputs.js'
import { ListenerProvider, type ListenerProviderOptions } from '../../src/alb/listener-provider.js'
import type { UserCondition } from '../../src/alb/users-rule.js'
import { FAKE_CREDENTIALS } from '../e2e/seed.js'

let emulator: Emulator
let client: ElasticLoadBalancingV2Client

beforeAll(async () => {
  emulator = await startEmulator()
  client = new ElasticLoadBalancingV2Client({ endpoint: emulator.url, region: 'us-east-1', credentials: FAKE_CREDENTIALS, maxAttempts: 1 })
})
afterAll(async () => {
  client.destroy()
  await emulator.close()
})
beforeEach(() => emulator.reset())

const HEADER: UserCondition = { kind: 'header', name: 'x-canary', value: 'internal' }

function provider(arn: string, extra: Partial<ListenerProviderOptions> = {}): ListenerProvider {
  return new ListenerProvider({
    client,
    rollbackClient: client,
    target: parseListener(arn),
    targetGroup: 'green',
    stickinessSeconds: undefined,
    users: [],
    runUrl: 'https://github.com/o/r/actions/runs/7',
    ...extra,
  })
}

function seed(weights: Record<string, number> = { blue: 1, green: 0 }, extra: Partial<Parameters<Emulator['elbv2']['seed']>[0]> = {}) {
  return emulator.elbv2.seed({ groups: [{ name: 'blue' }, { name: 'green' }, { name: 'purple' }], weights, ...extra })
}

describe('ListenerProvider on a listener', () => {
  it('starts fresh, shifts in 0.1% steps with hold tags, and promotes keeping the old group at weight 0', async () => {
    const alb = seed()
    const p = provider(alb.listenerArn, { now: () => Date.parse('2026-01-01T00:00:00Z') })
    const state = await p.inspect()
    expect(state).toMatchObject({ ownership: 'fresh', weight: 0, stableVersion: 'blue', targetVersion: 'green' })
    expect(await p.shift(12.5)).toBe('87.5% blue (weight 7), 12.5% green (weight 1)')
    expect(emulator.elbv2.forward(alb.listenerArn)).toEqual({ weights: { blue: 7, green: 1 }, stickinessSeconds: undefined })
    expect(emulator.elbv2.tags(alb.listenerArn)).toEqual({
      'canary-release:target': 'green',
      'canary-release:weight': '12.5',
      'canary-release:since': '2026-01-01T00:00:00.000Z',
      'canary-release:baked': 'false',
      'canary-release:run': 'https://github.com/o/r/actions/runs/7',
    })
    await p.shift(0.1)
    expect(emulator.elbv2.forward(alb.listenerArn).weights).toEqual({ blue: 999, green: 1 })
    await p.markBaked()
    expect(emulator.elbv2.tags(alb.listenerArn)['canary-release:baked']).toBe('true')
    expect(await p.promote()).toContain('100% green (weight 1)')
    expect(emulator.elbv2.forward(alb.listenerArn).weights).toEqual({ blue: 0, green: 1 })
    expect(emulator.elbv2.tags(alb.listenerArn)).toEqual({})
  })

  it('writes stickiness into the forward action while shifting, and turns it off on promote', async () => {
    const alb = seed()
    const p = provider(alb.listenerArn, { stickinessSeconds: 3600 })
    await p.inspect()
    await p.shift(10)
    expect(emulator.elbv2.forward(alb.listenerArn)).toEqual({ weights: { blue: 9, green: 1 }, stickinessSeconds: 3600 })
    await p.promote()
    expect(emulator.elbv2.forward(alb.listenerArn).stickinessSeconds).toBeUndefined()
  })

  it('adds the canary group when the listener forwards only to the stable one', async () => {
    const alb = seed({ blue: 1 })
    // Not attached to any listener, ALB does not health-check the group: refused.
    await expect(provider(alb.listenerArn).inspect()).rejects.toThrow(/target group "green" has no healthy target \(10\.0\.1\.10 unused\)/)
    // A test listener on the same load balancer attaches it (the usual blue/green set-up).
    emulator.state.elbv2.createListener(alb.loadBalancerArn, 8080, [
      { Type: 'forward', Forward: { TargetGroups: [{ TargetGroupArn: alb.groups['green'] ?? '', Weight: 1 }], Stickiness: { Enabled: false } } },
    ])
    const p = provider(alb.listenerArn)
    expect((await p.inspect()).ownership).toBe('fresh')
    await p.shift(10)
    expect(emulator.elbv2.forward(alb.listenerArn).weights).toEqual({ blue: 9, green: 1 })
  })

  it('resumes from the live weight and reads the hold from its tags', async () => {
    const alb = seed({ blue: 9, green: 1 })
    const p1 = provider(alb.listenerArn, { now: () => Date.parse('2026-01-01T00:00:00Z') })
    await p1.inspect()
    await p1.shift(10)
    await p1.markBaked()
    const state = await provider(alb.listenerArn).inspect()
    expect(state).toMatchObject({ ownership: 'resumable', weight: 10, since: Date.parse('2026-01-01T00:00:00Z'), baked: true })
  })

  it('ignores hold tags for another weight or group', async () => {
    const alb = seed({ blue: 4, green: 1 })
    emulator.state.elbv2.addTags(
      [alb.listenerArn],
      [
        { Key: 'canary-release:target', Value: 'green' },
        { Key: 'canary-release:weight', Value: '10' },
        { Key: 'canary-release:since', Value: '2026-01-01T00:00:00.000Z' },
        { Key: 'canary-release:baked', Value: 'true' },
      ],
    )
    expect(await provider(alb.listenerArn).inspect()).toMatchObject({ ownership: 'resumable', weight: 20, since: undefined, baked: false })
  })

  it('refuses a third group taking traffic, naming it, and calls everything on the canary promoted', async () => {
    await expect(provider(seed({ blue: 8, purple: 2 }).listenerArn).inspect()).rejects.toThrow(
      /forwards to target groups "blue" and "purple" .* another rollout owns it/,
    )
    emulator.reset()
    expect(await provider(seed({ blue: 0, green: 1 }).listenerArn).inspect()).toMatchObject({ ownership: 'promoted', weight: 100, stableVersion: 'blue' })
  })

  it('refuses a canary group without a healthy target, naming the targets', async () => {
    const alb = seed()
    emulator.elbv2.setTargetHealth('green', 'unhealthy', 'Target.ResponseCodeMismatch')
    await expect(provider(alb.listenerArn).inspect()).rejects.toThrow(RefusalError)
    await expect(provider(alb.listenerArn).inspect()).rejects.toThrow('target group "green" has no healthy target (10.0.1.10 unhealthy)')
  })

  it('accepts a Lambda target group whose health checks are off', async () => {
    const alb = emulator.elbv2.seed({
      groups: [{ name: 'blue' }, { name: 'green', targetType: 'lambda', health: 'unavailable', reason: 'Target.HealthCheckDisabled' }],
      weights: { blue: 1, green: 0 },
    })
    expect((await provider(alb.listenerArn).inspect()).ownership).toBe('fresh')
  })

  it('refuses a missing target group or listener by name', async () => {
    const alb = seed()
    await expect(provider(alb.listenerArn, { targetGroup: 'orange' }).inspect()).rejects.toThrow('target group "orange" does not exist')
    await expect(provider(alb.listenerArn.replace(/[0-9a-f]{16}$/, '0000000000000000')).inspect()).rejects.toThrow('does not exist')
  })

  it('stops without writing when someone else changed the forward action, naming the difference', async () => {
    const alb = seed()
    const p = provider(alb.listenerArn)
    await p.inspect()
    await p.shift(10)
    emulator.state.elbv2.setListenerActions(
      alb.listenerArn,
      [
        {
          Type: 'forward',
          Forward: {
            TargetGroups: [
              { TargetGroupArn: alb.groups['blue'] ?? '', Weight: 9 },
              { TargetGroupArn: alb.groups['green'] ?? '', Weight: 3 },
            ],
            Stickiness: { Enabled: false },
          },
        },
      ],
      null,
    )
    const writes = emulator.elbv2.history().length
    const error = await p.shift(50).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(OwnershipError)
    expect(String(error)).toContain('weight of green changed from 1 to 3')
    expect(emulator.elbv2.history().length).toBe(writes)
    expect(emulator.elbv2.forward(alb.listenerArn).weights).toEqual({ blue: 9, green: 3 })
  })

  it('rolls back past a changed weight while only the two groups take traffic, and refuses over a third', async () => {
    const alb = seed({ blue: 1, green: 0, purple: 0 })
    const p = provider(alb.listenerArn)
    await p.inspect()
    await p.shift(10)
    expect(await p.rollback()).toContain('100% blue (weight 1)')
    expect(emulator.elbv2.forward(alb.listenerArn).weights).toEqual({ blue: 1, green: 0, purple: 0 })
    await p.shift(10)
    emulator.state.elbv2.setListenerActions(
      alb.listenerArn,
      [
        {
          Type: 'forward',
          Forward: {
            TargetGroups: [
              { TargetGroupArn: alb.groups['blue'] ?? '', Weight: 9 },
              { TargetGroupArn: alb.groups['purple'] ?? '', Weight: 1 },
            ],
            Stickiness: { Enabled: false },
          },
        },
      ],
      null,
    )
    await expect(p.rollback()).rejects.toThrow(/now forwards to purple too/)
  })

  it("issue 18: finds this rollout's users' rule by its tags whatever the run's inputs, and not another resource's", async () => {
    const alb = seed(undefined, {
      rules: [
        { priority: 5, conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/a'] } }], group: 'green' },
        { priority: 6, conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/b'] } }], group: 'green' },
      ],
    })
    const [ours = '', theirs = ''] = alb.rules
    await client.send(
      new AddTagsCommand({
        ResourceArns: [ours],
        Tags: [
          { Key: 'canary-release:target', Value: 'green' },
          { Key: 'canary-release:rollout', Value: alb.listenerArn },
        ],
      }),
    )
    // Another resource's rollout (a rule of the same listener) made this one.
    await client.send(
      new AddTagsCommand({
        ResourceArns: [theirs],
        Tags: [
          { Key: 'canary-release:target', Value: 'green' },
          { Key: 'canary-release:rollout', Value: `${alb.listenerArn.replace(':listener/', ':listener-rule/')}/0123456789abcdef` },
        ],
      }),
    )
    const p = provider(alb.listenerArn)
    expect(await p.inspect()).toMatchObject({ ownership: 'resumable', weight: 0, users: true })
    expect(p.usersRule).toBe(ours)
    expect(await p.rollback()).toContain("removed the canary users' rule")
    expect(emulator.elbv2.rules(alb.listenerArn).map((r) => r.arn)).toEqual([theirs])
  })
})

describe('ListenerProvider with canary users', () => {
  it('the users stage creates a rule after the other rules, and promote deletes it', async () => {
    const alb = seed(undefined, {
      rules: [{ priority: 7, conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/api/*'] } }], group: 'purple' }],
    })
    const p = provider(alb.listenerArn, { users: [HEADER] })
    expect((await p.inspect()).users).toBe(false)
    expect(await p.shift(0)).toContain('requests with header "x-canary"="internal" go to green (rule at priority 8)')
    expect(emulator.elbv2.forward(alb.listenerArn).weights).toEqual({ blue: 1, green: 0 })
    const [, users] = emulator.elbv2.rules(alb.listenerArn)
    expect(users).toMatchObject({ priority: 8, forward: { weights: { green: 1 } } })
    expect(emulator.elbv2.tags(users?.arn ?? '')).toEqual({ 'canary-release:target': 'green', 'canary-release:rollout': alb.listenerArn })
    // A re-run finds the live users stage.
    expect(await provider(alb.listenerArn, { users: [HEADER] }).inspect()).toMatchObject({ ownership: 'resumable', weight: 0, users: true })
    await p.shift(10)
    expect(emulator.elbv2.rules(alb.listenerArn)).toHaveLength(2)
    expect(await p.promote()).toContain("removed the canary users' rule")
    expect(emulator.elbv2.rules(alb.listenerArn).map((r) => r.priority)).toEqual([7])
  })

  it('on a rule, puts the users rule right before it with its conditions added', async () => {
    const alb = seed(
      { purple: 1 },
      {
        rules: [
          {
            priority: 10,
            conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: ['shop.example.com'] } }],
            group: 'blue',
            weights: { blue: 1, green: 0 },
          },
        ],
      },
    )
    const rule = alb.rules[0] ?? ''
    const p = provider(rule, { users: [{ kind: 'source-ip', cidr: '10.0.0.0/8' }] })
    expect(await p.inspect()).toMatchObject({ ownership: 'fresh', stableVersion: 'blue' })
    await p.shift(0)
    const users = emulator.elbv2.rules(alb.listenerArn).find((r) => r.priority === 9)
    expect(users?.conditions).toEqual([
      { Field: 'host-header', HostHeaderConfig: { Values: ['shop.example.com'] } },
      { Field: 'source-ip', SourceIpConfig: { Values: ['10.0.0.0/8'] } },
    ])
    await p.shift(50)
    expect(emulator.elbv2.forward(rule).weights).toEqual({ blue: 1, green: 1 })
    expect(emulator.elbv2.forward(alb.listenerArn).weights).toEqual({ purple: 1 })
  })

  it('refuses a rule with no free priority right before it', async () => {
    const alb = seed(
      { purple: 1 },
      {
        rules: [
          { priority: 9, conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/a'] } }], group: 'purple' },
          { priority: 10, conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/b'] } }], group: 'blue', weights: { blue: 1, green: 0 } },
        ],
      },
    )
    const p = provider(alb.rules[1] ?? '', { users: [HEADER] })
    await p.inspect()
    await expect(p.shift(0)).rejects.toThrow('no free priority right before')
  })

  it('the post step (from saved state) rolls back and finds the users rule by its tags', async () => {
    const alb = seed()
    const p = provider(alb.listenerArn, { users: [HEADER] })
    await p.inspect()
    await p.shift(0)
    await p.shift(10)
    const post = provider(alb.listenerArn, { users: [HEADER], known: { stableArn: alb.groups['blue'] ?? '', canaryArn: alb.groups['green'] ?? '' } })
    expect(await post.rollback()).toContain("removed the canary users' rule")
    expect(emulator.elbv2.forward(alb.listenerArn).weights).toEqual({ blue: 1, green: 0 })
    expect(emulator.elbv2.rules(alb.listenerArn)).toEqual([])
    expect(emulator.elbv2.tags(alb.listenerArn)).toEqual({})
  })
})
