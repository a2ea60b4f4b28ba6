/** Per-target-group canary analysis: the ALB subject, and the analysis gate reading the emulator's AWS/ApplicationELB metrics. */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch'
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { FakeClock } from '../../__fixtures__/clock.js'
import { type Emulator, startEmulator } from '../../emulator/server.js'
import { parseListener } from '../../src/alb/inputs.js'
import { ListenerProvider } from '../../src/alb/listener-provider.js'
import { albSubject, buildQueries, fetchStats } from '../../src/gates/analysis/queries.js'
import { analysisGateFor, describeAnalysis } from '../../src/gates/analysis/setup.js'
import { stageWindow } from '../../src/gates/analysis/window.js'
import type { AnalysisSettings } from '../../src/core/inputs.js'
import { FAKE_CREDENTIALS } from '../e2e/seed.js'

const LISTENER = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2'
const BLUE = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-blue/73e2d6bc24d8a067'
const GREEN = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web-green/943f017f100becff'
const SETTINGS: AnalysisSettings = { compare: ['errors'], errorRateTolerance: 0.01, durationTolerance: 0.2, minInvocations: 0 }

describe('ALB subject', () => {
  it('reads RequestCount and 5XX as Sum, TargetResponseTime as p99, by LoadBalancer and TargetGroup', () => {
    const subject = albSubject('web listener f2f7dc8e', parseListener(LISTENER).loadBalancer, BLUE, GREEN)
    expect(subject).toMatchObject({ label: 'web listener f2f7dc8e', canaryVersion: 'web-green', stableVersion: 'web-blue' })
    const queries = buildQueries([subject], true, 120)
    expect(queries.map((q) => `${q.MetricStat?.Metric?.Namespace} ${q.MetricStat?.Metric?.MetricName}/${q.MetricStat?.Stat}`)).toEqual([
      'AWS/ApplicationELB RequestCount/Sum',
      'AWS/ApplicationELB HTTPCode_Target_5XX_Count/Sum',
      'AWS/ApplicationELB TargetResponseTime/p99',
      'AWS/ApplicationELB RequestCount/Sum',
      'AWS/ApplicationELB HTTPCode_Target_5XX_Count/Sum',
      'AWS/ApplicationELB TargetResponseTime/p99',
    ])
    expect(queries[0]?.MetricStat?.Metric?.Dimensions).toEqual([
      { Name: 'LoadBalancer', Value: 'app/web/50dc6c495c0c9188' },
      { Name: 'TargetGroup', Value: 'targetgroup/web-green/943f017f100becff' },
    ])
    expect(queries[3]?.MetricStat?.Metric?.Dimensions?.[1]).toEqual({ Name: 'TargetGroup', Value: 'targetgroup/web-blue/73e2d6bc24d8a067' })
  })

  it('speaks of requests, not invocations', () => {
    expect(describeAnalysis({ ...SETTINGS, compare: ['duration', 'errors'] }, 'requests')).toContain('from 500 requests of each version')
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

  it('rolls back a canary group failing 30% against 0.1%, naming the listener and the rates, in one GetMetricData call', async () => {
    const { provider, subjects, at } = await canaryWithTraffic({ green: 0.3, blue: 0.001 })
    const gate = analysisGateFor({ analysis: SETTINGS, insufficientData: 'alarm' }, cloudWatch, new FakeClock(at + 5_000), subjects, 'requests')
    const reading = await gate?.check(undefined, { stageStartedAt: at })
    expect(reading?.status).toBe('fail')
    expect(reading?.reason).toMatch(new RegExp(`^${provider.resource}: canary error rate (2\\d|3\\d)\\.\\d% vs stable 0\\.\\d% \\(tolerance 1%\\)$`))
    expect(gate?.lastCalls).toBe(1)
  })

  it('passes a canary group as good as the stable, and reports its p99 in milliseconds', async () => {
    const { subjects, at } = await canaryWithTraffic({ green: 0.001, blue: 0.001 }, 5_000, { green: 200, blue: 40 })
    const fetched = await fetchStats(cloudWatch, subjects(), stageWindow(at, at + 5_000), true)
    const stats = fetched.stats[0]
    expect((stats?.canary.requests ?? 0) + (stats?.stable.requests ?? 0)).toBe(5_000)
    expect(stats?.canary.requests).toBeGreaterThan(350)
    // A 200 ms typical time has its p99 near 2.5 times that: hundreds of ms, not a fraction of one.
    expect(stats?.canary.p99).toBeGreaterThan(300)
    expect(stats?.canary.p99).toBeLessThan(2_000)
    expect(stats?.stable.p99).toBeLessThan(stats?.canary.p99 ?? 0)
    const gate = analysisGateFor({ analysis: SETTINGS, insufficientData: 'alarm' }, cloudWatch, new FakeClock(at + 5_000), subjects, 'requests')
    expect((await gate?.check(undefined, { stageStartedAt: at }))?.status).toBe('pass')
  })

  it('too few canary requests under min-invocations is a shortfall worded in requests; no traffic at all is no data, not a failure', async () => {
    const { provider, subjects, at } = await canaryWithTraffic({}, 200)
    const settings = { ...SETTINGS, minInvocations: 1_000 }
    const gate = analysisGateFor({ analysis: settings, insufficientData: 'alarm' }, cloudWatch, new FakeClock(at + 5_000), subjects, 'requests')
    const reading = await gate?.check(undefined, { stageStartedAt: at })
    expect(reading?.shortfall).toEqual({
      reason: expect.stringMatching(new RegExp(`^${provider.resource}: \\d+ canary requests, fewer than min-invocations 1000$`)),
      blocks: true,
    })
    // An hour later nothing was sent: neither group has a datapoint.
    const later = await gate?.check(undefined, { stageStartedAt: at + 3_600_000 })
    expect(later?.status).toBe('pass')
    expect(later?.notes).toEqual([`analysis ${provider.resource}: no traffic to either version yet`])
  })
})
