import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DESCRIPTION_MAX, parseMarker, runIdOf, stripMarker, withMarker } from '../../src/alias/hold-marker.js'

const marker = { version: '12', weight: 0.5, since: Date.UTC(2026, 10, 23, 9, 30), run: '19283746501', baked: false }

describe('hold marker', () => {
  it('round-trips through a description, keeping the user text', () => {
    const text = withMarker('orders, prod', marker)
    expect(text).toBe('orders, prod [canary 12@0.5% since 2026-11-23T09:30:00Z run 19283746501]')
    expect(parseMarker(text)).toEqual(marker)
    expect(stripMarker(text)).toBe('orders, prod')
  })

  it('records a finished bake', () => {
    const text = withMarker('', { ...marker, baked: true })
    expect(text).toBe('[canary 12@0.5% baked since 2026-11-23T09:30:00Z run 19283746501]')
    expect(parseMarker(text)?.baked).toBe(true)
  })

  it('replaces an older marker rather than stacking them', () => {
    const once = withMarker('x', marker)
    expect(withMarker(once, { ...marker, weight: 50 })).toBe(withMarker('x', { ...marker, weight: 50 }))
  })

  it('names the run by its id (and attempt), never its URL', () => {
    expect(runIdOf('https://github.example.com/o/r/actions/runs/77')).toBe('77')
    expect(runIdOf('https://github.com/o/r/actions/runs/77/attempts/3')).toBe('77/3')
    expect(runIdOf('')).toBeUndefined()
  })

  it('still reads and strips a marker written with a run URL', () => {
    const old = 'orders prod [canary 2@10% since 2026-11-20T08:00:00.000Z https://github.com/o/r/actions/runs/9]'
    expect(parseMarker(old)).toEqual({ version: '2', weight: 10, since: Date.UTC(2026, 10, 20, 8), run: '9', baked: false })
    expect(stripMarker(old)).toBe('orders prod')
  })

  it("keeps the user's text byte for byte, and the marker whenever both fit, whatever the run URL's length (property)", () => {
    const runUrl = fc
      .tuple(fc.string({ minLength: 1, maxLength: 200 }), fc.bigInt({ min: 1n, max: 99_999_999_999n }))
      .map(([path, id]) => `https://github.com/${encodeURIComponent(path)}/actions/runs/${id}`.slice(-250))
    fc.assert(
      fc.property(fc.string({ maxLength: DESCRIPTION_MAX }), fc.integer({ min: 1, max: 100_000 }), runUrl, fc.boolean(), (user, thousandths, url, baked) => {
        fc.pre(parseMarker(user) === undefined)
        const m = { ...marker, weight: thousandths / 1000, run: runIdOf(url), baked }
        const text = withMarker(user, m)
        expect(text.length).toBeLessThanOrEqual(DESCRIPTION_MAX)
        // Promote and rollback write back stripMarker(text): the user's text, unchanged.
        expect(stripMarker(text)).toBe(user)
        // The full marker is at most 80 characters, so any user text up to 175 keeps it.
        if (user.length <= DESCRIPTION_MAX - 81) expect(parseMarker(text)).toEqual(m)
        const parsed = parseMarker(text)
        if (parsed) expect({ ...parsed, run: m.run }).toEqual(m)
      }),
      { numRuns: 500 },
    )
  })

  it('ignores descriptions without a marker', () => {
    expect(parseMarker('just words')).toBeUndefined()
    expect(parseMarker(undefined)).toBeUndefined()
  })
})
