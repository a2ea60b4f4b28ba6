import { CloudWatchClient, GetMetricDataCommand, type GetMetricDataCommandInput } from '@aws-sdk/client-cloudwatch'
import { mockClient } from 'aws-sdk-client-mock'
import { beforeEach, describe, expect, it } from 'vitest'
import { FakeClock } from '../../../__fixtures__/clock.js'
import { ScriptedGate } from '../../../__fixtures__/gate.js'
import { RecordingLog } from '../../../__fixtures__/log.js'
import { FakeProvider } from '../../../__fixtures__/provider.js'
import { Rollout } from '../../../src/core/engine.js'
import type { InsufficientDataPolicy } from '../../../src/core/inputs.js'
import { parseStages } from '../../../src/core/stages.js'
import { AnalysisGate } from '../../../src/gates/analysis/gate.js'
import { lambdaSubject } from '../../../src/gates/analysis/queries.js'
import { CombinedGate } from '../../../src/gates/combined.js'

const cloudWatch = mockClient(CloudWatchClient)
beforeEach(() => cloudWatch.reset())

/** CloudWatch as a stream: `perSecond` invocations per version since the window's start, errors at the given rates. */
function stream(clock: FakeClock, perSecond: { canary: number; stable: number }, errorRate: { canary: number; stable: number }) {
  const windows: { start: number; end: number }[] = []
  cloudWatch.on(GetMetricDataCommand).callsFake((input: GetMetricDataCommandInput) => {
    const start = input.StartTime?.getTime() ?? 0
    windows.push({ start, end: input.EndTime?.getTime() ?? 0 })
    const seconds = Math.max(0, (clock.now() - start) / 1000)
    return {
      MetricDataResults: (input.MetricDataQueries ?? []).map((q) => {
        const side = q.Id?.includes('_c') ? 'canary' : 'stable'
        const invocations = Math.floor(seconds * perSecond[side])
        const value = q.Id?.endsWith('r') ? invocations : Math.floor(invocations * errorRate[side])
        return { Id: q.Id, StatusCode: 'Complete', Values: [value], Timestamps: [new Date(start)] }
      }),
    }
  })
  return windows
}

function rollout(clock: FakeClock, minRequests = 0, insufficientData: InsufficientDataPolicy = 'alarm') {
  const provider = new FakeProvider()
  const log = new RecordingLog()
  const analysis = new AnalysisGate({
    client: new CloudWatchClient({ region: 'us-east-1' }),
    subjects: () => [lambdaSubject('fn', 'live', '1', '2')],
    settings: { compare: ['errors'], errorRateTolerance: 0.01, durationTolerance: 0.2, minRequests, noun: 'invocations' },
    insufficientData,
    clock,
  })
  const engine = new Rollout({
    provider,
    gate: new CombinedGate(new ScriptedGate(), analysis, 'canary analysis (errors)'),
    clock,
    log,
    stages: parseStages('10%:10m, 100%'),
    pollMs: 10_000,
  })
  return { engine, provider, log, analysis }
}

describe('canary analysis in the rollout', () => {
  it('rolls back a bad canary with green alarms on the first poll that shows it, long before the bake ends', async () => {
    const clock = new FakeClock(Date.UTC(2026, 10, 23, 12, 0, 30))
    const windows = stream(clock, { canary: 2, stable: 18 }, { canary: 0.3, stable: 0.01 })
    const { engine, provider, log } = rollout(clock)
    const outcome = await engine.run()
    expect(outcome.result).toBe('rolled-back')
    expect(outcome.reason).toMatch(/^fn:live: canary error rate 30\.\d% vs stable [01]\.\d% \(tolerance 1%\)$/)
    expect(outcome.alarm).toBeUndefined()
    expect(provider.writes.map((w) => w.kind)).toEqual(['shift', 'rollback'])
    // Well before the 10-minute bake: within the first minute of the stage.
    expect(outcome.stages[0]?.bakedMs).toBeLessThan(60_000)
    expect(log.text()).toContain('error: fn:live: canary error rate')
    // Every read of the stage starts its window at the minute the weight went live.
    expect(new Set(windows.slice(1).map((w) => w.start))).toEqual(new Set([Date.UTC(2026, 10, 23, 12, 0)]))
  })

  it('a healthy canary at the stable’s error rate promotes, and passes only at the end of the bake', async () => {
    const clock = new FakeClock()
    stream(clock, { canary: 2, stable: 18 }, { canary: 0.02, stable: 0.02 })
    const { engine, provider } = rollout(clock)
    const outcome = await engine.run()
    expect(outcome.result).toBe('promoted')
    expect(outcome.stages[0]?.bakedMs).toBe(600_000)
    expect(provider.writes.map((w) => w.kind)).toEqual(['shift', 'promote'])
  })

  it('min-invocations: too little canary traffic rolls back under insufficient-data alarm, at the end of the bake', async () => {
    const clock = new FakeClock()
    stream(clock, { canary: 0.05, stable: 18 }, { canary: 0, stable: 0.01 })
    const { engine } = rollout(clock, 100, 'alarm')
    const outcome = await engine.run()
    expect(outcome.result).toBe('rolled-back')
    expect(outcome.reason).toMatch(/^fn:live: \d+ canary invocations, fewer than min-invocations 100$/)
    expect(outcome.stages[0]?.bakedMs).toBe(600_000)
  })

  it('min-invocations: too little canary traffic passes with a warning under insufficient-data ok', async () => {
    const clock = new FakeClock()
    stream(clock, { canary: 0.05, stable: 18 }, { canary: 0, stable: 0.01 })
    const { engine, log } = rollout(clock, 100, 'ok')
    expect((await engine.run()).result).toBe('promoted')
    expect(log.text()).toMatch(/warning: Stage passes on too little evidence: fn:live: \d+ canary invocations, fewer than min-invocations 100/)
  })

  it('refuses before any write when GetMetricData is denied', async () => {
    cloudWatch.on(GetMetricDataCommand).rejects(Object.assign(new Error('not authorized to perform: cloudwatch:GetMetricData'), { name: 'AccessDenied' }))
    const clock = new FakeClock()
    const { engine, provider } = rollout(clock)
    const outcome = await engine.run()
    expect(outcome.result).toBe('refused')
    expect(outcome.reason).toContain('cloudwatch:GetMetricData')
    expect(outcome.reason).toContain('analysis: none')
    expect(provider.writes).toEqual([])
  })
})
