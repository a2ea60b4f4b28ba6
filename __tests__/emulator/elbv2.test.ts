/** The emulator's ELBv2: query-protocol shapes and errors through the real SDK, and the simulated request stream. */
import {
  AddTagsCommand,
  CreateRuleCommand,
  DeleteRuleCommand,
  DescribeRulesCommand,
  DescribeTagsCommand,
  ElasticLoadBalancingV2Client,
  ModifyListenerCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2'
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { contractCheck } from '../../__fixtures__/contract.js'
import { type Emulator, startEmulator } from '../../emulator/server.js'
import { FAKE_CREDENTIALS } from '../e2e/seed.js'

let emulator: Emulator
let client: ElasticLoadBalancingV2Client
beforeAll(async () => {
  emulator = await startEmulator({ seed: 3 })
  client = new ElasticLoadBalancingV2Client({ endpoint: emulator.url, region: 'us-east-1', credentials: FAKE_CREDENTIALS, maxAttempts: 1 })
})
afterAll(async () => {
  client.destroy()
  await emulator.close()
})
beforeEach(() => emulator.reset())

const seed = (weights: Record<string, number> = { blue: 1, green: 0 }, stickinessSeconds?: number) =>
  emulator.elbv2.seed({ groups: [{ name: 'blue' }, { name: 'green' }], weights, ...(stickinessSeconds ? { stickinessSeconds } : {}) })

const forward = (groups: [string, number][], sticky?: number) => [
  {
    Type: 'forward' as const,
    ForwardConfig: {
      TargetGroups: groups.map(([TargetGroupArn, Weight]) => ({ TargetGroupArn, Weight })),
      ...(sticky ? { TargetGroupStickinessConfig: { Enabled: true, DurationSeconds: sticky } } : {}),
    },
  },
]

describe('emulated ELBv2 API', () => {
  it('rejects weights outside 0 to 999, unknown groups and stickiness without a duration, like ELBv2', async () => {
    const alb = seed()
    const blue = alb.groups['blue'] ?? ''
    const send = (actions: ReturnType<typeof forward>) => client.send(new ModifyListenerCommand({ ListenerArn: alb.listenerArn, DefaultActions: actions }))
    await expect(send(forward([[blue, 1000]]))).rejects.toMatchObject({ name: 'ValidationError' })
    await expect(send(forward([[blue.replace(/[0-9a-f]{16}$/, '0000000000000000'), 1]]))).rejects.toMatchObject({ name: 'TargetGroupNotFoundException' })
    await expect(
      client.send(
        new ModifyListenerCommand({
          ListenerArn: alb.listenerArn,
          DefaultActions: [
            { Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: blue, Weight: 1 }], TargetGroupStickinessConfig: { Enabled: true } } },
          ],
        }),
      ),
    ).rejects.toThrow('Stickiness duration must be specified')
    await expect(send(forward([[blue, 1]], 604_801))).rejects.toThrow('between 1 and 604800')
    expect(emulator.elbv2.forward(alb.listenerArn).weights).toEqual({ blue: 1, green: 0 })
  })

  it('keeps rule priorities unique, refuses to delete the default rule, and drops a rule with its tags', async () => {
    const alb = seed()
    const green = alb.groups['green'] ?? ''
    const create = () =>
      client.send(
        new CreateRuleCommand({
          ListenerArn: alb.listenerArn,
          Priority: 5,
          Conditions: [{ Field: 'source-ip', SourceIpConfig: { Values: ['10.0.0.0/8'] } }],
          Actions: forward([[green, 1]]),
          Tags: [{ Key: 'k', Value: 'v' }],
        }),
      )
    const rule = (await create()).Rules?.[0]?.RuleArn ?? ''
    await expect(create()).rejects.toMatchObject({ name: 'PriorityInUseException' })
    const rules = (await client.send(new DescribeRulesCommand({ ListenerArn: alb.listenerArn }))).Rules ?? []
    expect(rules.map((r) => [r.Priority, r.IsDefault])).toEqual([
      ['5', false],
      ['default', true],
    ])
    await expect(client.send(new DeleteRuleCommand({ RuleArn: rules[1]?.RuleArn ?? '' }))).rejects.toMatchObject({ name: 'OperationNotPermittedException' })
    expect((await client.send(new DescribeTagsCommand({ ResourceArns: [rule] }))).TagDescriptions?.[0]?.Tags).toEqual([{ Key: 'k', Value: 'v' }])
    await client.send(new DeleteRuleCommand({ RuleArn: rule }))
    await expect(client.send(new DescribeTagsCommand({ ResourceArns: [rule] }))).rejects.toMatchObject({ name: 'RuleNotFoundException' })
  })

  it('refuses tag values ELBv2 refuses (no %) and duplicate keys', async () => {
    const alb = seed()
    await expect(client.send(new AddTagsCommand({ ResourceArns: [alb.listenerArn], Tags: [{ Key: 'w', Value: '10%' }] }))).rejects.toMatchObject({
      name: 'ValidationError',
    })
    await expect(
      client.send(
        new AddTagsCommand({
          ResourceArns: [alb.listenerArn],
          Tags: [
            { Key: 'a', Value: '1' },
            { Key: 'a', Value: '2' },
          ],
        }),
      ),
    ).rejects.toMatchObject({ name: 'DuplicateTagKeysException' })
  })

  it('denies what the policy does not allow, as elasticloadbalancing:ACTION', async () => {
    const alb = seed()
    emulator.setPolicy(['elasticloadbalancing:DescribeListeners'])
    await expect(client.send(new DescribeRulesCommand({ ListenerArn: alb.listenerArn }))).rejects.toThrow(
      'not authorized to perform: elasticloadbalancing:DescribeRules',
    )
  })
})

