// A simulated request stream through a listener: each request comes from one of a fixed set of
// clients, goes through the listener's rules in priority order (conditions honoured), then its
// forward action's weights (or the group a sticky client was given), and lands in per-target-group
// AWS/ApplicationELB metrics: RequestCount, HTTPCode_Target_5XX_Count, TargetResponseTime. Each
// second, once over, is published into the emulator's CloudWatch (dimensions LoadBalancer, TargetGroup).
import { dimensionKey, type MetricStore } from '../cloudwatch/metrics.js'
import { mulberry32 } from '../prng.js'
import { type Condition, conditionValues, type Elbv2State, type Rule } from './model.js'

export interface Client {
  readonly id: number
  readonly ip: string
  readonly headers: Readonly<Record<string, string>>
  readonly query: Readonly<Record<string, string>>
  readonly host: string
  readonly path: string
  readonly method: string
}

export interface TrafficSpec {
  readonly listenerArn: string
  /** Requests per second, all clients together. */
  readonly rps: number
  /** Distinct clients (default 200). */
  readonly clients?: number
  /** A share of the clients who are canary users: they carry these headers, query and source address. */
  readonly users?: { share: number; headers?: Record<string, string>; query?: Record<string, string>; sourceIp?: string }
  /** Per target group name: the share of its requests that fail with a 5xx (default 0.001). */
  readonly errorRates?: Record<string, number>
  /** Per target group name: typical response time in ms (default 40). */
  readonly latencyMs?: Record<string, number>
  /** How long after its second a request's metrics can be read: CloudWatch's delivery delay (default 0). */
  readonly metricDelayMs?: number
}

interface Bucket {
  requests: number
  errors: number
  latencies: number[]
}

/** A second not yet published to CloudWatch. */
interface Pending {
  readonly loadBalancer: string
  readonly targetGroup: string
  readonly second: number
  readonly bucket: Bucket
  readonly delayMs: number
}

/** Kept per second; a latency sample is capped so long runs stay small. */
const MAX_SAMPLES_PER_SECOND = 500
const TICK_MS = 100

function ipv4(text: string): number | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text)
  return m ? m.slice(1, 5).reduce((acc, octet) => acc * 256 + Number(octet), 0) : undefined
}

function inCidr(ip: string, cidr: string): boolean {
  const [base = '', bits = '32'] = cidr.split('/')
  const a = ipv4(ip)
  const b = ipv4(base)
  if (a === undefined || b === undefined) return false
  const size = 2 ** (32 - Number(bits))
  return Math.floor(a / size) === Math.floor(b / size)
}

/** ALB's condition wildcards: * any characters, ? one; case-insensitive. */
function wildcard(pattern: string, value: string): boolean {
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    'i',
  )
  return re.test(value)
}

export function matches(condition: Condition, client: Client): boolean {
  const values = conditionValues(condition)
  switch (condition.Field) {
    case 'http-header': {
      const name = String((condition['HttpHeaderConfig'] as { HttpHeaderName?: string } | undefined)?.HttpHeaderName ?? '').toLowerCase()
      const header = Object.entries(client.headers).find(([k]) => k.toLowerCase() === name)?.[1]
      return header !== undefined && values.some((v) => wildcard(v, header))
    }
    case 'source-ip':
      return values.some((cidr) => inCidr(client.ip, cidr))
    case 'query-string':
      return values.some((pair) => {
        const [key = '', value = ''] = pair.split('=')
        return Object.entries(client.query).some(([k, v]) => (key === '' || wildcard(key, k)) && wildcard(value, v))
      })
    case 'host-header':
      return values.some((v) => wildcard(v, client.host))
    case 'path-pattern':
      return values.some((v) => wildcard(v, client.path))
    case 'http-request-method':
      return values.some((v) => v.toUpperCase() === client.method)
    default:
      return false
  }
}

function populationFor(spec: TrafficSpec): Client[] {
  const count = spec.clients ?? 200
  const userCount = Math.round(count * (spec.users?.share ?? 0))
  return Array.from({ length: count }, (_, id) => {
    const user = id < userCount ? spec.users : undefined
    return {
      id,
      ip: user?.sourceIp ?? `203.0.${Math.floor(id / 250) % 250}.${(id % 250) + 1}`,
      headers: user?.headers ?? {},
      query: user?.query ?? {},
      host: 'app.example.com',
      path: '/',
      method: 'GET',
    }
  })
}

