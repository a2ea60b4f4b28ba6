import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  CreateAliasCommand,
  CreateFunctionCommand,
  DeleteAliasCommand,
  GetAliasCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  LambdaClient,
  ListAliasesCommand,
  ListVersionsByFunctionCommand,
  PublishVersionCommand,
  UpdateAliasCommand,
} from '@aws-sdk/client-lambda'
import {
  CloudWatchClient,
  DeleteAlarmsCommand,
  DescribeAlarmHistoryCommand,
  DescribeAlarmsCommand,
  PutCompositeAlarmCommand,
  PutMetricAlarmCommand,
  SetAlarmStateCommand,
} from '@aws-sdk/client-cloudwatch'
import { EmulatorControl } from '../../emulator/client.js'
import { FaultInjector } from '../../emulator/faults.js'
import { RateLimiter } from '../../emulator/throttle.js'
import { startEmulator, type Emulator } from '../../emulator/server.js'
import { contractCheck } from '../../__fixtures__/contract.js'

let emu: Emulator
let lambda: LambdaClient
let cw: CloudWatchClient

const clientConfig = (maxAttempts = 3) => ({
  endpoint: emu.url,
  region: 'us-east-1',
  credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
  maxAttempts,
})

/** Runs p expecting a rejection; returns the SDK error for assertions. */
async function failure(p: Promise<unknown>): Promise<Error & Record<string, any>> {
  try {
    await p
  } catch (err) {
    return err as Error & Record<string, any>
  }
  throw new Error('expected the call to fail')
}

const FN_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:checkout'

beforeAll(async () => {
  emu = await startEmulator({ seed: 7 })
  lambda = new LambdaClient(clientConfig())
  cw = new CloudWatchClient(clientConfig())
})
afterAll(async () => {
  lambda.destroy()
  cw.destroy()
  await emu.close()
})
beforeEach(() => emu.reset())

