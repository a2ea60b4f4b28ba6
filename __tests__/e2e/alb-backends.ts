/**
 * ALB backends for the e2e scenarios: an Application Load Balancer with a listener, target groups
 * with one registered target each, read back through the real ELBv2 SDK (so moto and the emulator
 * are judged by the same reads).
 *
 * moto 5.2.1 (checked by hand before relying on it): stores weighted ForwardConfigs with stickiness,
 * listener rules with conditions and tags, answers DescribeTargetHealth `healthy` for any registered
 * target (it runs no health checks), and needs real subnets (EC2 DescribeSubnets) to create an ALB.
 */
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DeregisterTargetsCommand,
  DescribeListenersCommand,
  DescribeRulesCommand,
  DescribeTagsCommand,
  ElasticLoadBalancingV2Client,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2'
import type { StateValue } from '@aws-sdk/client-cloudwatch'
import { startEmulator, type Emulator } from '../../emulator/server.js'
import { startMoto } from './moto.js'
import { FAKE_CREDENTIALS, putAlarm, REGION, setAlarm } from './seed.js'

export interface SeededAlb {
  readonly listenerArn: string
  readonly groups: Readonly<Record<string, string>>
}

/** An authenticate-cognito action ahead of the listener's forward. */
export interface CognitoLogin {
  readonly userPoolArn: string
  readonly clientId: string
  readonly domain: string
}

const cognitoAction = (login: CognitoLogin) => ({
  Type: 'authenticate-cognito' as const,
  AuthenticateCognitoConfig: { UserPoolArn: login.userPoolArn, UserPoolClientId: login.clientId, UserPoolDomain: login.domain },
})

export interface Forward {
  weights: Record<string, number>
  stickiness: number | undefined
}

export interface AlbBackend {
  readonly name: string
  readonly url: string
  readonly emulator: Emulator | undefined
  /** A load balancer `name` with groups blue, green and purple, and the listener forwarding by `weights` (after `login`, if given). */
  seed(name: string, weights: Record<string, number>, login?: CognitoLogin): Promise<SeededAlb>
  alarm(name: string, state: StateValue, reason?: string): Promise<void>
  forward(listenerArn: string): Promise<Forward>
  /** The listener's non-default rules: priority and the groups they forward to. */
  rules(listenerArn: string): Promise<{ priority: string; groups: string[] }[]>
  /** Each non-default rule's actions in order: `forward`, or `authenticate-cognito:POOL` for a login. */
  ruleActions(listenerArn: string): Promise<string[][]>
  tags(arn: string): Promise<Record<string, string>>
  /** Leaves the group (`green`, of load balancer `name`) with no healthy target. */
  sicken(name: string, group: string): Promise<void>
  stop(): Promise<void>
}

const GROUPS = ['blue', 'green', 'purple'] as const

function client(url: string): ElasticLoadBalancingV2Client {
  return new ElasticLoadBalancingV2Client({ endpoint: url, region: REGION, credentials: FAKE_CREDENTIALS, maxAttempts: 2 })
}

const nameOf = (arn: string | undefined): string => /:targetgroup\/([^/]+)\//.exec(arn ?? '')?.[1] ?? String(arn)
/** Groups are named `LB-blue`; the scenarios speak of `blue`. */
const short = (listenerArn: string, arn: string | undefined): string => nameOf(arn).replace(`${/\/app\/([^/]+)\//.exec(listenerArn)?.[1] ?? ''}-`, '')

function readers(url: string) {
  const elb = client(url)
  return {
    elb,
    async forward(listenerArn: string): Promise<Forward> {
      const listener = (await elb.send(new DescribeListenersCommand({ ListenerArns: [listenerArn] }))).Listeners?.[0]
      const forward = listener?.DefaultActions?.find((a) => a.Type === 'forward')
      const weights: Record<string, number> = {}
      for (const g of forward?.ForwardConfig?.TargetGroups ?? []) weights[short(listenerArn, g.TargetGroupArn)] = g.Weight ?? 1
      const sticky = forward?.ForwardConfig?.TargetGroupStickinessConfig
      return { weights, stickiness: sticky?.Enabled ? sticky.DurationSeconds : undefined }
    },
    async rules(listenerArn: string) {
      const rules = (await elb.send(new DescribeRulesCommand({ ListenerArn: listenerArn }))).Rules ?? []
      return rules
        .filter((r) => !r.IsDefault)
        .map((r) => ({
          priority: r.Priority ?? '',
          groups: (r.Actions?.find((a) => a.Type === 'forward')?.ForwardConfig?.TargetGroups ?? []).map((g) => short(listenerArn, g.TargetGroupArn)),
        }))
    },
    async ruleActions(listenerArn: string) {
      const rules = (await elb.send(new DescribeRulesCommand({ ListenerArn: listenerArn }))).Rules ?? []
      return rules
        .filter((r) => !r.IsDefault)
        .map((r) =>
          [...(r.Actions ?? [])]
            .sort((a, b) => (a.Order ?? 0) - (b.Order ?? 0))
            .map((a) => (a.Type === 'authenticate-cognito' ? `${a.Type}:${a.AuthenticateCognitoConfig?.UserPoolArn ?? ''}` : (a.Type ?? ''))),
        )
    },
    async tags(arn: string) {
      const tags = (await elb.send(new DescribeTagsCommand({ ResourceArns: [arn] }))).TagDescriptions?.[0]?.Tags ?? []
      return Object.fromEntries(tags.map((t) => [t.Key ?? '', t.Value ?? '']))
    },
  }
}