describe('simulated request stream', () => {
  const send = (n: number, listenerArn: string, spec: Partial<Parameters<Emulator['elbv2']['startTraffic']>[0]> = {}) =>
    emulator.elbv2.traffic.burst({ listenerArn, rps: 0, ...spec }, n)

  it('splits requests by the live weights', () => {
    const alb = seed({ blue: 9, green: 1 })
    const counts = send(20_000, alb.listenerArn)
    expect((counts['green'] ?? 0) / 20_000).toBeGreaterThan(0.09)
    expect((counts['green'] ?? 0) / 20_000).toBeLessThan(0.11)
  })

  it('sends only matching clients through a rule', async () => {
    const alb = seed({ blue: 1, green: 0 })
    await client.send(
      new CreateRuleCommand({
        ListenerArn: alb.listenerArn,
        Priority: 1,
        Conditions: [{ Field: 'http-header', HttpHeaderConfig: { HttpHeaderName: 'X-Canary', Values: ['intern*'] } }],
        Actions: forward([[alb.groups['green'] ?? '', 1]]),
      }),
    )
    const counts = send(10_000, alb.listenerArn, { users: { share: 0.05, headers: { 'x-canary': 'internal' } } })
    expect((counts['green'] ?? 0) / 10_000).toBeGreaterThan(0.04)
    expect((counts['green'] ?? 0) / 10_000).toBeLessThan(0.06)
  })

  it('keeps sticky clients on their group, even at weight 0, until stickiness is turned off', async () => {
    const alb = seed({ blue: 1, green: 1 }, 3600)
    send(5_000, alb.listenerArn)
    const [blue, green] = [alb.groups['blue'] ?? '', alb.groups['green'] ?? '']
    await client.send(
      new ModifyListenerCommand({
        ListenerArn: alb.listenerArn,
        DefaultActions: forward(
          [
            [blue, 1],
            [green, 0],
          ],
          3600,
        ),
      }),
    )
    expect(send(5_000, alb.listenerArn)['green']).toBeGreaterThan(1_000)
    await client.send(
      new ModifyListenerCommand({
        ListenerArn: alb.listenerArn,
        DefaultActions: forward([
          [blue, 1],
          [green, 0],
        ]),
      }),
    )
    expect(send(5_000, alb.listenerArn)['green']).toBeUndefined()
  })

  it('publishes RequestCount, 5XX and p99 TargetResponseTime per target group', () => {
    const alb = seed({ blue: 1, green: 1 })
    send(4_000, alb.listenerArn, { errorRates: { green: 0.2, blue: 0 }, latencyMs: { green: 400, blue: 40 } })
    const dims = (name: string) => ({ LoadBalancer: alb.loadBalancer, TargetGroup: (alb.groups[name] ?? '').split(':').at(-1) ?? '' })
    const sum = (metric: string, name: string) =>
      emulator.elbv2.traffic.datapoints(metric, dims(name), 'Sum', Date.now() - 60_000, Date.now() + 1000, 60).reduce((s, d) => s + d.value, 0)
    const requests = sum('RequestCount', 'green')
    expect(requests + sum('RequestCount', 'blue')).toBe(4_000)
    expect(sum('HTTPCode_Target_5XX_Count', 'green') / requests).toBeGreaterThan(0.15)
    expect(sum('HTTPCode_Target_5XX_Count', 'blue')).toBe(0)
    const p99 = (name: string) =>
      emulator.elbv2.traffic.datapoints('TargetResponseTime', dims(name), 'p99', Date.now() - 60_000, Date.now() + 1000, 60)[0]?.value ?? 0
    expect(p99('green')).toBeGreaterThan(5 * p99('blue'))
  })
})

