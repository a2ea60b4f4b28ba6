/** Per-target-group canary analysis: the ALB subject, and the analysis gate reading the emulator's AWS/ApplicationELB metrics. */
import { CloudWatchClient, GetMetricDataCommand, type GetMetricDataCommandInput } from '@aws-sdk/client-cloudwatch'
import { mockClient } from 'aws-sdk-client-mock'
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { FakeClock } from '../../__fixtures__/clock.js'
import { type Emulator, startEmulator } from '../../emulator/server.js'
import { parseListener } from '../../src/alb/inputs.js'
import { ListenerProvider } from '../../src/alb/listener-provider.js'
import { albSubject, buildQueries, errorsOf, fetchMinutes, type Subject, slowStat } from '../../src/gates/analysis/queries.js'
import { analysisGateFor, describeAnalysis } from '../../src/gates/analysis/setup.js'
import { releaseWindow } from '../../src/gates/analysis/window.js'
import type { AnalysisSettings } from '../../src/core/inputs.js'
import { FAKE_CREDENTIALS } from '../e2e/seed.js'

const LISTENER = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2'
const BLUE = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-blue/73e2d6bc24d8a067'
const GREEN = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-green/943f017f100becff'
const SETTINGS: AnalysisSettings = { compare: ['errors'], errorRateTolerance: 0.001, durationTolerance: 0.2, minInvocations: 0, metricsDelayMs: 0 }
const CLASSES = ['HTTPCode_Target_2XX_Count', 'HTTPCode_Target_3XX_Count', 'HTTPCode_Target_4XX_Count', 'HTTPCode_Target_5XX_Count']

describe('ALB subject', () => {
  it('reads RequestCount, the targets’ response classes and latency per minute, by LoadBalancer and TargetGroup', () => {
    const subject = albSubject('web listener f2f7dc8e', parseListener(LISTENER).loadBalancer, BLUE, GREEN)
    expect(subject).toMatchObject({ label: 'web listener f2f7dc8e', canaryVersion: 'web-green', stableVersion: 'web-blue' })
    const queries = buildQueries([subject], [slowStat(subject, 300)], 60)
    const side = [
      'AWS/ApplicationELB RequestCount/Sum',
      'AWS/ApplicationELB HTTPCode_Target_5XX_Count/Sum',
      ...CLASSES.map((c) => `AWS/ApplicationELB ${c}/Sum`),
      'AWS/ApplicationELB TargetResponseTime/TC(0.3:)',
    ]
    expect(queries.map((q) => `${q.MetricStat?.Metric?.Namespace} ${q.MetricStat?.Metric?.MetricName}/${q.MetricStat?.Stat}`)).toEqual([...side, ...side])
    expect(queries[0]?.MetricStat?.Metric?.Dimensions).toEqual([
      { Name: 'LoadBalancer', Value: 'app/web/50dc6c495c0c9188' },
      { Name: 'TargetGroup', Value: 'targetgroup/web-green/943f017f100becff' },
    ])
    expect(queries[7]?.MetricStat?.Metric?.Dimensions?.[1]).toEqual({ Name: 'TargetGroup', Value: 'targetgroup/web-blue/73e2d6bc24d8a067' })
  })

  it('speaks of requests, not invocations', () => {
    expect(describeAnalysis({ ...SETTINGS, compare: ['duration', 'errors'] }, 'requests')).toContain(
      'more than 1.2× as many requests are slower than the stable',
    )
  })
})

describe('issue 18/20: a target group’s errors include the requests no target answered', () => {
  it('counts 5XX answers plus RequestCount minus every target response', () => {
    // 100 requests: 80 answered 2XX, 5 3XX, 5 4XX, 4 5XX; 6 got no target response (the load balancer sent 502/503/504).
    expect(errorsOf(100, 4, [80, 5, 5, 4])).toBe(10)
    expect(errorsOf(100, 0, [100, 0, 0, 0])).toBe(0)
    // A series ahead of the others never makes errors negative.
    expect(errorsOf(100, 0, [120, 0, 0, 0])).toBe(0)
    // Lambda: Errors as they are.
    expect(errorsOf(100, 7, undefined)).toBe(7)
  })

  it('reads them per group, per minute, from fake metric data', async () => {
    const cw = mockClient(CloudWatchClient)
    const minute = Date.UTC(2026, 10, 23, 12, 0)
    // Green: 200 requests, 150 2XX, 10 5XX, 40 unanswered (a target resetting connections). Blue: 1800 requests all 2XX.
    const values: Record<string, number> = { s0_cr: 200, s0_ce: 10, s0_cx0: 150, s0_cx3: 10, s0_sr: 1800, s0_sx0: 1800 }
    cw.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => ({
      MetricDataResults: (input.MetricDataQueries ?? []).map((q) => {
        const v = values[q.Id ?? '']
        return { Id: q.Id, StatusCode: 'Complete', Timestamps: v === undefined ? [] : [new Date(minute)], Values: v === undefined ? [] : [v] }
      }),
    }))
    const subject = albSubject('web', 'app/web/1', BLUE, GREEN)
    const window = releaseWindow(minute, minute + 60_000, 0)
    if (!window) throw new Error('no window')
    const { minutes } = await fetchMinutes(new CloudWatchClient({ region: 'us-east-1' }), [subject], window, [undefined])
    expect(minutes[0]).toEqual([{ at: minute, canary: { requests: 200, errors: 50, slow: undefined }, stable: { requests: 1800, errors: 0, slow: undefined } }])
    cw.restore()
  })
})

