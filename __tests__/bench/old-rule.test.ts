import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { binomial, DEFAULT_RULE, falseRollbackRate } from '../../__fixtures__/canary-sim.js'
import { mulberry32 } from '../../emulator/prng.js'
import { alphaFor, judge, MIN_DURATION_SAMPLE, type RuleSettings } from '../../scripts/bench/old-rule.js'
import { fisherUpperTail, logFactorial, pooledZUpperTail } from '../../scripts/bench/old-rule.js'

const s = (requests: number, errors: number, p99?: number) => ({ requests, errors, p99 })

describe('statistics', () => {
  it('Fisher’s one-sided tail matches a hand-computed hypergeometric table', () => {
    // 3 of 4 errors on the canary, 5 canary and 5 stable requests: P(X>=3) = (C(4,3)C(6,2) + C(4,4)C(6,1)) / C(10,5).
    expect(fisherUpperTail(3, 5, 1, 5)).toBeCloseTo((4 * 15 + 1 * 6) / 252, 12)
    expect(fisherUpperTail(0, 5, 4, 5)).toBe(1)
  })

  it('the z-test agrees with Fisher’s test where counts are large', () => {
    const exact = fisherUpperTail(130, 1000, 1000, 9000)
    const z = pooledZUpperTail(130, 1000, 1000, 9000)
    expect(Math.abs(Math.log10(exact) - Math.log10(z))).toBeLessThan(0.3)
  })

  it('log-factorials are continuous where the table hands over to Stirling', () => {
    let direct = 0
    for (let n = 1; n <= 300; n++) direct += Math.log(n)
    expect(logFactorial(300)).toBeCloseTo(direct, 8)
  })
})

describe('decision rule', () => {
  it('rolls back a canary failing 31% of calls against a stable 1%, in words with the figures', () => {
    const j = judge(s(250, 78), s(2300, 23), DEFAULT_RULE)
    expect(j.verdict).toBe('fail')
    expect(j.reason).toBe('canary error rate 31.2% vs stable 1.0% (tolerance 1%)')
  })

  it('passes a canary within the tolerance, however significant', () => {
    // 1.8% vs 1.0% on a million calls is certain but under the 1-point tolerance.
    expect(judge(s(1_000_000, 18_000), s(9_000_000, 90_000), DEFAULT_RULE).verdict).toBe('pass')
  })

  it('passes a canary over the tolerance on too little evidence', () => {
    // 1 error in 20 calls (5%) vs 1%: over the tolerance, but one error proves nothing.
    expect(judge(s(20, 1), s(2000, 20), DEFAULT_RULE).verdict).toBe('pass')
  })

  it('says no-data when neither version was invoked, and insufficient below min-invocations', () => {
    expect(judge(s(0, 0), s(0, 0), DEFAULT_RULE)).toMatchObject({ verdict: 'no-data', reason: 'neither version had invocations in the window' })
    const j = judge(s(12, 0), s(100, 1), { ...DEFAULT_RULE, minRequests: 100 })
    expect(j).toMatchObject({ verdict: 'insufficient', reason: '12 canary invocations, fewer than min-invocations 100' })
  })

  it('a clearly bad canary fails even below min-invocations (fail fast does not wait for the minimum)', () => {
    expect(judge(s(30, 20), s(300, 3), { ...DEFAULT_RULE, minRequests: 100 }).verdict).toBe('fail')
  })

  it('compares p99 duration only on the minimum sample, against the relative tolerance', () => {
    const settings: RuleSettings = { ...DEFAULT_RULE, compare: ['errors', 'duration'] }
    const n = MIN_DURATION_SAMPLE
    expect(judge(s(n, 0, 300), s(n * 9, 0, 200), settings)).toMatchObject({
      verdict: 'fail',
      reason: 'canary p99 duration 300 ms vs stable 200 ms (tolerance 20%)',
    })
    expect(judge(s(n, 0, 239), s(n * 9, 0, 200), settings).verdict).toBe('pass')
    expect(judge(s(n - 1, 0, 900), s(n * 9, 0, 200), settings).verdict).toBe('pass')
    expect(judge(s(n, 0, 900), s(n * 9, 0, 200), DEFAULT_RULE).verdict).toBe('pass')
  })

  it('spends the 1% over the canary’s sample: the levels add up to at most 1%', () => {
    let total = 0
    for (let n = 10, last = 0; n < 1e12; n *= 2) {
      const a = alphaFor(n)
      expect(a).not.toBe(last)
      last = a
      total += a
    }
    expect(total).toBeLessThanOrEqual(0.01)
    expect(alphaFor(1)).toBe(alphaFor(10))
  })

  it('identical versions: at most 1% of 3,000 simulated stages roll back (every minute of each bake read; the benchmark runs 10,000)', () => {
    const { rate } = falseRollbackRate(3_000)
    expect(rate).toBeLessThanOrEqual(0.01)
  })

  it('identical versions never roll back on any one stage family more than 1.5% of the time', () => {
    // The rule's worst cases: little traffic, long bakes, many reads of small samples.
    fc.assert(
      fc.property(
        fc.constantFrom(0.01, 0.05, 0.2, 0.4),
        fc.constantFrom(0.05, 0.1, 0.5),
        fc.constantFrom(5, 30, 300),
        fc.integer(),
        (p, weight, perMinute, seed) => {
          const rand = mulberry32(seed)
          let rolledBack = 0
          const stages = 400
          for (let i = 0; i < stages; i++) {
            let c = s(0, 0)
            let st = s(0, 0)
            for (let minute = 0; minute < 30; minute++) {
              const total = binomial(rand, perMinute, 1)
              const toCanary = binomial(rand, total, weight)
              c = s(c.requests + toCanary, c.errors + binomial(rand, toCanary, p))
              st = s(st.requests + total - toCanary, st.errors + binomial(rand, total - toCanary, p))
              if (judge(c, st, DEFAULT_RULE).verdict === 'fail') {
                rolledBack += 1
                break
              }
            }
          }
          // 1% of 400 is 4; allow the sampling noise of a single family (about 2.5 standard deviations).
          expect(rolledBack).toBeLessThanOrEqual(9)
        },
      ),
      { seed: 42, numRuns: 6 },
    )
  })

  it('a canary at 10× the stable’s error rate is caught by the read that first shows 100 canary invocations', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.03, max: 0.1, noNaN: true }),
        fc.constantFrom(0.01, 0.05, 0.1, 0.2, 0.25),
        fc.integer({ min: 1, max: 50 }),
        fc.integer(),
        (p, weight, batch, seed) => {
          const rand = mulberry32(seed)
          let c = s(0, 0)
          let st = s(0, 0)
          let caught = false
          while (!caught && c.requests < 100) {
            const toCanary = Math.min(batch, 100 - c.requests)
            const toStable = Math.round((toCanary * (1 - weight)) / weight)
            c = s(c.requests + toCanary, c.errors + binomial(rand, toCanary, 10 * p))
            st = s(st.requests + toStable, st.errors + binomial(rand, toStable, p))
            caught = judge(c, st, DEFAULT_RULE).verdict === 'fail'
          }
          expect(caught).toBe(true)
        },
      ),
      { seed: 10, numRuns: 300 },
    )
  })
})