describe('AWS/ApplicationELB metrics in CloudWatch', () => {
  it('publishes each finished second per target group: RequestCount, 5XX only when there were some, TargetResponseTime raw in seconds', async () => {
    const alb = seed({ blue: 1, green: 1 })
    const cloudWatch = new CloudWatchClient({ endpoint: emulator.url, region: 'us-east-1', credentials: FAKE_CREDENTIALS, maxAttempts: 1 })
    const past = Math.floor(Date.now() / 1000) * 1000 - 3_000
    const sent = emulator.elbv2.traffic.burst(
      { listenerArn: alb.listenerArn, rps: 0, errorRates: { green: 0.3, blue: 0 }, latencyMs: { green: 400, blue: 40 } },
      2_000,
      past,
    )
    // A second that is not over yet is not published.
    emulator.elbv2.traffic.burst({ listenerArn: alb.listenerArn, rps: 0 }, 100, past + 10_000)
    const query = (id: string, metric: string, group: string, stat: string) => ({
      Id: id,
      MetricStat: {
        Metric: {
          Namespace: 'AWS/ApplicationELB',
          MetricName: metric,
          Dimensions: [
            { Name: 'LoadBalancer', Value: alb.loadBalancer },
            { Name: 'TargetGroup', Value: (alb.groups[group] ?? '').split(':').at(-1) ?? '' },
          ],
        },
        Period: 60,
        Stat: stat,
      },
    })
    try {
      const answer = await cloudWatch.send(
        new GetMetricDataCommand({
          StartTime: new Date(past - 60_000),
          EndTime: new Date(past + 60_000),
          MetricDataQueries: [
            query('gr', 'RequestCount', 'green', 'Sum'),
            query('br', 'RequestCount', 'blue', 'Sum'),
            query('ge', 'HTTPCode_Target_5XX_Count', 'green', 'Sum'),
            query('be', 'HTTPCode_Target_5XX_Count', 'blue', 'Sum'),
            query('gl', 'TargetResponseTime', 'green', 'p99'),
            query('bl', 'TargetResponseTime', 'blue', 'p99'),
          ],
        }),
      )
      const values = Object.fromEntries((answer.MetricDataResults ?? []).map((r) => [r.Id, (r.Values ?? []).reduce((a, b) => a + b, 0)]))
      const empty = (answer.MetricDataResults ?? []).filter((r) => (r.Values ?? []).length === 0).map((r) => r.Id)
      expect(values['gr']).toBe(sent['green'])
      expect(values['br']).toBe(sent['blue'])
      expect((values['ge'] ?? 0) / (values['gr'] ?? 1)).toBeGreaterThan(0.25)
      expect(empty).toEqual(['be'])
      expect(values['gl']).toBeGreaterThan(0.4)
      expect(values['gl']).toBeLessThan(5)
      expect(values['gl']).toBeGreaterThan(5 * (values['bl'] ?? 0))
    } finally {
      cloudWatch.destroy()
    }
  })
})

