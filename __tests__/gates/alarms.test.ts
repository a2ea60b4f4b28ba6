import { CloudWatchClient, DescribeAlarmHistoryCommand, DescribeAlarmsCommand, type StateValue } from '@aws-sdk/client-cloudwatch'
import { mockClient } from 'aws-sdk-client-mock'
import { beforeEach, describe, expect, it } from 'vitest'
import { AlarmGate } from '../../src/gates/alarms.js'
import type { InsufficientDataPolicy } from '../../src/core/inputs.js'
import { FakeClock } from '../../__fixtures__/clock.js'
import { describeMissing, describeReading } from '../../src/core/gate.js'

const cloudWatch = mockClient(CloudWatchClient)

function gate(names: string[], insufficientData: InsufficientDataPolicy = 'alarm') {
  return new AlarmGate({
    client: new CloudWatchClient({ region: 'us-east-1' }),
    names,
    region: 'us-east-1',
    insufficientData,
    clock: new FakeClock(),
  })
}

const metric = (name: string, state: StateValue) => ({ AlarmName: name, StateValue: state, StateReason: `${name} reason` })

beforeEach(() => cloudWatch.reset())

describe('AlarmGate', () => {
  it('passes when every alarm is OK, asking for metric and composite alarms', async () => {
    cloudWatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [metric('a', 'OK')], CompositeAlarms: [metric('c', 'OK')] })
    const result = await gate(['a', 'c']).check()
    expect(result.status).toBe('pass')
    expect(cloudWatch.commandCalls(DescribeAlarmsCommand)[0]?.args[0].input).toMatchObject({
      AlarmNames: ['a', 'c'],
      AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
    })
  })

  it('fails on ALARM, carrying the reason and a console link', async () => {
    cloudWatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [metric('a', 'OK')], CompositeAlarms: [metric('c', 'ALARM')] })
    const result = await gate(['a', 'c']).check()
    expect(result.status).toBe('fail')
    expect(result.firing).toMatchObject([{ name: 'c', reason: 'c reason' }])
    expect(result.firing[0]?.link).toContain('#alarmsV2:alarm/c')
  })

  it('is inconclusive, never a pass, when CloudWatch omits an alarm', async () => {
    cloudWatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [metric('a', 'OK')] })
    const result = await gate(['a', 'typo']).check()
    expect(result).toMatchObject({ status: 'inconclusive', missing: ['typo'] })
  })

  it('suggests near names for a missing alarm from one DescribeAlarms by its first word, once per gate', async () => {
    cloudWatch
      .on(DescribeAlarmsCommand, { AlarmNames: ['orders-api-erors'] })
      .resolves({ MetricAlarms: [] })
      .on(DescribeAlarmsCommand, { AlarmNamePrefix: 'orders-' })
      .resolves({ MetricAlarms: [metric('orders-api-errors', 'OK'), metric('orders-api-latency', 'OK')], CompositeAlarms: [metric('orders-api-error', 'OK')] })
    const g = gate(['orders-api-erors'])
    const result = await g.check()
    expect(result).toMatchObject({ status: 'inconclusive', missing: ['orders-api-erors'] })
    expect(result.nearNames).toEqual({ 'orders-api-erors': ['orders-api-errors', 'orders-api-error'] })
    expect(describeMissing(result)).toBe('alarm not found: "orders-api-erors" (did you mean "orders-api-errors" or "orders-api-error"?)')
    await g.check()
    const byPrefix = cloudWatch.commandCalls(DescribeAlarmsCommand).filter((c) => c.args[0].input.AlarmNamePrefix !== undefined)
    expect(byPrefix).toHaveLength(1)
    expect(byPrefix[0]?.args[0].input).toMatchObject({ AlarmNamePrefix: 'orders-', MaxRecords: 100, AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] })
  })

  it('suggests nothing when nothing is near, or when the lookup fails', async () => {
    cloudWatch
      .on(DescribeAlarmsCommand, { AlarmNames: ['billing-5xx'] })
      .resolves({})
      .on(DescribeAlarmsCommand, { AlarmNamePrefix: 'billing-' })
      .rejects(new Error('denied'))
    const result = await gate(['billing-5xx']).check()
    expect(result.nearNames).toEqual({})
    expect(describeMissing(result)).toBe('alarm not found: "billing-5xx"')
  })

  it("names insufficient-data: ok and the alarm's TreatMissingData when INSUFFICIENT_DATA fails the gate", async () => {
    cloudWatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [{ ...metric('orders-api-errors', 'INSUFFICIENT_DATA'), TreatMissingData: 'missing' }] })
    const result = await gate(['orders-api-errors']).check()
    expect(describeReading(result)).toBe(
      'orders-api-errors is INSUFFICIENT_DATA, which counts as failing under insufficient-data: alarm; its TreatMissingData is "missing". ' +
        'If the alarm lacks data only because there is little traffic, set its TreatMissingData to notBreaching, or set the input insufficient-data: ok',
    )
  })

  it('is inconclusive when the read fails', async () => {
    cloudWatch.on(DescribeAlarmsCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }))
    expect(await gate(['a']).check()).toMatchObject({ status: 'inconclusive', error: 'Rate exceeded' })
  })

  it.each([
    ['alarm', 'fail'],
    ['ok', 'pass'],
  ] as const)('counts INSUFFICIENT_DATA per the %s policy, and always reports it', async (policy, status) => {
    cloudWatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [metric('a', 'INSUFFICIENT_DATA')] })
    const result = await gate(['a'], policy).check()
    expect(result.status).toBe(status)
    expect(result.insufficient).toEqual(['a'])
  })

  it('makes one DescribeAlarms call per 100 names', async () => {
    const names = Array.from({ length: 250 }, (_, i) => `alarm-${i}`)
    cloudWatch.on(DescribeAlarmsCommand).callsFake((input: { AlarmNames: string[] }) => ({
      MetricAlarms: input.AlarmNames.map((n) => metric(n, 'OK')),
    }))
    expect((await gate(names).check()).status).toBe('pass')
    expect(cloudWatch.commandCalls(DescribeAlarmsCommand).map((c) => c.args[0].input.AlarmNames?.length)).toEqual([100, 100, 50])
  })

  it('gates on every alarm under a name prefix, composite ones included, with one call per prefix', async () => {
    cloudWatch.on(DescribeAlarmsCommand, { AlarmNamePrefix: 'checkout-' }).resolves({
      MetricAlarms: [metric('checkout-errors', 'OK')],
      CompositeAlarms: [metric('checkout-health', 'ALARM')],
    })
    const result = await new AlarmGate({
      client: new CloudWatchClient({ region: 'us-east-1' }),
      names: [],
      prefixes: ['checkout-'],
      region: 'us-east-1',
      insufficientData: 'alarm',
      clock: new FakeClock(),
    }).check()
    expect(result.status).toBe('fail')
    expect(result.firing.map((a) => a.name)).toEqual(['checkout-health'])
    expect(cloudWatch.commandCalls(DescribeAlarmsCommand)).toHaveLength(1)
  })

  it('counts a prefix that matches no alarm as missing', async () => {
    cloudWatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [] })
    const result = await new AlarmGate({
      client: new CloudWatchClient({ region: 'us-east-1' }),
      names: [],
      prefixes: ['typo-'],
      region: 'us-east-1',
      insufficientData: 'alarm',
      clock: new FakeClock(),
    }).check()
    expect(result).toMatchObject({ status: 'inconclusive', missing: ['typo-*'] })
  })

  it('reads nothing when no alarms are configured', async () => {
    expect((await gate([]).check()).status).toBe('pass')
    expect(cloudWatch.commandCalls(DescribeAlarmsCommand)).toHaveLength(0)
  })

  it('pages through DescribeAlarms with NextToken', async () => {
    cloudWatch
      .on(DescribeAlarmsCommand)
      .resolvesOnce({ MetricAlarms: [metric('a', 'OK')], NextToken: 't1' })
      .resolves({ CompositeAlarms: [metric('b', 'OK')] })
    expect((await gate(['a', 'b']).check()).status).toBe('pass')
    expect(cloudWatch.commandCalls(DescribeAlarmsCommand)).toHaveLength(2)
  })

  describe('history over a hold', () => {
    const change = (name: string, to: string, at: number) => ({
      AlarmName: name,
      Timestamp: new Date(at),
      HistoryItemType: 'StateUpdate' as const,
      HistorySummary: `Alarm updated from OK to ${to}`,
      HistoryData: JSON.stringify({ version: '1.0', oldState: { stateValue: 'OK' }, newState: { stateValue: to } }),
    })

    it('asks the history for composite alarms too, not only metric alarms (AlarmTypes both), paging through it', async () => {
      cloudWatch
        .on(DescribeAlarmHistoryCommand)
        .resolvesOnce({ AlarmHistoryItems: [change('other', 'ALARM', 1)], NextToken: 'h1' })
        .resolves({ AlarmHistoryItems: [change('c', 'ALARM', 2)] })
      const fired = await gate(['a', 'c']).firedSince(0)
      expect(fired.map((f) => [f.name, f.state])).toEqual([['c', 'ALARM']])
      const calls = cloudWatch.commandCalls(DescribeAlarmHistoryCommand).map((c) => c.args[0].input)
      expect(calls[0]).toMatchObject({ AlarmTypes: ['MetricAlarm', 'CompositeAlarm'], HistoryItemType: 'StateUpdate' })
      expect(calls).toHaveLength(2)
    })

    it.each([
      ['alarm', [['a', 'INSUFFICIENT_DATA']]],
      ['ok', []],
    ] as const)('counts INSUFFICIENT_DATA in the hold history per the %s policy, as a live read does', async (policy, expected) => {
      cloudWatch.on(DescribeAlarmHistoryCommand).resolves({ AlarmHistoryItems: [change('a', 'INSUFFICIENT_DATA', 5), change('a', 'OK', 6)] })
      const fired = await gate(['a'], policy).firedSince(0)
      expect(fired.map((f) => [f.name, f.state])).toEqual(expected)
    })
  })
})
