// A simulated stream of invocations through an alias, split by the alias's live weights second by
// second, publishing the metrics Lambda publishes for alias invocations (namespace AWS/Lambda,
// dimensions FunctionName / Resource / ExecutedVersion) into the emulator's CloudWatch.
import type { MetricStore } from '../cloudwatch/metrics.js'
import { dimensionKey } from '../cloudwatch/metrics.js'
import { mulberry32 } from '../prng.js'
import type { LambdaState, Weights } from './lambda.js'

export interface VersionBehaviour {
  /** Fraction of invocations that fail (0..1). */
  readonly errorRate: number
  /** Median duration in ms; each invocation varies around it (log-normal, sigma 0.25). */
  readonly durationMs: number
}

export interface InvocationStreamSpec {
  readonly functionName: string
  readonly alias: string
  /** Invocations per second through the alias, all versions together. */
  readonly ratePerSecond: number
  /** Per-version behaviour; versions not listed behave like `defaults`. */
  readonly versions?: Record<string, Partial<VersionBehaviour>>
  readonly defaults?: Partial<VersionBehaviour>
  /** How long after an invocation its metrics can be read (default 0). CloudWatch's own per-series delay is set apart, on its delivery (POST cloudwatch/delivery). */
  readonly metricDelayMs?: number
  /** Spread of each invocation's duration around its median: the sigma of the log-normal (default 0.25). */
  readonly durationSigma?: number
  /** Shared error spikes: from `from` to `to` (epoch ms) every version also fails `errorRate` of its calls, as a downstream outage does. */
  readonly spikes?: readonly ErrorSpike[]
}

export interface ErrorSpike {
  readonly from: number
  readonly to: number
  /** Fraction of calls the spike fails, on top of each version's own errors (0..1). */
  readonly errorRate: number
}

interface Stream {
  spec: InvocationStreamSpec
  /** Start of the next second to simulate. */
  next: number
  /** Fraction of an invocation carried to the next second, so low rates still add up. */
  carry: number
}

const DEFAULT_BEHAVIOUR: VersionBehaviour = { errorRate: 0, durationMs: 50 }
const SECOND = 1000
/** A stream left idle longer than this catches up only on its last stretch. */
const MAX_CATCH_UP_MS = 15 * 60_000

const key = (fn: string, alias: string): string => `${fn}:${alias}`

export class InvocationStreams {
  private readonly streams = new Map<string, Stream>()
  private rand: () => number

  constructor(
    private readonly lambda: LambdaState,
    private readonly metrics: MetricStore,
    private readonly seed = 1,
  ) {
    this.rand = mulberry32(seed)
  }

  reset(): void {
    this.streams.clear()
    this.rand = mulberry32(this.seed)
  }

  /** Starts (or reconfigures, keeping its clock) a stream; invocations begin with the current second. */
  set(spec: InvocationStreamSpec, now = Date.now()): void {
    if (!(spec.ratePerSecond >= 0) || !Number.isFinite(spec.ratePerSecond)) throw new Error('ratePerSecond must be a non-negative number')
    const k = key(spec.functionName, spec.alias)
    const existing = this.streams.get(k)
    if (existing) this.advance(now)
    this.streams.set(k, { spec, next: existing?.next ?? Math.floor(now / SECOND) * SECOND, carry: existing?.carry ?? 0 })
  }

  stop(functionName: string, alias: string, now = Date.now()): void {
    this.advance(now)
    this.streams.delete(key(functionName, alias))
  }

  /** Adds a shared error spike to a running stream: both versions fail alike while it lasts. */
  spike(functionName: string, alias: string, spike: ErrorSpike, now = Date.now()): void {
    if (!(spike.errorRate >= 0 && spike.errorRate <= 1)) throw new Error('errorRate must be between 0 and 1')
    if (!(spike.to > spike.from)) throw new Error('a spike must end after it starts')
    const stream = this.streams.get(key(functionName, alias))
    if (!stream) throw new Error(`no invocation stream through ${functionName}:${alias}`)
    this.advance(now)
    stream.spec = { ...stream.spec, spikes: [...(stream.spec.spikes ?? []), spike] }
  }

  specs(): InvocationStreamSpec[] {
    return [...this.streams.values()].map((s) => s.spec)
  }