describe('issue 18: the emulator as a witness for ALB mode', () => {
  it('CreateRule with Tags needs AddTags on the new rule; without it nothing is created', async () => {
    const alb = seed()
    const create = () =>
      client.send(
        new CreateRuleCommand({
          ListenerArn: alb.listenerArn,
          Priority: 5,
          Conditions: [{ Field: 'source-ip', SourceIpConfig: { Values: ['10.0.0.0/8'] } }],
          Actions: forward([[alb.groups['green'] ?? '', 1]]),
          Tags: [{ Key: 'canary-release:target', Value: 'green' }],
        }),
      )
    const rules = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/*'
    emulator.setPolicy({
      Statement: [
        { Action: ['elasticloadbalancing:CreateRule', 'elasticloadbalancing:Describe*'], Resource: '*' },
        { Action: 'elasticloadbalancing:AddTags', Resource: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/*' },
      ],
    })
    try {
      await expect(create()).rejects.toMatchObject({ name: 'AccessDenied', message: expect.stringContaining('elasticloadbalancing:AddTags') })
      expect(emulator.elbv2.rules(alb.listenerArn)).toEqual([])
      emulator.setPolicy({
        Statement: [
          { Action: ['elasticloadbalancing:CreateRule', 'elasticloadbalancing:Describe*'], Resource: '*' },
          { Action: 'elasticloadbalancing:AddTags', Resource: rules },
        ],
      })
      const made = (await create()).Rules?.[0]?.RuleArn ?? ''
      expect(emulator.elbv2.tags(made)).toEqual({ 'canary-release:target': 'green' })
    } finally {
      emulator.setPolicy(null)
    }
  })

  it('the DeleteRule fault switch fails the next N calls with a 500, then deletes', async () => {
    const alb = emulator.elbv2.seed({
      groups: [{ name: 'blue' }, { name: 'green' }],
      weights: { blue: 1 },
      rules: [{ priority: 3, conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/x'] } }], group: 'green' }],
    })
    const arn = alb.rules[0] ?? ''
    emulator.elbv2.failDeleteRule(2)
    for (let i = 0; i < 2; i++) await expect(client.send(new DeleteRuleCommand({ RuleArn: arn }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 500 } })
    await client.send(new DeleteRuleCommand({ RuleArn: arn }))
    expect(emulator.elbv2.rules(alb.listenerArn)).toEqual([])
  })

  it("keeps a rule's Transforms and the authenticate actions before its forward, and returns them", async () => {
    const alb = emulator.elbv2.seed({
      groups: [{ name: 'blue' }, { name: 'green' }],
      weights: { blue: 1 },
      rules: [
        {
          priority: 3,
          conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: ['a.example.com'] } }],
          group: 'green',
          before: [
            {
              Type: 'authenticate-cognito',
              AuthenticateCognitoConfig: {
                UserPoolArn: 'arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_X',
                UserPoolClientId: 'c',
                UserPoolDomain: 'd',
              },
            },
          ],
          transforms: [{ Type: 'url-rewrite', UrlRewriteConfig: { Rewrites: [{ Regex: '^/old/(.*)$', Replace: '/new/$1' }] } }],
        },
      ],
    })
    const [rule] = (await client.send(new DescribeRulesCommand({ RuleArns: alb.rules }))).Rules ?? []
    expect(rule?.Actions?.map((a) => [a.Type, a.Order])).toEqual([
      ['authenticate-cognito', 1],
      ['forward', 2],
    ])
    expect(rule?.Transforms).toEqual([{ Type: 'url-rewrite', UrlRewriteConfig: { Rewrites: [{ Regex: '^/old/(.*)$', Replace: '/new/$1' }] } }])
  })

  it('a group that refuses, resets or times out: ELB 502/504 under LoadBalancer only, connection errors and RequestCount per group', () => {
    const alb = seed({ blue: 1, green: 1 })
    const now = Math.floor(Date.now() / 1000) * 1000 - 5_000
    const sent = emulator.elbv2.traffic.burst(
      { listenerArn: alb.listenerArn, rps: 0, errorRates: { blue: 0, green: 0 }, failures: { green: { refuse: 0.1, reset: 0.2, timeout: 0.1 } } },
      6_000,
      now,
    )
    const group = (name: string) => ({ LoadBalancer: alb.loadBalancer, TargetGroup: (alb.groups[name] ?? '').split(':').at(-1) ?? '' })
    const lb = { LoadBalancer: alb.loadBalancer }
    const sum = (metric: string, dims: { LoadBalancer: string; TargetGroup?: string }) =>
      emulator.elbv2.traffic.datapoints(metric, dims, 'Sum', now - 60_000, now + 60_000, 60).reduce((s, d) => s + d.value, 0)
    const green = sent['green'] ?? 0
    // Every request a target was chosen for counts, answered or not.
    expect(sum('RequestCount', group('green'))).toBe(green)
    const answered = sum('HTTPCode_Target_2XX_Count', group('green')) + sum('HTTPCode_Target_5XX_Count', group('green'))
    expect((green - answered) / green).toBeGreaterThan(0.35)
    expect((green - answered) / green).toBeLessThan(0.45)
    expect(sum('HTTPCode_Target_2XX_Count', group('blue'))).toBe(sent['blue'])
    // Refused and timed-out connections are connection errors; a reset after the request is not.
    expect(sum('TargetConnectionErrorCount', group('green')) / green).toBeCloseTo(0.2, 1)
    expect(sum('TargetConnectionErrorCount', group('blue'))).toBe(0)
    // The load balancer's own answers have no TargetGroup dimension.
    expect(sum('HTTPCode_ELB_5XX_Count', group('green'))).toBe(0)
    expect(sum('HTTPCode_ELB_5XX_Count', lb)).toBe(green - answered)
    expect(sum('HTTPCode_ELB_502_Count', lb) + sum('HTTPCode_ELB_504_Count', lb)).toBe(green - answered)
    expect(sum('HTTPCode_ELB_504_Count', lb) / green).toBeCloseTo(0.1, 1)
    expect(sum('RequestCount', lb)).toBe(6_000)
  })
})

// Contract: every ELBv2 response above matches botocore's published model (query protocol XML).
contractCheck()
