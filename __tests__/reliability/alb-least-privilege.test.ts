/**
 * Least privilege for ALB mode: with the emulator allowing only the actions of policies/alb.json
 * (embedded in the README's ALB section), a users-stage promote, a rule-mode promote and a
 * hold-then-resume all pass; without any single action, at least one of them fails. A reduced
 * policy stops at its first failing scenario, which keeps the check to about half a minute.
 */
import { afterAll, describe, expect, it } from 'vitest'
import type { Emulator } from '../../emulator/server.js'
import { Figures, pool, runOn, withEmulator } from './helpers.js'
import { actionsOf, enforcedPolicy, loadPolicy, type PolicyDocument, readmePolicy } from './policy.js'

const figures = new Figures('alb-least-privilege')
afterAll(() => figures.flush())

const POLICY = loadPolicy('alb.json')
const ACTIONS = actionsOf(POLICY)

/**
 * The published policy with its placeholders filled in for the emulator's account and the seeded
 * load balancer (`web`), keeping only `actions`: the emulator checks Resource ARNs as well as actions.
 */
function enforced(actions: readonly string[], loadBalancer = 'web'): PolicyDocument {
  return enforcedPolicy(POLICY, actions, [['LOAD_BALANCER', loadBalancer]])
}

const ALARM = 'web-5xx'
type Scenario = 'users-promote' | 'rule-promote' | 'hold-then-resume'
const SCENARIOS: Scenario[] = ['users-promote', 'rule-promote', 'hold-then-resume']

function seed(emulator: Emulator, withRule: boolean) {
  const alb = emulator.elbv2.seed({
    groups: [{ name: 'blue' }, { name: 'green' }, { name: 'purple' }],
    weights: withRule ? { purple: 1 } : { blue: 1, green: 0 },
    ...(withRule
      ? {
          rules: [
            {
              priority: 10,
              conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/shop/*'] } }],
              group: 'blue',
              weights: { blue: 1, green: 0 },
            },
          ],
        }
      : {}),
  })
  emulator.seedAlarm(ALARM, 'OK')
  return alb
}

async function scenario(name: Scenario, actions: string[], seedNumber: number): Promise<string | undefined> {
  return withEmulator(seedNumber, async (emulator) => {
    const denied = (): string => {
      const calls = emulator.calls().filter((c) => c.fault === 'denied')
      return calls.length > 0 ? ` (denied: ${[...new Set(calls.map((c) => `${c.service}:${c.operation}`))].join(', ')})` : ''
    }
    const inputs = { 'target-group': 'green', alarms: ALARM }
    switch (name) {
      case 'users-promote': {
        const alb = seed(emulator, false)
        emulator.setPolicy(enforced(actions))
        const run = await runOn(emulator, { ...inputs, listener: alb.listenerArn, stages: 'users:1s, 100%', 'canary-users': 'header x-canary=1' })
        const clean = emulator.elbv2.rules(alb.listenerArn).length === 0 && Object.keys(emulator.elbv2.tags(alb.listenerArn)).length === 0
        const ok = run.outputs['result'] === 'promoted' && emulator.elbv2.forward(alb.listenerArn).weights['green'] === 1 && clean
        return ok ? undefined : `result ${run.outputs['result'] ?? '-'}, rules/tags cleaned ${clean}${denied()}`
      }
      case 'rule-promote': {
        const alb = seed(emulator, true)
        emulator.setPolicy(enforced(actions))
        const rule = alb.rules[0] ?? ''
        const run = await runOn(emulator, { ...inputs, listener: rule, stages: '10%:1s, 100%' })
        const ok = run.outputs['result'] === 'promoted' && emulator.elbv2.forward(rule).weights['green'] === 1
        return ok ? undefined : `result ${run.outputs['result'] ?? '-'}${denied()}`
      }
      case 'hold-then-resume': {
        const alb = seed(emulator, false)
        emulator.setPolicy(enforced(actions))
        const held = await runOn(emulator, { ...inputs, listener: alb.listenerArn, stages: '10%:1s' })
        if (held.outputs['result'] !== 'held') return `first run: result ${held.outputs['result'] ?? '-'}${denied()}`
        const resumed = await runOn(emulator, { ...inputs, listener: alb.listenerArn, stages: '10%:1s, 100%' })
        return resumed.outputs['result'] === 'promoted' ? undefined : `second run: result ${resumed.outputs['result'] ?? '-'}${denied()}`
      }
    }
  })
}

/** Every scenario for the full policy; for a reduced one, up to the first that fails. */
async function scenarios(actions: string[], seedBase: number, all: boolean): Promise<Partial<Record<Scenario, string | undefined>>> {
  const results: Partial<Record<Scenario, string | undefined>> = {}
  for (const [i, name] of SCENARIOS.entries()) {
    results[name] = await scenario(name, actions, seedBase + i)
    if (!all && results[name] !== undefined) break
  }
  return results
}

describe('least privilege (ALB mode)', () => {
  it('README.md embeds exactly policies/alb.json', () => {
    expect(readmePolicy(/^### IAM permissions for ALB mode/m)).toEqual(POLICY)
  })

  it("the policy's Resource ARNs are enforced: scoped to another load balancer, the first shift is denied", async () => {
    const outcome = await withEmulator(2_990, async (emulator) => {
      const alb = seed(emulator, false)
      emulator.setPolicy(enforced(ACTIONS, 'other'))
      const run = await runOn(emulator, { 'target-group': 'green', alarms: ALARM, listener: alb.listenerArn, stages: '10%:1s, 100%' })
      return {
        result: run.outputs['result'],
        denied: emulator
          .calls()
          .filter((c) => c.fault === 'denied')
          .map((c) => c.operation),
      }
    })
    expect(outcome.result).not.toBe('promoted')
    expect(outcome.denied).toContain('ModifyListener')
  })

  it('the published actions are enough, and each one is needed', async () => {
    const variants = [
      { removed: null as string | null, actions: ACTIONS },
      ...ACTIONS.map((removed) => ({ removed, actions: ACTIONS.filter((a) => a !== removed) })),
    ]
    const outcomes = await pool(
      2,
      variants.map((v, i) => async () => ({ removed: v.removed, failures: await scenarios(v.actions, 2_000 + i * 10, v.removed === null) })),
    )
    figures.set('policy', { actions: ACTIONS, outcomes })
    const [full, ...reduced] = outcomes
    expect(full?.failures, 'with exactly the published policy').toEqual(Object.fromEntries(SCENARIOS.map((s) => [s, undefined])))
    for (const outcome of reduced) {
      const failed = Object.values(outcome.failures).filter((f) => f !== undefined)
      expect(failed.length, `removing ${outcome.removed} broke no scenario: it is not needed`).toBeGreaterThan(0)
    }
  }, 240_000)
})
