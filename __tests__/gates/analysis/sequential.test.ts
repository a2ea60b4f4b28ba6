import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { binomial } from '../../../__fixtures__/canary-sim.js'
import { mulberry32 } from '../../../emulator/prng.js'
import { EProcess, type MinuteCounts, normalQuantile, poissonRateUpperBound, releaseAlpha, sequentialVerdict } from '../../../src/gates/analysis/sequential.js'

interface Traffic {
  readonly perMinute: number
  readonly weight: number
  readonly stableRate: number
  readonly canaryRate: number
}

function minute(rand: () => number, t: Traffic): MinuteCounts {
  const total = binomial(rand, Math.round(t.perMinute * 2), 0.5)
  const c = binomial(rand, total, t.weight)
  const s = total - c
  return { canary: { trials: c, events: binomial(rand, c, t.canaryRate) }, stable: { trials: s, events: binomial(rand, s, t.stableRate) } }
}

/** The minute (1-based) at which the test rejects, reading after every minute; undefined if never. */
function rejectsAt(rand: () => number, t: Traffic, minutes: number, alpha: number, margin = 1.1): number | undefined {
  const process = new EProcess({ alpha, margin })
  for (let m = 1; m <= minutes; m++) {
    process.add(minute(rand, t))
    if (process.reject) return m
  }
  return undefined
}