describe('lambda', () => {
  it('creates, reads and updates a weighted alias, addressed by name or ARN', async () => {
    emu.seedFunction('checkout', { versions: 3 })
    const created = await lambda.send(
      new CreateAliasCommand({
        FunctionName: FN_ARN,
        Name: 'live',
        FunctionVersion: '1',
        Description: 'prod',
        RoutingConfig: { AdditionalVersionWeights: { '2': 0.1 } },
      }),
    )
    expect(created.AliasArn).toBe(`${FN_ARN}:live`)
    expect(created.RoutingConfig?.AdditionalVersionWeights).toEqual({ '2': 0.1 })

    const got = await lambda.send(new GetAliasCommand({ FunctionName: 'checkout', Name: 'live' }))
    expect(got.RevisionId).toBe(created.RevisionId)

    // Omitted RoutingConfig/Description leave them unchanged; RevisionId is a precondition.
    const shifted = await lambda.send(new UpdateAliasCommand({ FunctionName: 'checkout', Name: 'live', FunctionVersion: '1', RevisionId: got.RevisionId }))
    expect(shifted.RoutingConfig?.AdditionalVersionWeights).toEqual({ '2': 0.1 })
    expect(shifted.Description).toBe('prod')
    expect(shifted.RevisionId).not.toBe(got.RevisionId)

    const promoted = await lambda.send(
      new UpdateAliasCommand({ FunctionName: 'checkout', Name: 'live', FunctionVersion: '2', RoutingConfig: { AdditionalVersionWeights: {} } }),
    )
    expect(promoted.FunctionVersion).toBe('2')
    expect(promoted.RoutingConfig).toBeUndefined()

    const history = emu.aliasHistory()
    expect(history.map((h) => [h.action, h.functionVersion, h.weights])).toEqual([
      ['create', '1', { '2': 0.1 }],
      ['update', '1', { '2': 0.1 }],
      ['update', '2', {}],
    ])
    expect(history.every((h) => h.accessKeyId === 'AKIDTEST')).toBe(true)
    expect(history[2]?.revisionId).toBe(promoted.RevisionId)
  })

  it('rejects a stale RevisionId with PreconditionFailedException', async () => {
    emu.seedFunction('checkout', { versions: 2 })
    emu.seedAlias('checkout', 'live', '1')
    const err = await failure(lambda.send(new UpdateAliasCommand({ FunctionName: 'checkout', Name: 'live', FunctionVersion: '2', RevisionId: 'stale' })))
    expect(err.name).toBe('PreconditionFailedException')
    expect(err.message).toMatch(/Revision Id provided does not match/)
    expect(err.$metadata.httpStatusCode).toBe(412)
    expect((await lambda.send(new GetAliasCommand({ FunctionName: 'checkout', Name: 'live' }))).FunctionVersion).toBe('1')
  })

  it.each([
    ['$LATEST with weights', '$LATEST', { '1': 0.1 }, 'InvalidParameterValueException', /\$LATEST/],
    ['two additional versions', '1', { '2': 0.1, '3': 0.1 }, 'InvalidParameterValueException', /at most 1/],
    ['additional equals primary', '1', { '1': 0.5 }, 'InvalidParameterValueException', /already included/],
    ['weight above 1', '1', { '2': 1.5 }, 'InvalidParameterValueException', /between 0.0 and 1.0/],
    ['negative weight', '1', { '2': -0.1 }, 'InvalidParameterValueException', /between 0.0 and 1.0/],
    ['$LATEST as additional', '1', { $LATEST: 0.1 }, 'InvalidParameterValueException', /published version/],
    ['unknown additional version', '1', { '9': 0.1 }, 'ResourceNotFoundException', /checkout:9/],
    ['unknown primary version', '7', {}, 'ResourceNotFoundException', /checkout:7/],
  ])('validates routing: %s', async (_label, version, weights, name, message) => {
    emu.seedFunction('checkout', { versions: 3 })
    const err = await failure(
      lambda.send(
        new CreateAliasCommand({ FunctionName: 'checkout', Name: 'live', FunctionVersion: version, RoutingConfig: { AdditionalVersionWeights: weights } }),
      ),
    )
    expect(err.name).toBe(name)
    expect(err.message).toMatch(message)
    expect(emu.aliasHistory()).toEqual([])
  })

  it('validates routing on UpdateAlias against the effective primary version', async () => {
    emu.seedFunction('checkout', { versions: 3 })
    emu.seedAlias('checkout', 'live', '1', { '2': 0.2 })
    const err = await failure(lambda.send(new UpdateAliasCommand({ FunctionName: 'checkout', Name: 'live', FunctionVersion: '2' })))
    expect(err.name).toBe('InvalidParameterValueException')
  })

  it('reports missing functions, aliases and versions as ResourceNotFoundException', async () => {
    emu.seedFunction('checkout', { versions: 1 })
    const noFn = await failure(lambda.send(new GetAliasCommand({ FunctionName: 'nope', Name: 'live' })))
    expect([noFn.name, noFn.message]).toEqual(['ResourceNotFoundException', 'Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope'])
    const noAlias = await failure(lambda.send(new GetAliasCommand({ FunctionName: 'checkout', Name: 'live' })))
    expect(noAlias.message).toBe(`Alias not found: ${FN_ARN}:live`)
    const noVersion = await failure(lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'checkout', Qualifier: '5' })))
    expect(noVersion.name).toBe('ResourceNotFoundException')
    expect(noVersion.$metadata.httpStatusCode).toBe(404)
  })

  it('supports create/publish/list/get/delete through the SDK', async () => {
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: 'api',
        Role: 'arn:aws:iam::123456789012:role/r',
        Runtime: 'nodejs20.x',
        Handler: 'index.handler',
        Code: { ZipFile: new Uint8Array([1]) },
      }),
    )
    const v1 = await lambda.send(new PublishVersionCommand({ FunctionName: 'api' }))
    const v2 = await lambda.send(new PublishVersionCommand({ FunctionName: '123456789012:function:api' }))
    expect([v1.Version, v2.Version]).toEqual(['1', '2'])
    const versions = await lambda.send(new ListVersionsByFunctionCommand({ FunctionName: 'api' }))
    expect(versions.Versions?.map((v) => v.Version)).toEqual(['$LATEST', '1', '2'])

    await lambda.send(new CreateAliasCommand({ FunctionName: 'api', Name: 'live', FunctionVersion: '2' }))
    const viaAlias = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'api', Qualifier: 'live' }))
    expect(viaAlias.Version).toBe('2')
    const fn = await lambda.send(new GetFunctionCommand({ FunctionName: 'api:1' }))
    expect(fn.Configuration?.Version).toBe('1')
    expect((await lambda.send(new ListAliasesCommand({ FunctionName: 'api' }))).Aliases?.map((a) => a.Name)).toEqual(['live'])
    await lambda.send(new DeleteAliasCommand({ FunctionName: 'api', Name: 'live' }))
    expect((await lambda.send(new ListAliasesCommand({ FunctionName: 'api' }))).Aliases).toEqual([])
    expect(emu.aliasHistory().map((h) => h.action)).toEqual(['create', 'delete'])
  })
})

