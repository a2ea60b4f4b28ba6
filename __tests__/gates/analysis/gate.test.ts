import { CloudWatchClient, GetMetricDataCommand, type GetMetricDataCommandInput, type MetricDataResult } from '@aws-sdk/client-cloudwatch'
import { mockClient } from 'aws-sdk-client-mock'
import { beforeEach, describe, expect, it } from 'vitest'
import { FakeClock } from '../../../__fixtures__/clock.js'
import { reading, ScriptedGate } from '../../../__fixtures__/gate.js'
import { describeReading } from '../../../src/core/gate.js'
import { AnalysisGate } from '../../../src/gates/analysis/gate.js'
import { buildQueries, lambdaSubject, MAX_QUERIES_PER_CALL, type Subject } from '../../../src/gates/analysis/queries.js'
import type { RuleSettings } from '../../../src/gates/analysis/rule.js'
import { CombinedGate } from '../../../src/gates/combined.js'

const cloudWatch = mockClient(CloudWatchClient)
beforeEach(() => cloudWatch.reset())

const RULE: RuleSettings = { compare: ['errors'], errorRateTolerance: 0.01, durationTolerance: 0.2, minRequests: 0, noun: 'invocations' }
const fleet = (n: number): Subject[] => Array.from({ length: n }, (_, i) => lambdaSubject(`fn-${i}`, 'live', '1', '2'))

/** Answers every query from per-subject counts: [canaryInvocations, canaryErrors, stableInvocations, stableErrors, canaryP99, stableP99]. */
function answer(counts: (index: number) => number[]) {
  return (input: GetMetricDataCommandInput) => ({
    MetricDataResults: (input.MetricDataQueries ?? []).map((q): MetricDataResult => {
      const [, index, side, kind] = /^s(\d+)_([cs])([rel])$/.exec(q.Id ?? '') ?? []
      const c = counts(Number(index))
      const v = side === 'c' ? { r: c[0], e: c[1], l: c[4] }[kind ?? 'r'] : { r: c[2], e: c[3], l: c[5] }[kind ?? 'r']
      return { Id: q.Id, StatusCode: 'Complete', Timestamps: v === undefined ? [] : [new Date()], Values: v === undefined ? [] : [v] }
    }),
  })
}

function gate(subjects: Subject[], rule: RuleSettings = RULE, clock = new FakeClock()) {
  return new AnalysisGate({ client: new CloudWatchClient({ region: 'us-east-1' }), subjects: () => subjects, settings: rule, insufficientData: 'alarm', clock })
}

describe('query batching', () => {
  it('reads Sum of Invocations and Errors per version, p99 Duration only when durations are compared, MetricStat only', () => {
    const [subject] = fleet(1)
    const errorsOnly = buildQueries([subject!], false, 300)
    expect(errorsOnly.map((q) => `${q.MetricStat?.Metric?.MetricName}/${q.MetricStat?.Stat}`)).toEqual([
      'Invocations/Sum',
      'Errors/Sum',
      'Invocations/Sum',
      'Errors/Sum',
    ])
    const both = buildQueries([subject!], true, 300)
    expect(both).toHaveLength(6)
    expect(both.every((q) => q.Expression === undefined && q.MetricStat?.Period === 300)).toBe(true)
    expect(both[2]?.MetricStat).toMatchObject({ Stat: 'p99', Metric: { Namespace: 'AWS/Lambda', MetricName: 'Duration' } })
    expect(both[0]?.MetricStat?.Metric?.Dimensions).toEqual([
      { Name: 'FunctionName', Value: 'fn-0' },
      { Name: 'Resource', Value: 'fn-0:live' },
      { Name: 'ExecutedVersion', Value: '2' },
    ])
    expect(new Set(both.map((q) => q.Id)).size).toBe(6)
    expect(both.every((q) => /^[a-z][a-zA-Z0-9_]*$/.test(q.Id ?? ''))).toBe(true)
  })

  it('uses the bare function name from an ARN in the dimensions', () => {
    expect(lambdaSubject('arn:aws:lambda:us-east-1:123456789012:function:orders', 'live', '1', '2').label).toBe('orders:live')
  })

  it.each([
    [1, 1],
    [10, 1],
    [50, 1],
  ])('%i functions with errors and duration take %i GetMetricData call per poll', async (functions, calls) => {
    cloudWatch.on(GetMetricDataCommand).callsFake(answer(() => [100, 1, 900, 9, 50, 50]))
    const g = gate(fleet(functions), { ...RULE, compare: ['duration', 'errors'] })
    const result = await g.check(undefined, { stageStartedAt: Date.UTC(2026, 10, 23, 11, 58) })
    expect(result.status).toBe('pass')
    expect(cloudWatch.commandCalls(GetMetricDataCommand)).toHaveLength(calls)
    expect(cloudWatch.commandCalls(GetMetricDataCommand)[0]?.args[0].input.MetricDataQueries).toHaveLength(functions * 6)
    expect(g.lastCalls).toBe(calls)
  })

  it('splits past 500 queries into as few calls as fit', async () => {
    cloudWatch.on(GetMetricDataCommand).callsFake(answer(() => [100, 1, 900, 9]))
    // 126 subjects x 4 queries = 504: two calls.
    const g = gate(fleet(126))
    expect((await g.check(undefined, { stageStartedAt: 0 })).status).toBe('pass')
    const sizes = cloudWatch.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input.MetricDataQueries?.length)
    expect(sizes).toEqual([MAX_QUERIES_PER_CALL, 4])
  })
})

