/**
 * The metric window of a read: both versions over the same time, from the minute the stage's
 * weight went live through the minute of the read, as a single CloudWatch period so that one
 * datapoint per series carries the whole window (a p99 cannot be summed from per-minute p99s).
 */

/** Lambda publishes standard-resolution metrics: one-minute buckets. */
export const MINUTE_MS = 60_000

export interface MetricWindow {
  readonly startTime: Date
  readonly endTime: Date
  /** The whole window in seconds: a multiple of 60, as CloudWatch requires of standard-resolution periods. */
  readonly periodS: number
}

/**
 * The window for a read at `now` of a stage that went live at `liveAt`. It starts at the minute
 * containing `liveAt`: a later start would drop up to a minute of canary data, and the stable
 * traffic it adds from before the shift is the same stable version. It ends at the end of the
 * current minute, which CloudWatch fills as data arrives.
 */
export function stageWindow(liveAt: number, now: number): MetricWindow {
  const start = Math.floor(liveAt / MINUTE_MS) * MINUTE_MS
  const end = Math.max(start + MINUTE_MS, Math.ceil(Math.max(now, liveAt) / MINUTE_MS) * MINUTE_MS)
  return { startTime: new Date(start), endTime: new Date(end), periodS: (end - start) / 1000 }
}

/** The pre-flight's window: the last minute, only to show the metrics can be read. */
export function preflightWindow(now: number): MetricWindow {
  return stageWindow(now - MINUTE_MS, now)
}