describe('cloudwatch', () => {
  it('drops unknown names and returns only metric alarms unless AlarmTypes asks for composites', async () => {
    emu.seedAlarm('errors', 'OK')
    emu.seedAlarm('latency', 'ALARM')
    emu.seedAlarm('overall', 'ALARM', { composite: true })
    const names = ['errors', 'latency', 'overall', 'ghost']

    const plain = await cw.send(new DescribeAlarmsCommand({ AlarmNames: names }))
    expect(plain.MetricAlarms?.map((a) => [a.AlarmName, a.StateValue])).toEqual([
      ['errors', 'OK'],
      ['latency', 'ALARM'],
    ])
    expect(plain.CompositeAlarms ?? []).toEqual([])

    const both = await cw.send(new DescribeAlarmsCommand({ AlarmNames: names, AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] }))
    expect(both.CompositeAlarms?.map((a) => a.AlarmName)).toEqual(['overall'])
    expect(both.MetricAlarms).toHaveLength(2)

    const onlyComposite = await cw.send(new DescribeAlarmsCommand({ AlarmTypes: ['CompositeAlarm'] }))
    expect(onlyComposite.MetricAlarms ?? []).toEqual([])
    expect(onlyComposite.CompositeAlarms?.[0]?.AlarmArn).toBe('arn:aws:cloudwatch:us-east-1:123456789012:alarm:overall')
  })

  it('parses timestamps as Dates and filters by state and prefix', async () => {
    const before = Date.now()
    emu.seedAlarm('svc-errors', 'ALARM')
    emu.seedAlarm('svc-latency', 'OK')
    emu.seedAlarm('other', 'ALARM')
    const res = await cw.send(new DescribeAlarmsCommand({ AlarmNamePrefix: 'svc-', StateValue: 'ALARM' }))
    const alarm = res.MetricAlarms?.[0]
    expect(res.MetricAlarms).toHaveLength(1)
    expect(alarm?.StateUpdatedTimestamp).toBeInstanceOf(Date)
    expect(alarm?.StateUpdatedTimestamp?.getTime()).toBeGreaterThanOrEqual(before)
    expect(alarm?.AlarmConfigurationUpdatedTimestamp).toBeInstanceOf(Date)
    expect(alarm?.ActionsEnabled).toBe(true)
  })

  it('paginates with MaxRecords/NextToken and validates AlarmNames size', async () => {
    for (let i = 0; i < 5; i++) emu.seedAlarm(`a${i}`)
    const seen: string[] = []
    let token: string | undefined
    do {
      const page = await cw.send(new DescribeAlarmsCommand({ MaxRecords: 2, ...(token !== undefined && { NextToken: token }) }))
      seen.push(...(page.MetricAlarms ?? []).map((a) => a.AlarmName ?? ''))
      token = page.NextToken
    } while (token)
    expect(seen).toEqual(['a0', 'a1', 'a2', 'a3', 'a4'])

    const err = await failure(cw.send(new DescribeAlarmsCommand({ AlarmNames: Array.from({ length: 101 }, (_, i) => `n${i}`) })))
    // Query-compatible: wire code ValidationError maps to the modelled ValidationException.
    expect(err.name).toBe('ValidationException')
    expect(err.Code).toBe('ValidationError')
    expect(err.$metadata.httpStatusCode).toBe(400)
  })

  it('round-trips Put/Set/Delete through the SDK and records AWS-shaped history', async () => {
    await cw.send(
      new PutMetricAlarmCommand({
        AlarmName: 'errs',
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Statistic: 'Sum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanThreshold',
      }),
    )
    await cw.send(new PutCompositeAlarmCommand({ AlarmName: 'all', AlarmRule: 'ALARM("errs")' }))
    await cw.send(new SetAlarmStateCommand({ AlarmName: 'errs', StateValue: 'OK', StateReason: 'fine' }))
    await cw.send(new SetAlarmStateCommand({ AlarmName: 'errs', StateValue: 'ALARM', StateReason: 'broken' }))

    const desc = await cw.send(new DescribeAlarmsCommand({ AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] }))
    expect(desc.MetricAlarms?.[0]).toMatchObject({ AlarmName: 'errs', StateValue: 'ALARM', StateReason: 'broken', Threshold: 1 })
    expect(desc.CompositeAlarms?.[0]).toMatchObject({ AlarmName: 'all', AlarmRule: 'ALARM("errs")', StateValue: 'INSUFFICIENT_DATA' })

    const hist = await cw.send(new DescribeAlarmHistoryCommand({ AlarmName: 'errs', HistoryItemType: 'StateUpdate' }))
    const items = hist.AlarmHistoryItems ?? []
    expect(items.map((i) => i.HistorySummary)).toEqual(['Alarm updated from OK to ALARM', 'Alarm updated from INSUFFICIENT_DATA to OK'])
    expect(items[0]?.Timestamp).toBeInstanceOf(Date)
    const data = JSON.parse(items[0]?.HistoryData ?? '{}')
    expect(data.oldState.stateValue).toBe('OK')
    expect(data.newState).toMatchObject({ stateValue: 'ALARM', stateReason: 'broken' })

    const asc = await cw.send(new DescribeAlarmHistoryCommand({ AlarmName: 'errs', ScanBy: 'TimestampAscending', MaxRecords: 1 }))
    expect(asc.AlarmHistoryItems?.[0]?.HistoryItemType).toBe('ConfigurationUpdate')
    expect(asc.NextToken).toBeDefined()
    const future = await cw.send(new DescribeAlarmHistoryCommand({ AlarmName: 'errs', StartDate: new Date(Date.now() + 60_000) }))
    expect(future.AlarmHistoryItems).toEqual([])

    await cw.send(new DeleteAlarmsCommand({ AlarmNames: ['errs', 'all'] }))
    expect((await cw.send(new DescribeAlarmsCommand({}))).MetricAlarms).toEqual([])

    const missing = await failure(cw.send(new SetAlarmStateCommand({ AlarmName: 'errs', StateValue: 'OK', StateReason: 'x' })))
    expect(missing.name).toBe('ResourceNotFound')
  })

  it('lets the composite state be driven explicitly', async () => {
    emu.seedAlarm('gate', 'OK', { composite: true, alarmRule: 'ALARM(a) OR ALARM(b)' })
    emu.setAlarmState('gate', 'ALARM', 'manual')
    const res = await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['gate'], AlarmTypes: ['CompositeAlarm'] }))
    expect(res.CompositeAlarms?.[0]).toMatchObject({ StateValue: 'ALARM', StateReason: 'manual' })
  })
})

