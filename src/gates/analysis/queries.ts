/**
 * Batches every series the analysis reads into GetMetricData calls: MetricStat queries only (no
 * metric math), at most 500 to a call. Two reads: the stable's baseline over the hour before the
 * release (one period), and both versions' one-minute datapoints since the release began. Generic
 * over "canary series vs stable series": each mode names the metrics and dimensions.
 */
import { type CloudWatchClient, type Dimension, GetMetricDataCommand, type MetricDataQuery, type MetricDataResult } from '@aws-sdk/client-cloudwatch'
import { MINUTE_MS, type MetricWindow } from './window.js'

/** GetMetricData accepts at most 500 queries per call. */
export const MAX_QUERIES_PER_CALL = 500

/** Where one version's metrics live. */
export interface SeriesRef {
  readonly dimensions: readonly Dimension[]
}

/** One thing judged on its own: a function's alias, a target group. */
export interface Subject {
  /** For messages, e.g. `orders:live`. */
  readonly label: string
  readonly namespace: string
  /**
   * Metric names: requests and errors are read as Sum; latency as a p90 (baseline) and a trimmed
   * count of the calls above a threshold (per minute). With `responses` (ALB), a version's errors are
   * `errors + requests − Σ responses`: the requests a target was chosen for that got no target response.
   */
  readonly metrics: { readonly requests: string; readonly errors: string; readonly latency: string; readonly responses?: readonly string[] }
  readonly canary: SeriesRef
  readonly stable: SeriesRef
  /** Version labels for messages and the summary. */
  readonly canaryVersion: string
  readonly stableVersion: string
  /** Multiplies the latency metric into milliseconds (ALB's TargetResponseTime is in seconds); default 1. */
  readonly latencyToMs?: number
}

/** One version's counts in one minute (or any span). */
export interface SideCounts {
  readonly requests: number
  readonly errors: number
  /** Calls slower than the latency threshold; undefined when latency is not read. */
  readonly slow: number | undefined
}

/** Both versions' counts in one one-minute datapoint. */
export interface MinuteSample {
  /** The minute's start (epoch ms). */
  readonly at: number
  readonly canary: SideCounts
  readonly stable: SideCounts
}

/** The stable's own figures over the hour before the release. */
export interface Baseline {
  readonly requests: number
  readonly errors: number
  /** The stable's p90 latency in milliseconds: the latency test's threshold. */
  readonly p90Ms: number | undefined
}

type Side = 'canary' | 'stable'
const SIDES: readonly Side[] = ['canary', 'stable']

/** Query ids must start with a lower-case letter: s<subject>_<side><series>. */
function queryId(subject: number, side: Side, series: string): string {
  return `s${subject}_${side[0]}${series}`
}

interface SeriesSpec {
  readonly key: string
  readonly metric: string
  readonly stat: string
}

/** The series a subject needs per version: requests, errors (and ALB's responses), and a latency statistic. */
function seriesOf(subject: Subject, latencyStat: string | undefined): SeriesSpec[] {
  const specs: SeriesSpec[] = [
    { key: 'r', metric: subject.metrics.requests, stat: 'Sum' },
    { key: 'e', metric: subject.metrics.errors, stat: 'Sum' },
    ...(subject.metrics.responses ?? []).map((metric, i) => ({ key: `x${i}`, metric, stat: 'Sum' })),
  ]
  if (latencyStat) specs.push({ key: 'l', metric: subject.metrics.latency, stat: latencyStat })
  return specs
}

/** CloudWatch's trimmed count above `thresholdMs` in the metric's own unit: `TC(0.25:)` counts values over 0.25. */
export function slowStat(subject: Subject, thresholdMs: number): string {
  const value = thresholdMs / (subject.latencyToMs ?? 1)
  return `TC(${Number(value.toPrecision(8))}:)`
}

/**
 * Every query for `subjects`; `latency[i]` is subject i's latency statistic, or undefined to skip it
 * (`true`: p99 for every subject, `false`: none, as the previous rule read them; the benchmark still does).
 */
export function buildQueries(
  subjects: readonly Subject[],
  latency: boolean | readonly (string | undefined)[],
  periodS: number,
  sides: readonly Side[] = SIDES,
): MetricDataQuery[] {
  const stats = typeof latency === 'boolean' ? subjects.map(() => (latency ? 'p99' : undefined)) : latency
  return subjects.flatMap((subject, index) =>
    sides.flatMap((side) =>
      seriesOf(subject, stats[index]).map((spec) => ({
        Id: queryId(index, side, spec.key),
        MetricStat: {
          Metric: { Namespace: subject.namespace, MetricName: spec.metric, Dimensions: [...subject[side].dimensions] },
          Period: periodS,
          Stat: spec.stat,
        },
        ReturnData: true,
      })),
    ),
  )
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = []
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size))
  return chunks
}

/** Reading the metrics failed: the gate is unreadable, never a pass. */
export class MetricsUnreadableError extends Error {
  override name = 'MetricsUnreadableError'
}

