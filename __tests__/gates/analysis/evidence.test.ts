import { describe, expect, it } from 'vitest'
import { binomial } from '../../../__fixtures__/canary-sim.js'
import { mulberry32 } from '../../../emulator/prng.js'
import { alphaFor, judgeRelease, type RuleSettings, stageFigures } from '../../../src/gates/analysis/evidence.js'
import type { MinuteSample } from '../../../src/gates/analysis/queries.js'

const RULE: RuleSettings = { compare: ['errors', 'duration'], errorMargin: 1.1, errorFloor: 0.001, latencyMargin: 1.2, budget: 0.01, minRequests: 0 }
const BASELINE = { requests: 60_000, errors: 600, p90Ms: 100 }
const T0 = Date.UTC(2026, 10, 23, 12)

function minutes(
  rand: () => number,
  count: number,
  perMinute: number,
  weight: number,
  errors: { canary: number; stable: number },
  slow = { canary: 0.1, stable: 0.1 },
): MinuteSample[] {
  return Array.from({ length: count }, (_, i) => {
    const c = binomial(rand, perMinute, weight)
    const s = perMinute - c
    return {
      at: T0 + i * 60_000,
      canary: { requests: c, errors: binomial(rand, c, errors.canary), slow: binomial(rand, c, slow.canary) },
      stable: { requests: s, errors: binomial(rand, s, errors.stable), slow: binomial(rand, s, slow.stable) },
    }
  })
}

describe('issue 20: one false-rollback budget per release', () => {
  it.each([10, 50])('%i identical functions, errors and duration, read every minute for 30 minutes: at most 1% of releases roll back', (functions) => {
    const rand = mulberry32(functions)
    const alpha = alphaFor(functions, RULE)
    expect(alpha).toBeCloseTo(0.01 / (functions * 2), 12)
    let rolledBack = 0
    const releases = 100
    for (let r = 0; r < releases; r++) {
      let failed = false
      for (let f = 0; f < functions && !failed; f++) {
        const all = minutes(rand, 30, 1200, [0.01, 0.1, 0.5][f % 3] ?? 0.1, { canary: 0.01, stable: 0.01 })
        // Read after every minute, as the gate does.
        for (let m = 1; m <= all.length && !failed; m += 5) {
          const j = judgeRelease(all.slice(0, m), RULE, alpha, BASELINE)
          failed = (j.errors?.failed ?? false) || (j.duration?.failed ?? false)
        }
      }
      if (failed) rolledBack += 1
    }
    expect(rolledBack / releases).toBeLessThanOrEqual(0.01)
  })

  it('a 10× regression in one function of fifty is still caught within minutes', () => {
    const rand = mulberry32(9)
    const alpha = alphaFor(50, RULE)
    const all = minutes(rand, 10, 1200, 0.05, { canary: 0.1, stable: 0.01 })
    const first = all.findIndex((_, i) => judgeRelease(all.slice(0, i + 1), RULE, alpha, BASELINE).errors?.failed)
    expect(first).toBeGreaterThanOrEqual(0)
    expect(first).toBeLessThan(4)
  })
})

describe('issue 20: the evidence judged', () => {
  it('leaves out a minute whose errors exceed its invocations (its series had not all arrived)', () => {
    const bad: MinuteSample = { at: T0, canary: { requests: 3, errors: 9, slow: 0 }, stable: { requests: 100, errors: 1, slow: 10 } }
    const j = judgeRelease([bad], RULE, 0.005, BASELINE)
    expect(j.rejected).toEqual([T0])
    expect(j.canary.requests).toBe(0)
    expect(j.errors?.failed).toBe(false)
  })

  it('the absolute floor withholds a rollback when the canary is only a hair worse, however sure the test', () => {
    const m = (i: number): MinuteSample => ({
      at: T0 + i * 60_000,
      canary: { requests: 100_000, errors: 150, slow: 0 },
      stable: { requests: 100_000, errors: 100, slow: 0 },
    })
    const all = Array.from({ length: 30 }, (_, i) => m(i))
    expect(judgeRelease(all, { ...RULE, compare: ['errors'], errorFloor: 0 }, 0.005, BASELINE).errors?.failed).toBe(true)
    expect(judgeRelease(all, { ...RULE, compare: ['errors'], errorFloor: 0.001 }, 0.005, BASELINE).errors?.failed).toBe(false)
  })

  it('a minute straddling a shift is split between the stages by time', () => {
    const m: MinuteSample = { at: T0, canary: { requests: 40, errors: 4, slow: 0 }, stable: { requests: 400, errors: 4, slow: 0 } }
    expect(stageFigures([m], T0 + 15_000, T0 + 600_000).canary).toEqual({ requests: 30, errors: 3, slow: 0 })
    expect(stageFigures([m], T0 - 600_000, T0 + 15_000).canary).toEqual({ requests: 10, errors: 1, slow: 0 })
  })

  it('2× latency: more calls over the stable’s p90 than 1.2× its share rolls back; the threshold is the stable’s p90', () => {
    const rand = mulberry32(4)
    const all = minutes(rand, 30, 1200, 0.01, { canary: 0.01, stable: 0.01 }, { canary: 0.278, stable: 0.1 })
    const j = judgeRelease(all, RULE, alphaFor(1, RULE), BASELINE)
    expect(j.duration?.thresholdMs).toBe(100)
    expect(j.duration?.failed).toBe(true)
    expect(judgeRelease(all, RULE, alphaFor(1, RULE), { ...BASELINE, p90Ms: undefined }).duration).toBeUndefined()
  })
})
