import type { Outcome, RolloutEvent } from '../core/engine.js'

/** Samples on the time axis: enough to read the shape, few enough for the labels to stay legible. */
export const MAX_POINTS = 40
/** Time labels on the axis, at most (the other points carry only event marks). */
const LABELS = 10
/** A distinct, invisible category name for point i: its binary digits as two zero-width characters. */
function invisible(i: number): string {
  return i.toString(2).replace(/0/g, '\u200b').replace(/1/g, '\u200c')
}
/** Grid spacings to choose from: the first that keeps the chart within MAX_POINTS. */
const STEPS_MS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600].map((s) => s * 1000)

/** One colour for the weight line that reads on GitHub's light (white) and dark (#0d1117) backgrounds. */
const LINE_COLOUR = '#2f81f7'

type Marked = 'alarm' | 'unreadable' | 'cancel' | 'rollback' | 'promote' | 'hold'
/** How an event shows on the time axis: a mark in the tick label, never a value on the weight axis. */
const MARKS: Record<Marked, { mark: string; words: string }> = {
  alarm: { mark: '⚠', words: 'alarm' },
  unreadable: { mark: '?', words: 'gate unreadable' },
  cancel: { mark: '✕', words: 'cancelled' },
  rollback: { mark: '↩', words: 'rolled back' },
  promote: { mark: '✓', words: 'promoted' },
  hold: { mark: '‖', words: 'held' },
}

/** `m:ss` below an hour, `h:mm` from an hour on; the axis title says which. */
function formatter(spanMs: number): { unit: string; label: (ms: number) => string } {
  const pad = (n: number): string => String(n).padStart(2, '0')
  if (spanMs < 3_600_000) {
    return { unit: 'm:ss', label: (ms) => `${Math.floor(ms / 60_000)}:${pad(Math.floor(ms / 1000) % 60)}` }
  }
  return { unit: 'h:mm', label: (ms) => `${Math.floor(ms / 3_600_000)}:${pad(Math.floor(ms / 60_000) % 60)}` }
}

/** The weight in effect at `at`: the last change at or before it. */
function weightAt(changes: readonly { at: number; weight: number }[], at: number): number {
  let weight = changes[0]?.weight ?? 0
  for (const change of changes) {
    if (change.at > at) break
    weight = change.weight
  }
  return weight
}

/**
 * A mermaid xychart of the new version's share of traffic over the rollout. The weight is
 * resampled on a fixed time grid, so a 10-minute stage is twice as wide as a 5-minute one, and
 * drawn as the only series: events (alarm, unreadable gate, cancel, rollback, promote) are marks
 * in the time-axis labels, listed under the chart, so nothing on the weight axis but traffic.
 * GitHub renders mermaid blocks in job summaries, in its light or dark theme.
 */
export function weightChart(outcome: Outcome): string | undefined {
  const moves = outcome.events
  if (!moves.some((e) => e.kind !== 'hold')) return undefined
  const resumed = outcome.stages.filter((s) => s.result === 'resumed').at(-1)?.weight ?? 0
  const changes = [{ at: outcome.startedAt, weight: resumed }]
  for (const event of moves) {
    if (event.kind === 'shift' || event.kind === 'promote' || event.kind === 'rollback') {
      changes.push({ at: event.at, weight: event.kind === 'promote' ? 100 : event.weight })
    }
  }
  const span = Math.max(1000, outcome.endedAt - outcome.startedAt)
  const step = STEPS_MS.find((s) => Math.ceil(span / s) + 1 <= MAX_POINTS) ?? Math.ceil(span / (MAX_POINTS - 1))
  const points = Math.ceil(span / step) + 1
  const { unit, label } = formatter(span)

  // Each event marks the first grid point at or after it (so the mark sits where the line shows its effect).
  const marks = new Map<number, Set<string>>()
  const legend: string[] = []
  for (const event of moves) {
    const kind = event.kind as Marked
    if (!(kind in MARKS)) continue
    const index = Math.min(points - 1, Math.ceil((event.at - outcome.startedAt) / step))
    const set = marks.get(index) ?? new Set<string>()
    set.add(MARKS[kind].mark)
    marks.set(index, set)
    legend.push(`${MARKS[kind].mark} ${label(event.at - outcome.startedAt)} ${eventWords(event, kind)}`)
  }

  // About ten time labels, so they never overlap. The points between them still need distinct
  // category names (mermaid merges equal ones), so they get invisible ones: i zero-width spaces.
  const labelEvery = Math.ceil(points / LABELS)
  const labels: string[] = []
  const weights: number[] = []
  for (let i = 0; i < points; i++) {
    const offset = i * step
    const mark = [...(marks.get(i) ?? [])].join('')
    const time = i % labelEvery === 0 ? label(offset) : ''
    labels.push(`"${[time, mark].filter((t) => t !== '').join(' ')}${time ? '' : invisible(i)}"`)
    // The last point is the end of the rollout, where traffic stands at exit.
    weights.push(weightAt(changes, outcome.startedAt + Math.min(offset, span)))
  }
  weights[points - 1] = outcome.weight

  const lines = [
    '```mermaid',
    `%%{init: {"themeVariables": {"xyChart": {"plotColorPalette": "${LINE_COLOUR}"}}}}%%`,
    'xychart-beta',
    `  title "Traffic on version ${outcome.targetVersion ?? '?'} (sampled every ${formatStep(step)})"`,
    `  x-axis "time since start (${unit})" [${labels.join(', ')}]`,
    '  y-axis "share of traffic (%)" 0 --> 100',
    `  line [${weights.join(', ')}]`,
    '```',
  ]
  if (legend.length > 0) lines.push('', legend.map((l) => `\`${l.replace(/`/g, "'")}\``).join(' · '))
  return lines.join('\n')
}

function formatStep(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`
  if (ms % 60_000 === 0) return `${ms / 60_000} min`
  return `${ms / 1000} s`
}

function eventWords(event: RolloutEvent, kind: Marked): string {
  if (kind === 'alarm' || kind === 'unreadable') return `${MARKS[kind].words}: ${event.detail.split('\n')[0]?.slice(0, 80) ?? ''}`
  if (kind === 'hold') return `held at ${event.weight}%`
  return MARKS[kind].words
}
