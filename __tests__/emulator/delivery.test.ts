// Issue 20: the emulator's CloudWatch delivers AWS metrics as AWS does: one-minute datapoints, each
// series on its own delay (base, jitter, skew), minutes that fill in as their data arrives; and the
// Lambda traffic simulator's shared error spike.
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { contractCheck } from '../../__fixtures__/contract.js'
import { EmulatorControl } from '../../emulator/client.js'
import { MetricStore } from '../../emulator/cloudwatch/metrics.js'
import { InvocationStreams } from '../../emulator/lambda/invocations.js'
import { LambdaState } from '../../emulator/lambda/lambda.js'
import { startEmulator, type Emulator } from '../../emulator/server.js'

const T0 = Date.UTC(2026, 11, 1, 12, 0)
const MINUTE = 60_000

/** A function `orders` with alias live on version 1 and `weight` to version 2, simulated from T0. */
function simulated(weight: number, spec: { rate?: number; errorRate?: number; durationSigma?: number } = {}) {
  const lambda = new LambdaState()
  const metrics = new MetricStore()
  lambda.createFunction('orders')
  lambda.publishVersion('orders')
  lambda.publishVersion('orders')
  lambda.createAlias('orders', { name: 'live', functionVersion: '1', weights: weight > 0 ? { '2': weight } : {} }, null)
  for (const entry of lambda.history) entry.at = T0
  const streams = new InvocationStreams(lambda, metrics, 7)
  streams.set(
    {
      functionName: 'orders',
      alias: 'live',
      ratePerSecond: spec.rate ?? 10,
      defaults: { errorRate: spec.errorRate ?? 0 },
      ...(spec.durationSigma !== undefined && { durationSigma: spec.durationSigma }),
    },
    T0,
  )
  return { metrics, streams }
}

/** Each minute's Sum of a per-version Lambda metric, as GetMetricData returns it at `now`. */
function perMinute(metrics: MetricStore, version: string, now: number, metricName = 'Invocations', period = 60): Map<number, number> {
  const out = metrics.getMetricData(
    {
      StartTime: T0 / 1000,
      EndTime: (T0 + 10 * MINUTE) / 1000,
      ScanBy: 'TimestampAscending',
      MetricDataQueries: [
        {
          Id: 'q',
          MetricStat: {
            Metric: {
              Namespace: 'AWS/Lambda',
              MetricName: metricName,
              Dimensions: [
                { Name: 'FunctionName', Value: 'orders' },
                { Name: 'Resource', Value: 'orders:live' },
                { Name: 'ExecutedVersion', Value: version },
              ],
            },
            Period: period,
            Stat: 'Sum',
          },
        },
      ],
    },
    now,
  ) as { MetricDataResults: { Timestamps: number[]; Values: number[] }[] }
  const r = out.MetricDataResults[0]
  return new Map((r?.Timestamps ?? []).map((t, i) => [t * 1000 - T0, r?.Values[i] ?? 0]))
}

