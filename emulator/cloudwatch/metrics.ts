// CloudWatch metric storage, PutMetricData and GetMetricData (MetricStat queries), from the API model
// (botocore cloudwatch 2010-08-01) and the GetMetricData documentation.
import { ApiError } from '../service.js'
import { MetricDelivery, isAwsNamespace, minuteOf } from './delivery.js'

export interface StatisticSet {
  sampleCount: number
  sum: number
  minimum: number
  maximum: number
}

/** One stored datapoint: raw values (percentiles work) or a statistic set (they do not, as in CloudWatch). */
export interface StoredDatapoint {
  namespace: string
  metricName: string
  /** Dimensions as `Name=Value` pairs sorted by name: a metric is its exact dimension set. */
  dimensionKey: string
  at: number
  /** When CloudWatch would show it: `at` plus the publishing delay (and, once stored, the delivery delay). */
  visibleAt: number
  values?: number[]
  set?: StatisticSet
  unit?: string
}

export type Dimensions = { Name: string; Value: string }[]

export function dimensionKey(dimensions: readonly { Name: string; Value: string }[]): string {
  return [...dimensions]
    .map((d) => `${d.Name}=${d.Value}`)
    .sort()
    .join('\u0000')
}

const validation = (msg: string): ApiError => new ApiError(400, 'ValidationError', msg)
const invalidParameter = (msg: string): ApiError => new ApiError(400, 'InvalidParameterValue', msg)

const QUERY_ID = /^[a-z][a-zA-Z0-9_]*$/
const STAT = /^(?:Sum|SampleCount|Average|Minimum|Maximum|p(\d{1,2}(?:\.\d+)?|100))$/
/** Trimmed count, trimmed mean, percentile rank: `TC(0.25:)`, `TM(10%:90%)`, `PR(:300)`, and the short `tc90`, `tm99`. */
const RANGE_STAT = /^(TC|TM|PR)\((\d+(?:\.\d+)?%?)?:(\d+(?:\.\d+)?%?)?\)$|^(tc|tm)(\d{1,2}(?:\.\d+)?)$/i
const HIGH_RESOLUTION_PERIODS = [1, 5, 10, 20, 30]
const MAX_QUERIES = 500

const seriesKey = (namespace: unknown, metricName: unknown, dimensions: string): string => `${String(namespace)}\u0001${String(metricName)}\u0001${dimensions}`

export class MetricStore {
  /** Datapoints by metric (namespace, name and exact dimension set). */
  private readonly series = new Map<string, StoredDatapoint[]>()
  /** How late each series' datapoints become readable (delivery.ts); none unless configured. */
  readonly delivery = new MetricDelivery()

  reset(): void {
    this.series.clear()
    this.delivery.reset()
  }

  /**
   * Stores a datapoint, as CloudWatch ingests it: an AWS service's datapoint is stamped with its minute
   * (standard resolution) and its arrival is delayed per series. Every publisher (the simulated Lambda
   * and ALB traffic, PutMetricData) comes through here, so the delay applies to all alike.
   */
  add(point: StoredDatapoint): void {
    const key = seriesKey(point.namespace, point.metricName, point.dimensionKey)
    const stored = { ...point }
    if (isAwsNamespace(point.namespace)) stored.at = minuteOf(point.at)
    if (this.delivery.applies(point.namespace)) {
      const dims = new Map(
        point.dimensionKey === ''
          ? []
          : point.dimensionKey.split('\u0000').map((pair) => {
              const i = pair.indexOf('=')
              return [pair.slice(0, i), pair.slice(i + 1)] as [string, string]
            }),
      )
      stored.visibleAt = point.visibleAt + this.delivery.delayFor(key, point.metricName, dims, point.at)
    }
    const list = this.series.get(key)
    if (list) list.push(stored)
    else this.series.set(key, [stored])
  }

  /** Every stored datapoint (tests and the control API). */
  all(): StoredDatapoint[] {
    return [...this.series.values()].flat()
  }

