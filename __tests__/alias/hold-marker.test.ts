import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { DESCRIPTION_MAX, parseMarker, stripMarker, withMarker } from '../../src/alias/hold-marker.js'

const marker = { version: '12', weight: 0.5, since: Date.UTC(2026, 10, 23, 9, 30), runUrl: 'https://github.com/o/r/actions/runs/77', baked: false }

describe('hold marker', () => {
  it('round-trips through a description, keeping the user text', () => {
    const text = withMarker('orders, prod', marker)
    expect(text).toBe('orders, prod [canary 12@0.5% since 2026-11-23T09:30:00.000Z https://github.com/o/r/actions/runs/77]')
    expect(parseMarker(text)).toEqual(marker)
    expect(stripMarker(text)).toBe('orders, prod')
  })

  it('records a finished bake', () => {
    const text = withMarker('', { ...marker, baked: true })
    expect(text).toBe('[canary 12@0.5% baked since 2026-11-23T09:30:00.000Z https://github.com/o/r/actions/runs/77]')
    expect(parseMarker(text)?.baked).toBe(true)
  })

  it('replaces an older marker rather than stacking them', () => {
    const once = withMarker('x', marker)
    expect(withMarker(once, { ...marker, weight: 50 })).toBe(withMarker('x', { ...marker, weight: 50 }))
  })

  it("always fits Lambda's 256-character description, and still parses (property)", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), fc.integer({ min: 1, max: 100_000 }), (user, thousandths) => {
        const m = { ...marker, weight: thousandths / 1000 }
        const text = withMarker(user, m)
        expect(text.length).toBeLessThanOrEqual(DESCRIPTION_MAX)
        expect(parseMarker(text)).toEqual(m)
      }),
    )
  })

  it('ignores descriptions without a marker', () => {
    expect(parseMarker('just words')).toBeUndefined()
    expect(parseMarker(undefined)).toBeUndefined()
  })
})
