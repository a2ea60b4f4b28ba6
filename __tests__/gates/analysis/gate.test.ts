import { CloudWatchClient, GetMetricDataCommand, type GetMetricDataCommandInput, type MetricDataResult } from '@aws-sdk/client-cloudwatch'
import { mockClient } from 'aws-sdk-client-mock'
import { beforeEach, describe, expect, it } from 'vitest'
import { FakeClock } from '../../../__fixtures__/clock.js'
import { reading, ScriptedGate } from '../../../__fixtures__/gate.js'
import { describeReading } from '../../../src/core/gate.js'
import { AnalysisGate } from '../../../src/gates/analysis/gate.js'
import type { RuleSettings } from '../../../src/gates/analysis/evidence.js'
import { albSubject, buildQueries, lambdaSubject, MAX_QUERIES_PER_CALL, type Subject, slowStat } from '../../../src/gates/analysis/queries.js'
import { estimateWarnings } from '../../../src/gates/analysis/setup.js'
import { CombinedGate } from '../../../src/gates/combined.js'

const cloudWatch = mockClient(CloudWatchClient)
beforeEach(() => cloudWatch.reset())

const RULE: RuleSettings = { compare: ['errors'], errorMargin: 1.1, errorFloor: 0.001, latencyMargin: 1.2, budget: 0.01, minRequests: 0, noun: 'invocations' }
const fleet = (n: number): Subject[] => Array.from({ length: n }, (_, i) => lambdaSubject(`fn-${i}`, 'live', '1', '2'))
const NOW = Date.UTC(2026, 10, 23, 12, 0)

/** Answers every minute query from per-subject counts per minute: [canaryInvocations, canaryErrors, stableInvocations, stableErrors]. */
function answer(counts: (index: number) => number[], minutes = 5) {
  return (input: GetMetricDataCommandInput) => ({
    MetricDataResults: (input.MetricDataQueries ?? []).map((q): MetricDataResult => {
      const [, index, side, kind] = /^s(\d+)_([cs])(\w+)$/.exec(q.Id ?? '') ?? []
      const c = counts(Number(index))
      const v = side === 'c' ? { r: c[0], e: c[1], l: c[4] }[kind ?? 'r'] : { r: c[2], e: c[3], l: c[5] }[kind ?? 'r']
      const start = input.StartTime?.getTime() ?? 0
      const n = q.MetricStat?.Period === 60 ? Math.min(minutes, ((input.EndTime?.getTime() ?? 0) - start) / 60_000) : 1
      const at = Array.from({ length: v === undefined ? 0 : n }, (_, i) => new Date(start + i * 60_000))
      return { Id: q.Id, StatusCode: 'Complete', Timestamps: at, Values: at.map(() => v ?? 0) }
    }),
  })
}

function gate(subjects: Subject[], rule: RuleSettings = RULE, clock = new FakeClock(NOW), metricsDelayMs = 0) {
  return new AnalysisGate({
    client: new CloudWatchClient({ region: 'us-east-1' }),
    subjects: () => subjects,
    settings: rule,
    insufficientData: 'alarm',
    clock,
    metricsDelayMs,
  })
}

