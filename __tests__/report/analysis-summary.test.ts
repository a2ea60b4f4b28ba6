import { describe, expect, it } from 'vitest'
import type { Outcome } from '../../src/core/engine.js'
import type { StageAnalysis } from '../../src/gates/analysis/gate.js'
import { albSubject, lambdaSubject } from '../../src/gates/analysis/queries.js'
import { judge, type RuleSettings } from '../../src/gates/analysis/rule.js'
import { renderSummary } from '../../src/report/summary.js'
import { reading } from '../../__fixtures__/gate.js'
import { describeReading } from '../../src/core/gate.js'
import { describeJudgement } from '../../src/gates/analysis/gate.js'

const t0 = Date.UTC(2026, 10, 23, 12)
const RULE: RuleSettings = { compare: ['errors', 'duration'], errorRateTolerance: 0.01, durationTolerance: 0.2, minRequests: 0, noun: 'invocations' }

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
const stage = (at: number, canary: [number, number, number], stable: [number, number, number]): StageAnalysis => ({
  stageStartedAt: at,
  at,
  reports: [
    {
      subject,
      judgement: judge({ requests: canary[0], errors: canary[1], p99: canary[2] }, { requests: stable[0], errors: stable[1], p99: stable[2] }, RULE),
    },
  ],
})

describe('summary with the canary analysis', () => {
  const stages = new Map([
    [t0, stage(t0, [0, 0, 0], [0, 0, 0])],
    [t0 + 300_000, stage(t0 + 300_000, [250, 78, 120], [2300, 23, 110])],
  ])
  const text = renderSummary(outcome(), {
    resource: 'orders:live',
    resourceLink: undefined,
    alarms: [{ name: 'orders-errors', link: 'https://console/alarm' }],
    members: [],
    analysis: { settings: 'errors (tolerance 1%) and p99 duration (tolerance 20%), min-invocations 0', stages },
  })

  it('issue 21: the stage table stays narrow; the analysis has a table of its own with both versions’ errors, error rate and p99, and the verdict', () => {
    expect(text).toContain('| Stage | Weight | Started (UTC) | Baked | Gate checks | Result |\n|---|---|---|---|---|---|\n')
    expect(text).toContain('| 2 | 25% | 12:05:00 | 40s of 5m | 4 | ❌ failed |\n')
    expect(text).toContain('| 3 | 100% | – | – | 0 | not reached |\n')
    expect(text).toContain('| Stage | Canary | Stable | Analysis |')
    expect(text).toContain('| 2 (25%) | 78/250 errors (31.2%), p99 120 ms | 23/2300 errors (1.0%), p99 110 ms | ❌ worse |')
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
    const [canary, stable] = row
      .split(' | ')
      .slice(1, 3)
      .map((c) => c.replace(/, p99 .*/, ''))
    expect(logLine).toContain(`canary ${canary}`)
    expect(logLine).toContain(`stable ${stable}`)
  })

  it('says in words that the analysis rolled back, with the figures', () => {
    expect(text).toContain('**Why:** orders:live: canary error rate 31.2% vs stable 1.0% (tolerance 1%)')
    expect(text).toMatch(
      /\*\*Canary analysis rolled back orders:live in stage 2:\*\* version 2 failed 78 of 250 invocations \(31\.2%\) while version 1 failed 23 of 2300 \(1\.0%\)/,
    )
  })

  it('says when a stage saw no traffic at all', () => {
    expect(text).toContain('| 1 (5%) | no invocations | no invocations | no traffic |')
    expect(text).toContain('No traffic reached either version of orders:live during stage 1: its evidence was its alarms alone.')
  })
})

describe('summary of an ALB analysis', () => {
  it('counts requests, names the target groups, and a short stage says too few requests', () => {
    const group = albSubject('web listener f2f7dc8e', 'app/web/50dc6c495c0c9188', 'arn:x:targetgroup/web-blue/1', 'arn:x:targetgroup/web-green/2')
    const rule: RuleSettings = { ...RULE, compare: ['errors'], minRequests: 100, noun: 'requests' }
    const report = (canary: [number, number], stable: [number, number]) => ({
      subject: group,
      judgement: judge({ requests: canary[0], errors: canary[1], p99: undefined }, { requests: stable[0], errors: stable[1], p99: undefined }, rule),
    })
    const stages = new Map([
      [t0, { stageStartedAt: t0, at: t0, reports: [report([40, 0], [400, 1])] }],
      [t0 + 300_000, { stageStartedAt: t0 + 300_000, at: t0 + 300_000, reports: [report([250, 78], [2300, 2])] }],
    ])
    const text = renderSummary(outcome(), {
      resource: 'web listener f2f7dc8e',
      resourceLink: undefined,
      alarms: [],
      members: [],
      analysis: { settings: 'canary vs stable error rate', stages, noun: 'requests' },
    })
    expect(text).toContain('| 0/40 errors (0.0%) | 1/400 errors (0.3%) | ⚠️ too few requests |')
    expect(text).toContain(
      '**Canary analysis rolled back web listener f2f7dc8e in stage 2:** version web-green failed 78 of 250 requests (31.2%) while version web-blue failed 2 of 2300',
    )
  })
})