/** Each query's datapoints by timestamp (epoch ms). */
type Points = Map<string, Map<number, number>>

/**
 * Runs `queries` over `window`, in calls of at most 500 queries (and CloudWatch's pages). Throws on
 * an SDK error (after its retries) or when CloudWatch reports a query it could not answer.
 */
async function run(
  client: CloudWatchClient,
  queries: MetricDataQuery[],
  window: MetricWindow,
  signal?: AbortSignal,
): Promise<{ points: Points; calls: number }> {
  const points: Points = new Map()
  let calls = 0
  for (const batch of chunk(queries, MAX_QUERIES_PER_CALL)) {
    let nextToken: string | undefined
    do {
      calls += 1
      const page = await client.send(
        new GetMetricDataCommand({
          MetricDataQueries: batch,
          StartTime: window.startTime,
          EndTime: window.endTime,
          ScanBy: 'TimestampAscending',
          ...(nextToken ? { NextToken: nextToken } : {}),
        }),
        signal ? { abortSignal: signal } : {},
      )
      for (const result of page.MetricDataResults ?? []) collect(points, result)
      const problem = (page.MetricDataResults ?? []).find((r) => r.StatusCode === 'InternalError' || r.StatusCode === 'Forbidden')
      if (problem) {
        const detail = [...(problem.Messages ?? []), ...(page.Messages ?? [])].map((m) => `${m.Code ?? ''} ${m.Value ?? ''}`.trim()).join('; ')
        throw new MetricsUnreadableError(`CloudWatch could not answer query ${problem.Id ?? '?'} (${problem.StatusCode})${detail ? `: ${detail}` : ''}`)
      }
      nextToken = page.NextToken
    } while (nextToken)
  }
  return { points, calls }
}

function collect(points: Points, result: MetricDataResult): void {
  if (!result.Id) return
  const series = points.get(result.Id) ?? new Map<number, number>()
  const values = result.Values ?? []
  ;(result.Timestamps ?? []).forEach((timestamp, i) => {
    const value = values[i]
    if (value !== undefined) series.set(new Date(timestamp).getTime(), (series.get(new Date(timestamp).getTime()) ?? 0) + value)
  })
  points.set(result.Id, series)
}

/**
 * A version's errors. Lambda: its Errors. ALB (`responses` set): its targets' 5XX answers plus the
 * requests a target was chosen for that got no target response at all (refused, reset, timed out),
 * which the load balancer answered itself with a 502/503/504 counted only per load balancer
 * (HTTPCode_ELB_5XX_Count has no TargetGroup dimension). Pure, for tests.
 */
export function errorsOf(requests: number, errors: number, responses: readonly number[] | undefined): number {
  if (!responses) return errors
  const answered = responses.reduce((a, b) => a + b, 0)
  return errors + Math.max(0, requests - answered)
}

export interface MinutesResult {
  /** Per subject, its one-minute samples in time order (a minute with no datapoint for either version is absent). */
  readonly minutes: MinuteSample[][]
  readonly calls: number
}

/**
 * Both versions' one-minute counts over `window` (whole minutes). `thresholds[i]` is subject i's
 * latency threshold in ms, or undefined to read no latency for it.
 */
export async function fetchMinutes(
  client: CloudWatchClient,
  subjects: readonly Subject[],
  window: MetricWindow,
  thresholds: readonly (number | undefined)[],
  signal?: AbortSignal,
): Promise<MinutesResult> {
  const latency = subjects.map((subject, i) => {
    const t = thresholds[i]
    return t === undefined ? undefined : slowStat(subject, t)
  })
  const { points, calls } = await run(client, buildQueries(subjects, latency, MINUTE_MS / 1000), window, signal)
  const minutes = subjects.map((subject, index) => {
    const at = new Set<number>()
    for (const side of SIDES)
      for (const spec of seriesOf(subject, latency[index])) for (const t of points.get(queryId(index, side, spec.key))?.keys() ?? []) at.add(t)
    return [...at]
      .sort((a, b) => a - b)
      .map((t) => {
        const side = (which: Side): SideCounts => {
          const value = (key: string) => points.get(queryId(index, which, key))?.get(t) ?? 0
          const requests = Math.round(value('r'))
          const responses = subject.metrics.responses?.map((_, i) => Math.round(value(`x${i}`)))
          return { requests, errors: errorsOf(requests, Math.round(value('e')), responses), slow: latency[index] ? Math.round(value('l')) : undefined }
        }
        return { at: t, canary: side('canary'), stable: side('stable') }
      })
  })
  return { minutes, calls }
}

/**
 * Both versions' totals over `window` with their p99s, as the previous rule read them (the
 * benchmark's side-by-side and the emulator's tests use it).
 */