describe('query batching', () => {
  it('reads Sum of Invocations and Errors per version, latency only when durations are compared, MetricStat only', () => {
    const [subject] = fleet(1)
    const errorsOnly = buildQueries([subject!], [undefined], 60)
    expect(errorsOnly.map((q) => `${q.MetricStat?.Metric?.MetricName}/${q.MetricStat?.Stat}`)).toEqual([
      'Invocations/Sum',
      'Errors/Sum',
      'Invocations/Sum',
      'Errors/Sum',
    ])
    const both = buildQueries([subject!], [slowStat(subject!, 250)], 60)
    expect(both).toHaveLength(6)
    expect(both.every((q) => q.Expression === undefined && q.MetricStat?.Period === 60)).toBe(true)
    expect(both[2]?.MetricStat).toMatchObject({ Stat: 'TC(250:)', Metric: { Namespace: 'AWS/Lambda', MetricName: 'Duration' } })
    expect(both[0]?.MetricStat?.Metric?.Dimensions).toEqual([
      { Name: 'FunctionName', Value: 'fn-0' },
      { Name: 'Resource', Value: 'fn-0:live' },
      { Name: 'ExecutedVersion', Value: '2' },
    ])
    expect(new Set(both.map((q) => q.Id)).size).toBe(6)
    expect(both.every((q) => /^[a-z][a-zA-Z0-9_]*$/.test(q.Id ?? ''))).toBe(true)
  })

  it('issue 20: latency counts calls over the threshold in the metric’s own unit (ALB: seconds)', () => {
    const alb = albSubject(
      'listener',
      'app/web/1',
      'arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/blue/1',
      'arn:aws:elasticloadbalancing:us-east-1:1:targetgroup/green/2',
    )
    expect(slowStat(alb, 250)).toBe('TC(0.25:)')
  })

  it('uses the bare function name from an ARN in the dimensions', () => {
    expect(lambdaSubject('arn:aws:lambda:us-east-1:123456789012:function:orders', 'live', '1', '2').label).toBe('orders:live')
  })

  it.each([
    [1, 1],
    [10, 1],
    [50, 1],
  ])('%i functions with errors and duration take %i GetMetricData call per poll', async (functions, calls) => {
    cloudWatch.on(GetMetricDataCommand).callsFake(answer(() => [100, 1, 900, 9, 10, 90]))
    const g = gate(fleet(functions), { ...RULE, compare: ['duration', 'errors'] })
    await g.check() // the pre-flight's baseline: the stable's last hour
    cloudWatch.resetHistory()
    const result = await g.check(undefined, { stageStartedAt: NOW - 120_000 })
    expect(result.status).toBe('pass')
    expect(cloudWatch.commandCalls(GetMetricDataCommand)).toHaveLength(calls)
    expect(cloudWatch.commandCalls(GetMetricDataCommand)[0]?.args[0].input.MetricDataQueries).toHaveLength(functions * 6)
    expect(g.lastCalls).toBe(calls)
  })

  it('splits past 500 queries into as few calls as fit', async () => {
    cloudWatch.on(GetMetricDataCommand).callsFake(answer(() => [100, 1, 900, 9]))
    // 126 subjects x 4 queries = 504: two calls.
    const g = gate(fleet(126))
    await g.check()
    cloudWatch.resetHistory()
    expect((await g.check(undefined, { stageStartedAt: NOW - 120_000 })).status).toBe('pass')
    const sizes = cloudWatch.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input.MetricDataQueries?.length)
    expect(sizes).toEqual([MAX_QUERIES_PER_CALL, 4])
  })
})

