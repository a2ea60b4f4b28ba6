import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { MINUTE_MS, preflightWindow, stageWindow } from '../../../src/gates/analysis/window.js'

const at = (hh: number, mm: number, ss = 0, msec = 0) => Date.UTC(2026, 11, 1, hh, mm, ss, msec)

describe('stage window', () => {
  it('starts at the minute the weight went live and ends with the minute of the read, as one period', () => {
    const w = stageWindow(at(12, 3, 41), at(12, 7, 5))
    expect(w.startTime.toISOString()).toBe('2026-12-01T12:03:00.000Z')
    expect(w.endTime.toISOString()).toBe('2026-12-01T12:08:00.000Z')
    expect(w.periodS).toBe(300)
  })

  it('is one minute long for a read in the minute the stage started', () => {
    expect(stageWindow(at(12, 3, 41), at(12, 3, 50)).periodS).toBe(60)
    expect(stageWindow(at(12, 3, 0), at(12, 3, 0)).periodS).toBe(60)
  })

  it('the pre-flight reads the last minute', () => {
    const w = preflightWindow(at(12, 3, 30))
    expect([w.startTime.toISOString(), w.endTime.toISOString()]).toEqual(['2026-12-01T12:02:00.000Z', '2026-12-01T12:04:00.000Z'])
  })

  it('always covers [live, now], on whole minutes, with a period CloudWatch accepts', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e12 }), fc.integer({ min: 0, max: 48 * 3_600_000 }), (live, elapsed) => {
        const w = stageWindow(live, live + elapsed)
        expect(w.startTime.getTime()).toBeLessThanOrEqual(live)
        expect(w.endTime.getTime()).toBeGreaterThanOrEqual(live + elapsed)
        expect(w.startTime.getTime() % MINUTE_MS).toBe(0)
        expect(w.periodS % 60).toBe(0)
        expect(w.periodS).toBeGreaterThanOrEqual(60)
        expect(w.endTime.getTime() - w.startTime.getTime()).toBe(w.periodS * 1000)
        // Never more than a minute either side of what was asked.
        expect(live - w.startTime.getTime()).toBeLessThan(MINUTE_MS)
        expect(w.endTime.getTime() - (live + elapsed)).toBeLessThanOrEqual(MINUTE_MS)
      }),
      { seed: 3 },
    )
  })
})