  /** PutMetricData: Value, Values/Counts or StatisticValues per datum. */
  putMetricData(body: Record<string, unknown>, now: number): void {
    const namespace = body.Namespace
    if (typeof namespace !== 'string' || namespace === '') throw new ApiError(400, 'MissingParameter', 'The parameter Namespace is required.')
    if (namespace.startsWith('AWS/')) throw invalidParameter('The value AWS/ for parameter Namespace is invalid.')
    const data = body.MetricData
    if (!Array.isArray(data)) throw new ApiError(400, 'MissingParameter', 'The parameter MetricData is required.')
    if (data.length > 1000) throw invalidParameter('The collection MetricData must not have a size greater than 1000.')
    for (const raw of data as Record<string, unknown>[]) {
      const metricName = raw.MetricName
      if (typeof metricName !== 'string' || metricName === '')
        throw new ApiError(400, 'MissingParameter', 'The parameter MetricData.member.N.MetricName is required.')
      const at = typeof raw.Timestamp === 'number' ? raw.Timestamp * 1000 : typeof raw.Timestamp === 'string' ? Date.parse(raw.Timestamp) : now
      const point: StoredDatapoint = { namespace, metricName, dimensionKey: dimensionKey((raw.Dimensions ?? []) as Dimensions), at, visibleAt: at }
      if (typeof raw.Unit === 'string') point.unit = raw.Unit
      const stats = raw.StatisticValues as Record<string, number> | undefined
      if (stats) {
        point.set = { sampleCount: stats.SampleCount ?? 0, sum: stats.Sum ?? 0, minimum: stats.Minimum ?? 0, maximum: stats.Maximum ?? 0 }
      } else if (Array.isArray(raw.Values)) {
        const counts = Array.isArray(raw.Counts) ? (raw.Counts as number[]) : []
        point.values = (raw.Values as number[]).flatMap((v, i) => Array.from({ length: Math.max(0, Math.round(counts[i] ?? 1)) }, () => v))
      } else if (typeof raw.Value === 'number') point.values = [raw.Value]
      else throw invalidParameter('A datum needs Value, Values or StatisticValues.')
      this.add(point)
    }
  }

  /** GetMetricData with MetricStat queries. Metric math and Metrics Insights are not modelled: they are refused, not guessed. */
  getMetricData(body: Record<string, unknown>, now: number): Record<string, unknown> {
    const queries = body.MetricDataQueries
    if (!Array.isArray(queries) || queries.length === 0) throw new ApiError(400, 'MissingParameter', 'The parameter MetricDataQueries is required.')
    if (queries.length > MAX_QUERIES) throw validation(`The collection MetricDataQueries must not have a size greater than ${MAX_QUERIES}.`)
    const start = timestamp(body.StartTime, 'StartTime')
    const end = timestamp(body.EndTime, 'EndTime')
    if (!(end > start)) throw validation('The parameter StartTime must be less than the parameter EndTime.')
    const scanBy = body.ScanBy ?? 'TimestampDescending'
    if (scanBy !== 'TimestampDescending' && scanBy !== 'TimestampAscending') throw validation(`Invalid ScanBy ${String(scanBy)}`)
    const ids = new Set<string>()
    const results = (queries as Record<string, unknown>[]).map((query) => {
      const id = query.Id
      if (typeof id !== 'string' || !QUERY_ID.test(id)) {
        throw validation(
          `The value ${String(id)} for parameter MetricDataQueries.member.Id is invalid: it must start with a lower-case letter and hold letters, digits and _ only.`,
        )
      }
      if (ids.has(id)) throw validation(`The value ${id} for parameter MetricDataQueries.member.Id is duplicated.`)
      ids.add(id)
      if (query.Expression !== undefined) throw validation('The emulator does not evaluate metric math or Metrics Insights expressions.')
      const stat = query.MetricStat as Record<string, unknown> | undefined
      if (!stat) throw validation(`Query ${id} needs a MetricStat or an Expression.`)
      return { Id: id, ...this.evaluate(id, stat, start, end, now, scanBy === 'TimestampAscending', query.Label) }
    })
    return { MetricDataResults: results, Messages: [] }
  }

  private evaluate(id: string, stat: Record<string, unknown>, start: number, end: number, now: number, ascending: boolean, label: unknown) {
    const metric = (stat.Metric ?? {}) as Record<string, unknown>
    const period = stat.Period
    const statistic = stat.Stat
    if (typeof period !== 'number' || !Number.isInteger(period) || period < 1 || !(HIGH_RESOLUTION_PERIODS.includes(period) || period % 60 === 0)) {
      throw validation(`The parameter MetricDataQueries.member.${id}.MetricStat.Period must be 1, 5, 10, 20, 30 or a multiple of 60.`)
    }
    if (typeof statistic !== 'string' || !(STAT.test(statistic) || RANGE_STAT.test(statistic)))
      throw validation(`The value ${String(statistic)} for parameter MetricStat.Stat is invalid.`)
    // CloudWatch rounds a recent StartTime down to the minute (or to the period's division, for high resolution).
    const roundTo = period < 60 ? period * 1000 : 60_000
    const from = Math.floor(start / roundTo) * roundTo
    const key = dimensionKey((metric.Dimensions ?? []) as Dimensions)
    const buckets = new Map<number, StoredDatapoint[]>()
    for (const p of this.series.get(seriesKey(metric.Namespace, metric.MetricName, key)) ?? []) {
      if (p.at < from || p.at >= end || p.visibleAt > now) continue
      const bucket = from + Math.floor((p.at - from) / (period * 1000)) * period * 1000
      const list = buckets.get(bucket)
      if (list) list.push(p)
      else buckets.set(bucket, [p])
    }
    const times = [...buckets.keys()].sort((a, b) => (ascending ? a - b : b - a))
    const timestamps: number[] = []
    const values: number[] = []
    for (const t of times) {
      const value = statisticOf(buckets.get(t) ?? [], statistic)
      if (value === undefined) continue
      timestamps.push(t / 1000)
      values.push(value)
    }
    return { Label: typeof label === 'string' ? label : String(metric.MetricName ?? id), Timestamps: timestamps, Values: values, StatusCode: 'Complete' }
  }
}