export class TrafficSimulator {
  private readonly specs = new Map<string, TrafficSpec & { population: Client[]; carry: number }>()
  /** `${loadBalancer}|${targetGroup}` (CloudWatch dimensions) → epoch second → bucket. */
  readonly metrics = new Map<string, Map<number, Bucket>>()
  /** Sticky assignments: rule ARN → client → group and expiry. */
  private readonly sticky = new Map<string, Map<number, { group: string; until: number }>>()
  /** `${key}|${second}` → the second's bucket, until the second is over and published. */
  private readonly pending = new Map<string, Pending>()
  private timer: NodeJS.Timeout | undefined
  private last = 0
  private rand: () => number
  /** A target group's error rate from outside ELBv2 (an ECS revision that crashes); overrides errorRates. */
  errorRateOf: ((groupArn: string) => number | undefined) | undefined

  constructor(
    private readonly state: Elbv2State,
    seed: number,
    /** The emulator's CloudWatch metrics; without it, only datapoints() reads the stream. */
    private readonly store?: MetricStore,
  ) {
    this.rand = mulberry32(seed)
  }

  start(spec: TrafficSpec): void {
    this.specs.set(spec.listenerArn, { ...spec, population: populationFor(spec), carry: 0 })
    if (!this.timer) {
      this.last = Date.now()
      this.timer = setInterval(() => this.advance(), TICK_MS)
      this.timer.unref()
    }
  }

  /** Sends `count` requests at once (no timer), for tests; returns how many each target group got, by name. */
  burst(spec: TrafficSpec, count: number, now = Date.now()): Record<string, number> {
    const withClients = { ...spec, population: populationFor(spec) }
    const counts: Record<string, number> = {}
    for (let i = 0; i < count; i++) {
      const arn = this.request(withClients, now)
      const name = arn === undefined ? 'none' : (this.state.targetGroups.get(arn)?.name ?? arn)
      counts[name] = (counts[name] ?? 0) + 1
    }
    return counts
  }

  stop(listenerArn?: string): void {
    if (listenerArn) this.specs.delete(listenerArn)
    else this.specs.clear()
    if (this.specs.size === 0 && this.timer) {
      clearInterval(this.timer)
      this.timer = undefined
    }
  }

  reset(): void {
    this.stop()
    this.metrics.clear()
    this.pending.clear()
    this.sticky.clear()
  }

  /** Sends the requests due by `now` and publishes every finished second (called before each metric read). */
  advance(now = Date.now()): void {
    this.tick(now)
    this.publish(now)
  }

  /** Publishes the seconds that are over, as ALB does: no 5XX datapoint for a second without one, response times in seconds. */
  publish(now = Date.now()): void {
    if (!this.store) return
    for (const [key, p] of this.pending) {
      const end = (p.second + 1) * 1000
      if (end > now) continue
      this.pending.delete(key)
      const base = {
        namespace: 'AWS/ApplicationELB',
        dimensionKey: dimensionKey([
          { Name: 'LoadBalancer', Value: p.loadBalancer },
          { Name: 'TargetGroup', Value: p.targetGroup },
        ]),
        at: p.second * 1000,
        visibleAt: end + p.delayMs,
      }
      const { requests, errors, latencies } = p.bucket
      this.store.add({ ...base, metricName: 'RequestCount', unit: 'Count', set: { sampleCount: requests, sum: requests, minimum: 1, maximum: 1 } })
      if (errors > 0)
        this.store.add({ ...base, metricName: 'HTTPCode_Target_5XX_Count', unit: 'Count', set: { sampleCount: errors, sum: errors, minimum: 1, maximum: 1 } })
      this.store.add({ ...base, metricName: 'TargetResponseTime', unit: 'Seconds', values: [...latencies] })
    }
  }

  /** Sends the requests due since the last tick (also callable directly by tests). */
  tick(now = Date.now()): void {
    const elapsed = Math.max(0, now - this.last) / 1000
    this.last = now
    for (const spec of this.specs.values()) {
      spec.carry += spec.rps * elapsed
      const due = Math.floor(spec.carry)
      spec.carry -= due
      for (let i = 0; i < due; i++) this.request(spec, now)
    }
  }

