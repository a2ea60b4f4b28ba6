import { CloudWatchClient } from '@aws-sdk/client-cloudwatch'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEmulator, type Emulator } from '../../emulator/server.js'
import { AlarmGate } from '../../src/gates/alarms.js'

describe('AlarmGate against the built-in emulator', () => {
  let emulator: Emulator
  beforeAll(async () => {
    emulator = await startEmulator()
  })
  afterAll(() => emulator.close())

  it('sees a composite gate alarm that fired and cleared during a hold', async () => {
    const since = Date.now() - 1_000
    emulator.seedAlarm('orders-errors', 'OK')
    emulator.seedAlarm('orders-health', 'OK', { composite: true, alarmRule: 'ALARM("orders-errors")' })
    emulator.setAlarmState('orders-health', 'ALARM')
    emulator.setAlarmState('orders-health', 'OK')
    const client = new CloudWatchClient({
      endpoint: emulator.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
    })
    const live = new AlarmGate({
      client,
      names: ['orders-health'],
      region: 'us-east-1',
      insufficientData: 'alarm',
      clock: { now: () => Date.now(), sleep: async () => {} },
    })
    expect(await live.check()).toMatchObject({ status: 'pass' })
    expect((await live.firedSince(since)).map((f) => [f.name, f.state])).toEqual([['orders-health', 'ALARM']])
    client.destroy()
  })
})
