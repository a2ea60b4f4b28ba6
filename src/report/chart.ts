import type { Outcome } from '../core/engine.js'

/** Enough points to read the shape; keeps the summary small however long the rollout ran. */
const MAX_POINTS = 60

function clock(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000))
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`
}

/**
 * A mermaid xychart of the target's weight over the rollout, drawn as steps, with a bar at
 * each alarm, unreadable gate or cancel. GitHub renders mermaid blocks in job summaries.
 */
export function weightChart(outcome: Outcome): string | undefined {
  const moves = outcome.events.filter((e) => e.kind !== 'hold')
  if (moves.length === 0) return undefined
  const labels: string[] = []
  const weights: number[] = []
  const alarms: number[] = []
  let weight = outcome.stages.find((s) => s.result === 'resumed') ? (outcome.stages.filter((s) => s.result === 'resumed').at(-1)?.weight ?? 0) : 0
  const point = (at: number, w: number, alarm: boolean): void => {
    labels.push(clock(at - outcome.startedAt))
    weights.push(w)
    alarms.push(alarm ? 100 : 0)
  }
  point(outcome.startedAt, weight, false)
  for (const event of moves) {
    const alarm = event.kind === 'alarm' || event.kind === 'unreadable' || event.kind === 'cancel'
    if (event.kind === 'shift' || event.kind === 'promote' || event.kind === 'rollback') {
      point(event.at, weight, false) // the step's riser
      weight = event.kind === 'promote' ? 100 : event.weight
    }
    point(event.at, weight, alarm)
  }
  point(outcome.endedAt, weight, false)
  const keep = labels.length > MAX_POINTS ? labels.length - MAX_POINTS : 0
  const list = (values: (string | number)[]): string =>
    values
      .slice(keep)
      .map((v) => (typeof v === 'string' ? `"${v}"` : v))
      .join(', ')
  return [
    '```mermaid',
    'xychart-beta',
    '  title "Traffic on the new version (bars: alarm, unreadable gate or cancel)"',
    `  x-axis "minutes since start" [${list(labels)}]`,
    '  y-axis "weight %" 0 --> 100',
    `  line [${list(weights)}]`,
    `  bar [${list(alarms)}]`,
    '```',
  ].join('\n')
}