describe('AnalysisGate', () => {
  it('fails a bad canary, naming the function, with the release’s judged figures', async () => {
    cloudWatch.on(GetMetricDataCommand).callsFake(answer((i) => (i === 1 ? [50, 15, 450, 4] : [50, 0, 450, 4]), 2))
    const clock = new FakeClock(NOW)
    const g = gate(fleet(3), RULE, clock)
    const result = await g.check(undefined, { stageStartedAt: NOW - 90_000 })
    expect(result.status).toBe('fail')
    expect(result.reason).toMatch(
      /^fn-1:live: version 2 failed 30 of 100 invocations \(30\.0%\) against version 1 8 of 900 \(0\.9%\) over 2 judged minutes of this release: more than 1\.1× as often \(chance between identical versions \d\.\de-\d+\)$/,
    )
    // Issue 21: the log's gate line carries the deciding figures too, the ones the summary shows.
    expect(describeReading(result)).toMatch(/; .*analysis fn-1:live: canary 23\/75 errors \(30\.7%\)/)
    const input = cloudWatch.commandCalls(GetMetricDataCommand).at(-1)?.args[0].input
    expect(input?.StartTime?.toISOString()).toBe('2026-11-23T11:58:00.000Z')
    expect(input?.EndTime?.toISOString()).toBe('2026-11-23T12:00:00.000Z')
    expect(g.stages.get(NOW - 90_000)?.reports[1]?.judgement.verdict).toBe('fail')
  })

  it('issue 20: judges only minutes that ended metrics-delay ago, and says through when', async () => {
    cloudWatch.on(GetMetricDataCommand).callsFake(answer(() => [50, 0, 450, 4]))
    const clock = new FakeClock(NOW + 200_000) // 12:03:20
    const g = gate(fleet(1), RULE, clock, 120_000)
    const result = await g.check(undefined, { stageStartedAt: NOW - 30_000, releaseStartedAt: NOW - 30_000 })
    const input = cloudWatch.commandCalls(GetMetricDataCommand).at(-1)?.args[0].input
    expect(input?.StartTime?.toISOString()).toBe('2026-11-23T11:59:00.000Z')
    // 12:03:20 - 2m = 12:01:20: minutes through 12:01:00 are settled.
    expect(input?.EndTime?.toISOString()).toBe('2026-11-23T12:01:00.000Z')
    expect(result.settledThrough).toBe(NOW + 60_000)
    expect(describeReading(result)).toContain('analysis judged through 12:01:00 (metrics-delay 2m)')
  })

  it('issue 20: before any minute has settled, the read passes without a call and judges nothing', async () => {
    cloudWatch.on(GetMetricDataCommand).callsFake(answer(() => [50, 50, 450, 0]))
    const g = gate(fleet(1), RULE, new FakeClock(NOW + 30_000), 120_000)
    await g.check()
    cloudWatch.resetHistory()
    const result = await g.check(undefined, { stageStartedAt: NOW })
    expect(result.status).toBe('pass')
    expect(cloudWatch.commandCalls(GetMetricDataCommand)).toHaveLength(0)
    expect(result.judgedMinutes).toBe(0)
  })

  it('says so loudly when neither version was invoked, and the alarms decide', async () => {
    cloudWatch.on(GetMetricDataCommand).callsFake(answer(() => []))
    const result = await gate(fleet(1), { ...RULE, minRequests: 100 }).check(undefined, { stageStartedAt: NOW - 120_000 })
    expect(result.status).toBe('pass')
    expect(result.shortfall).toEqual({
      reason:
        "NO TRAFFIC: neither version of fn-0:live served a single invocation in this stage, so the canary analysis judged nothing; the stage's alarms alone decided",
      blocks: false,
    })
    expect(describeReading(result)).toContain("analysis fn-0:live: no invocations to either version in this stage's 0 judged minutes")
  })

  it('too few canary invocations are a shortfall: blocking under insufficient-data alarm, a warning under ok', async () => {
    cloudWatch.on(GetMetricDataCommand).callsFake(answer(() => [6, 0, 150, 1], 2))
    const rule = { ...RULE, minRequests: 100 }
    const blocking = await gate(fleet(1), rule).check(undefined, { stageStartedAt: NOW - 120_000 })
    expect(blocking).toMatchObject({
      status: 'pass',
      shortfall: {
        reason:
          "fn-0:live: the canary got 12 invocations in this stage's judged minutes; the test needs 100 (min-invocations) to see a 5× error regression. " +
          "Bake longer, raise the stage's weight, or set min-invocations: 0 to rely on the alarms alone",
        blocks: true,
      },
    })
    const lenient = new AnalysisGate({
      client: new CloudWatchClient({ region: 'us-east-1' }),
      subjects: () => fleet(1),
      settings: rule,
      insufficientData: 'ok',
      clock: new FakeClock(NOW),
      metricsDelayMs: 0,
    })
    expect((await lenient.check(undefined, { stageStartedAt: NOW - 120_000 })).shortfall?.blocks).toBe(false)
  })

  it('issue 20: a minute where a version reports more errors than invocations is left out, and said so', async () => {
    cloudWatch.on(GetMetricDataCommand).callsFake(answer(() => [5, 40, 450, 4], 1))
    const result = await gate(fleet(1)).check(undefined, { stageStartedAt: NOW - 60_000 })
    expect(result.status).toBe('pass')
    expect(describeReading(result)).toContain('fn-0:live: left out 11:59:00: a version reported more errors than invocations')
  })

  it('issue 20: the plan estimates each stage’s canary invocations from the last hour and flags the short ones', async () => {
    cloudWatch.on(GetMetricDataCommand).callsFake(answer(() => [0, 0, 36_000, 36]))
    const g = gate(fleet(1), { ...RULE, minRequests: 100 })
    expect((await g.check()).notes).toEqual(['canary metrics readable for fn-0:live: 36000 invocations in the last hour'])
    const { lines, warnings } = estimateWarnings(g, [
      { weight: 1, bakeMs: 5 * 60_000 },
      { weight: 10, bakeMs: 10 * 60_000 },
      { weight: 100, bakeMs: 0 },
    ])
    expect(lines).toEqual([
      'Estimate from the last hour: fn-0:live at 1% should see about 30 canary invocations in its bake.',
      'Estimate from the last hour: fn-0:live at 10% should see about 600 canary invocations in its bake.',
    ])
    expect(warnings).toEqual([
      "fn-0:live: the 1% stage should see about 30 canary invocations (from the last hour's traffic), fewer than min-invocations 100: bake longer, raise the weight, or set min-invocations: 0 to rely on the alarms alone",
    ])
  })

  it('access denied is unreadable, naming cloudwatch:GetMetricData and analysis: none', async () => {
    const denied = Object.assign(new Error('User: arn:aws:iam::123456789012:user/ci is not authorized to perform: cloudwatch:GetMetricData'), {
      name: 'AccessDenied',
    })
    cloudWatch.on(GetMetricDataCommand).rejects(denied)
    const result = await gate(fleet(1)).check()
    expect(result.status).toBe('inconclusive')
    expect(result.error).toContain('cloudwatch:GetMetricData')
    expect(result.error).toContain('analysis: none')
  })

  it('a query CloudWatch could not answer makes the read unreadable, never a pass', async () => {
    cloudWatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 's0_sr', StatusCode: 'InternalError', Values: [] }] })
    const result = await gate(fleet(1)).check(undefined, { stageStartedAt: NOW - 120_000 })
    expect(result.status).toBe('inconclusive')
    expect(result.error).toContain('InternalError')
  })

  it('follows NextToken and adds up what each page returns', async () => {
    const at = [new Date(NOW - 60_000)]
    cloudWatch
      .on(GetMetricDataCommand)
      .resolvesOnce({ MetricDataResults: [] })
      .resolvesOnce({
        MetricDataResults: [
          { Id: 's0_cr', StatusCode: 'PartialData', Values: [100], Timestamps: at },
          { Id: 's0_ce', Values: [40], Timestamps: at },
        ],
        NextToken: 't',
      })
      .resolves({
        MetricDataResults: [
          { Id: 's0_cr', StatusCode: 'Complete', Values: [100], Timestamps: at },
          { Id: 's0_sr', Values: [1800], Timestamps: at },
          { Id: 's0_se', Values: [18], Timestamps: at },
        ],
      })
    const g = gate(fleet(1))
    const result = await g.check(undefined, { stageStartedAt: NOW - 60_000 })
    expect(result.status).toBe('fail')
    expect(result.reason).toContain('version 2 failed 40 of 200 invocations (20.0%) against version 1 18 of 1800 (1.0%)')
    expect(g.lastCalls).toBe(3)
  })
})