describe('faults and policy', () => {
  it('throttles Lambda with TooManyRequestsException, which the SDK retries', async () => {
    emu.seedFunction('checkout', { versions: 1 })
    emu.seedAlias('checkout', 'live', '1')
    emu.setFaults({ throttleRate: 1, services: ['lambda'], retryAfterSeconds: 0 })
    const err = await failure(lambda.send(new GetAliasCommand({ FunctionName: 'checkout', Name: 'live' })))
    expect(err.name).toBe('TooManyRequestsException')
    expect(err.$metadata.httpStatusCode).toBe(429)
    expect(err.$metadata.attempts).toBe(3)
    expect(emu.calls().filter((c) => c.fault === 'throttle')).toHaveLength(3)
    // CloudWatch is out of scope of this fault config.
    await cw.send(new DescribeAlarmsCommand({}))
  })

  it('throttles CloudWatch with Throttling, which the SDK classifies as retryable', async () => {
    emu.setFaults({ throttleRate: 1, operations: ['DescribeAlarms'] })
    const err = await failure(cw.send(new DescribeAlarmsCommand({})))
    expect(err.name).toBe('Throttling')
    expect(err.$metadata.httpStatusCode).toBe(400)
    expect(err.$metadata.attempts).toBe(3)
  })

  it('makes the same fault decisions for the same seed', () => {
    const decisions = (seed: number) => {
      const f = new FaultInjector(seed)
      f.rates.enabled = false // 50 decisions in a microsecond: only the random faults are under test
      f.setFaults({ throttleRate: 0.3, errorRate: 0.3, dropRate: 0.1 })
      return Array.from({ length: 50 }, () => f.decide('lambda', 'GetAlias', 'lambda:GetAlias').kind)
    }
    expect(decisions(42)).toEqual(decisions(42))
    expect(decisions(42)).not.toEqual(decisions(43))
    expect(new Set(decisions(42))).toEqual(new Set([undefined, 'throttle', 'error', 'drop']))
  })

  it('lets SDK retries get through partial throttling, reproducibly', async () => {
    const run = async () => {
      emu.reset()
      emu.seedAlarm('x')
      emu.setFaults({ throttleRate: 0.5, seed: 1 }) // seed 1: throttle, pass, pass
      await cw.send(new DescribeAlarmsCommand({}))
      await cw.send(new DescribeAlarmsCommand({}))
      return emu.calls().map((c) => c.status)
    }
    const first = await run()
    expect(first).toEqual([400, 200, 200])
    expect(await run()).toEqual(first)
  })

  it('returns 503 for an unavailable service and drops connections', async () => {
    const quick = new CloudWatchClient(clientConfig(2))
    emu.setFaults({ unavailable: ['cloudwatch'] })
    const err = await failure(quick.send(new DescribeAlarmsCommand({})))
    expect(err.$metadata.httpStatusCode).toBe(503)
    expect(err.name).toBe('ServiceUnavailable')

    emu.setFaults({ dropRate: 1 })
    const dropped = await failure(quick.send(new DescribeAlarmsCommand({})))
    expect(dropped.$metadata?.httpStatusCode).toBeUndefined()
    expect(
      emu
        .calls()
        .filter((c) => c.fault === 'drop')
        .every((c) => c.status === 0),
    ).toBe(true)
    quick.destroy()
  })

  it('adds latency', async () => {
    emu.setFaults({ latencyMs: 150 })
    const t0 = Date.now()
    await cw.send(new DescribeAlarmsCommand({}))
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140)
  })

  it('denies actions outside the policy, naming the action', async () => {
    emu.seedFunction('checkout', { versions: 2 })
    emu.seedAlias('checkout', 'live', '1')
    emu.setPolicy(['lambda:GetAlias', 'cloudwatch:DescribeAlarms'])
    await lambda.send(new GetAliasCommand({ FunctionName: 'checkout', Name: 'live' }))
    await cw.send(new DescribeAlarmsCommand({}))

    const denied = await failure(lambda.send(new UpdateAliasCommand({ FunctionName: 'checkout', Name: 'live', FunctionVersion: '2' })))
    expect(denied.name).toBe('AccessDeniedException')
    expect(denied.message).toMatch(/is not authorized to perform: lambda:UpdateAlias/)
    expect(denied.$metadata.httpStatusCode).toBe(403)

    const cwDenied = await failure(cw.send(new SetAlarmStateCommand({ AlarmName: 'x', StateValue: 'OK', StateReason: 'x' })))
    expect(cwDenied.name).toBe('AccessDenied')
    expect(cwDenied.message).toMatch(/cloudwatch:SetAlarmState/)
    expect(emu.aliasHistory()).toHaveLength(1)
  })
})

