import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch'
import { mockClient } from 'aws-sdk-client-mock'
import { beforeEach, describe, expect, it } from 'vitest'
import { FakeClock } from '../../../__fixtures__/clock.js'
import { ScriptedGate } from '../../../__fixtures__/gate.js'
import { RecordingLog } from '../../../__fixtures__/log.js'
import { type MinuteMetricsOptions, minuteMetrics, type SideTraffic, type TrafficAt } from '../../../__fixtures__/minute-metrics.js'
import { FakeProvider } from '../../../__fixtures__/provider.js'
import { Rollout } from '../../../src/core/engine.js'
import type { InsufficientDataPolicy } from '../../../src/core/inputs.js'
import { parseStages } from '../../../src/core/stages.js'
import type { RuleSettings } from '../../../src/gates/analysis/evidence.js'
import { AnalysisGate } from '../../../src/gates/analysis/gate.js'
import { lambdaSubject } from '../../../src/gates/analysis/queries.js'
import { CombinedGate } from '../../../src/gates/combined.js'

const cloudWatch = mockClient(CloudWatchClient)
beforeEach(() => cloudWatch.reset())

const RULE: RuleSettings = { compare: ['errors'], errorMargin: 1.1, errorFloor: 0.001, latencyMargin: 1.2, budget: 0.01, minRequests: 0, noun: 'invocations' }
const T0 = Date.UTC(2026, 10, 23, 12, 0, 30)

interface Setup {
  readonly stages?: string
  readonly rule?: Partial<RuleSettings>
  readonly delayMs?: number
  readonly insufficientData?: InsufficientDataPolicy
  readonly metrics?: MinuteMetricsOptions
}

/**
 * A rollout over one function whose traffic follows the provider's live weight: `total` calls a
 * second split by weight, each version at its own error rate (a function of time, for spikes).
 */
function rollout(clock: FakeClock, total: number, rates: (t: number) => { canary: number; stable: number }, setup: Setup = {}) {
  const provider = new FakeProvider()
  const log = new RecordingLog()
  const weights: { at: number; weight: number }[] = [{ at: 0, weight: 0 }]
  const weightAt = (t: number) => [...weights].reverse().find((w) => w.at <= t)?.weight ?? 0
  const traffic: TrafficAt = (t) => {
    const w = weightAt(t) / 100
    const r = rates(t)
    const side = (share: number, errorRate: number): SideTraffic => ({ perSecond: total * share, errorRate })
    return { canary: side(w, r.canary), stable: side(1 - w, r.stable) }
  }
  const metrics = minuteMetrics(clock, traffic, setup.metrics)
  cloudWatch.on(GetMetricDataCommand).callsFake(metrics.answer)
  const analysis = new AnalysisGate({
    client: new CloudWatchClient({ region: 'us-east-1' }),
    subjects: () => [lambdaSubject('fn', 'live', '1', '2')],
    settings: { ...RULE, ...setup.rule },
    insufficientData: setup.insufficientData ?? 'alarm',
    clock,
    metricsDelayMs: setup.delayMs ?? 120_000,
  })
  const engine = new Rollout({
    provider,
    gate: new CombinedGate(new ScriptedGate(), analysis, 'canary analysis (errors)'),
    clock,
    log,
    stages: parseStages(setup.stages ?? '10%:10m, 100%'),
    pollMs: 10_000,
    onEvent: (event) => weights.push({ at: event.at, weight: event.weight }),
  })
  return { engine, provider, log, analysis, reads: metrics.reads }
}

const steady = (canary: number, stable: number) => () => ({ canary, stable })