describe('AnalysisGate', () => {
  it('fails a bad canary, naming the function, with the figures', async () => {
    cloudWatch.on(GetMetricDataCommand).callsFake(answer((i) => (i === 1 ? [250, 78, 2300, 23] : [250, 2, 2300, 23])))
    const clock = new FakeClock()
    const g = gate(fleet(3), RULE, clock)
    const result = await g.check(undefined, { stageStartedAt: clock.now() - 90_000 })
    expect(result.status).toBe('fail')
    expect(result.reason).toBe('fn-1:live: canary error rate 31.2% vs stable 1.0% (tolerance 1%)')
    // Issue 21: the log's gate line carries the deciding figures too, the ones the summary shows.
    expect(describeReading(result)).toMatch(
      /^fn-1:live: canary error rate 31\.2% vs stable 1\.0% \(tolerance 1%\); .*analysis fn-1:live: canary 78\/250 errors \(31\.2%\)/,
    )
    const input = cloudWatch.commandCalls(GetMetricDataCommand)[0]?.args[0].input
    expect(input?.StartTime?.toISOString()).toBe('2026-11-23T11:58:00.000Z')
    expect(input?.EndTime?.toISOString()).toBe('2026-11-23T12:00:00.000Z')
    expect(g.stages.get(clock.now() - 90_000)?.reports[1]?.judgement.verdict).toBe('fail')
  })

  it('says so when neither version was invoked, and passes on the alarms alone', async () => {
    cloudWatch.on(GetMetricDataCommand).callsFake(answer(() => []))
    const result = await gate(fleet(1)).check(undefined, { stageStartedAt: 0 })
    expect(result.status).toBe('pass')
    expect(result.shortfall).toBeUndefined()
    expect(describeReading(result)).toBe('no alarms configured; analysis fn-0:live: no traffic to either version yet')
  })

  it('too few canary invocations are a shortfall: blocking under insufficient-data alarm, a warning under ok', async () => {
    cloudWatch.on(GetMetricDataCommand).callsFake(answer(() => [12, 0, 300, 3]))
    const rule = { ...RULE, minRequests: 100 }
    const blocking = await gate(fleet(1), rule).check(undefined, { stageStartedAt: 0 })
    expect(blocking).toMatchObject({ status: 'pass', shortfall: { reason: 'fn-0:live: 12 canary invocations, fewer than min-invocations 100', blocks: true } })
    const lenient = new AnalysisGate({
      client: new CloudWatchClient({ region: 'us-east-1' }),
      subjects: () => fleet(1),
      settings: rule,
      insufficientData: 'ok',
      clock: new FakeClock(),
    })
    expect((await lenient.check(undefined, { stageStartedAt: 0 })).shortfall?.blocks).toBe(false)
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
    cloudWatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [{ Id: 's0_cr', StatusCode: 'InternalError', Values: [] }] })
    const result = await gate(fleet(1)).check(undefined, { stageStartedAt: 0 })
    expect(result.status).toBe('inconclusive')
    expect(result.error).toContain('InternalError')
  })

  it('follows NextToken and adds up what each page returns', async () => {
    cloudWatch
      .on(GetMetricDataCommand)
      .resolvesOnce({
        MetricDataResults: [
          { Id: 's0_cr', StatusCode: 'PartialData', Values: [100] },
          { Id: 's0_ce', Values: [40] },
        ],
        NextToken: 't',
      })
      .resolves({
        MetricDataResults: [
          { Id: 's0_cr', StatusCode: 'Complete', Values: [100] },
          { Id: 's0_sr', Values: [1800] },
          { Id: 's0_se', Values: [18] },
        ],
      })
    const g = gate(fleet(1))
    const result = await g.check(undefined, { stageStartedAt: 0 })
    expect(result.status).toBe('fail')
    expect(result.reason).toContain('canary error rate 20.0% vs stable 1.0%')
    expect(g.lastCalls).toBe(2)
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
