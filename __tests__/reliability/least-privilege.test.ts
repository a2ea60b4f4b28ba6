/**
 * Least privilege: the IAM policy published for alias mode (policies/lambda-alias.json, embedded in
 * the README) is exactly enough. With the emulator allowing only its actions, the promote,
 * rollback-on-alarm, cancel, post-step and hold-then-resume scenarios pass; without any single one of them, at
 * least one scenario fails.
 */
import { afterAll, describe, expect, it } from 'vitest'
import type { Emulator } from '../../emulator/server.js'
import { runPost } from '../e2e/runner.js'
import { actionWrites, Figures, pool, routing, runOn, seedFunction, waitUntil, withEmulator } from './helpers.js'
import { actionsOf, enforcedPolicy, loadPolicy, type PolicyDocument, readmePolicy } from './policy.js'

const figures = new Figures('least-privilege')
afterAll(() => figures.flush())

const POLICY = loadPolicy('lambda-alias.json')
const ACTIONS = actionsOf(POLICY)

const FN = 'orders'

/**
 * The published policy with its placeholders filled in for the emulator's account, keeping only
 * `actions`: the emulator evaluates each statement's Resource ARNs as well as its actions.
 */
function enforced(actions: readonly string[], fn = FN): PolicyDocument {
  return enforcedPolicy(POLICY, actions, [['FUNCTION', fn]])
}
const ALARM = 'orders-errors'
const INPUTS = { 'function-name': FN, version: '2', alarms: ALARM }

type Scenario = 'promote' | 'rollback-on-alarm' | 'cancel' | 'post' | 'hold-then-resume'
/** The brief's four, plus a held canary resumed by a later run (it checks the alarm history of the hold). */
const SCENARIOS: Scenario[] = ['promote', 'rollback-on-alarm', 'cancel', 'post', 'hold-then-resume']

const stable = (e: Emulator): boolean => JSON.stringify(routing(e, FN)) === JSON.stringify({ version: '1', weights: {} })

/** Runs one scenario with the emulator allowing only `actions`; returns why it failed, or undefined. */
async function scenario(name: Scenario, actions: string[], seed: number): Promise<string | undefined> {
  return withEmulator(seed, async (emulator) => {
    seedFunction(emulator, FN)
    emulator.seedAlarm(ALARM, 'OK')
    emulator.setPolicy(enforced(actions))
    const denied = (): string => {
      const calls = emulator.calls().filter((c) => c.fault === 'denied')
      return calls.length > 0 ? ` (denied: ${[...new Set(calls.map((c) => `${c.service}:${c.operation}`))].join(', ')})` : ''
    }
    switch (name) {
      case 'promote': {
        const run = await runOn(emulator, { ...INPUTS, stages: '10%:1s, 100%' })
        const ok = run.outputs['result'] === 'promoted' && routing(emulator, FN).version === '2' && run.exitCode === 0
        return ok ? undefined : `result ${run.outputs['result'] ?? '-'}${denied()}`
      }
      case 'rollback-on-alarm': {
        const running = runOn(emulator, { ...INPUTS, stages: '10%:20s, 100%' })
        let done = false
        void running.then(() => (done = true))
        await waitUntil(() => done || actionWrites(emulator, FN).length > 0, 20_000, 'first shift or exit')
        emulator.setAlarmState(ALARM, 'ALARM', 'Threshold Crossed: injected')
        const run = await running
        const ok = run.outputs['result'] === 'rolled-back' && run.outputs['alarm'] === ALARM && stable(emulator) && actionWrites(emulator, FN).length === 2
        return ok ? undefined : `result ${run.outputs['result'] ?? '-'}${denied()}`
      }
      case 'cancel': {
        const run = await runOn(
          emulator,
          { ...INPUTS, stages: '10%:20s, 100%' },
          { signalAfter: { when: (out) => out.includes('(verified)'), signal: 'SIGINT' } },
        )
        const ok = run.killedBy === 'SIGINT' && run.outputs['result'] === 'rolled-back' && stable(emulator) && actionWrites(emulator, FN).length === 2
        return ok ? undefined : `result ${run.outputs['result'] ?? '-'}${denied()}`
      }
      case 'post': {
        const main = await runOn(
          emulator,
          { ...INPUTS, stages: '10%:20s, 100%' },
          { signalAfter: { when: (out) => out.includes('(verified)'), signal: 'SIGKILL' } },
        )
        if (main.signal !== 'SIGKILL') return `main was not killed mid-rollout (result ${main.outputs['result'] ?? '-'})${denied()}`
        const post = await runPost(main)
        const ok = post.exitCode === 0 && stable(emulator) && actionWrites(emulator, FN).length === 2
        return ok ? undefined : `post exit ${post.exitCode}${denied()}`
      }
      case 'hold-then-resume': {
        const held = await runOn(emulator, { ...INPUTS, stages: '10%:1s' })
        if (held.outputs['result'] !== 'held') return `first run: result ${held.outputs['result'] ?? '-'}${denied()}`
        const resumed = await runOn(emulator, { ...INPUTS, stages: '10%:1s, 100%' })
        const ok = resumed.outputs['result'] === 'promoted' && routing(emulator, FN).version === '2'
        return ok ? undefined : `second run: result ${resumed.outputs['result'] ?? '-'}${denied()}`
      }
    }
  })
}

async function allScenarios(actions: string[], seedBase: number): Promise<Record<Scenario, string | undefined>> {
  const results = await Promise.all(SCENARIOS.map((s, i) => scenario(s, actions, seedBase + i)))
  return Object.fromEntries(SCENARIOS.map((s, i) => [s, results[i]])) as Record<Scenario, string | undefined>
}

describe('least privilege (alias mode)', () => {
  it('README.md embeds exactly policies/lambda-alias.json', () => {
    expect(actionsOf(readmePolicy(/^## IAM permissions/m))).toEqual(ACTIONS)
    expect(readmePolicy(/^## IAM permissions/m)).toEqual(POLICY)
  })

  it("the policy's Resource ARNs are enforced: scoped to another function, the promote is denied", async () => {
    const failure = await withEmulator(990, async (emulator) => {
      seedFunction(emulator, FN)
      emulator.seedAlarm(ALARM, 'OK')
      emulator.setPolicy(enforced(ACTIONS, 'payments'))
      const run = await runOn(emulator, { ...INPUTS, stages: '10%:1s, 100%' })
      return {
        result: run.outputs['result'],
        denied: emulator
          .calls()
          .filter((c) => c.fault === 'denied')
          .map((c) => c.operation),
      }
    })
    expect(failure.result).not.toBe('promoted')
    expect(failure.denied).toContain('GetAlias')
  })

  it('the published actions are enough, and each one is needed', async () => {
    const variants = [
      { removed: null as string | null, actions: ACTIONS },
      ...ACTIONS.map((removed) => ({ removed, actions: ACTIONS.filter((a) => a !== removed) })),
    ]
    const outcomes = await pool(
      2,
      variants.map((v, i) => async () => ({ removed: v.removed, failures: await allScenarios(v.actions, 1_000 + i * 10) })),
    )
    figures.set('policy', { actions: ACTIONS, outcomes })
    const [full, ...reduced] = outcomes
    expect(full?.failures, 'with exactly the published policy').toEqual(Object.fromEntries(SCENARIOS.map((s) => [s, undefined])))
    for (const outcome of reduced) {
      const failed = Object.values(outcome.failures).filter((f) => f !== undefined)
      expect(failed.length, `removing ${outcome.removed} broke no scenario: it is not needed`).toBeGreaterThan(0)
    }
  })
})
