// The weight chart's text, read the way mermaid reads it: CI has no browser, so the structure is
// what is tested (scripts/render-charts.ts draws the same samples as pictures).
import { describe, expect, it } from 'vitest'
import type { Outcome } from '../../src/core/engine.js'
import { MAX_POINTS, type TrafficHistory, weightChart } from '../../src/report/chart.js'
import { samples } from '../../scripts/charts/samples.js'

interface Parsed {
  title: string
  axisTitle: string
  labels: string[]
  weights: number[]
  series: string[]
  legend: string
}

function parse(chart: string): Parsed {
  const block = /```mermaid\n([\s\S]*?)\n```/.exec(chart)?.[1] ?? ''
  const lines = block.split('\n').map((l) => l.trim())
  const xAxis = /^x-axis "([^"]*)" \[(.*)\]$/.exec(lines.find((l) => l.startsWith('x-axis')) ?? '')
  return {
    title: /^title "(.*)"$/.exec(lines.find((l) => l.startsWith('title')) ?? '')?.[1] ?? '',
    axisTitle: xAxis?.[1] ?? '',
    labels: [...(xAxis?.[2] ?? '').matchAll(/"([^"]*)"/g)].map((m) => m[1] ?? ''),
    weights: JSON.parse(`[${/^(?:line|bar) \[(.*)\]$/.exec(lines.find((l) => /^(line|bar) \[/.test(l)) ?? '')?.[1] ?? ''}]`) as number[],
    series: lines.filter((l) => /^(line|bar) \[/.test(l)).map((l) => l.split(' ')[0] ?? ''),
    legend: chart.slice(chart.lastIndexOf('```') + 3).trim(),
  }
}

const visible = (label: string): string => label.replace(/[\u200b\u200c]/g, '')
const all = await samples()
const sample = (name: string): Outcome => {
  const found = all.find((s) => s.name === name)
  if (!found) throw new Error(name)
  return found.outcome
}