/** moto needs subnets and a VPC for an ALB: read its default ones through EC2's query API (no EC2 client is a dependency). */
async function defaultSubnets(url: string): Promise<{ vpc: string; subnets: string[] }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `AWS4-HMAC-SHA256 Credential=${FAKE_CREDENTIALS.accessKeyId}/20260101/${REGION}/ec2/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: 'Action=DescribeSubnets&Version=2016-11-15',
  })
  const xml = await response.text()
  const subnets = [...xml.matchAll(/<subnetId>([^<]+)</g)].map((m) => m[1] ?? '')
  return { vpc: /<vpcId>([^<]+)</.exec(xml)?.[1] ?? '', subnets: subnets.slice(0, 2) }
}

export async function motoAlbBackend(): Promise<AlbBackend> {
  const moto = await startMoto()
  const read = readers(moto.url)
  const { elb } = read
  const alarms = new Set<string>()
  const seeded = new Map<string, string>()
  return {
    name: 'moto',
    url: moto.url,
    emulator: undefined,
    async seed(name, weights, login) {
      const { vpc, subnets } = await defaultSubnets(moto.url)
      const lb = (await elb.send(new CreateLoadBalancerCommand({ Name: name, Subnets: subnets }))).LoadBalancers?.[0]?.LoadBalancerArn ?? ''
      const groups: Record<string, string> = {}
      for (const [i, group] of GROUPS.entries()) {
        const arn =
          (await elb.send(new CreateTargetGroupCommand({ Name: `${name}-${group}`, Protocol: 'HTTP', Port: 80, VpcId: vpc, TargetType: 'ip' })))
            .TargetGroups?.[0]?.TargetGroupArn ?? ''
        await elb.send(new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: `10.0.${i}.10`, Port: 80 }] }))
        groups[group] = arn
        seeded.set(`${name}-${group}`, arn)
      }
      const listener = await elb.send(
        new CreateListenerCommand({
          LoadBalancerArn: lb,
          Protocol: 'HTTP',
          Port: 80,
          DefaultActions: [
            ...(login ? [{ ...cognitoAction(login), Order: 1 }] : []),
            {
              Type: 'forward',
              ...(login ? { Order: 2 } : {}),
              ForwardConfig: { TargetGroups: Object.entries(weights).map(([g, w]) => ({ TargetGroupArn: groups[g], Weight: w })) },
            },
          ],
        }),
      )
      return { listenerArn: listener.Listeners?.[0]?.ListenerArn ?? '', groups }
    },
    async alarm(name, state, reason = `set to ${state} by the test`) {
      if (!alarms.has(name)) await putAlarm(moto.url, name)
      alarms.add(name)
      await setAlarm(moto.url, name, state, reason)
    },
    forward: read.forward,
    rules: read.rules,
    ruleActions: read.ruleActions,
    tags: read.tags,
    // moto runs no health checks (any registered target is healthy): the group loses its target instead.
    async sicken(name, group) {
      const arn = seeded.get(`${name}-${group}`) ?? ''
      const index = GROUPS.indexOf(group as (typeof GROUPS)[number])
      await elb.send(new DeregisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: `10.0.${index}.10`, Port: 80 }] }))
    },
    async stop() {
      elb.destroy()
      await moto.stop()
    },
  }
}

export async function emulatorAlbBackend(): Promise<AlbBackend> {
  const emulator = await startEmulator()
  const read = readers(emulator.url)
  return {
    name: 'emulator',
    url: emulator.url,
    emulator,
    async seed(name, weights, login) {
      const prefixed = Object.fromEntries(Object.entries(weights).map(([g, w]) => [`${name}-${g}`, w]))
      const alb = emulator.elbv2.seed({
        name,
        groups: GROUPS.map((g) => ({ name: `${name}-${g}` })),
        weights: prefixed,
        ...(login ? { before: [cognitoAction(login)] } : {}),
      })
      // The emulator health-checks only attached groups (as ALB does): attach the rest through a test listener.
      const idle = GROUPS.filter((g) => weights[g] === undefined).map((g) => ({ TargetGroupArn: alb.groups[`${name}-${g}`] ?? '', Weight: 1 }))
      if (idle.length > 0)
        emulator.state.elbv2.createListener(alb.loadBalancerArn, 8080, [{ Type: 'forward', Forward: { TargetGroups: idle, Stickiness: { Enabled: false } } }])
      return { listenerArn: alb.listenerArn, groups: Object.fromEntries(GROUPS.map((g) => [g, alb.groups[`${name}-${g}`] ?? ''])) }
    },
    async alarm(name, state, reason = `set to ${state} by the test`) {
      if (!emulator.state.cloudwatch.alarms.has(name)) emulator.seedAlarm(name, state, { reason })
      else emulator.setAlarmState(name, state, reason)
    },
    forward: read.forward,
    rules: read.rules,
    ruleActions: read.ruleActions,
    tags: read.tags,
    async sicken(name, group) {
      emulator.elbv2.setTargetHealth(`${name}-${group}`, 'unhealthy', 'Target.Timeout')
    },
    async stop() {
      read.elb.destroy()
      await emulator.close()
    },
  }
}
