// Issue 21: the CodeDeploy summary, as a reader takes it in: where traffic is, a chart, what the gates saw.
import { describe, expect, it } from 'vitest'
import type { RuleSettings } from '../../src/gates/analysis/evidence.js'
import { judgeSubject, type StageAnalysis } from '../../src/gates/analysis/gate.js'
import { lambdaSubject } from '../../src/gates/analysis/queries.js'
import { type CodeDeployReport, renderCodeDeploySummary } from '../../src/report/codedeploy-summary.js'

const t0 = Date.UTC(2026, 10, 23, 12)
const RULE: RuleSettings = {
  compare: ['errors'],
  errorMargin: 1.1,
  errorFloor: 0.001,
  latencyMargin: 1.2,
  budget: 0.01,
  minRequests: 0,
  noun: 'invocations',
}
const subject = lambdaSubject('orders-worker', 'live', '1', '2')

function outcome(overrides: Partial<CodeDeployReport> = {}): CodeDeployReport {
  const row = (at: number, weight: number, polls: number) => ({
    at: t0 + at,
    deploymentId: 'd-1',
    status: 'InProgress',
    weight,
    instances: undefined,
    gate: 'OK',
    polls,
  })
  return {
    result: 'promoted',
    weight: 100,
    stableVersion: '1',
    targetVersion: '2',
    alarm: undefined,
    alarmName: undefined,
    reason: undefined,
    deployments: [{ id: 'd-1', group: 'orders-worker-live', kind: 'deployment', status: 'Succeeded' }],
    rows: [row(0, 10, 5), row(5_000, 100, 1)],
    callsPerPoll: 3,
    stopLatencyMs: undefined,
    configName: 'CodeDeployDefault.LambdaCanary10Percent5Minutes',
    restored: [],
    ...overrides,
  }
}

/** A stage judged on one settled minute with these counts: [requests, errors] per version. */
const read = (at: number, canary: [number, number], stable: [number, number]): StageAnalysis => {
  const side = ([requests, errors]: [number, number]) => ({ requests, errors, slow: undefined })
  const samples = [{ at, canary: side(canary), stable: side(stable) }]
  const baseline = { requests: 60_000, errors: 600, p90Ms: 150 }
  const judged = judgeSubject(subject, samples, { settings: RULE, alpha: 0.005, baseline, stageFrom: at, settled: at + 60_000 })
  return { stageStartedAt: at, at, settledThrough: at + 60_000, minutes: 1, reports: [judged] }
}

const context = {
  what: 'orders (orders-worker-live)',
  alarms: [{ name: 'orders-errors', link: 'https://console/alarm/orders-errors' }],
  deploymentLink: (id: string) => `https://console/deployments/${id}`,
  endedAt: t0 + 6_000,
}

describe('CodeDeploy summary', () => {
  it('says where traffic is now, draws the polls as a chart, and links the gate alarms', () => {
    const text = renderCodeDeploySummary(outcome(), context)
    expect(text).toContain('**Traffic now:** all on version 2 (was version 1).')
    expect(text).toContain('```mermaid')
    expect(text).toMatch(/bar \[10, 10, 10, 10, 10, 100\]/)
    expect(text).toContain('`✓ 0:06 promoted`')
    expect(text).toContain('**Gates:** [orders-errors](https://console/alarm/orders-errors)')
  })

  it('never says "Gate OK" when no traffic reached either version: says so, as the alias summary does', () => {
    const analysis = { settings: 'errors (tolerance 1%)', stages: new Map([[t0, read(t0, [0, 0], [0, 0])]]) }
    const text = renderCodeDeploySummary(outcome(), { ...context, analysis })
    expect(text).not.toMatch(/\| OK \|/)
    expect(text).toContain('| alarms OK |')
    expect(text).toContain('No traffic reached either version of orders (orders-worker-live) while the action watched')
    expect(text).toContain('the evidence was the alarms alone')
  })

  it('gives the analysis figures when there was traffic', () => {
    const analysis = { settings: 'errors (tolerance 1%)', stages: new Map([[t0 - 1, read(t0 - 1, [120, 1], [1080, 11])]]) }
    const text = renderCodeDeploySummary(outcome(), { ...context, analysis })
    expect(text).toContain('| Stage | Canary | Stable | Analysis |')
    expect(text).toContain('| 1 (10%) | 1/120 errors (0.8%) | 11/1080 errors (1.0%) | ✅ no worse · 1 min judged |')
    expect(text).not.toContain('No traffic reached')
  })

  it('a rollback by the canary analysis is marked "analysis", and traffic is back on the stable version', () => {
    const rows = [...outcome().rows.slice(0, 1), { ...outcome().rows[0], at: t0 + 4_000, gate: 'ALARM', polls: 1 }] as CodeDeployReport['rows']
    const text = renderCodeDeploySummary(
      outcome({ result: 'rolled-back', weight: 0, reason: 'orders-worker:live: canary error rate 30.0% vs stable 1.0%', rows }),
      context,
    )
    expect(text).toContain('**Traffic now:** all back on version 1; version 2 takes none.')
    expect(text).toMatch(/`⚠ 0:04 analysis: orders-worker:live: canary error rate 30\.0%.*` · `↩ 0:06 rolled back`/)
    expect(text).toContain('| failed |')
  })
})
