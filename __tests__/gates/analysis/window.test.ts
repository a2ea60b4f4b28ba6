import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { baselineWindow, MINUTE_MS, overlap, releaseWindow, settledThrough } from '../../../src/gates/analysis/window.js'

const at = (hh: number, mm: number, ss = 0, msec = 0) => Date.UTC(2026, 11, 1, hh, mm, ss, msec)

describe('issue 20: settled windows', () => {
  it('judges minutes that ended at least metrics-delay before the read, from the minute of the first write', () => {
    const w = releaseWindow(at(12, 3, 41), at(12, 9, 5), 120_000)
    expect([w?.startTime.toISOString(), w?.endTime.toISOString(), w?.periodS]).toEqual(['2026-12-01T12:03:00.000Z', '2026-12-01T12:07:00.000Z', 60])
    expect(settledThrough(at(12, 9, 5), 120_000)).toBe(at(12, 7))
  })

  it('has nothing to judge until the first minute has settled', () => {
    expect(releaseWindow(at(12, 3, 41), at(12, 5, 59), 120_000)).toBeUndefined()
    expect(releaseWindow(at(12, 3, 41), at(12, 6, 0), 120_000)?.endTime.toISOString()).toBe('2026-12-01T12:04:00.000Z')
  })

  it('metrics-delay 0s takes every datapoint as it is, the current minute included', () => {
    const w = releaseWindow(at(12, 3, 41), at(12, 3, 50), 0)
    expect([w?.startTime.toISOString(), w?.endTime.toISOString()]).toEqual(['2026-12-01T12:03:00.000Z', '2026-12-01T12:04:00.000Z'])
    expect(settledThrough(at(12, 3, 50), 0)).toBe(at(12, 3, 50))
  })

  it('the baseline is the hour before, in whole minutes, as one period', () => {
    const w = baselineWindow(at(12, 3, 30))
    expect([w.startTime.toISOString(), w.endTime.toISOString(), w.periodS]).toEqual(['2026-12-01T11:03:00.000Z', '2026-12-01T12:03:00.000Z', 3600])
  })

  it('a minute straddling a shift belongs to both stages in proportion', () => {
    expect(overlap(at(12, 3), at(12, 3, 15), at(12, 10))).toBeCloseTo(0.75, 12)
    expect(overlap(at(12, 3), at(12, 0), at(12, 3, 15))).toBeCloseTo(0.25, 12)
    expect(overlap(at(12, 3), at(12, 4), at(12, 10))).toBe(0)
  })

  it('never judges a minute before the first write’s minute, nor one that has not settled', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1e12 }),
        fc.integer({ min: 0, max: 48 * 3_600_000 }),
        fc.integer({ min: 0, max: 600_000 }),
        (live, elapsed, delay) => {
          const now = live + elapsed
          const w = releaseWindow(live, now, delay)
          if (!w) return
          expect(w.startTime.getTime()).toBe(Math.floor(live / MINUTE_MS) * MINUTE_MS)
          expect(w.endTime.getTime() % MINUTE_MS).toBe(0)
          if (delay > 0) expect(w.endTime.getTime()).toBeLessThanOrEqual(now - delay)
          expect(w.endTime.getTime()).toBeGreaterThan(w.startTime.getTime())
        },
      ),
      { seed: 3 },
    )
  })
})
