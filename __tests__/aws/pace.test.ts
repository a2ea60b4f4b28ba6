import { GetAliasCommand, UpdateAliasCommand } from '@aws-sdk/client-lambda'
import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { lambdaClient } from '../../src/aws/clients.js'
import { cloudWatchClient } from '../../src/aws/cloudwatch-client.js'
import { API_BUDGETS, budgetOf, Budgets, TokenBucket } from '../../src/aws/pace.js'
import { startEmulator, type Emulator } from '../../emulator/server.js'
import { FakeClock } from '../../__fixtures__/clock.js'

describe('TokenBucket', () => {
  it('a run under budget never waits: a burst of reads goes out at once (the old pacer spaced every call 84 ms)', async () => {
    const clock = new FakeClock(0)
    const bucket = new TokenBucket(15, 8, clock)
    for (let i = 0; i < 8; i++) await bucket.take()
    expect(clock.sleeps).toEqual([])
    // A stage's few calls a second later: still no wait.
    clock.time += 1_000
    for (let i = 0; i < 3; i++) await bucket.take()
    expect(clock.sleeps).toEqual([])
  })

  it('never lets more than burst + rate × T requests start in any window of T seconds', async () => {
    const clock = new FakeClock(0)
    const bucket = new TokenBucket(15, 8, clock)
    const sent: number[] = []
    for (let i = 0; i < 100; i++) {
      await bucket.take()
      sent.push(clock.now())
    }
    for (const start of sent) {
      expect(sent.filter((t) => t >= start && t < start + 1000).length).toBeLessThanOrEqual(8 + 15)
    }
    // Sustained: 92 requests after the burst at 15/s.
    expect(sent.at(-1)).toBeGreaterThanOrEqual(Math.floor((92 * 1000) / 15))
  })
})

describe('API budgets', () => {
  it("are AWS's published rates", () => {
    expect(Object.fromEntries(Object.entries(API_BUDGETS).map(([k, v]) => [k, v.perSecond]))).toEqual({
      'lambda:control-plane': 15,
      'cloudwatch:DescribeAlarms': 9,
      'cloudwatch:DescribeAlarmHistory': 3,
      'cloudwatch:GetMetricData': 50,
    })
    expect(budgetOf('lambda', 'GetAliasCommand')).toBe('lambda:control-plane')
    expect(budgetOf('lambda', 'UpdateAliasCommand')).toBe('lambda:control-plane')
    expect(budgetOf('lambda', 'GetFunctionConfigurationCommand')).toBe('lambda:control-plane')
    expect(budgetOf('cloudwatch', 'DescribeAlarmHistoryCommand')).toBe('cloudwatch:DescribeAlarmHistory')
  })

  describe('shared by every client in the process', () => {
    let emulator: Emulator
    const saved = { ...process.env }
    beforeAll(async () => {
      emulator = await startEmulator()
      emulator.seedFunction('orders', { versions: 2 })
      emulator.seedAlias('orders', 'live', '1')
      emulator.seedAlarm('orders-errors')
      Object.assign(process.env, { AWS_ENDPOINT_URL: emulator.url, AWS_ACCESS_KEY_ID: 'AKIDTEST', AWS_SECRET_ACCESS_KEY: 'x' })
    })
    afterAll(async () => {
      process.env = saved
      await emulator.close()
    })

    it("the plan client's, CodeDeploy mode's and the release's Lambda clients spend one control-plane budget", async () => {
      const budgets = new Budgets(new FakeClock(0))
      const plan = lambdaClient('us-east-1', 'poll', budgets)
      const write = lambdaClient('us-east-1', 'write', budgets)
      const rollback = lambdaClient('us-east-1', 'rollback', budgets)
      try {
        for (let i = 0; i < 5; i++) {
          await plan.send(new GetAliasCommand({ FunctionName: 'orders', Name: 'live' }))
          await write.send(new UpdateAliasCommand({ FunctionName: 'orders', Name: 'live', FunctionVersion: '1' }))
          await rollback.send(new GetAliasCommand({ FunctionName: 'orders', Name: 'live' }))
        }
        // 15 requests at fake time 0: the first 12 are the burst, the other 3 wait for tokens, whichever client sends them.
        expect(budgets.waited.requests).toBe(3)
      } finally {
        for (const c of [plan, write, rollback]) c.destroy()
      }
    })

    it('DescribeAlarms spends its own budget, not Lambda’s', async () => {
      const budgets = new Budgets(new FakeClock(0))
      const cw = cloudWatchClient('us-east-1', budgets)
      try {
        for (let i = 0; i < 7; i++) await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['orders-errors'] }))
        expect(budgets.waited.requests).toBe(0)
        await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['orders-errors'] }))
        expect(budgets.waited.requests).toBe(1)
      } finally {
        cw.destroy()
      }
    })
  })
})
