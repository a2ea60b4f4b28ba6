/**
 * A fake CloudWatch for the analysis' unit tests that delivers like AWS: one-minute datapoints of
 * per-second traffic, each series on its own delay (a second's counts appear `delay` after it), so a
 * minute fills in as its seconds arrive. Baseline reads (one 3600 s period) answer from `baseline`.
 * Lambda subjects only (query keys r, e, l).
 */
import type { GetMetricDataCommandInput, MetricDataResult } from '@aws-sdk/client-cloudwatch'
import type { FakeClock } from './clock.js'

export interface SideTraffic {
  readonly perSecond: number
  readonly errorRate: number
  /** The share of calls slower than the latency threshold (default 0.1: the stable's p90). */
  readonly slowRate?: number
}

/** What each version serves at second `t` (epoch ms, on the second), for subject `index`. */
export type TrafficAt = (t: number, index: number) => { readonly canary: SideTraffic; readonly stable: SideTraffic }

export interface MinuteMetricsOptions {
  /** How late each series' seconds arrive, in ms (default 0). */
  readonly delayMs?: { readonly canary: number; readonly stable: number }
  readonly baseline?: { readonly requests: number; readonly errors: number; readonly p90Ms: number | undefined }
}

export interface ReadWindow {
  readonly start: number
  readonly end: number
  readonly periodS: number
  readonly stats: readonly string[]
}

export function minuteMetrics(clock: FakeClock, traffic: TrafficAt, options: MinuteMetricsOptions = {}) {
  const reads: ReadWindow[] = []
  const delay = options.delayMs ?? { canary: 0, stable: 0 }
  const answer = (input: GetMetricDataCommandInput) => {
    const start = input.StartTime?.getTime() ?? 0
    const end = input.EndTime?.getTime() ?? 0
    const queries = input.MetricDataQueries ?? []
    const periodS = queries[0]?.MetricStat?.Period ?? 60
    reads.push({ start, end, periodS, stats: queries.map((q) => q.MetricStat?.Stat ?? '') })
    return {
      MetricDataResults: queries.map((q): MetricDataResult => {
        const [, index, s, key] = /^s(\d+)_([cs])(\w+)$/.exec(q.Id ?? '') ?? []
        const side = s === 'c' ? 'canary' : 'stable'
        if (periodS === 3600) {
          const b = options.baseline
          const value = !b ? undefined : key === 'r' ? b.requests : key === 'e' ? b.errors : b.p90Ms
          return { Id: q.Id, StatusCode: 'Complete', Timestamps: value === undefined ? [] : [new Date(start)], Values: value === undefined ? [] : [value] }
        }
        const timestamps: Date[] = []
        const values: number[] = []
        const visibleUntil = clock.now() - delay[side]
        for (let minute = start; minute < end; minute += 60_000) {
          let requests = 0
          let errors = 0
          let slow = 0
          for (let t = minute; t < minute + 60_000 && t < visibleUntil; t += 1000) {
            const v = traffic(t, Number(index))[side]
            requests += v.perSecond
            errors += v.perSecond * v.errorRate
            slow += v.perSecond * (v.slowRate ?? 0.1)
          }
          if (requests <= 0) continue
          timestamps.push(new Date(minute))
          values.push(Math.round(key === 'r' ? requests : key === 'e' ? errors : slow))
        }
        return { Id: q.Id, StatusCode: 'Complete', Timestamps: timestamps, Values: values }
      }),
    }
  }
  return { answer, reads }
}
