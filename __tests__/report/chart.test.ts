// The weight chart's text, read the way mermaid reads it: CI has no browser, so the structure is
// what is tested (scripts/render-charts.ts draws the same samples as pictures).
import { describe, expect, it } from 'vitest'
import type { Outcome } from '../../src/core/engine.js'
import { MAX_POINTS, weightChart } from '../../src/report/chart.js'
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
    weights: JSON.parse(`[${/^line \[(.*)\]$/.exec(lines.find((l) => l.startsWith('line')) ?? '')?.[1] ?? ''}]`) as number[],
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
  it.each(all.map((s) => [s.name, s.outcome] as const))('%s: one traffic series on a fixed grid, labels mermaid keeps apart', (_name, outcome) => {
    const chart = parse(weightChart(outcome) ?? '')
    expect(chart.series).toEqual(['line'])
    expect(chart.labels).toHaveLength(chart.weights.length)
    expect(chart.labels.length).toBeLessThanOrEqual(MAX_POINTS)
    // Equal category names would be merged into one point.
    expect(new Set(chart.labels).size).toBe(chart.labels.length)
    for (const w of chart.weights) expect(w >= 0 && w <= 100).toBe(true)
    expect(chart.weights.at(-1)).toBe(outcome.weight)

    // The axis says m:ss and every time label is m:ss, on one spacing from 0:00.
    expect(chart.axisTitle).toBe('time since start (m:ss)')
    const timed = chart.labels.map((l, i) => ({ i, time: /^(\d+):(\d\d)/.exec(visible(l)) })).filter((t) => t.time)
    expect(timed[0]?.i).toBe(0)
    const seconds = timed.map((t) => Number(t.time?.[1]) * 60 + Number(t.time?.[2]))
    const perPoint = (seconds[1] ?? 0) / (timed[1]?.i ?? 1)
    timed.forEach((t, k) => expect(seconds[k]).toBe(t.i * perPoint))
    expect(chart.title).toContain(`sampled every ${perPoint % 60 === 0 ? `${perPoint / 60} min` : `${perPoint} s`}`)
    expect(timed.length).toBeLessThanOrEqual(11)
  })

  it('gives each stage a width proportional to its bake time', () => {
    const { weights } = parse(weightChart(sample('promoted')) ?? '')
    const at10 = weights.filter((w) => w === 10).length
    const at50 = weights.filter((w) => w === 50).length
    expect(at50 / at10).toBeCloseTo(2, 0)
  })

  it('marks the alarm and the rollback on the time axis, not as traffic, and shows the drop', () => {
    const chart = parse(weightChart(sample('rolled-back')) ?? '')
    expect(chart.weights).not.toContain(100)
    expect(chart.weights.at(-2)).toBe(50)
    expect(chart.weights.at(-1)).toBe(0)
    expect(visible(chart.labels.at(-1) ?? '')).toMatch(/⚠↩$/)
    expect(chart.legend).toMatch(/^`⚠ \d+:\d\d alarm: .*` · `↩ \d+:\d\d rolled back`$/)
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
    expect(chart.weights.filter((w) => w === 10).length * 2).toBeCloseTo(chart.weights.filter((w) => w === 100).length * 4, -1)
  })

  it('is absent when traffic never moved', () => {
    expect(weightChart({ ...sample('promoted'), events: [] })).toBeUndefined()
  })
})