describe('issue 20: CloudWatch delivers Lambda metrics as one-minute datapoints, each series on its own delay', () => {
  it('stamps every datapoint with its minute, even when asked for one-second periods', () => {
    const { metrics, streams } = simulated(0.5)
    streams.advance(T0 + 2 * MINUTE)
    expect([...perMinute(metrics, '2', T0 + 3 * MINUTE).keys()]).toEqual([0, MINUTE])
    expect([...perMinute(metrics, '2', T0 + 3 * MINUTE, 'Invocations', 1).keys()]).toEqual([0, MINUTE])
  })

  it('keeps today’s behaviour unless a delay is configured: a second is readable once it is over', () => {
    const { metrics, streams } = simulated(0.5)
    streams.advance(T0 + 30_000)
    const canary = perMinute(metrics, '2', T0 + 30_000).get(0) ?? 0
    const stable = perMinute(metrics, '1', T0 + 30_000).get(0) ?? 0
    expect(canary + stable).toBe(300)
  })

  it('delays each series on its own: the stable’s minute lands 15 s after the canary’s, and a minute fills in as its seconds arrive', () => {
    const { metrics, streams } = simulated(0.5)
    metrics.delivery.configure({ delayMs: 65_000, series: [{ dimensions: { ExecutedVersion: '1' }, extraDelayMs: 15_000 }] })
    streams.advance(T0 + 3 * MINUTE)
    // 65 s after the first minute began, nothing: its first second is readable at 1 s + 65 s.
    expect(perMinute(metrics, '2', T0 + 65_000).size).toBe(0)
    // 80 s in, the canary's first 14 seconds have landed, none of the stable's (they are 15 s later).
    expect(perMinute(metrics, '2', T0 + 80_000).get(0) ?? 0).toBeGreaterThan(0)
    expect(perMinute(metrics, '1', T0 + 80_000).size).toBe(0)
    // Half-way through the delivery of minute 0 the canary's minute is partial.
    const half = perMinute(metrics, '2', T0 + 30_000 + 65_000).get(0) ?? 0
    const whole = perMinute(metrics, '2', T0 + MINUTE + 65_000).get(0) ?? 0
    expect(half).toBeGreaterThan(0.35 * whole)
    expect(half).toBeLessThan(0.65 * whole)
    // The canary's minute is complete at 2:05; the stable's is three quarters in then, complete at 2:20.
    const stableThen = perMinute(metrics, '1', T0 + MINUTE + 65_000).get(0) ?? 0
    const stable = perMinute(metrics, '1', T0 + MINUTE + 80_000).get(0) ?? 0
    expect(stableThen).toBeGreaterThan(0.6 * stable)
    expect(stableThen).toBeLessThan(0.9 * stable)
    expect(stable + whole).toBe(600)
  })

  it('draws a skew per series and a jitter per series and minute within the bounds set, the same for the same seed', () => {
    const arrival = (seed: number) => {
      const { metrics, streams } = simulated(0.5)
      metrics.delivery.configure({ delayMs: 50_000, jitterMs: 10_000, skewMs: 60_000, seed })
      streams.advance(T0 + 5 * MINUTE)
      // The moment each version's minute 1 is complete: its last second's arrival.
      return metrics
        .all()
        .filter((p) => p.metricName === 'Invocations' && p.dimensionKey.includes('ExecutedVersion') && p.at === T0 + MINUTE)
        .reduce((latest, p) => Math.max(latest, p.visibleAt), 0)
    }
    const lateBy = arrival(3) - (T0 + 2 * MINUTE)
    expect(lateBy).toBeGreaterThanOrEqual(50_000)
    expect(lateBy).toBeLessThanOrEqual(120_000)
    expect(arrival(3)).toBe(arrival(3))
    const { metrics, streams } = simulated(0.5)
    metrics.delivery.configure({ delayMs: 50_000, jitterMs: 10_000, skewMs: 60_000, seed: 3 })
    streams.advance(T0 + 5 * MINUTE)
    const bySeries = new Map<string, number[]>()
    for (const p of metrics.all()) {
      if (p.at !== T0 + MINUTE) continue
      const k = `${p.metricName} ${p.dimensionKey}`
      bySeries.set(k, [...(bySeries.get(k) ?? []), p.visibleAt - (p.at + MINUTE)])
    }
    const lastArrivals = [...bySeries.values()].map((d) => Math.max(...d))
    // Series do not all land together.
    expect(Math.max(...lastArrivals) - Math.min(...lastArrivals)).toBeGreaterThan(5_000)
  })

  it('does not delay custom namespaces (PutMetricData) unless they are listed', () => {
    const metrics = new MetricStore()
    metrics.delivery.configure({ delayMs: 65_000 })
    metrics.putMetricData({ Namespace: 'App/Orders', MetricData: [{ MetricName: 'Paid', Value: 1, Timestamp: (T0 + 5_000) / 1000 }] }, T0 + 5_000)
    metrics.delivery.configure({ namespaces: ['App/Late'] })
    metrics.putMetricData({ Namespace: 'App/Late', MetricData: [{ MetricName: 'Paid', Value: 1, Timestamp: (T0 + 5_000) / 1000 }] }, T0 + 5_000)
    const [custom, late] = metrics.all()
    expect(custom?.visibleAt).toBe(T0 + 5_000)
    expect(custom?.at).toBe(T0 + 5_000)
    expect(late?.visibleAt).toBe(T0 + 70_000)
  })
})

