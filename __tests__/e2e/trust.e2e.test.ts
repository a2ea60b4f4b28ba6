import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseMarker } from '../../src/alias/hold-marker.js'
import { startEmulator, type Emulator } from '../../emulator/server.js'
import { describeRun, runAction, type RunOptions } from './runner.js'

/**
 * Issue 11's cases that only the built-in emulator can show (moto has no alarm history for
 * composite alarms, no RevisionId lag and no Description limit): the bundled action, run as
 * the runner runs it.
 */
describe('trust holes, end to end on the built-in emulator', () => {
  let emulator: Emulator
  beforeAll(async () => {
    emulator = await startEmulator()
  })
  afterAll(() => emulator.close())

  const run = (inputs: Record<string, string>, extra: Partial<RunOptions> = {}) =>
    runAction({ inputs: { 'poll-interval': '1s', 'metrics-delay': '0s', ...inputs }, env: { AWS_ENDPOINT_URL: emulator.url, ...extra.env }, timeoutMs: 60_000 })
  const alias = (fn: string) => emulator.state.lambda.getAlias(fn, 'live')

  it('verifies each write from its own answer: a stale GetAlias right after every write does not fail the rollout', async () => {
    emulator.seedFunction('stale', { versions: 2 })
    emulator.seedAlias('stale', 'live', '1')
    emulator.setStaleAliasReads(3)
    try {
      const main = await run({ 'function-name': 'stale', version: '2', stages: '10%:1s, 100%' })
      expect(main.outputs.result, describeRun(main)).toBe('promoted')
      expect(alias('stale')).toMatchObject({ functionVersion: '2', weights: {} })
    } finally {
      emulator.setStaleAliasReads(0)
    }
  })

  it("keeps the user's description byte for byte through a hold (with a 250-character run URL) and a rollback, and sees a composite alarm that fired during the hold", async () => {
    const user = `orders prod — ${'x'.repeat(150)}`
    emulator.seedFunction('held', { versions: 2 })
    emulator.seedAlias('held', 'live', '1')
    alias('held').description = user
    emulator.seedAlarm('held-errors', 'OK')
    emulator.seedAlarm('held-health', 'OK', { composite: true, alarmRule: 'ALARM("held-errors")' })
    const server = `https://github.${'e'.repeat(250 - 'https://github..com/octo/demo/actions/runs/1234567890'.length)}.com`
    const env = { GITHUB_SERVER_URL: server, GITHUB_RUN_ID: '1234567890' }
    expect(`${server}/octo/demo/actions/runs/1234567890`).toHaveLength(250)

    const held = await run({ 'function-name': 'held', version: '2', stages: '10%:1s', alarms: 'held-health' }, { env })
    expect(held.outputs.result, describeRun(held)).toBe('held')
    const description = alias('held').description
    expect(description.length).toBeLessThanOrEqual(256)
    expect(description.startsWith(`${user} [canary 2@10% baked since `)).toBe(true)
    expect(parseMarker(description)).toMatchObject({ version: '2', weight: 10, baked: true, run: '1234567890' })

    // While nobody polls (an approval wait), the composite gate alarm fires and clears.
    emulator.setAlarmState('held-health', 'ALARM', 'child alarm fired')
    emulator.setAlarmState('held-health', 'OK', 'child alarm cleared')

    const resumed = await run({ 'function-name': 'held', version: '2', stages: '10%:1s, 100%', alarms: 'held-health' })
    expect(resumed.outputs, describeRun(resumed)).toMatchObject({ result: 'rolled-back', alarm: 'held-health' })
    expect(resumed.errors.join('\n')).toContain('alarm "held-health" fired at')
    expect(alias('held')).toMatchObject({ functionVersion: '1', weights: {}, description: user })
  })
})
