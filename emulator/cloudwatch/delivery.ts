/**
 * When an AWS service's metrics become readable, as CloudWatch delivers them.
 *
 * AWS documents that Lambda "sends metric data to CloudWatch in 1-minute intervals" and that ELB
 * "measures and sends its metrics in 60-second intervals"; it gives no figure for how late they land,
 * and each series (metric, dimension set) arrives on its own. So: every datapoint of an `AWS/…`
 * namespace is stamped with the start of its minute, and becomes visible after a delay made of
 * - a base delay, the same for every series;
 * - a skew: a fixed draw in [0, skewMs] per series, so one version's series lands after the other's;
 * - a jitter: a draw in [0, jitterMs] per series and minute;
 * - an optional extra delay for the series whose dimensions match (to pin a skew in a test).
 * Each second's data keeps its own arrival time, so a minute's datapoint grows as its seconds arrive
 * (a partial minute), as CloudWatch's does while a service's batches come in.
 *
 * The default is no delay: tests that are not about evidence see every datapoint at once.
 * Custom namespaces (PutMetricData) are not delayed unless listed in `namespaces`.
 */
import { mulberry32 } from '../prng.js'

export interface SeriesDelay {
  /** The series whose dimensions include all these Name=Value pairs (e.g. { ExecutedVersion: '1' }). */
  readonly dimensions: Readonly<Record<string, string>>
  /** Only this metric; every metric of the matching dimension sets when absent. */
  readonly metricName?: string
  readonly extraDelayMs: number
}

export interface DeliverySettings {
  /** Base delay after the end of the second a datapoint describes (ms). */
  readonly delayMs: number
  /** Per series and minute, a uniform draw in [0, jitterMs] added to the delay. */
  readonly jitterMs: number
  /** Per series, a fixed uniform draw in [0, skewMs] added to the delay. */
  readonly skewMs: number
  readonly series: readonly SeriesDelay[]
  /** Namespaces delayed; AWS's own (`AWS/…`) when absent. */
  readonly namespaces?: readonly string[]
  /** Seed of the draws, so a run is reproducible. */
  readonly seed: number
}

export const NO_DELAY: DeliverySettings = { delayMs: 0, jitterMs: 0, skewMs: 0, series: [], seed: 1 }

const MINUTE_MS = 60_000

/** AWS services publish standard-resolution (one-minute) datapoints. */
export const isAwsNamespace = (namespace: string): boolean => namespace.startsWith('AWS/')

/** Start of the minute holding `at`: the timestamp of a standard-resolution datapoint. */
export const minuteOf = (at: number): number => Math.floor(at / MINUTE_MS) * MINUTE_MS

export class MetricDelivery {
  private current: DeliverySettings = NO_DELAY
  private rand = mulberry32(NO_DELAY.seed)
  private readonly skews = new Map<string, number>()
  private readonly jitters = new Map<string, number>()

  settings(): DeliverySettings {
    return this.current
  }

  /** Applies from the next datapoint stored; data already stored keeps its arrival time. */
  configure(patch: Partial<DeliverySettings>): DeliverySettings {
    const next = { ...this.current, ...patch }
    for (const k of ['delayMs', 'jitterMs', 'skewMs'] as const) {
      if (!(Number.isFinite(next[k]) && next[k] >= 0)) throw new Error(`${k} must be a non-negative number of milliseconds, got ${String(next[k])}`)
    }
    for (const s of next.series) {
      if (!(Number.isFinite(s.extraDelayMs) && s.extraDelayMs >= 0)) throw new Error(`series extraDelayMs must be non-negative, got ${String(s.extraDelayMs)}`)
    }
    this.current = next
    this.rand = mulberry32(next.seed)
    this.skews.clear()
    this.jitters.clear()
    return next
  }

  reset(): void {
    this.configure(NO_DELAY)
  }

  applies(namespace: string): boolean {
    return this.current.namespaces ? this.current.namespaces.includes(namespace) : isAwsNamespace(namespace)
  }

  /**
   * How long after its own `visibleAt` a datapoint of this series becomes readable.
   * `series`: the store's key for the series; `dimensions`: its Name=Value pairs.
   */
  delayFor(series: string, metricName: string, dimensions: ReadonlyMap<string, string>, at: number): number {
    const s = this.current
    if (s.delayMs === 0 && s.jitterMs === 0 && s.skewMs === 0 && s.series.length === 0) return 0
    let skew = this.skews.get(series)
    if (skew === undefined) {
      skew = s.skewMs * this.rand()
      this.skews.set(series, skew)
    }
    const minuteKey = `${series}\u0002${minuteOf(at)}`
    let jitter = this.jitters.get(minuteKey)
    if (jitter === undefined) {
      jitter = s.jitterMs * this.rand()
      this.jitters.set(minuteKey, jitter)
    }
    let extra = 0
    for (const d of s.series) {
      if (d.metricName !== undefined && d.metricName !== metricName) continue
      if (Object.entries(d.dimensions).every(([name, value]) => dimensions.get(name) === value)) extra += d.extraDelayMs
    }
    return Math.round(s.delayMs + skew + jitter + extra)
  }
}