function timestamp(v: unknown, name: string): number {
  // The SDK sends epoch seconds; accept ISO strings from hand-written callers.
  const ms = typeof v === 'number' ? v * 1000 : typeof v === 'string' ? Date.parse(v) : Number.NaN
  if (!Number.isFinite(ms)) throw new ApiError(400, 'MissingParameter', `The parameter ${name} is required.`)
  return ms
}

/** A statistic over one period's datapoints; undefined when it cannot be computed (a percentile of statistic sets). */
export function statisticOf(points: readonly StoredDatapoint[], statistic: string): number | undefined {
  let count = 0
  let sum = 0
  let min = Number.POSITIVE_INFINITY
  let max = Number.NEGATIVE_INFINITY
  for (const p of points) {
    if (p.set) {
      count += p.set.sampleCount
      sum += p.set.sum
      min = Math.min(min, p.set.minimum)
      max = Math.max(max, p.set.maximum)
    }
    for (const v of p.values ?? []) {
      count += 1
      sum += v
      min = Math.min(min, v)
      max = Math.max(max, v)
    }
  }
  if (count === 0) return undefined
  switch (statistic) {
    case 'Sum':
      return sum
    case 'SampleCount':
      return count
    case 'Average':
      return sum / count
    case 'Minimum':
      return min
    case 'Maximum':
      return max
    default: {
      // pNN over raw values, nearest rank. CloudWatch's own percentiles are approximations of this.
      const raw = points.flatMap((p) => p.values ?? []).sort((a, b) => a - b)
      if (raw.length === 0) return undefined
      const range = RANGE_STAT.exec(statistic)
      if (range) return rangeStatistic(raw, range)
      const q = Number(statistic.slice(1)) / 100
      return raw[Math.min(raw.length - 1, Math.max(0, Math.ceil(q * raw.length) - 1))]
    }
  }
}

/**
 * TC, TM and PR over sorted raw values. As CloudWatch's statistics definitions say: a range keeps the
 * values above its lower bound and up to its upper bound (lower exclusive, upper inclusive); a bound
 * with % is a percentile of the period's values (ranks), without it an absolute value; `tc90` is
 * `TC(:90%)`. TC counts the values kept, TM averages them (no value without any), PR is the share
 * kept in percent. (CloudWatch computes these from its own approximate distribution; these are exact.)
 */
function rangeStatistic(sorted: readonly number[], m: RegExpExecArray): number | undefined {
  const kind = (m[1] ?? m[4] ?? '').toUpperCase()
  const lowRaw = m[4] ? undefined : m[2]
  const highRaw = m[4] ? `${m[5]}%` : m[3]
  const n = sorted.length
  // Rank bounds: the values kept are sorted[from..to).
  const rank = (bound: string | undefined, isLow: boolean): number => {
    if (bound === undefined || bound === '') return isLow ? 0 : n
    if (bound.endsWith('%')) return Math.round((Number(bound.slice(0, -1)) / 100) * n)
    const v = Number(bound)
    // First index above v (lower, exclusive) or past the last value ≤ v (upper, inclusive): the same index.
    let lo = 0
    let hi = n
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if ((sorted[mid] ?? 0) <= v) lo = mid + 1
      else hi = mid
    }
    return lo
  }
  const from = rank(lowRaw, true)
  const to = Math.max(from, rank(highRaw, false))
  const kept = sorted.slice(from, to)
  if (kind === 'TC') return kept.length
  if (kind === 'PR') return (100 * kept.length) / n
  return kept.length === 0 ? undefined : kept.reduce((a, b) => a + b, 0) / kept.length
}