  /** Routes one request from a random client and records it. Returns the group's ARN (undefined: no forward). */
  request(spec: TrafficSpec & { population: Client[] }, now: number): string | undefined {
    const listener = this.state.listeners.get(spec.listenerArn)
    if (!listener) return undefined
    const client = spec.population[Math.floor(this.rand() * spec.population.length)] as Client
    const rule = this.state.rulesOf(listener.arn).find((r: Rule) => r.priority === undefined || r.conditions.every((c) => matches(c, client)))
    const forward = rule?.actions.find((a) => a.Forward)?.Forward
    if (!rule || !forward) return undefined
    const group = this.pick(rule.arn, forward, client.id, now)
    if (!group) return undefined
    const lb = this.state.loadBalancers.get(listener.loadBalancerArn)
    const tg = this.state.targetGroups.get(group)
    if (!lb || !tg) return undefined
    const errorRate = this.errorRateOf?.(tg.arn) ?? spec.errorRates?.[tg.name] ?? 0.001
    const latency = spec.latencyMs?.[tg.name] ?? 40
    // A long right tail: p99 near 2.5 times the typical time.
    const seconds = (latency * (0.6 + 0.4 * -Math.log(Math.max(1e-9, this.rand())))) / 1000
    const targetGroup = tg.arn.split(':').at(-1) ?? ''
    const key = `${lb.dimension}|${targetGroup}`
    const series = this.metrics.get(key) ?? new Map<number, Bucket>()
    this.metrics.set(key, series)
    const second = Math.floor(now / 1000)
    let bucket = series.get(second)
    if (!bucket) {
      bucket = { requests: 0, errors: 0, latencies: [] }
      series.set(second, bucket)
      this.pending.set(`${key}|${second}`, { loadBalancer: lb.dimension, targetGroup, second, bucket, delayMs: spec.metricDelayMs ?? 0 })
    }
    bucket.requests += 1
    if (this.rand() < errorRate) bucket.errors += 1
    if (bucket.latencies.length < MAX_SAMPLES_PER_SECOND) bucket.latencies.push(seconds)
    return group
  }

  /**
   * Weighted choice, or the group a sticky client already has while stickiness is on and the
   * group is still in the action: stickiness takes precedence over the weights (even weight 0),
   * as ALB documents, until it expires. Turning stickiness off releases every client at once.
   */
  private pick(ruleArn: string, forward: NonNullable<Rule['actions'][number]['Forward']>, client: number, now: number): string | undefined {
    const sticky = this.sticky.get(ruleArn) ?? new Map<number, { group: string; until: number }>()
    this.sticky.set(ruleArn, sticky)
    if (forward.Stickiness.Enabled) {
      const held = sticky.get(client)
      if (held && held.until > now && forward.TargetGroups.some((g) => g.TargetGroupArn === held.group)) return held.group
    } else sticky.clear()
    const total = forward.TargetGroups.reduce((sum, g) => sum + g.Weight, 0)
    if (total === 0) return undefined
    const draw = this.rand() * total
    let below = 0
    const chosen =
      forward.TargetGroups.find((g) => {
        below += g.Weight
        return draw < below
      })?.TargetGroupArn ?? forward.TargetGroups.at(-1)?.TargetGroupArn
    if (chosen && forward.Stickiness.Enabled) sticky.set(client, { group: chosen, until: now + (forward.Stickiness.DurationSeconds ?? 0) * 1000 })
    return chosen
  }

  /** One statistic of one AWS/ApplicationELB metric per period, as GetMetricData would return it. */
  datapoints(metric: string, dims: { LoadBalancer?: string; TargetGroup?: string }, stat: string, startMs: number, endMs: number, periodS: number) {
    const key = `${dims.LoadBalancer ?? ''}|${dims.TargetGroup ?? ''}`
    const series = this.metrics.get(key)
    const out: { timestamp: number; value: number }[] = []
    if (!series) return out
    for (let t = Math.floor(startMs / 1000 / periodS) * periodS; t * 1000 < endMs; t += periodS) {
      const buckets = [...series.entries()].filter(([s]) => s >= t && s < t + periodS && s * 1000 >= startMs).map(([, b]) => b)
      if (buckets.length === 0) continue
      const requests = buckets.reduce((sum, b) => sum + b.requests, 0)
      if (metric === 'RequestCount') out.push({ timestamp: t * 1000, value: requests })
      else if (metric === 'HTTPCode_Target_5XX_Count') {
        const errors = buckets.reduce((sum, b) => sum + b.errors, 0)
        // CloudWatch publishes no 5XX datapoint for a period without one.
        if (errors > 0) out.push({ timestamp: t * 1000, value: errors })
      } else if (metric === 'TargetResponseTime') {
        const samples = buckets.flatMap((b) => b.latencies).sort((a, b) => a - b)
        const p = /^p(\d+(?:\.\d+)?)$/.exec(stat)
        const value = p
          ? samples[Math.min(samples.length - 1, Math.floor((Number(p[1]) / 100) * samples.length))]
          : samples.reduce((a, b) => a + b, 0) / samples.length
        if (value !== undefined) out.push({ timestamp: t * 1000, value })
      }
    }
    return out
  }
}