describe('issue 20: the anytime-valid sequential test', () => {
  it('identical versions read every minute for an hour roll back at most alpha of the time', () => {
    const rand = mulberry32(20)
    const alpha = 0.05
    let rejected = 0
    const runs = 2000
    for (let i = 0; i < runs; i++) {
      const stableRate = [0.001, 0.01, 0.05, 0.2][i % 4] ?? 0.01
      const weight = [0.01, 0.1, 0.5][i % 3] ?? 0.1
      if (rejectsAt(rand, { perMinute: 600, weight, stableRate, canaryRate: stableRate }, 60, alpha, 1) !== undefined) rejected += 1
    }
    // Ville's inequality bounds it by alpha; the margin of 1.1 (not used here) only makes it rarer.
    expect(rejected / runs).toBeLessThan(alpha)
  })

  it('a canary failing exactly 1.1× as often as the stable stays within the margin', () => {
    const rand = mulberry32(7)
    let rejected = 0
    for (let i = 0; i < 500; i++) {
      if (rejectsAt(rand, { perMinute: 1200, weight: 0.2, stableRate: 0.02, canaryRate: 0.022 }, 30, 0.01) !== undefined) rejected += 1
    }
    expect(rejected / 500).toBeLessThan(0.01)
  })

  it('a 5× error regression at a 0.1% baseline is seen (the old absolute tolerance was blind to it)', () => {
    const rand = mulberry32(5)
    let caught = 0
    for (let i = 0; i < 200; i++) {
      if (rejectsAt(rand, { perMinute: 1200, weight: 0.1, stableRate: 0.001, canaryRate: 0.005 }, 30, releaseAlpha(0.01, 2)) !== undefined) caught += 1
    }
    expect(caught / 200).toBeGreaterThan(0.8)
  })

  it('a 10× error regression at 1% baseline, 5% weight and 20 req/s is caught within 3 settled minutes', () => {
    const rand = mulberry32(10)
    const at: number[] = []
    for (let i = 0; i < 200; i++) {
      at.push(rejectsAt(rand, { perMinute: 1200, weight: 0.05, stableRate: 0.01, canaryRate: 0.1 }, 30, releaseAlpha(0.01, 2)) ?? 99)
    }
    at.sort((a, b) => a - b)
    expect(at[Math.floor(at.length * 0.9)]).toBeLessThanOrEqual(3)
  })

  it('2× latency at 1% weight and 20 req/s is caught within a 30-minute bake (calls slower than the stable p90)', () => {
    // Lognormal latency: above the stable's p90 lie 10% of its calls, and of a 2× canary's 27.8% (sigma 1) or 54% (sigma 0.5).
    for (const canaryRate of [0.278, 0.54]) {
      const rand = mulberry32(2)
      let caught = 0
      for (let i = 0; i < 200; i++) {
        if (rejectsAt(rand, { perMinute: 1200, weight: 0.01, stableRate: 0.1, canaryRate }, 30, releaseAlpha(0.01, 2), 1.2) !== undefined) caught += 1
      }
      expect(caught / 200).toBeGreaterThan(0.97)
    }
  })

  it('identical latency is not a regression: 10% slower than the stable p90 on both sides, margin 1.2', () => {
    const rand = mulberry32(3)
    let rejected = 0
    for (let i = 0; i < 500; i++) {
      if (rejectsAt(rand, { perMinute: 1200, weight: 0.1, stableRate: 0.1, canaryRate: 0.1 }, 30, 0.01, 1.2) !== undefined) rejected += 1
    }
    expect(rejected).toBe(0)
  })

  it('rejects a pair whose errors exceed its invocations', () => {
    expect(() => sequentialVerdict([{ canary: { events: 5, trials: 3 }, stable: { events: 0, trials: 10 } }], { alpha: 0.01, margin: 1.1 })).toThrow(
      /5 events of 3 trials/,
    )
  })

  it('more canary errors in a minute never lower the evidence, and a minute without canary calls adds none', () => {
    const counts = fc.record({ trials: fc.integer({ min: 0, max: 500 }), share: fc.double({ min: 0, max: 1, noNaN: true }) })
    fc.assert(
      fc.property(fc.array(fc.tuple(counts, counts), { minLength: 1, maxLength: 10 }), fc.integer({ min: 1, max: 50 }), (pairs, extra) => {
        const minutes = pairs.map(([c, s]) => ({
          canary: { trials: c.trials, events: Math.floor(c.trials * c.share) },
          stable: { trials: s.trials, events: Math.floor(s.trials * s.share) },
        }))
        const base = sequentialVerdict(minutes, { alpha: 0.01, margin: 1.1 })
        const last = minutes.at(-1) as MinuteCounts
        const worse = { ...last, canary: { trials: last.canary.trials, events: Math.min(last.canary.trials, last.canary.events + extra) } }
        const more = sequentialVerdict([...minutes.slice(0, -1), worse], { alpha: 0.01, margin: 1.1 })
        expect(more.eValue).toBeGreaterThanOrEqual(base.eValue * (1 - 1e-9))
        const quiet = sequentialVerdict([...minutes, { canary: { trials: 0, events: 0 }, stable: { trials: 100, events: 50 } }], { alpha: 0.01, margin: 1.1 })
        expect(quiet.eValue).toBeCloseTo(base.eValue, 9)
      }),
    )
  })

  it('a 100% bake is compared with the stable’s own rate before promotion, never with nothing', () => {
    const reference = { events: 20, trials: 20_000 } // 0.1%
    const atFull = (events: number) => Array.from({ length: 10 }, () => ({ canary: { trials: 600, events }, stable: { trials: 0, events: 0 } }))
    expect(sequentialVerdict(atFull(30), { alpha: 0.01, margin: 1.1 }).reject).toBe(false) // no reference: not judged
    expect(sequentialVerdict(atFull(30), { alpha: 0.01, margin: 1.1 }).judgedMinutes).toBe(0)
    expect(sequentialVerdict(atFull(30), { alpha: 0.01, margin: 1.1, reference }).reject).toBe(true) // 5% vs 0.1%
    expect(sequentialVerdict(atFull(1), { alpha: 0.01, margin: 1.1, reference }).reject).toBe(false) // 0.17%: within the bound
  })

  it('the reference bound is an upper bound: Garwood’s 95% bound for 0 events in 1000 trials is 3/1000', () => {
    expect(poissonRateUpperBound({ events: 0, trials: 1000 }, 0.05)).toBeCloseTo(-Math.log(0.05) / 1000, 6)
    expect(poissonRateUpperBound({ events: 10, trials: 1000 }, 0.05)).toBeGreaterThan(0.01)
  })

  it('one budget per release: 1% split over subjects × metrics', () => {
    expect(releaseAlpha(0.01, 20)).toBeCloseTo(0.0005, 12)
    expect(releaseAlpha(0.01, 0)).toBe(0.01)
  })
})

describe('the reference bound’s large-count form', () => {
  it('agrees with the exact bound where they meet', () => {
    const exact = poissonRateUpperBound({ events: 200, trials: 10_000 }, 0.0025)
    const approx = poissonRateUpperBound({ events: 201, trials: 10_000 }, 0.0025)
    expect(Math.abs(approx - exact) / exact).toBeLessThan(0.01)
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5)
    expect(normalQuantile(0.01)).toBeCloseTo(-2.326348, 5)
  })
})
