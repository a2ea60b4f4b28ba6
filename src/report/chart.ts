import type { Outcome, RolloutEvent } from '../core/engine.js'

/** Slots on the time axis, at most: enough to read the shape, few enough for the bars to stay bars. */
export const MAX_POINTS = 40
/** Time labels on the axis, about (slots with an event always get theirs as well). */
const LABELS = 10
/** A distinct, invisible category name for slot i: its binary digits as two zero-width characters. */
function invisible(i: number): string {
  return i.toString(2).replace(/0/g, '\u200b').replace(/1/g, '\u200c')
}
/** Slot widths to choose from: the first that keeps the chart within MAX_POINTS slots. */
const STEPS_MS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600].map((s) => s * 1000)

/** One colour for the bars that reads on GitHub's light (white) and dark (#0d1117) backgrounds. */
const BAR_COLOUR = '#2f81f7'

export type Marked = 'alarm' | 'analysis' | 'unreadable' | 'cancel' | 'rollback' | 'promote' | 'hold' | 'users'
/** How an event shows on the time axis: a mark in the tick label, never a value on the weight axis. */
const MARKS: Record<Marked, { mark: string; words: string }> = {
  alarm: { mark: '⚠', words: 'alarm' },
  analysis: { mark: '⚠', words: 'analysis' },
  unreadable: { mark: '?', words: 'gate unreadable' },
  cancel: { mark: '✕', words: 'cancelled' },
  rollback: { mark: '↩', words: 'rolled back' },
  promote: { mark: '✓', words: 'promoted' },
  hold: { mark: '‖', words: 'held' },
  users: { mark: '◐', words: "canary users' rule" },
}

/** A mark on the time axis, with its legend words. */
export interface ChartMark {
  readonly at: number
  readonly kind: Marked
  readonly words: string
}

/** What the chart draws: the canary's share as it changed, and the events to mark. */
export interface TrafficHistory {
  readonly startedAt: number
  readonly endedAt: number
  /** The canary's share from each moment on, in time order; the first is the share at the start. */
  readonly changes: readonly { readonly at: number; readonly weight: number }[]
  readonly marks: readonly ChartMark[]
  /** What the title calls the canary, e.g. `version 7`. */
  readonly canary: string
  /** Set while a canary users' rule sends matching requests to the canary beside its weight (ALB). */
  readonly usersRule?: boolean
}

/** `m:ss` below an hour, `h:mm` from an hour on; the axis title says which. */
function formatter(spanMs: number): { unit: string; label: (ms: number) => string } {
  const pad = (n: number): string => String(n).padStart(2, '0')
  if (spanMs < 3_600_000) {
    return { unit: 'm:ss', label: (ms) => `${Math.floor(ms / 60_000)}:${pad(Math.floor(ms / 1000) % 60)}` }
  }
  return { unit: 'h:mm', label: (ms) => `${Math.floor(ms / 3_600_000)}:${pad(Math.floor(ms / 60_000) % 60)}` }
}

/** The highest share in effect at any moment of [from, to): the share at `from`, and every change before `to`. */
function highestIn(changes: TrafficHistory['changes'], from: number, to: number): number {
  let atFrom = changes[0]?.weight ?? 0
  let highest = 0
  for (const change of changes) {
    if (change.at <= from) atFrom = change.weight
    else if (change.at < to) highest = Math.max(highest, change.weight)
  }
  return Math.max(atFrom, highest)
}

/** Whether a failed gate read was an alarm's (the engine's reason names it) or the canary analysis's. */
function failedOn(event: RolloutEvent): Marked {
  return /^alarm /.test(event.detail) ? 'alarm' : 'analysis'
}

/** The engine's outcome as a traffic history: every weight it set, every event it recorded. */
export function rolloutHistory(outcome: Outcome): TrafficHistory {
  const resumed = outcome.stages.filter((s) => s.result === 'resumed').at(-1)?.weight ?? 0
  const changes = [{ at: outcome.startedAt, weight: resumed }]
  const marks: ChartMark[] = []
  for (const event of outcome.events) {
    if (event.kind === 'shift' || event.kind === 'promote' || event.kind === 'rollback') {
      changes.push({ at: event.at, weight: event.kind === 'promote' ? 100 : event.weight })
    }
    if (event.kind === 'shift') continue
    const kind: Marked = event.kind === 'alarm' ? failedOn(event) : event.kind
    marks.push({ at: event.at, kind, words: eventWords(event, kind) })
  }
  const users = outcome.stages.find((s) => s.users && s.startedAt !== undefined)
  if (users?.startedAt !== undefined) {
    marks.push({
      at: users.startedAt,
      kind: 'users',
      words: "canary users' rule: matching requests reach the canary beside its weight from then on (their share is not measured)",
    })
    marks.sort((a, b) => a.at - b.at)
  }
  return {
    startedAt: outcome.startedAt,
    endedAt: outcome.endedAt,
    changes,
    marks,
    canary: `version ${outcome.targetVersion ?? '?'}`,
    ...(users ? { usersRule: true } : {}),
  }
}