describe('CombinedGate', () => {
  it('a failing analysis fails the gate even when the alarms cannot be read; the alarm wins the reason when both fail', async () => {
    const analysisFails = new ScriptedGate(() => reading('pass', { status: 'fail', firing: [], reason: 'canary bad' }))
    const unreadable = new ScriptedGate(() => reading('inconclusive'))
    const both = await new CombinedGate(unreadable, analysisFails, 'canary analysis').check(undefined, { stageStartedAt: 0 })
    expect(both).toMatchObject({ status: 'fail', reason: 'canary bad', error: 'Rate exceeded' })
    const alarm = await new CombinedGate(new ScriptedGate(() => reading('fail')), analysisFails, 'canary analysis').check()
    expect(alarm.firing[0]?.name).toBe('errors-high')
  })

  it('an unreadable analysis makes green alarms inconclusive', async () => {
    const combined = new CombinedGate(
      new ScriptedGate(),
      new ScriptedGate(() => reading('inconclusive', { error: 'metrics down' })),
      'canary analysis (errors)',
    )
    expect(combined.names).toEqual(['errors-high', 'canary analysis (errors)'])
    expect(await combined.check()).toMatchObject({ status: 'inconclusive', error: 'metrics down' })
  })
})

describe('issue 20: a canary alone', () => {
  it('with no stable rate anywhere (no stable traffic in the hour before nor in the release) has too little evidence, saying why', async () => {
    cloudWatch.on(GetMetricDataCommand).callsFake(answer(() => [600, 0, 0, 0], 3))
    const g = gate(fleet(1), { ...RULE, minRequests: 100 })
    await g.check()
    const result = await g.check(undefined, { stageStartedAt: NOW - 180_000 })
    expect(result.shortfall).toEqual({
      reason:
        'fn-0:live: nothing to compare the canary with: version 1 served no invocations in the hour before the release nor during it. Add a stage below 100% before this one, or set min-invocations: 0 to rely on the alarms alone',
      blocks: true,
    })
  })
})

describe('issue 20: a minute without the stable’s datapoint', () => {
  it('is not judged below 100% (its series has not arrived), but at 100% the canary is compared with the stable’s own rate', async () => {
    // The canary fails 10% of its calls; the stable failed 1% over the hour before and has no datapoint now.
    const baselineThenCanaryOnly = (input: GetMetricDataCommandInput) =>
      q3600(input) ? answer(() => [0, 0, 60_000, 600])(input) : answer(() => [600, 60, 0, 0], 3)(input)
    const q3600 = (input: GetMetricDataCommandInput) => input.MetricDataQueries?.[0]?.MetricStat?.Period === 3600
    cloudWatch.on(GetMetricDataCommand).callsFake(baselineThenCanaryOnly)
    const partial = gate(fleet(1))
    await partial.check()
    expect((await partial.check(undefined, { stageStartedAt: NOW - 180_000, weight: 10 })).status).toBe('pass')
    const full = gate(fleet(1))
    await full.check()
    const result = await full.check(undefined, { stageStartedAt: NOW - 180_000, weight: 100 })
    expect(result.status).toBe('fail')
    expect(result.reason).toContain("against version 1's own rate before promotion, 1.0%")
  })
})