describe('ALB analysis on the emulator', () => {
  let emulator: Emulator
  let elb: ElasticLoadBalancingV2Client
  let cloudWatch: CloudWatchClient
  beforeAll(async () => {
    emulator = await startEmulator({ seed: 7 })
    const settings = { endpoint: emulator.url, region: 'us-east-1', credentials: FAKE_CREDENTIALS, maxAttempts: 1 }
    elb = new ElasticLoadBalancingV2Client(settings)
    cloudWatch = new CloudWatchClient(settings)
  })
  afterAll(async () => {
    elb.destroy()
    cloudWatch.destroy()
    await emulator.close()
  })
  beforeEach(() => emulator.reset())

  /** A listener at 10% green, inspected, with `count` requests sent in a second that is over (so published). */
  async function canaryWithTraffic(errorRates: Record<string, number>, count = 5_000, latencyMs?: Record<string, number>) {
    const alb = emulator.elbv2.seed({ groups: [{ name: 'blue' }, { name: 'green' }], weights: { blue: 9, green: 1 } })
    const provider = new ListenerProvider({
      client: elb,
      rollbackClient: elb,
      target: parseListener(alb.listenerArn),
      targetGroup: 'green',
      stickinessSeconds: undefined,
      users: [],
    })
    const subjects = () =>
      provider.stableGroup && provider.canaryGroup ? [albSubject(provider.resource, alb.loadBalancer, provider.stableGroup, provider.canaryGroup)] : []
    expect(subjects()).toEqual([])
    await provider.inspect()
    const at = Math.floor(Date.now() / 1000) * 1000 - 1_000
    emulator.elbv2.traffic.burst({ listenerArn: alb.listenerArn, rps: 0, errorRates, ...(latencyMs ? { latencyMs } : {}) }, count, at)
    return { provider, subjects, at }
  }

  /** The emulator publishes the targets' response classes once issue 18's traffic change is in; until then a group's answered requests are unknown. */
  async function publishesResponseClasses(subject: Subject | undefined, at: number): Promise<boolean> {
    if (!subject) return false
    const out = await cloudWatch.send(
      new GetMetricDataCommand({
        StartTime: new Date(Math.floor(at / 60_000) * 60_000),
        EndTime: new Date(Math.floor(at / 60_000) * 60_000 + 60_000),
        MetricDataQueries: [
          {
            Id: 'ok',
            MetricStat: {
              Metric: { Namespace: subject.namespace, MetricName: 'HTTPCode_Target_2XX_Count', Dimensions: [...subject.stable.dimensions] },
              Period: 60,
              Stat: 'Sum',
            },
          },
        ],
      }),
    )
    return (out.MetricDataResults?.[0]?.Values ?? []).length > 0
  }

  it('rolls back a canary group failing 30% against 0.1%, naming the listener and the figures, in one GetMetricData call', async () => {
    const { provider, subjects, at } = await canaryWithTraffic({ green: 0.3, blue: 0.001 })
    expect(await publishesResponseClasses(subjects()[0], at)).toBe(true)
    const gate = analysisGateFor({ analysis: SETTINGS, insufficientData: 'alarm' }, cloudWatch, new FakeClock(at + 5_000), subjects, 'requests')
    // The pre-flight read loads the stable's hour before the release (its p90 and error rate) once.
    await gate?.check()
    const reading = await gate?.check(undefined, { stageStartedAt: at, releaseStartedAt: at })
    expect(reading?.status).toBe('fail')
    expect(reading?.reason).toMatch(
      new RegExp(`^${provider.resource}: version (web-)?green failed \\d+ of \\d+ requests \\((2\\d|3\\d)\\.\\d%\\) against version (web-)?blue`),
    )
    expect(gate?.lastCalls).toBe(1)
  })

  it('passes a canary group as good as the stable', async () => {
    const { subjects, at } = await canaryWithTraffic({ green: 0.001, blue: 0.001 }, 5_000, { green: 40, blue: 40 })
    expect(await publishesResponseClasses(subjects()[0], at)).toBe(true)
    const window = releaseWindow(at, at + 5_000, 0)
    if (!window) throw new Error('no window')
    const { minutes } = await fetchMinutes(cloudWatch, subjects(), window, [undefined])
    const total = (minutes[0] ?? []).reduce((sum, m) => sum + m.canary.requests + m.stable.requests, 0)
    expect(total).toBe(5_000)
    const gate = analysisGateFor({ analysis: SETTINGS, insufficientData: 'alarm' }, cloudWatch, new FakeClock(at + 5_000), subjects, 'requests')
    expect((await gate?.check(undefined, { stageStartedAt: at, releaseStartedAt: at }))?.status).toBe('pass')
  })

  it('too few canary requests under min-invocations is a shortfall worded in requests; no traffic at all is said loudly, not a failure', async () => {
    const { provider, subjects, at } = await canaryWithTraffic({}, 200)
    const settings = { ...SETTINGS, minInvocations: 1_000 }
    const gate = analysisGateFor({ analysis: settings, insufficientData: 'alarm' }, cloudWatch, new FakeClock(at + 5_000), subjects, 'requests')
    const reading = await gate?.check(undefined, { stageStartedAt: at, releaseStartedAt: at })
    expect(reading?.shortfall).toEqual({
      reason: expect.stringMatching(
        new RegExp(`^${provider.resource}: the canary got \\d+ requests in this stage's judged minutes; the test needs 1000 \\(min-invocations\\)`),
      ),
      blocks: true,
    })
    // An hour later nothing was sent: neither group has a datapoint.
    const later = await gate?.check(undefined, { stageStartedAt: at + 3_600_000, releaseStartedAt: at + 3_600_000 })
    expect(later?.status).toBe('pass')
    expect(later?.shortfall?.reason).toMatch(/^NO TRAFFIC: neither version of .* served a single request in this stage/)
  })
})