export async function fetchStats(
  client: CloudWatchClient,
  subjects: readonly Subject[],
  window: MetricWindow,
  withLatency: boolean,
  signal?: AbortSignal,
): Promise<{ stats: { canary: SeriesTotals; stable: SeriesTotals }[]; calls: number }> {
  const { points, calls } = await run(client, buildQueries(subjects, withLatency, window.periodS), window, signal)
  const values = (index: number, side: Side, key: string) => [...(points.get(queryId(index, side, key))?.values() ?? [])]
  const read = (index: number, side: Side, toMs: number): SeriesTotals => {
    const sum = (key: string) => Math.round(values(index, side, key).reduce((a, b) => a + b, 0))
    const latencies = withLatency ? values(index, side, 'l') : []
    return { requests: sum('r'), errors: sum('e'), p99: latencies.length > 0 ? Math.max(...latencies) * toMs : undefined }
  }
  return { stats: subjects.map((s, i) => ({ canary: read(i, 'canary', s.latencyToMs ?? 1), stable: read(i, 'stable', s.latencyToMs ?? 1) })), calls }
}

/** One version's totals and p99 (ms) over a window, as the previous rule judged them. */
export interface SeriesTotals {
  readonly requests: number
  readonly errors: number
  readonly p99: number | undefined
}

/** The stable's requests, errors and p90 over `window` (one period: the hour before the release). */
export async function fetchBaselines(
  client: CloudWatchClient,
  subjects: readonly Subject[],
  window: MetricWindow,
  signal?: AbortSignal,
): Promise<{ baselines: Baseline[]; calls: number }> {
  const latency = subjects.map(() => 'p90')
  const { points, calls } = await run(client, buildQueries(subjects, latency, window.periodS, ['stable']), window, signal)
  const sum = (index: number, key: string) => [...(points.get(queryId(index, 'stable', key))?.values() ?? [])].reduce((a, b) => a + b, 0)
  return {
    baselines: subjects.map((subject, index) => {
      const requests = Math.round(sum(index, 'r'))
      const responses = subject.metrics.responses?.map((_, i) => Math.round(sum(index, `x${i}`)))
      const p90s = [...(points.get(queryId(index, 'stable', 'l'))?.values() ?? [])]
      return {
        requests,
        errors: errorsOf(requests, Math.round(sum(index, 'e')), responses),
        p90Ms: p90s.length > 0 ? Math.max(...p90s) * (subject.latencyToMs ?? 1) : undefined,
      }
    }),
    calls,
  }
}

/** Lambda's per-version metrics through an alias: namespace AWS/Lambda, dimensions FunctionName, Resource and ExecutedVersion. */
export function lambdaSubject(functionName: string, alias: string, stableVersion: string, canaryVersion: string): Subject {
  // Metrics carry the bare function name, whatever form the user gave (name, ARN, partial ARN).
  const name = functionName.split(':function:').at(-1) ?? functionName
  const dims = (version: string): Dimension[] => [
    { Name: 'FunctionName', Value: name },
    { Name: 'Resource', Value: `${name}:${alias}` },
    { Name: 'ExecutedVersion', Value: version },
  ]
  return {
    label: `${name}:${alias}`,
    namespace: 'AWS/Lambda',
    metrics: { requests: 'Invocations', errors: 'Errors', latency: 'Duration' },
    canary: { dimensions: dims(canaryVersion) },
    stable: { dimensions: dims(stableVersion) },
    canaryVersion,
    stableVersion,
  }
}

/** The `targetgroup/NAME/ID` suffix of a target group ARN: CloudWatch's TargetGroup dimension. */
export function targetGroupDimension(arn: string): string {
  return arn.split(':').at(-1) ?? arn
}

/**
 * An ALB's per-target-group metrics: namespace AWS/ApplicationELB, dimensions LoadBalancer
 * (`app/NAME/ID`) and TargetGroup. A group's metrics cover all its requests through this load
 * balancer, so a group should serve only the listener (or rule) being shifted.
 */
export function albSubject(label: string, loadBalancer: string, stableArn: string, canaryArn: string): Subject {
  const dims = (arn: string): Dimension[] => [
    { Name: 'LoadBalancer', Value: loadBalancer },
    { Name: 'TargetGroup', Value: targetGroupDimension(arn) },
  ]
  const name = (arn: string) => targetGroupDimension(arn).split('/')[1] ?? arn
  return {
    label,
    namespace: 'AWS/ApplicationELB',
    metrics: {
      requests: 'RequestCount',
      errors: 'HTTPCode_Target_5XX_Count',
      latency: 'TargetResponseTime',
      // RequestCount counts only requests for which a target was chosen; the ones no target answered are the gap.
      responses: ['HTTPCode_Target_2XX_Count', 'HTTPCode_Target_3XX_Count', 'HTTPCode_Target_4XX_Count', 'HTTPCode_Target_5XX_Count'],
    },
    canary: { dimensions: dims(canaryArn) },
    stable: { dimensions: dims(stableArn) },
    canaryVersion: name(canaryArn),
    stableVersion: name(stableArn),
    latencyToMs: 1000,
  }
}