describe('rate-based throttling at AWS published rates', () => {
  it("throttles Lambda's control plane beyond 15 requests per second, across all its APIs", () => {
    let now = 0
    const limiter = new RateLimiter(() => now)
    const ops = ['GetAlias', 'UpdateAlias', 'GetFunctionConfiguration']
    const admitted = Array.from({ length: 20 }, (_, i) => limiter.admit('lambda', ops[i % 3] as string)).filter(Boolean)
    expect(admitted).toHaveLength(15)
    expect(limiter.admit('lambda', 'GetFunction')).toBe(true) // 100/s of its own
    now += 200 // 3 tokens back
    expect(Array.from({ length: 5 }, () => limiter.admit('lambda', 'GetAlias')).filter(Boolean)).toHaveLength(3)
    expect(limiter.admit('codedeploy', 'GetDeployment')).toBe(true)
  })

  it("answers over-rate requests with the service's throttling error", async () => {
    emu.seedFunction('checkout', { versions: 2 })
    emu.seedAlias('checkout', 'live', '1')
    const once = new LambdaClient(clientConfig(1))
    try {
      const results = await Promise.allSettled(Array.from({ length: 60 }, () => once.send(new GetAliasCommand({ FunctionName: 'checkout', Name: 'live' }))))
      const throttled = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')
      expect(throttled.length).toBeGreaterThan(0)
      expect(throttled[0]?.reason.name).toBe('TooManyRequestsException')
      expect(emu.calls().filter((c) => c.fault === 'rate')).toHaveLength(throttled.length)
    } finally {
      once.destroy()
    }
  })

  it('throttles DescribeAlarmHistory beyond 3/s, separately from DescribeAlarms (9/s)', async () => {
    const once = new CloudWatchClient(clientConfig(1))
    try {
      const history = await Promise.allSettled(Array.from({ length: 5 }, () => once.send(new DescribeAlarmHistoryCommand({}))))
      // 3 at once, then 1 more every 333 ms: 1 or 2 of the 5 are throttled, however slowly they arrive within a second.
      const rejected = history.filter((r) => r.status === 'rejected').length
      expect(rejected).toBeGreaterThanOrEqual(1)
      expect(rejected).toBeLessThanOrEqual(2)
      const alarms = await Promise.allSettled(Array.from({ length: 9 }, () => once.send(new DescribeAlarmsCommand({}))))
      expect(alarms.filter((r) => r.status === 'rejected')).toHaveLength(0)
    } finally {
      once.destroy()
    }
  })

  it('can be switched off', async () => {
    emu.seedFunction('checkout')
    emu.setRateLimits(false)
    await Promise.all(Array.from({ length: 30 }, () => lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'checkout' }))))
    expect(emu.calls().filter((c) => c.fault === 'rate')).toHaveLength(0)
  })
})

