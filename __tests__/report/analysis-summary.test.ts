import { describe, expect, it } from 'vitest'
import type { Outcome } from '../../src/core/engine.js'
import type { RuleSettings } from '../../src/gates/analysis/evidence.js'
import { judgeSubject, type StageAnalysis } from '../../src/gates/analysis/gate.js'
import { albSubject, lambdaSubject, type Subject } from '../../src/gates/analysis/queries.js'
import { renderSummary } from '../../src/report/summary.js'
import { reading } from '../../__fixtures__/gate.js'
import { describeReading } from '../../src/core/gate.js'
import { describeJudgement } from '../../src/gates/analysis/gate.js'

const t0 = Date.UTC(2026, 10, 23, 12)
const RULE: RuleSettings = {
  compare: ['errors', 'duration'],
  errorMargin: 1.1,
  errorFloor: 0.001,
  latencyMargin: 1.2,
  budget: 0.01,
  minRequests: 0,
  noun: 'invocations',
}
const BASELINE = { requests: 60_000, errors: 600, p90Ms: 150 }

/** A stage judged on `minutes` one-minute samples from `at`, each with these counts: [requests, errors, slow] per version. */
function report(subject: Subject, rule: RuleSettings, at: number, minutes: number, canary: number[], stable: number[]) {
  const side = (c: number[]) => ({ requests: c[0] ?? 0, errors: c[1] ?? 0, slow: rule.compare.includes('duration') ? (c[2] ?? 0) : undefined })
  const samples = Array.from({ length: minutes }, (_, i) => ({ at: at + i * 60_000, canary: side(canary), stable: side(stable) }))
  return judgeSubject(subject, samples, { settings: rule, alpha: 0.005, baseline: BASELINE, stageFrom: at, settled: at + minutes * 60_000 })
}

function outcome(): Outcome {
  return {
    result: 'rolled-back',
    weight: 0,
    stableVersion: '1',
    targetVersion: '2',
    alarm: undefined,
    reason: 'orders:live: canary error rate 31.2% vs stable 1.0% (tolerance 1%)',
    stages: [
      { weight: 5, bakeMs: 300_000, startedAt: t0, bakedMs: 300_000, checks: 30, result: 'passed' },
      { weight: 25, bakeMs: 300_000, startedAt: t0 + 300_000, bakedMs: 40_000, checks: 4, result: 'failed' },
      { weight: 100, bakeMs: 0, startedAt: undefined, bakedMs: 0, checks: 0, result: 'pending' },
    ],
    events: [],
    insufficient: [],
    startedAt: t0,
    endedAt: t0 + 341_000,
    alreadyPromoted: false,
    needsCleanup: false,
  }
}

const subject = lambdaSubject('orders', 'live', '1', '2')
const stage = (at: number, minutes: number, canary: number[], stable: number[]): StageAnalysis => ({
  stageStartedAt: at,
  at,
  settledThrough: at + minutes * 60_000,
  minutes,
  reports: [report(subject, RULE, at, minutes, canary, stable)],
})

describe('summary with the canary analysis', () => {
  const stages = new Map([
    [t0, stage(t0, 0, [0, 0, 0], [0, 0, 0])],
    [t0 + 300_000, stage(t0 + 300_000, 2, [125, 39, 12], [1150, 12, 115])],
  ])
  const text = renderSummary(outcome(), {
    resource: 'orders:live',
    resourceLink: undefined,
    alarms: [{ name: 'orders-errors', link: 'https://console/alarm' }],
    members: [],
    analysis: { settings: 'errors (tolerance 1%) and p99 duration (tolerance 20%), min-invocations 0', stages },
  })

  it('issue 21: the stage table stays narrow; the analysis has a table of its own with both versions’ errors, slow calls and the verdict (issue 20: and its judged minutes)', () => {
    expect(text).toContain('| Stage | Weight | Started (UTC) | Baked | Gate checks | Result |\n|---|---|---|---|---|---|\n')
    expect(text).toContain('| 2 | 25% | 12:05:00 | 40s of 5m | 4 | ❌ failed |\n')
    expect(text).toContain('| 3 | 100% | – | – | 0 | not reached |\n')
    expect(text).toContain('| Stage | Canary | Stable | Analysis |')
    expect(text).toContain('| 2 (25%) | 78/250 errors (31.2%), 24 slow | 24/2300 errors (1.0%), 230 slow | ❌ worse · 2 min judged |')
    expect(text).not.toMatch(/\| 3 \(100%\)/)
    // At 1000 px a table of six short columns fits; no stage row is longer than 80 characters.
    const stageRows = text.split('\n').filter((l) => /^\| \d \| /.test(l))
    for (const row of stageRows) expect(row.length).toBeLessThanOrEqual(80)
  })

  it('issue 21: the failed stage shows the reading the log printed on its gate line', () => {
    const failed = stages.get(t0 + 300_000)?.reports[0]
    const logLine = describeReading({
      ...reading('fail', { firing: [], reason: `orders:live: ${failed?.judgement.reason ?? ''}` }),
      notes: [`analysis ${describeJudgement('orders:live', failed?.judgement ?? ({} as never))}`],
    })
    const row = text.split('\n').find((l) => l.startsWith('| 2 (25%) |')) ?? ''
    const [canary, stable] = row.split(' | ').slice(1, 3)
    expect(logLine).toContain(`canary ${canary}`)
    expect(logLine).toContain(`stable ${stable}`)
  })

  it('says in words that the analysis rolled back, with the figures it judged', () => {
    expect(text).toMatch(
      /\*\*Canary analysis rolled back orders:live in stage 2:\*\* version 2 failed 78 of 250 invocations \(31\.2%\) against version 1 24 of 2300 \(1\.0%\) over 2 judged minutes of this release/,
    )
  })

  it('says when a stage saw no traffic at all', () => {
    expect(text).toContain('| 1 (5%) | no invocations | no invocations | no traffic · 0 min judged |')
    expect(text).toContain('No traffic reached either version of orders:live during stage 1: its evidence was its alarms alone.')
  })
})

describe('summary of an ALB analysis', () => {
  it('counts requests, names the target groups, and a short stage says too few requests', () => {
    const group = albSubject('web listener f2f7dc8e', 'app/web/50dc6c495c0c9188', 'arn:x:targetgroup/web-blue/1', 'arn:x:targetgroup/web-green/2')
    const rule: RuleSettings = { ...RULE, compare: ['errors'], minRequests: 100, noun: 'requests' }
    const stages = new Map([
      [t0, { stageStartedAt: t0, at: t0, settledThrough: t0 + 60_000, minutes: 1, reports: [report(group, rule, t0, 1, [40, 0], [400, 1])] }],
      [
        t0 + 300_000,
        {
          stageStartedAt: t0 + 300_000,
          at: t0 + 300_000,
          settledThrough: t0 + 360_000,
          minutes: 1,
          reports: [report(group, rule, t0 + 300_000, 1, [250, 78], [2300, 2])],
        },
      ],
    ])
    const text = renderSummary(outcome(), {
      resource: 'web listener f2f7dc8e',
      resourceLink: undefined,
      alarms: [],
      members: [],
      analysis: { settings: 'canary vs stable error rate', stages, noun: 'requests' },
    })
    expect(text).toContain('| 0/40 errors (0.0%) | 1/400 errors (0.3%) | ⚠️ too few requests · 1 min judged |')
    expect(text).toContain(
      '**Canary analysis rolled back web listener f2f7dc8e in stage 2:** version web-green failed 78 of 250 requests (31.2%) against version web-blue 2 of 2300',
    )
  })
})