describe('weight chart', () => {
  it.each(all.map((s) => [s.name, s.outcome] as const))('%s: one traffic series of bars on a fixed grid, labels mermaid keeps apart', (_name, outcome) => {
    const chart = parse(weightChart(outcome) ?? '')
    expect(chart.series).toEqual(['bar'])
    expect(chart.labels).toHaveLength(chart.weights.length)
    expect(chart.labels.length).toBeLessThanOrEqual(MAX_POINTS)
    // Equal category names would be merged into one point.
    expect(new Set(chart.labels).size).toBe(chart.labels.length)
    for (const w of chart.weights) expect(w >= 0 && w <= 100).toBe(true)

    // The axis says m:ss; every label without a mark is a grid time, on one spacing from 0:00.
    expect(chart.axisTitle).toBe('time since start (m:ss)')
    const perSlot = Number(/per (\d+) (s|min)/.exec(chart.title)?.[1]) * (chart.title.includes(' min"') || chart.title.endsWith('min') ? 60 : 1)
    const grid = chart.labels.map((l, i) => ({ i, l: visible(l) })).filter(({ l }) => /^\d+:\d\d$/.test(l))
    expect(grid[0]?.i).toBe(0)
    for (const { i, l } of grid) {
      const [m, sec] = l.split(':').map(Number)
      expect((m ?? 0) * 60 + (sec ?? 0)).toBe(i * perSlot)
    }
    expect(chart.labels.filter((l) => visible(l) !== '').length).toBeLessThanOrEqual(12)
    // Issue 21: an event's label (time and marks, twice as wide) never sits right next to another label.
    const shown = chart.labels.map((l, i) => ({ i, l: visible(l) })).filter(({ l }) => l !== '')
    const every = Math.ceil(chart.labels.length / 10)
    shown.forEach(({ i, l }, k) => {
      const next = shown[k + 1]
      if (next && (/\s/.test(l) || /\s/.test(next.l))) expect(next.i - i).toBeGreaterThanOrEqual(every)
    })
  })

  it('gives each stage a width proportional to its bake time', () => {
    const { weights } = parse(weightChart(sample('promoted')) ?? '')
    const at10 = weights.filter((w) => w === 10).length
    const at50 = weights.filter((w) => w === 50).length
    expect(at50 / at10).toBeCloseTo(2, 0)
  })

  it('issue 21: an instant change is a step between two bars, never a slope through a value in between', () => {
    for (const { outcome } of all) {
      const { series, weights } = parse(weightChart(outcome) ?? '')
      // Bars: mermaid draws a line between two slots as a slope, bars side by side as a step.
      expect(series).toEqual(['bar'])
      const levels = new Set([0, 100, ...outcome.stages.map((s) => s.weight)])
      for (const w of weights) expect(levels.has(w)).toBe(true)
    }
  })

  it('issue 21: an event has the same time on the axis as in the legend, and the final tiny interval is no slot of its own', () => {
    // The demo's promote: stages 10%:3s, 50%:3s, 100%, promoted at 6.0 s, run ended at 6.2 s.
    const t0 = Date.UTC(2026, 0, 1)
    const run: TrafficHistory = {
      startedAt: t0,
      endedAt: t0 + 6_200,
      changes: [
        { at: t0, weight: 0 },
        { at: t0 + 10, weight: 10 },
        { at: t0 + 3_050, weight: 50 },
        { at: t0 + 6_080, weight: 100 },
      ],
      marks: [{ at: t0 + 6_080, kind: 'promote', words: 'promoted' }],
      canary: 'version 2',
    }
    const chart = parse(weightChart(run) ?? '')
    expect(visible(chart.labels.at(-1) ?? '')).toBe('0:06 ✓')
    expect(chart.legend).toBe('`✓ 0:06 promoted`')
    // Six one-second slots: the last 0.2 s joins the slot before it instead of drawing a seventh.
    expect(chart.weights).toEqual([10, 10, 10, 50, 50, 100])
  })

  it('issue 21: a 20 s stage before a rollback in a 30-minute rollout shows, and the last label has a time', () => {
    const chart = parse(weightChart(sample('short-stage')) ?? '')
    expect(chart.title).toContain('per 1 min')
    expect(chart.weights.at(-1)).toBe(50)
    expect(chart.weights.filter((w) => w === 50)).toHaveLength(1)
    expect(visible(chart.labels.at(-1) ?? '')).toMatch(/^29:50 ⚠↩$/)
    expect(chart.legend).toMatch(/^`⚠ 29:50 alarm: .*` · `↩ 29:50 rolled back`$/)
  })

  it('marks the alarm and the rollback on the time axis, not as traffic', () => {
    const chart = parse(weightChart(sample('rolled-back')) ?? '')
    expect(chart.weights).not.toContain(100)
    expect(chart.weights.at(-1)).toBe(50)
    expect(visible(chart.labels.at(-1) ?? '')).toMatch(/^\d+:\d\d ⚠↩$/)
    expect(chart.legend).toMatch(/^`⚠ \d+:\d\d alarm: .*` · `↩ \d+:\d\d rolled back`$/)
  })

  it('issue 21: a rollback by the canary analysis is labelled "analysis", not "alarm"', () => {
    const outcome = sample('rolled-back')
    const events = outcome.events.map((e) =>
      e.kind === 'alarm' ? { ...e, detail: 'orders-api:live: canary error rate 30.0% vs stable 1.0% (tolerance 1%)' } : e,
    )
    const chart = parse(weightChart({ ...outcome, events }) ?? '')
    expect(chart.legend).toMatch(/^`⚠ \d+:\d\d analysis: orders-api:live: canary error rate 30.0% .*` · `↩ \d+:\d\d rolled back`$/)
    expect(chart.legend).not.toContain('alarm')
  })

  it("issue 21: the canary users stage is marked, and the title says the users' rule adds to every bar", () => {
    const outcome = sample('promoted')
    const stages = [{ ...outcome.stages[0], weight: 0, users: true as const, startedAt: outcome.startedAt }, ...outcome.stages] as Outcome['stages']
    const chart = parse(weightChart({ ...outcome, stages }) ?? '')
    expect(visible(chart.labels[0] ?? '')).toBe('0:00 ◐')
    expect(chart.title).toContain("(+ users' rule)")
    // Mermaid does not wrap a title: it must fit a 900 px chart.
    expect(chart.title.length).toBeLessThanOrEqual(64)
    expect(chart.legend).toMatch(/^`◐ 0:00 canary users' rule: .*not measured/)
  })

  it('marks an unreadable gate read and a hold', () => {
    const chart = parse(weightChart(sample('held')) ?? '')
    expect(chart.labels.some((l) => visible(l).endsWith('?'))).toBe(true)
    expect(visible(chart.labels.at(-1) ?? '')).toMatch(/‖$/)
    expect(chart.legend).toContain('held at 25%')
  })

  it('switches to h:mm for a rollout of hours, still on at most MAX_POINTS', () => {
    const t0 = Date.UTC(2026, 0, 1)
    const long: Outcome = {
      ...sample('promoted'),
      startedAt: t0,
      endedAt: t0 + 3 * 3_600_000,
      events: [
        { at: t0, kind: 'shift', weight: 10, detail: '' },
        { at: t0 + 2 * 3_600_000, kind: 'promote', weight: 100, detail: '' },
      ],
    }
    const chart = parse(weightChart(long) ?? '')
    expect(chart.axisTitle).toBe('time since start (h:mm)')
    expect(chart.labels.length).toBeLessThanOrEqual(MAX_POINTS)
    expect(visible(chart.labels[0] ?? '')).toBe('0:00')
    expect(chart.weights.filter((w) => w === 10).length).toBe(chart.weights.filter((w) => w === 100).length * 2)
  })

  it('is absent when traffic never moved', () => {
    expect(weightChart({ ...sample('promoted'), events: [] })).toBeUndefined()
  })
})