describe('issue 20: the statistics the latency test reads (trimmed count, percentile rank, trimmed mean)', () => {
  const over = (stat: string): number | undefined => {
    const metrics = new MetricStore()
    const values = Array.from({ length: 100 }, (_, i) => i + 1)
    metrics.putMetricData({ Namespace: 'App/Api', MetricData: [{ MetricName: 'Latency', Values: values, Timestamp: T0 / 1000 }] }, T0)
    const out = metrics.getMetricData(
      {
        StartTime: T0 / 1000,
        EndTime: (T0 + MINUTE) / 1000,
        MetricDataQueries: [{ Id: 'q', MetricStat: { Metric: { Namespace: 'App/Api', MetricName: 'Latency' }, Period: 60, Stat: stat } }],
      },
      T0 + MINUTE,
    ) as { MetricDataResults: { Values: number[] }[] }
    return out.MetricDataResults[0]?.Values[0]
  }

  it('counts the calls above a threshold (lower bound exclusive, upper inclusive), as CloudWatch defines them', () => {
    expect(over('TC(90:)')).toBe(10)
    expect(over('TC(0.25:)')).toBe(100)
    expect(over('TC(:10)')).toBe(10)
    expect(over('TC(10:20)')).toBe(10)
    expect(over('PR(:30)')).toBe(30)
    expect(over('TM(90:)')).toBe(95.5)
    expect(over('tc90')).toBe(90)
    expect(over('TC(90%:)')).toBe(10)
    expect(over('TM(200:)')).toBeUndefined()
    expect(over('TC(200:)')).toBe(0)
  })
})

describe('issue 20: a shared error spike hits both versions alike', () => {
  it('fails both versions’ calls at the spike’s rate for its 60 s only', () => {
    const { metrics, streams } = simulated(0.5, { rate: 50, errorRate: 0.01 })
    streams.spike('orders', 'live', { from: T0 + MINUTE, to: T0 + 2 * MINUTE, errorRate: 0.5 }, T0)
    streams.advance(T0 + 3 * MINUTE)
    for (const version of ['1', '2']) {
      const calls = perMinute(metrics, version, T0 + 4 * MINUTE)
      const errors = perMinute(metrics, version, T0 + 4 * MINUTE, 'Errors')
      const rate = (m: number) => (errors.get(m * MINUTE) ?? 0) / (calls.get(m * MINUTE) ?? 1)
      expect(rate(0)).toBeLessThan(0.04)
      expect(rate(1)).toBeGreaterThan(0.42)
      expect(rate(1)).toBeLessThan(0.58)
      expect(rate(2)).toBeLessThan(0.04)
    }
  })

  it('spreads durations as the stream’s sigma says (log-normal)', () => {
    const p99 = (sigma: number) => {
      const { metrics, streams } = simulated(0, { rate: 100, durationSigma: sigma })
      streams.advance(T0 + MINUTE)
      const out = metrics.getMetricData(
        {
          StartTime: T0 / 1000,
          EndTime: (T0 + MINUTE) / 1000,
          MetricDataQueries: [
            {
              Id: 'p',
              MetricStat: {
                Metric: { Namespace: 'AWS/Lambda', MetricName: 'Duration', Dimensions: [{ Name: 'FunctionName', Value: 'orders' }] },
                Period: 60,
                Stat: 'p99',
              },
            },
          ],
        },
        T0 + 2 * MINUTE,
      ) as { MetricDataResults: { Values: number[] }[] }
      return out.MetricDataResults[0]?.Values[0] ?? 0
    }
    // Median 50 ms: p99 = 50·e^(2.326σ): ≈ 160 ms at σ 0.5, ≈ 512 ms at σ 1.
    expect(p99(0.5)).toBeGreaterThan(130)
    expect(p99(0.5)).toBeLessThan(200)
    expect(p99(1)).toBeGreaterThan(400)
  })
})

