import { CloudWatchClient, GetMetricDataCommand, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch'
import { UpdateAliasCommand, LambdaClient } from '@aws-sdk/client-lambda'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { EmulatorControl } from '../../emulator/client.js'
import { MetricStore } from '../../emulator/cloudwatch/metrics.js'
import { InvocationStreams } from '../../emulator/lambda/invocations.js'
import { LambdaState } from '../../emulator/lambda/lambda.js'
import { startEmulator, type Emulator } from '../../emulator/server.js'
import { fetchStats, lambdaSubject } from '../../src/gates/analysis/queries.js'

let emu: Emulator
let cw: CloudWatchClient
const config = () => ({ endpoint: emu.url, region: 'us-east-1', credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' }, maxAttempts: 1 })

beforeAll(async () => {
  emu = await startEmulator()
  cw = new CloudWatchClient(config())
})
afterAll(async () => {
  cw.destroy()
  await emu.close()
})
beforeEach(() => emu.reset())

const minute = (m: number) => new Date(Date.UTC(2026, 11, 1, 12, m))

describe('emulated GetMetricData', () => {
  it('computes Sum, SampleCount, Average, Minimum, Maximum and p99 per period from PutMetricData', async () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1)
    await cw.send(
      new PutMetricDataCommand({
        Namespace: 'Test/App',
        MetricData: [
          { MetricName: 'Latency', Dimensions: [{ Name: 'Api', Value: 'a' }], Timestamp: minute(1), Values: values },
          { MetricName: 'Latency', Dimensions: [{ Name: 'Api', Value: 'a' }], Timestamp: minute(3), Value: 500 },
          // Another dimension set is another metric.
          { MetricName: 'Latency', Dimensions: [{ Name: 'Api', Value: 'b' }], Timestamp: minute(1), Value: 9999 },
        ],
      }),
    )
    const stat = (Id: string, Stat: string, Period = 60) => ({
      Id,
      MetricStat: { Metric: { Namespace: 'Test/App', MetricName: 'Latency', Dimensions: [{ Name: 'Api', Value: 'a' }] }, Period, Stat },
    })
    const out = await cw.send(
      new GetMetricDataCommand({
        StartTime: minute(0),
        EndTime: minute(5),
        ScanBy: 'TimestampAscending',
        MetricDataQueries: [
          stat('sum', 'Sum'),
          stat('n', 'SampleCount'),
          stat('avg', 'Average'),
          stat('lo', 'Minimum'),
          stat('hi', 'Maximum'),
          stat('p', 'p99'),
          stat('whole', 'Sum', 300),
        ],
      }),
    )
    const byId = Object.fromEntries((out.MetricDataResults ?? []).map((r) => [r.Id, r]))
    expect(byId.sum?.Values).toEqual([5050, 500])
    expect(byId.sum?.Timestamps).toEqual([minute(1), minute(3)])
    expect(byId.n?.Values).toEqual([100, 1])
    expect(byId.avg?.Values).toEqual([50.5, 500])
    expect(byId.lo?.Values).toEqual([1, 500])
    expect(byId.hi?.Values).toEqual([100, 500])
    expect(byId.p?.Values).toEqual([99, 500])
    expect(byId.whole?.Values).toEqual([5550])
    expect(byId.sum?.StatusCode).toBe('Complete')
  })

  it('refuses metric math rather than guessing, and more than 500 queries', async () => {
    await expect(
      cw.send(new GetMetricDataCommand({ StartTime: minute(0), EndTime: minute(5), MetricDataQueries: [{ Id: 'e', Expression: 'SUM(METRICS())' }] })),
    ).rejects.toThrow(/metric math/)
    const many = Array.from({ length: 501 }, (_, i) => ({ Id: `q${i}`, MetricStat: { Metric: { Namespace: 'N', MetricName: 'M' }, Period: 60, Stat: 'Sum' } }))
    await expect(cw.send(new GetMetricDataCommand({ StartTime: minute(0), EndTime: minute(5), MetricDataQueries: many }))).rejects.toThrow(/500/)
  })

  it('denies GetMetricData under a policy without it, naming the action', async () => {
    emu.setPolicy(['cloudwatch:DescribeAlarms'])
    await expect(
      cw.send(
        new GetMetricDataCommand({
          StartTime: minute(0),
          EndTime: minute(5),
          MetricDataQueries: [{ Id: 'a', MetricStat: { Metric: { Namespace: 'N', MetricName: 'M' }, Period: 60, Stat: 'Sum' } }],
        }),
      ),
    ).rejects.toMatchObject({ name: 'AccessDenied', message: expect.stringContaining('cloudwatch:GetMetricData') })
  })
})

describe('simulated invocations', () => {
  it('split by the alias’s live weights, with per-version errors and durations, read back per version', () => {
    const lambda = new LambdaState()
    const metrics = new MetricStore()
    lambda.createFunction('orders')
    lambda.publishVersion('orders')
    lambda.publishVersion('orders')
    lambda.createAlias('orders', { name: 'live', functionVersion: '1' }, null)
    const t0 = Date.UTC(2026, 11, 1, 12, 0)
    // The history says the alias was created at "now"; re-date it for the simulation.
    for (const entry of lambda.history) entry.at = t0
    const streams = new InvocationStreams(lambda, metrics, 5)
    streams.set(
      {
        functionName: 'orders',
        alias: 'live',
        ratePerSecond: 200,
        versions: { '2': { errorRate: 0.3, durationMs: 400 } },
        defaults: { errorRate: 0.01, durationMs: 100 },
      },
      t0,
    )
    streams.advance(t0 + 30_000)
    lambda.updateAlias('orders', 'live', { weights: { '2': 0.25 } }, null)
    lambda.history.at(-1)!.at = t0 + 30_000
    streams.advance(t0 + 90_000)

    const read = (version: string, metricName: string, stat: string) => {
      const out = metrics.getMetricData(
        {
          StartTime: t0 / 1000,
          EndTime: (t0 + 120_000) / 1000,
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
                Period: 120,
                Stat: stat,
              },
            },
          ],
        },
        t0 + 120_000,
      ) as { MetricDataResults: { Values: number[] }[] }
      return out.MetricDataResults[0]?.Values[0] ?? 0
    }
    const canary = read('2', 'Invocations', 'Sum')
    const stable = read('1', 'Invocations', 'Sum')
    expect(canary + stable).toBe(200 * 90)
    // 60 seconds at 25%: about 3,000 canary invocations, none before the shift.
    expect(canary).toBeGreaterThan(2700)
    expect(canary).toBeLessThan(3300)
    expect(read('2', 'Errors', 'Sum') / canary).toBeCloseTo(0.3, 1)
    expect(read('1', 'Errors', 'Sum') / stable).toBeCloseTo(0.01, 2)
    expect(read('2', 'Duration', 'p99')).toBeGreaterThan(600)
    expect(read('1', 'Duration', 'p99')).toBeLessThan(250)
  })

  it('the control API drives a stream the analysis reads per version, one call for the whole fleet', async () => {
    const control = new EmulatorControl(emu.url)
    emu.seedFunction('pay', { versions: 2 })
    emu.seedAlias('pay', 'live', '1', { '2': 0.5 })
    await control.setInvocations({ function: 'pay', rate: 400, versions: { '2': { errorRate: 1 } } })
    await new Promise((r) => setTimeout(r, 2100))
    const { stats, calls } = await fetchStats(
      cw,
      [lambdaSubject('pay', 'live', '1', '2')],
      { startTime: new Date(Date.now() - 120_000), endTime: new Date(Date.now() + 60_000), periodS: 180 },
      true,
    )
    expect(calls).toBe(1)
    expect(stats[0]?.canary.requests).toBeGreaterThan(200)
    expect(stats[0]?.canary.errors).toBe(stats[0]?.canary.requests)
    expect(stats[0]?.stable.errors).toBe(0)
    expect(stats[0]?.canary.p99).toBeGreaterThan(0)
    await control.stopInvocations('pay')
    expect(await (await fetch(`${emu.url}/_emulator/invocations`)).json()).toEqual([])
  })

  it('an alias update moves the split from the next second on', async () => {
    const lambda = new LambdaClient(config())
    emu.seedFunction('cart', { versions: 2 })
    emu.seedAlias('cart', 'live', '1')
    emu.setInvocations({ functionName: 'cart', alias: 'live', ratePerSecond: 100 })
    await lambda.send(new UpdateAliasCommand({ FunctionName: 'cart', Name: 'live', RoutingConfig: { AdditionalVersionWeights: { '2': 1 } } }))
    lambda.destroy()
    expect(emu.state.lambda.history.at(-1)?.weights).toEqual({ '2': 1 })
  })
})
