import { describe, expect, it } from 'vitest'
import type { Outcome } from '../../src/core/engine.js'
import { MAX_STAGES } from '../../src/core/stages.js'
import { renderSummary, SUMMARY_LIMIT, trafficLine } from '../../src/report/summary.js'
import { MAX_FUNCTIONS } from '../../src/core/inputs.js'

const t0 = Date.UTC(2026, 10, 23, 12)

function outcome(overrides: Partial<Outcome> = {}): Outcome {
  return {
    result: 'rolled-back',
    weight: 0,
    stableVersion: '4',
    targetVersion: '5',
    alarm: { name: 'errors', state: 'ALARM', reason: 'Threshold | crossed\nbadly', updatedAt: undefined, link: 'https://console/errors' },
    reason: 'alarm "errors" is ALARM',
    stages: [
      { weight: 10, bakeMs: 60_000, startedAt: t0, bakedMs: 60_000, checks: 7, result: 'passed' },
      { weight: 50, bakeMs: 60_000, startedAt: t0 + 60_000, bakedMs: 20_000, checks: 3, result: 'failed' },
      { weight: 100, bakeMs: 0, startedAt: undefined, bakedMs: 0, checks: 0, result: 'pending' },
    ],
    events: [
      { at: t0, kind: 'shift', weight: 10, detail: '' },
      { at: t0 + 60_000, kind: 'shift', weight: 50, detail: '' },
      { at: t0 + 80_000, kind: 'alarm', weight: 50, detail: 'alarm "errors" is ALARM' },
      { at: t0 + 80_500, kind: 'rollback', weight: 0, detail: '' },
    ],
    insufficient: ['latency'],
    startedAt: t0,
    endedAt: t0 + 81_000,
    alreadyPromoted: false,
    needsCleanup: false,
    ...overrides,
  }
}

const context = { resource: 'orders:live', resourceLink: 'https://console/alias', alarms: [{ name: 'errors', link: 'https://console/errors' }], members: [] }

describe('renderSummary', () => {
  it('leads with the outcome and where traffic is, then the stage table', () => {
    const text = renderSummary(outcome(), context)
    expect(text).toContain('## Canary release of [orders:live](https://console/alias): ↩️ Rolled back')
    expect(text).toContain('**Traffic now:** all back on version 4; version 5 takes none.')
    expect(text).toContain('| 2 | 50% | 12:01:00 | 20s of 1m | 3 | ❌ failed |')
    expect(text).toContain('Alarm [errors](https://console/errors) was **ALARM**: Threshold \\| crossed badly')
    expect(text).toContain('INSUFFICIENT_DATA during the rollout: latency')
  })

  it('draws the weight over time as a mermaid chart, the alarm marked on the time axis', () => {
    const text = renderSummary(outcome(), context)
    expect(text).toContain('```mermaid\n%%{init:')
    expect(text).toContain('xychart-beta')
    // 81 s on a 5 s grid: 10% for the first minute, 50% until the rollback at 1:20.5; the last second joins the slot before.
    expect(text).toContain(`bar [${[...Array(12).fill(10), ...Array(4).fill(50)].join(', ')}]`)
    expect(text).not.toContain('line [')
    expect(text).toContain('"1:20 ⚠↩"]')
    expect(text).toContain('`⚠ 1:20 alarm: alarm "errors" is ALARM` · `↩ 1:20 rolled back`')
  })

  it("issue 21: after a canary users stage, each weight says the users' rule adds to it, in the table and the traffic line", () => {
    const stages: Outcome['stages'] = [
      { weight: 0, users: true, bakeMs: 60_000, startedAt: t0, bakedMs: 60_000, checks: 7, result: 'passed' },
      { weight: 10, bakeMs: 60_000, startedAt: t0 + 60_000, bakedMs: 60_000, checks: 7, result: 'passed' },
    ]
    const text = renderSummary(outcome({ result: 'held', weight: 10, alarm: undefined, reason: undefined, stages }), context)
    expect(text).toContain('| 1 | canary users | 12:00:00 | 1m of 1m | 7 | ✅ passed |')
    expect(text).toContain('| 2 | 10% + canary users | 12:01:00 | 1m of 1m | 7 | ✅ passed |')
    expect(text).toContain("**Traffic now:** version 5 takes 10% plus the canary users' requests (their rule stays), version 4 the rest.")
  })

  it('puts a banner on a hold: traffic is split, and how to promote or roll back', () => {
    const text = renderSummary(outcome({ result: 'held', weight: 50, alarm: undefined, reason: undefined }), context)
    expect(text).toContain(
      '> [!IMPORTANT]\n> orders:live is held with traffic split: version 5 takes 50%, version 4 the rest, until another run moves it. ' +
        'To promote, run the action again with stages that end at 100% (it resumes above the held weight); to roll back, run it with mode: rollback.',
    )
    expect(renderSummary(outcome(), context)).not.toContain('[!IMPORTANT]')
  })

  it('does not link a gate alarm that does not exist (a refused run)', () => {
    const text = renderSummary(outcome({ result: 'refused', reason: 'alarm not found: "erors"', alarm: undefined }), {
      ...context,
      alarms: [
        { name: 'erors', link: 'https://console/erors', found: false },
        { name: 'latency', link: 'https://console/latency' },
      ],
    })
    expect(text).toContain('**Gates:** `erors` (not found), [latency](https://console/latency)')
    expect(text).not.toContain('https://console/erors')
  })

  it.each([
    ['promoted', 'all on version 5 (was version 4).'],
    ['held', 'version 5 takes 10%, version 4 the rest.'],
    ['refused', 'unchanged: the rollout stopped before its first write.'],
  ] as const)('says plainly where traffic is after %s', (result, line) => {
    expect(trafficLine(outcome({ result, weight: result === 'held' ? 10 : 100 }))).toContain(line)
  })

  it("stays far below GitHub's 1 MiB summary limit at the largest inputs allowed", () => {
    const stages = Array.from({ length: MAX_STAGES }, (_, i) => ({
      weight: i + 1,
      bakeMs: 60_000,
      startedAt: t0 + i * 60_000,
      bakedMs: 60_000,
      checks: 60,
      result: 'passed' as const,
    }))
    const events = stages.map((s) => ({ at: s.startedAt, kind: 'shift' as const, weight: s.weight, detail: 'x'.repeat(200) }))
    const members = Array.from({ length: MAX_FUNCTIONS }, (_, i) => ({
      resource: `${'f'.repeat(64)}${i}:live`,
      link: 'https://console/x',
      stableVersion: '1',
      targetVersion: '2',
      weight: 50,
    }))
    const alarms = Array.from({ length: 250 }, (_, i) => ({ name: `${'a'.repeat(250)}${i}`, link: `https://console/${i}` }))
    const text = renderSummary(outcome({ stages, events }), { ...context, members, alarms })
    expect(Buffer.byteLength(text)).toBeLessThan(SUMMARY_LIMIT / 4)
  })
})
