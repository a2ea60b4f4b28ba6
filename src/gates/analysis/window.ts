/**
 * Which minutes a read judges. CloudWatch's Lambda and ALB metrics are one-minute datapoints that
 * arrive a minute or more late, each series on its own; so a read judges only minutes that ended at
 * least `metrics-delay` ago (settled), the same minutes for both versions, from the minute this
 * run's first write went live. A straddling minute counts as CloudWatch reports it: the test weighs
 * each minute by its own traffic shares, and the stage figures split it by time.
 */

/** Lambda and ALB publish standard-resolution metrics: one-minute buckets. */
export const MINUTE_MS = 60_000

export interface MetricWindow {
  readonly startTime: Date
  readonly endTime: Date
  /** The period asked for, in seconds: a multiple of 60, as CloudWatch requires of standard-resolution periods. */
  readonly periodS: number
}

export const floorMinute = (t: number): number => Math.floor(t / MINUTE_MS) * MINUTE_MS
export const ceilMinute = (t: number): number => Math.ceil(t / MINUTE_MS) * MINUTE_MS

/**
 * The time through which a read at `now` may judge: the end of the last minute that ended at least
 * `delayMs` ago. With no delay, every datapoint is taken as it is, the current partial minute included.
 */
export function settledThrough(now: number, delayMs: number): number {
  return delayMs <= 0 ? now : floorMinute(now - delayMs)
}

/**
 * The minutes a read at `now` fetches for a release whose first write went live at `releaseAt`:
 * from that write's minute through the settled cut (with no delay, through the end of the current
 * minute). Undefined when no minute has settled yet. Asked as one-minute periods.
 */
export function releaseWindow(releaseAt: number, now: number, delayMs: number): MetricWindow | undefined {
  const start = floorMinute(releaseAt)
  const end = delayMs <= 0 ? Math.max(start + MINUTE_MS, ceilMinute(now)) : settledThrough(now, delayMs)
  if (end <= start) return undefined
  return { startTime: new Date(start), endTime: new Date(end), periodS: 60 }
}

/** The hour before `at`, in whole minutes, as one period: the stable's baseline. */
export function baselineWindow(at: number): MetricWindow {
  const end = floorMinute(at)
  return { startTime: new Date(end - 60 * MINUTE_MS), endTime: new Date(end), periodS: 3600 }
}

/**
 * How much of the minute starting at `minuteAt` lies in [from, to): 0..1. A minute that straddles a
 * shift belongs to both stages in proportion to the time each held it.
 */
export function overlap(minuteAt: number, from: number, to: number): number {
  const lo = Math.max(minuteAt, from)
  const hi = Math.min(minuteAt + MINUTE_MS, to)
  return hi > lo ? (hi - lo) / MINUTE_MS : 0
}

/**
 * The previous rule's window, kept for the benchmark's side-by-side: from the minute containing
 * `liveAt` through the end of the current minute, as one period.
 */
export function stageWindow(liveAt: number, now: number): MetricWindow {
  const start = floorMinute(liveAt)
  const end = Math.max(start + MINUTE_MS, ceilMinute(Math.max(now, liveAt)))
  return { startTime: new Date(start), endTime: new Date(end), periodS: (end - start) / 1000 }
}