  /** Simulates every whole second up to `now` (called before each metric read). */
  advance(now = Date.now()): void {
    for (const stream of this.streams.values()) {
      stream.next = Math.max(stream.next, Math.floor((now - MAX_CATCH_UP_MS) / SECOND) * SECOND)
      while (stream.next + SECOND <= now) {
        this.simulateSecond(stream, stream.next)
        stream.next += SECOND
      }
    }
  }

  /** The alias's routing at `at`, from its history (the emulator records every change), else as it is now. */
  routingAt(functionName: string, alias: string, at: number): { version: string; weights: Weights } | undefined {
    let found: { version: string; weights: Weights } | undefined
    let deleted = false
    let seen = false
    for (const entry of this.lambda.history) {
      if (entry.function !== functionName || entry.alias !== alias) continue
      seen = true
      if (entry.at > at) break
      deleted = entry.action === 'delete'
      found = { version: entry.functionVersion, weights: entry.weights }
    }
    if (deleted) return undefined
    if (found) return found
    if (seen) return undefined // the alias did not exist yet
    const live = this.lambda.functions.get(functionName)?.aliases.get(alias)
    return live ? { version: live.functionVersion, weights: live.weights } : undefined
  }

  private simulateSecond(stream: Stream, at: number): void {
    const { spec } = stream
    const routing = this.routingAt(spec.functionName, spec.alias, at)
    if (!routing) return
    const exact = spec.ratePerSecond + stream.carry
    const total = Math.floor(exact)
    stream.carry = exact - total
    const extra = Object.entries(routing.weights)
    const perVersion = new Map<string, { invocations: number; errors: number; durations: number[] }>()
    const spiking = (spec.spikes ?? []).filter((s) => at >= s.from && at < s.to)
    const spared = spiking.reduce((p, s) => p * (1 - s.errorRate), 1)
    const sigma = spec.durationSigma ?? 0.25
    for (let i = 0; i < total; i++) {
      let version = routing.version
      let u = this.rand()
      for (const [v, w] of extra) {
        if (u < w) {
          version = v
          break
        }
        u -= w
      }
      const behaviour = { ...DEFAULT_BEHAVIOUR, ...spec.defaults, ...spec.versions?.[version] }
      const tally = perVersion.get(version) ?? { invocations: 0, errors: 0, durations: [] }
      tally.invocations += 1
      // Own errors and the spike's are independent: a call fails unless both spare it.
      if (this.rand() < (spiking.length === 0 ? behaviour.errorRate : 1 - (1 - behaviour.errorRate) * spared)) tally.errors += 1
      tally.durations.push(behaviour.durationMs * Math.exp(sigma * gaussian(this.rand)))
      perVersion.set(version, tally)
    }
    const visibleAt = at + SECOND + (spec.metricDelayMs ?? 0)
    for (const [version, tally] of perVersion) {
      const dims = [
        [{ Name: 'FunctionName', Value: spec.functionName }],
        [
          { Name: 'FunctionName', Value: spec.functionName },
          { Name: 'Resource', Value: `${spec.functionName}:${spec.alias}` },
        ],
        [
          { Name: 'FunctionName', Value: spec.functionName },
          { Name: 'Resource', Value: `${spec.functionName}:${spec.alias}` },
          { Name: 'ExecutedVersion', Value: version },
        ],
      ]
      for (const d of dims) {
        const base = { namespace: 'AWS/Lambda', dimensionKey: dimensionKey(d), at, visibleAt }
        const n = tally.invocations
        this.metrics.add({ ...base, metricName: 'Invocations', unit: 'Count', set: { sampleCount: n, sum: n, minimum: 1, maximum: 1 } })
        this.metrics.add({
          ...base,
          metricName: 'Errors',
          unit: 'Count',
          set: { sampleCount: n, sum: tally.errors, minimum: tally.errors === n ? 1 : 0, maximum: tally.errors > 0 ? 1 : 0 },
        })
        this.metrics.add({ ...base, metricName: 'Throttles', unit: 'Count', set: { sampleCount: n, sum: 0, minimum: 0, maximum: 0 } })
        this.metrics.add({ ...base, metricName: 'Duration', unit: 'Milliseconds', values: tally.durations })
      }
    }
  }
}

/** Box-Muller: one standard normal draw. */
function gaussian(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(Math.max(1e-12, rand()))) * Math.cos(2 * Math.PI * rand())
}