describe('IAM resources', () => {
  it("evaluates a policy's Resource ARNs, not only its actions", async () => {
    emu.seedFunction('checkout', { versions: 2 })
    emu.seedAlias('checkout', 'live', '1')
    emu.seedFunction('payments', { versions: 2 })
    emu.seedAlias('payments', 'live', '1')
    emu.setPolicy({
      Statement: [
        { Effect: 'Allow', Action: ['lambda:GetAlias', 'lambda:UpdateAlias'], Resource: [`${FN_ARN}`, `${FN_ARN}:*`] },
        { Effect: 'Allow', Action: 'lambda:GetFunctionConfiguration', Resource: FN_ARN },
      ],
    })
    await lambda.send(new GetAliasCommand({ FunctionName: 'checkout', Name: 'live' }))
    const other = await failure(lambda.send(new GetAliasCommand({ FunctionName: 'payments', Name: 'live' })))
    expect(other.name).toBe('AccessDeniedException')
    expect(other.message).toContain('on resource: arn:aws:lambda:us-east-1:123456789012:function:payments:live')
    // Unqualified is allowed; a qualified read needs the qualified ARN in the policy.
    await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'checkout' }))
    const qualified = await failure(lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'checkout', Qualifier: '2' })))
    expect(qualified.name).toBe('AccessDeniedException')
  })
})