describe('canary analysis in the rollout', () => {
  it('rolls back a bad canary as soon as a settled minute shows it, long before the bake ends', async () => {
    const clock = new FakeClock(T0)
    const { engine, provider, log } = rollout(clock, 20, steady(0.3, 0.01))
    const outcome = await engine.run()
    expect(outcome.result).toBe('rolled-back')
    expect(outcome.reason).toMatch(
      /^fn:live: version 2 failed \d+ of \d+ invocations \(30\.\d%\) against version 1 \d+ of \d+ \(1\.0%\) over \d judged minutes? of this release/,
    )
    expect(provider.writes.map((w) => w.kind)).toEqual(['shift', 'rollback'])
    // The first settled minute is judged metrics-delay (2m) after it ends: within 4 minutes of going live.
    expect(outcome.stages[0]?.bakedMs).toBeLessThanOrEqual(240_000)
    expect(log.text()).toContain('judged through')
  })

  it('a healthy canary at the stable’s error rate promotes once its bake’s minutes are judged', async () => {
    const clock = new FakeClock(T0)
    const { engine, provider, log } = rollout(clock, 20, steady(0.02, 0.02))
    const outcome = await engine.run()
    expect(outcome.result).toBe('promoted')
    expect(outcome.stages[0]?.bakedMs).toBe(600_000)
    expect(provider.writes.map((w) => w.kind)).toEqual(['shift', 'promote'])
    // Pass late: the promote waits for the bake's last minute plus metrics-delay.
    const promote = outcome.events.find((e) => e.kind === 'promote')?.at ?? 0
    const bakeEnd = (outcome.events.find((e) => e.kind === 'shift')?.at ?? 0) + 600_000
    expect(promote).toBeGreaterThanOrEqual(Math.ceil(bakeEnd / 60_000) * 60_000 + 120_000)
    expect(promote).toBeLessThanOrEqual(bakeEnd + 120_000 + 60_000 + 10_000)
    expect(log.text()).toContain('Bake time is up; waiting for the metrics through')
    expect(outcome.stages[0]?.judgedMinutes).toBeGreaterThanOrEqual(10)
  })

  it('issue 20: metrics 65 s late and a 20 s bake: a canary failing 30% is not promoted before its data arrives', async () => {
    const clock = new FakeClock(T0)
    const { engine, provider } = rollout(clock, 20, steady(0.3, 0.01), {
      stages: '10%:20s, 100%',
      rule: { minRequests: 100 },
      metrics: { delayMs: { canary: 65_000, stable: 65_000 } },
    })
    const outcome = await engine.run()
    expect(outcome.result).toBe('rolled-back')
    // A 20 s stage lies inside the minutes of its shifts, which no stage judges: it has no evidence, and says how to get some.
    expect(outcome.reason).toMatch(/^fn:live: the canary got 0 invocations in this stage's judged minutes; the test needs 100/)
    expect(provider.writes.map((w) => w.kind)).toEqual(['shift', 'rollback'])
  })

  it('issue 20: a shared error spike late in the minute of a shift does not land on the canary', async () => {
    const clock = new FakeClock(T0)
    // The weight goes live at 12:00:30; both versions fail half their calls from 12:00:40 to 12:01:00.
    const spike = (t: number) => (t >= T0 + 10_000 && t < T0 + 30_000 ? 0.5 : 0.005)
    const { engine } = rollout(clock, 200, (t) => ({ canary: spike(t), stable: spike(t) }), { stages: '50%:5m, 100%' })
    const outcome = await engine.run()
    expect(outcome.reason).toBeUndefined()
    expect(outcome.result).toBe('promoted')
  })

  it('issue 20: metrics 65 s late, healthy canary, min-invocations 100: promoted (the final stage is not judged on an empty window)', async () => {
    const clock = new FakeClock(T0)
    const { engine } = rollout(clock, 20, steady(0.01, 0.01), { rule: { minRequests: 100 }, metrics: { delayMs: { canary: 65_000, stable: 65_000 } } })
    expect((await engine.run()).result).toBe('promoted')
  })

  it('issue 20: a 60 s downstream error spike on both versions, the stable’s series 15 s behind the canary’s, rolls nothing back', async () => {
    const clock = new FakeClock(T0)
    const spike = (t: number) => (t >= T0 + 150_000 && t < T0 + 210_000 ? 0.5 : 0.01)
    const { engine } = rollout(clock, 40, (t) => ({ canary: spike(t), stable: spike(t) }), {
      stages: '10%:5m, 100%',
      metrics: { delayMs: { canary: 50_000, stable: 65_000 } },
    })
    const outcome = await engine.run()
    expect(outcome.reason).toBeUndefined()
    expect(outcome.result).toBe('promoted')
  })

  it('issue 20: the window starts at the minute of this run’s first write; the canary version’s earlier failures are not counted', async () => {
    const clock = new FakeClock(T0)
    // Version 2 served (and failed) before this run: 50% of traffic at 30% errors until T0 - 5 min.
    const before = T0 - 300_000
    const { engine, reads, analysis } = rollout(clock, 20, (t) => (t < before ? { canary: 0.3, stable: 0.01 } : { canary: 0.01, stable: 0.01 }), {
      stages: '10%:5m, 100%',
    })
    const outcome = await engine.run()
    expect(outcome.result).toBe('promoted')
    const minuteReads = reads.filter((r) => r.periodS === 60)
    expect(new Set(minuteReads.map((r) => r.start))).toEqual(new Set([Date.UTC(2026, 10, 23, 12, 0)]))
    const stage = [...analysis.stages.values()][0]
    expect(stage?.reports[0]?.judgement.canary.errors).toBeLessThan(10)
  })

  it('issue 20: a 100% bake is compared with the stable’s own rate before promotion, never with nothing', async () => {
    const clock = new FakeClock(T0)
    // Healthy at 10%; version 2 fails 10% of its calls once it takes all traffic (the stable ran at 0.5%).
    let promotedAt = Number.POSITIVE_INFINITY
    const { engine, provider } = rollout(clock, 20, (t) => ({ canary: t >= promotedAt ? 0.1 : 0.005, stable: 0.005 }), {
      stages: '10%:5m, 100%:10m',
      metrics: { baseline: { requests: 72_000, errors: 360, p90Ms: 100 } },
    })
    const promote = provider.promote.bind(provider)
    provider.promote = async () => {
      promotedAt = clock.now()
      return promote()
    }
    const outcome = await engine.run()
    expect(outcome.result).toBe('rolled-back')
    expect(outcome.reason).toMatch(/^fn:live: version 2 failed \d+ of \d+ invocations \([1-9]\.\d%\) against version 1 \d+ of \d+ \(0\.5%\)/)
    // Judged on its minutes at 100%, where version 1 served nothing: after the promote.
    expect(outcome.events.find((e) => e.kind === 'rollback')?.weight).toBe(0)
    expect(provider.writes.map((w) => w.kind)).toEqual(['shift', 'promote', 'rollback'])
  })

  it('issue 20: too little canary traffic rolls back under insufficient-data alarm, naming got, needed and the fix', async () => {
    const clock = new FakeClock(T0)
    const { engine } = rollout(clock, 0.5, steady(0, 0.01), { rule: { minRequests: 100 }, stages: '1%:10m, 100%' })
    const outcome = await engine.run()
    expect(outcome.result).toBe('rolled-back')
    expect(outcome.reason).toMatch(
      /^fn:live: the canary got \d+ invocations in this stage's judged minutes; the test needs 100 \(min-invocations\) to see a 5× error regression\. Bake longer, raise the stage's weight, or set min-invocations: 0 to rely on the alarms alone$/,
    )
    expect(outcome.stages[0]?.bakedMs).toBe(600_000)
  })

  it('too little canary traffic passes with a warning under insufficient-data ok', async () => {
    const clock = new FakeClock(T0)
    const { engine, log } = rollout(clock, 0.5, steady(0, 0.01), { rule: { minRequests: 100 }, stages: '1%:10m, 100%', insufficientData: 'ok' })
    expect((await engine.run()).result).toBe('promoted')
    expect(log.text()).toMatch(/warning: Stage passes on too little evidence: fn:live: the canary got \d+ invocations/)
  })

  it('issue 20: no traffic at all says so loudly and the alarms decide', async () => {
    const clock = new FakeClock(T0)
    const { engine, log } = rollout(clock, 0, steady(0, 0), { rule: { minRequests: 100 }, stages: '10%:5m, 100%' })
    expect((await engine.run()).result).toBe('promoted')
    expect(log.text()).toMatch(/warning: Stage passes on too little evidence: NO TRAFFIC: neither version of fn:live served a single invocation in this stage/)
  })

  it('refuses before any write when GetMetricData is denied', async () => {
    const clock = new FakeClock(T0)
    const { engine, provider } = rollout(clock, 20, steady(0, 0))
    cloudWatch.reset()
    cloudWatch.on(GetMetricDataCommand).rejects(Object.assign(new Error('not authorized to perform: cloudwatch:GetMetricData'), { name: 'AccessDenied' }))
    const outcome = await engine.run()
    expect(outcome.result).toBe('refused')
    expect(outcome.reason).toContain('cloudwatch:GetMetricData')
    expect(provider.writes).toEqual([])
  })
})
