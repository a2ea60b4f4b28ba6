/**
 * Batches every series the analysis reads into GetMetricData calls: MetricStat queries only (no
 * metric math), at most 500 to a call, so one call per poll covers 50 functions at 6 queries each.
 * Generic over "canary series vs stable series": each mode names the metrics and dimensions.
 */
import { type CloudWatchClient, type Dimension, GetMetricDataCommand, type MetricDataQuery, type MetricDataResult } from '@aws-sdk/client-cloudwatch'
import type { SeriesStats } from './rule.js'
import type { MetricWindow } from './window.js'

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
  /** Metric names: requests and errors are read as Sum, latency as p99. */
  readonly metrics: { readonly requests: string; readonly errors: string; readonly latency: string }
  readonly canary: SeriesRef
  readonly stable: SeriesRef
  /** Version labels for messages and the summary. */
  readonly canaryVersion: string
  readonly stableVersion: string
  /** Multiplies the latency metric into milliseconds (ALB's TargetResponseTime is in seconds); default 1. */
  readonly latencyToMs?: number
}

export interface SubjectStats {
  readonly canary: SeriesStats
  readonly stable: SeriesStats
}

type Side = 'canary' | 'stable'
type Kind = 'requests' | 'errors' | 'latency'
const STAT: Record<Kind, string> = { requests: 'Sum', errors: 'Sum', latency: 'p99' }

/** Query ids must start with a lower-case letter: s<subject>_<side><kind>. */
function queryId(subject: number, side: Side, kind: Kind): string {
  return `s${subject}_${side[0]}${kind[0]}`
}

/** Every query for `subjects`; latency only when durations are compared. */
export function buildQueries(subjects: readonly Subject[], withLatency: boolean, periodS: number): MetricDataQuery[] {
  const kinds: Kind[] = withLatency ? ['requests', 'errors', 'latency'] : ['requests', 'errors']
  return subjects.flatMap((subject, index) =>
    (['canary', 'stable'] as const).flatMap((side) =>
      kinds.map((kind) => ({
        Id: queryId(index, side, kind),
        MetricStat: {
          Metric: { Namespace: subject.namespace, MetricName: subject.metrics[kind], Dimensions: [...subject[side].dimensions] },
          Period: periodS,
          Stat: STAT[kind],
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

export interface FetchResult {
  readonly stats: SubjectStats[]
  /** GetMetricData calls made (one per 500 queries, more only if CloudWatch pages). */
  readonly calls: number
}

/**
 * Reads every subject's counts over `window`. Throws on an SDK error (after its retries) or when
 * CloudWatch reports a query it could not answer (InternalError, Forbidden).
 */
export async function fetchStats(
  client: CloudWatchClient,
  subjects: readonly Subject[],
  window: MetricWindow,
  withLatency: boolean,
  signal?: AbortSignal,
): Promise<FetchResult> {
  const queries = buildQueries(subjects, withLatency, window.periodS)
  const values = new Map<string, number[]>()
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
      for (const result of page.MetricDataResults ?? []) collect(values, result)
      const problem = (page.MetricDataResults ?? []).find((r) => r.StatusCode === 'InternalError' || r.StatusCode === 'Forbidden')
      if (problem) {
        const detail = [...(problem.Messages ?? []), ...(page.Messages ?? [])].map((m) => `${m.Code ?? ''} ${m.Value ?? ''}`.trim()).join('; ')
        throw new MetricsUnreadableError(`CloudWatch could not answer query ${problem.Id ?? '?'} (${problem.StatusCode})${detail ? `: ${detail}` : ''}`)
      }
      nextToken = page.NextToken
    } while (nextToken)
  }
  return {
    stats: subjects.map((subject, index) => {
      const read = (side: Side) => series(values, index, side, withLatency, subject.latencyToMs ?? 1)
      return { canary: read('canary'), stable: read('stable') }
    }),
    calls,
  }
}

function collect(values: Map<string, number[]>, result: MetricDataResult): void {
  if (!result.Id) return
  values.set(result.Id, [...(values.get(result.Id) ?? []), ...(result.Values ?? [])])
}

/**
 * One window is asked for as one period, so each query should return at most one datapoint. Should
 * CloudWatch split it anyway, Sums add up, and the p99 is the largest (an over-estimate for both versions alike).
 */
function series(values: Map<string, number[]>, index: number, side: Side, withLatency: boolean, toMs: number): SeriesStats {
  const sum = (kind: Kind) => (values.get(queryId(index, side, kind)) ?? []).reduce((a, b) => a + b, 0)
  const latencies = withLatency ? (values.get(queryId(index, side, 'latency')) ?? []) : []
  return { requests: Math.round(sum('requests')), errors: Math.round(sum('errors')), p99: latencies.length > 0 ? Math.max(...latencies) * toMs : undefined }
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
    metrics: { requests: 'RequestCount', errors: 'HTTPCode_Target_5XX_Count', latency: 'TargetResponseTime' },
    canary: { dimensions: dims(canaryArn) },
    stable: { dimensions: dims(stableArn) },
    canaryVersion: name(canaryArn),
    stableVersion: name(stableArn),
    latencyToMs: 1000,
  }
}