describe('control API over HTTP', () => {
  it('seeds, drives state and reads logs; never subject to faults or policy', async () => {
    const ctl = new EmulatorControl(emu.url)
    await ctl.setPolicy([])
    await ctl.setFaults({ errorRate: 1 })
    await ctl.seedFunction('checkout', 3)
    await ctl.seedAlias('checkout', 'live', '1', { '2': 0.05 })
    await ctl.seedAlarm('errors', 'OK')
    await ctl.setAlarmState('errors', 'ALARM', 'spike')
    await ctl.setFaults(null)
    await ctl.setPolicy(null)

    const alias = await lambda.send(new GetAliasCommand({ FunctionName: 'checkout', Name: 'live' }))
    expect(alias.RoutingConfig?.AdditionalVersionWeights).toEqual({ '2': 0.05 })
    const alarms = await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['errors'] }))
    expect(alarms.MetricAlarms?.[0]?.StateValue).toBe('ALARM')

    const history = await ctl.aliasHistory()
    expect(history).toMatchObject([{ function: 'checkout', alias: 'live', functionVersion: '1', weights: { '2': 0.05 }, accessKeyId: null }])
    const calls = await ctl.calls()
    expect(calls.map((c) => `${c.service}:${c.operation}:${c.status}`)).toEqual(['lambda:GetAlias:200', 'cloudwatch:DescribeAlarms:200'])

    await expect(ctl.setAlarmState('ghost', 'OK')).rejects.toThrow(/404/)
    await ctl.reset()
    expect(await ctl.calls()).toEqual([])
    expect((await cw.send(new DescribeAlarmsCommand({}))).MetricAlarms).toEqual([])
  })

  it('honours AWS_ENDPOINT_URL', async () => {
    const prev = process.env.AWS_ENDPOINT_URL
    process.env.AWS_ENDPOINT_URL = emu.url
    try {
      emu.seedAlarm('env')
      const client = new CloudWatchClient({ region: 'us-east-1', credentials: { accessKeyId: 'k', secretAccessKey: 's' } })
      expect((await client.send(new DescribeAlarmsCommand({}))).MetricAlarms?.[0]?.AlarmName).toBe('env')
      client.destroy()
    } finally {
      if (prev === undefined) delete process.env.AWS_ENDPOINT_URL
      else process.env.AWS_ENDPOINT_URL = prev
    }
  })
})

describe('cli', () => {
  it('prints the real port for --port 0 and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'emulator/cli.ts', '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] })
    const url = await new Promise<string>((resolve, reject) => {
      let out = ''
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString()
        const m = /emulator listening on (http:\/\/127\.0\.0\.1:(\d+))/.exec(out)
        if (m?.[1] && m[2] !== '0') resolve(m[1])
      })
      child.once('exit', (code) => reject(new Error(`cli exited early with ${code}`)))
    })
    expect(await new EmulatorControl(url).health()).toBe(true)
    child.kill('SIGTERM')
    const [code] = await once(child, 'exit')
    expect(code).toBe(0)
  })
})

// Contract: every response the emulator sent during this file matches the service's published API model.
contractCheck()
