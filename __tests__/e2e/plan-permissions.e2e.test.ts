import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEmulator, type Emulator } from '../../emulator/server.js'
import { describeRun, REPO_ROOT, runAction } from './runner.js'
import { join } from 'node:path'

const policy = JSON.parse(readFileSync(join(REPO_ROOT, 'policies/lambda-alias.json'), 'utf8')) as {
  Statement: { Action: string[] }[]
}
const allowed = policy.Statement.flatMap((s) => s.Action)

describe('plan mode against an enforced IAM policy (built-in emulator)', () => {
  let emulator: Emulator
  beforeAll(async () => {
    emulator = await startEmulator()
    emulator.seedFunction('orders', { versions: 2 })
    emulator.seedAlias('orders', 'live', '1')
    emulator.seedAlarm('orders-errors', 'OK')
  })
  afterAll(() => emulator.close())

  const plan = () =>
    runAction({
      inputs: { 'function-name': 'orders', version: '2', mode: 'plan', alarms: 'orders-errors' },
      env: { AWS_ENDPOINT_URL: emulator.url },
    })

  it('passes with exactly the documented policy, and writes nothing', async () => {
    emulator.setPolicy(allowed)
    const before = emulator.aliasHistory().length
    const run = await plan()
    expect(run.failed, describeRun(run)).toBe(false)
    expect(emulator.aliasHistory().length).toBe(before)
  })

  it('names the missing permission when UpdateAlias is not allowed, before any rollout', async () => {
    emulator.setPolicy(allowed.filter((a) => a !== 'lambda:UpdateAlias'))
    const run = await plan()
    expect(run.failed).toBe(true)
    expect(run.outputs.result).toBe('refused')
    expect(run.errors.join('\n')).toContain('lambda:UpdateAlias (refused probe): access denied')
  })
})
