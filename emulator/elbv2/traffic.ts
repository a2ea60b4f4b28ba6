// A simulated request stream through a listener: each request comes from one of a fixed set of
// clients, goes through the listener's rules in priority order (conditions honoured), then its
// forward action's weights (or the group a sticky client was given), and lands in AWS/ApplicationELB
// metrics as ALB's CloudWatch documentation defines them. Each second, once over, is published into
// the emulator's CloudWatch:
// - per target group (dimensions LoadBalancer, TargetGroup): RequestCount for every request the load
//   balancer chose a target for, whether or not the target answered; HTTPCode_Target_2XX/5XX_Count
//   and TargetResponseTime for the requests the target answered; TargetConnectionErrorCount for
//   connections to the target that could not be made;
// - per load balancer (dimension LoadBalancer only): the same counts summed, and the answers the
//   load balancer gives itself when a target fails, HTTPCode_ELB_5XX_Count with HTTPCode_ELB_502_Count
//   and HTTPCode_ELB_504_Count. These have no TargetGroup dimension in AWS, so they are not per group here.
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
  /**
   * Per target group name: shares of its requests on which the target fails below HTTP, so the load
   * balancer answers itself. `refuse`: the connection is refused (ELB 502, a target connection error);
   * `reset`: the target resets the connection after taking the request (ELB 502); `timeout`: the
   * connection attempt times out (ELB 504, a target connection error). ALB's troubleshooting guide
   * gives these codes for these causes.
   */
  readonly failures?: Record<string, { refuse?: number; reset?: number; timeout?: number }>
  /** Per target group name: typical response time in ms (default 40). */
  readonly latencyMs?: Record<string, number>
  /** How long after its second a request's metrics can be read: CloudWatch's delivery delay (default 0). */
  readonly metricDelayMs?: number
}

interface Bucket {
  /** Requests a target was chosen for (RequestCount). */
  requests: number
  /** Target answers by class. */
  ok: number
  errors: number
  /** Connections the load balancer could not make (TargetConnectionErrorCount). */
  connectionErrors: number
  /** The load balancer's own answers when the target failed. */
  elb502: number
  elb504: number
  latencies: number[]
}

const emptyBucket = (): Bucket => ({ requests: 0, ok: 0, errors: 0, connectionErrors: 0, elb502: 0, elb504: 0, latencies: [] })

/** A second not yet published to CloudWatch; `targetGroup` undefined: the load balancer's own series. */
interface Pending {
  readonly loadBalancer: string
  readonly targetGroup: string | undefined
  readonly second: number
  readonly bucket: Bucket
  readonly delayMs: number
}

/** The counts of a bucket by the metric names ALB publishes them under. */
const COUNTS: Readonly<Record<string, (b: Bucket) => number>> = {
  RequestCount: (b) => b.requests,
  HTTPCode_Target_2XX_Count: (b) => b.ok,
  HTTPCode_Target_5XX_Count: (b) => b.errors,
  TargetConnectionErrorCount: (b) => b.connectionErrors,
}
/** Published under LoadBalancer only: ALB's documentation gives them no TargetGroup dimension. */
const ELB_COUNTS: Readonly<Record<string, (b: Bucket) => number>> = {
  HTTPCode_ELB_5XX_Count: (b) => b.elb502 + b.elb504,
  HTTPCode_ELB_502_Count: (b) => b.elb502,
  HTTPCode_ELB_504_Count: (b) => b.elb504,
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

  /**
   * Publishes the seconds that are over, as ALB does: a count only when it is not zero ("reporting
   * criteria: there is a nonzero value"), response times in seconds and only for target answers.
   */
  publish(now = Date.now()): void {
    if (!this.store) return
    for (const [key, p] of this.pending) {
      const end = (p.second + 1) * 1000
      if (end > now) continue
      this.pending.delete(key)
      const dimensions = [{ Name: 'LoadBalancer', Value: p.loadBalancer }]
      if (p.targetGroup !== undefined) dimensions.push({ Name: 'TargetGroup', Value: p.targetGroup })
      const base = { namespace: 'AWS/ApplicationELB', dimensionKey: dimensionKey(dimensions), at: p.second * 1000, visibleAt: end + p.delayMs }
      const counts = p.targetGroup === undefined ? { ...COUNTS, ...ELB_COUNTS } : COUNTS
      for (const [metricName, count] of Object.entries(counts)) {
        const n = count(p.bucket)
        if (n > 0) this.store.add({ ...base, metricName, unit: 'Count', set: { sampleCount: n, sum: n, minimum: 1, maximum: 1 } })
      }
      if (p.bucket.latencies.length > 0) this.store.add({ ...base, metricName: 'TargetResponseTime', unit: 'Seconds', values: [...p.bucket.latencies] })
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
    const buckets = [this.bucket(lb.dimension, targetGroup, now, spec), this.bucket(lb.dimension, undefined, now, spec)]
    const failure = spec.failures?.[tg.name]
    const draw = this.rand()
    const [refuse, reset, timeout] = [failure?.refuse ?? 0, failure?.reset ?? 0, failure?.timeout ?? 0]
    for (const bucket of buckets) {
      bucket.requests += 1
      if (draw < refuse) {
        bucket.connectionErrors += 1
        bucket.elb502 += 1
      } else if (draw < refuse + reset) bucket.elb502 += 1
      else if (draw < refuse + reset + timeout) {
        bucket.connectionErrors += 1
        bucket.elb504 += 1
      }
    }
    if (draw < refuse + reset + timeout) return group
    const failed = this.rand() < errorRate
    for (const bucket of buckets) {
      if (failed) bucket.errors += 1
      else bucket.ok += 1
      if (bucket.latencies.length < MAX_SAMPLES_PER_SECOND) bucket.latencies.push(seconds)
    }
    return group
  }

  /** The second's bucket of one series (`targetGroup` undefined: the load balancer's own), made and queued when new. */
  private bucket(loadBalancer: string, targetGroup: string | undefined, now: number, spec: TrafficSpec): Bucket {
    const key = `${loadBalancer}|${targetGroup ?? ''}`
    const series = this.metrics.get(key) ?? new Map<number, Bucket>()
    this.metrics.set(key, series)
    const second = Math.floor(now / 1000)
    let bucket = series.get(second)
    if (!bucket) {
      bucket = emptyBucket()
      series.set(second, bucket)
      this.pending.set(`${key}|${second}`, { loadBalancer, targetGroup, second, bucket, delayMs: spec.metricDelayMs ?? 0 })
    }
    return bucket
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
      const count = COUNTS[metric] ?? (dims.TargetGroup === undefined ? ELB_COUNTS[metric] : undefined)
      if (count) {
        const total = buckets.reduce((sum, b) => sum + count(b), 0)
        // ALB publishes no count datapoint for a period without one.
        if (total > 0) out.push({ timestamp: t * 1000, value: total })
      } else if (metric === 'TargetResponseTime') {
        const samples = buckets.flatMap((b) => b.latencies).sort((a, b) => a - b)
        if (samples.length === 0) continue
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