describe('issue 20: the control API sets delivery and spikes', () => {
  let emu: Emulator
  let cw: CloudWatchClient
  let control: EmulatorControl
  beforeAll(async () => {
    emu = await startEmulator()
    control = new EmulatorControl(emu.url)
    cw = new CloudWatchClient({ endpoint: emu.url, region: 'us-east-1', credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' }, maxAttempts: 1 })
  })
  afterAll(async () => {
    cw.destroy()
    await emu.close()
  })
  beforeEach(() => emu.reset())

  it('reads back the settings it was given, refuses a negative delay, and reset() clears them', async () => {
    const set = await control.metricDelivery({
      delayMs: 50_000,
      jitterMs: 10_000,
      skewMs: 60_000,
      series: [{ dimensions: { ExecutedVersion: '1' }, extraDelayMs: 15_000 }],
    })
    expect(set).toMatchObject({ delayMs: 50_000, jitterMs: 10_000, skewMs: 60_000 })
    expect(await control.metricDelivery()).toEqual(set)
    await expect(control.metricDelivery({ delayMs: -1 })).rejects.toThrow(/delayMs must be a non-negative/)
    await control.reset()
    expect(await control.metricDelivery()).toMatchObject({ delayMs: 0, jitterMs: 0, skewMs: 0, series: [] })
  })

  it('a delayed stream is invisible to GetMetricData until its delivery; a spike needs a running stream', async () => {
    emu.seedFunction('pay', { versions: 2 })
    emu.seedAlias('pay', 'live', '1', { '2': 0.5 })
    await control.metricDelivery({ delayMs: 10 * MINUTE })
    await control.setInvocations({ function: 'pay', rate: 100, errorRate: 0.01, durationSigma: 0.5 })
    await control.spikeInvocations({ function: 'pay', errorRate: 0.3, durationMs: 60_000 })
    await expect(control.spikeInvocations({ function: 'nope', errorRate: 0.3, durationMs: 60_000 })).rejects.toThrow(/no invocation stream/)
    // The alias was created within the stream's first second, so that second has no traffic: wait for two.
    await new Promise((r) => setTimeout(r, 2100))
    const answer = await cw.send(
      new GetMetricDataCommand({
        StartTime: new Date(Date.now() - 5 * MINUTE),
        EndTime: new Date(Date.now() + MINUTE),
        MetricDataQueries: [
          {
            Id: 'n',
            MetricStat: {
              Metric: { Namespace: 'AWS/Lambda', MetricName: 'Invocations', Dimensions: [{ Name: 'FunctionName', Value: 'pay' }] },
              Period: 60,
              Stat: 'Sum',
            },
          },
          {
            Id: 'slow',
            MetricStat: {
              Metric: { Namespace: 'AWS/Lambda', MetricName: 'Duration', Dimensions: [{ Name: 'FunctionName', Value: 'pay' }] },
              Period: 60,
              Stat: 'TC(100:)',
            },
          },
        ],
      }),
    )
    expect(answer.MetricDataResults?.[0]?.Values).toEqual([])
    expect(answer.MetricDataResults?.[1]?.Values).toEqual([])
    // Stored, with their arrival ten minutes out.
    expect(emu.state.cloudwatch.metrics.all().length).toBeGreaterThan(0)
    expect((await control.metricDelivery()).delayMs).toBe(10 * MINUTE)
    const [spec] = (await (await fetch(`${emu.url}/_emulator/invocations`)).json()) as { spikes: unknown[]; durationSigma: number }[]
    expect(spec?.spikes).toHaveLength(1)
    expect(spec?.durationSigma).toBe(0.5)
  })
})

contractCheck(['cloudwatch:GetMetricData'])
