import { describe, expect, it } from 'vitest'
import { editDistance, nearNames } from '../../src/core/suggest.js'

describe('nearNames', () => {
  it('finds the same name in another case first, then names a few edits away', () => {
    expect(nearNames('Orders-Errors', ['orders-errors', 'orders-error', 'billing-errors'])).toEqual(['orders-errors', 'orders-error'])
    expect(editDistance('kitten', 'sitting')).toBe(3)
  })

  it('suggests nothing far off, and stays cheap on long input', () => {
    expect(nearNames('latency', ['orders-errors', 'billing-5xx'])).toEqual([])
    const started = performance.now()
    expect(nearNames('x'.repeat(100_000), ['orders-errors'])).toEqual([])
    expect(performance.now() - started).toBeLessThan(50)
  })

  it('keeps only the nearest when asked', () => {
    expect(nearNames('Canary10Percent5Minute', ['Canary10Percent5Minutes', 'Canary10Percent15Minutes'], 2, { nearestOnly: true })).toEqual([
      'Canary10Percent5Minutes',
    ])
  })
})