/**
 * A mermaid xychart of the canary's share of traffic, as bars on a fixed time grid: a 10-minute
 * stage is twice as wide as a 5-minute one, and a change is a step between two bars, never a
 * slope. Each bar is the highest share of its slot, so no stage vanishes however short it was; a
 * tail shorter than half a slot joins the slot before it rather than be drawn a slot wide. Events
 * are marks in the time-axis labels, at their own time (the legend's), listed under the chart.
 * GitHub renders mermaid blocks in job summaries, in its light or dark theme.
 */
export function weightChart(input: Outcome | TrafficHistory): string | undefined {
  const history = 'changes' in input ? input : rolloutHistory(input)
  // A run that never moved traffic (a hold found as it was, a refusal) has nothing to draw.
  if (history.changes.length < 2 && !history.marks.some((m) => m.kind !== 'hold')) return undefined
  const span = Math.max(1000, history.endedAt - history.startedAt)
  const step = STEPS_MS.find((s) => Math.ceil(span / s) <= MAX_POINTS) ?? Math.ceil(span / MAX_POINTS)
  let slots = Math.ceil(span / step)
  if (slots > 1 && span - (slots - 1) * step < step / 2) slots -= 1
  const { unit, label } = formatter(span)
  const slotOf = (at: number): number => Math.max(0, Math.min(slots - 1, Math.floor((at - history.startedAt) / step)))

  // Each mark goes on the slot that holds its moment, with that moment's time: the legend's time.
  const marked = new Map<number, Map<string, Set<string>>>()
  const legend: string[] = []
  for (const mark of history.marks) {
    const time = label(mark.at - history.startedAt)
    const byTime = marked.get(slotOf(mark.at)) ?? new Map<string, Set<string>>()
    byTime.set(time, (byTime.get(time) ?? new Set<string>()).add(MARKS[mark.kind].mark))
    marked.set(slotOf(mark.at), byTime)
    legend.push(`${MARKS[mark.kind].mark} ${time} ${mark.words}`)
  }

  // About ten time labels, so they never overlap. The slots between them still need distinct
  // category names (mermaid merges equal ones), so they get invisible ones.
  const labelEvery = Math.ceil(slots / LABELS)
  const labels: string[] = []
  const weights: number[] = []
  for (let i = 0; i < slots; i++) {
    const from = history.startedAt + i * step
    const to = i === slots - 1 ? history.endedAt + 1 : from + step
    const events = marked.get(i)
    // A grid time gives way to an event's label close by, which is wider and must not run into it.
    const nearEvent = [...marked.keys()].some((j) => j !== i && Math.abs(j - i) < labelEvery)
    const gridTime = i % labelEvery === 0 && !nearEvent ? label(i * step) : ''
    const text = events ? [...events].map(([time, marks]) => `${time} ${[...marks].join('')}`).join(' ') : gridTime
    labels.push(`"${text}${text ? '' : invisible(i)}"`)
    weights.push(highestIn(history.changes, from, to))
  }

  // Kept short: mermaid does not wrap a title. The legend says what the users' rule adds.
  const users = history.usersRule ? " (+ users' rule)" : ''
  const lines = [
    '```mermaid',
    `%%{init: {"themeVariables": {"xyChart": {"plotColorPalette": "${BAR_COLOUR}"}}}}%%`,
    'xychart-beta',
    `  title "Traffic on ${history.canary}${users}: highest share per ${formatStep(step)}"`,
    `  x-axis "time since start (${unit})" [${labels.join(', ')}]`,
    '  y-axis "share of traffic (%)" 0 --> 100',
    `  bar [${weights.join(', ')}]`,
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
  if (kind === 'alarm' || kind === 'analysis' || kind === 'unreadable') return `${MARKS[kind].words}: ${event.detail.split('\n')[0]?.slice(0, 80) ?? ''}`
  if (kind === 'hold') return `held at ${event.weight}%`
  return MARKS[kind].words
}
