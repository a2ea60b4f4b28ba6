import { describe, expect, it } from 'vitest'
import { renderSchedule, schedule } from '../../src/alias/plan.js'
import { parseStages } from '../../src/core/stages.js'

describe('schedule', () => {
  it('gives each stage its start offset and bake', () => {
    expect(schedule(parseStages('10%:5m, 50%:10m, 100%'))).toEqual([
      { stage: 1, weight: 10, startOffsetMs: 0, bakeMs: 300_000 },
      { stage: 2, weight: 50, startOffsetMs: 300_000, bakeMs: 600_000 },
      { stage: 3, weight: 100, startOffsetMs: 900_000, bakeMs: 0 },
    ])
  })

  it('renders a table, and says when the plan holds', () => {
    const text = renderSchedule(schedule(parseStages('1%:30s, 5%:1h')), true)
    expect(text).toContain('| 2 | 5% | +30s | 1h |')
    expect(text).toContain('Holds at 5% after the last stage')
  })
})
