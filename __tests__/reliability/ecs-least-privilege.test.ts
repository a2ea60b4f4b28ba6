/**
 * Issue 19, least privilege for ECS mode: with the emulator enforcing only policies/ecs.json
 * (embedded in the README's ECS section, placeholders filled for the seeded service), a canary
 * promote judged by the analysis, a crashing revision rolled back by it, and a hold-then-promote all pass; without any
 * single action, at least one of them fails. iam:PassRole is enforced with iam:PassedToService.
 */
import { afterAll, describe, expect, it } from 'vitest'
import type { Emulator } from '../../emulator/server.js'
import { Figures, pool, runOn, withEmulator } from './helpers.js'
import { actionsOf, enforcedPolicy, loadPolicy, type PolicyDocument, readmePolicy } from './policy.js'

const figures = new Figures('ecs-least-privilege')
afterAll(() => figures.flush())

const POLICY = loadPolicy('ecs.json')
const ACTIONS = actionsOf(POLICY)
const SERVICE = 'web'
const CLUSTER = 'prod'

/** The published policy for the emulator's account and the seeded service, keeping only `actions`. */
function enforced(actions: readonly string[], passedTo = 'ecs-tasks.amazonaws.com'): PolicyDocument {
  return enforcedPolicy(POLICY, actions, [
    ['CLUSTER', CLUSTER],
    ['EXECUTION_ROLE', 'ecsTaskExecutionRole'],
    ['TASK_ROLE', `${SERVICE}-task`],
    ['SERVICE', SERVICE],
    ['ecs-tasks.amazonaws.com', passedTo],
  ])
}

const ALARM = 'web-5xx'
type Scenario = 'canary-promote' | 'crash-rollback' | 'hold-then-promote'
const SCENARIOS: Scenario[] = ['canary-promote', 'crash-rollback', 'hold-then-promote']

function seed(emulator: Emulator, held = false) {
  emulator.ecs.configure({ timeScale: 250, scaleUpMinutes: 2, cleanUpMinutes: 1, rollbackMinutes: 2 })
  const s = emulator.ecs.seed({
    service: SERVICE,
    cluster: CLUSTER,
    ...(held
      ? { deploymentConfiguration: { strategy: 'CANARY', canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 8 }, bakeTimeInMinutes: 0 } }
      : {}),
  })
  emulator.seedAlarm(ALARM, 'OK')
  emulator.elbv2.startTraffic({ listenerArn: s.listenerArn, rps: 100 })
  return s
}

const lastDeployment = (emulator: Emulator) => emulator.ecs.deployments().at(-1)

async function scenario(name: Scenario, actions: string[], seedNumber: number, passedTo?: string): Promise<string | undefined> {
  return withEmulator(seedNumber, async (emulator) => {
    const denied = (): string => {
      const calls = emulator.calls().filter((c) => c.fault === 'denied')
      return calls.length > 0 ? ` (denied: ${[...new Set(calls.map((c) => `${c.service}:${c.operation}`))].join(', ')})` : ''
    }
    const s = seed(emulator, name === 'hold-then-promote')
    const inputs = { service: SERVICE, cluster: CLUSTER, 'task-definition': `${SERVICE}:2`, alarms: ALARM }
    emulator.setPolicy(enforced(actions, passedTo))
    try {
      switch (name) {
        case 'canary-promote': {
          // 6 s at 10%: long enough for unreadable metrics (3 polls) to stop it.
          const run = await runOn(emulator, { ...inputs, stages: '10%:24m, 100%' })
          const ok = run.outputs['result'] === 'promoted' && lastDeployment(emulator)?.status === 'SUCCESSFUL' && !/could not learn/.test(run.stdout)
          return ok ? undefined : `result ${run.outputs['result'] ?? '-'}: ${run.outputs['reason'] ?? ''}${denied()}`
        }
        case 'crash-rollback': {
          // Green alarms (ECS's own alarm rollback never fires): only the action's analysis and its stop roll back.
          emulator.ecs.crash(`${SERVICE}:2`, 0.5)
          const run = await runOn(emulator, { ...inputs, stages: '10%:60m, 100%' })
          const ok = run.outputs['result'] === 'rolled-back' && lastDeployment(emulator)?.status === 'ROLLBACK_SUCCESSFUL'
          return ok ? undefined : `result ${run.outputs['result'] ?? '-'}${denied()}`
        }
        case 'hold-then-promote': {
          const held = await runOn(emulator, { ...inputs, stages: 'users:1s', analysis: 'none' })
          if (held.outputs['result'] !== 'held') return `first run: result ${held.outputs['result'] ?? '-'}${denied()}`
          const promoted = await runOn(emulator, { ...inputs, stages: '10%:8m, 100%', analysis: 'none' })
          return promoted.outputs['result'] === 'promoted' ? undefined : `second run: result ${promoted.outputs['result'] ?? '-'}${denied()}`
        }
      }
    } finally {
      emulator.elbv2.stopTraffic(s.listenerArn)
    }
  })
}

async function scenarios(actions: string[], seedBase: number, all: boolean): Promise<Partial<Record<Scenario, string | undefined>>> {
  const results: Partial<Record<Scenario, string | undefined>> = {}
  for (const [i, name] of SCENARIOS.entries()) {
    results[name] = await scenario(name, actions, seedBase + i)
    if (!all && results[name] !== undefined) break
  }
  return results
}

describe('issue 19: least privilege (ECS mode)', () => {
  it('README.md embeds exactly policies/ecs.json', () => {
    expect(readmePolicy(/^### IAM permissions for ECS mode/m)).toEqual(POLICY)
  })

  it('iam:PassRole is scoped to ECS tasks: passed to another service, the UpdateService is denied and nothing deploys', async () => {
    const failure = await scenario('canary-promote', ACTIONS, 3_990, 'lambda.amazonaws.com')
    expect(failure).toContain('result refused')
    expect(failure).toContain('iam:PassRole')
  }, 60_000)

  it('the published actions are enough, and each one is needed', async () => {
    const variants = [
      { removed: null as string | null, actions: ACTIONS },
      ...ACTIONS.map((removed) => ({ removed, actions: ACTIONS.filter((a) => a !== removed) })),
    ]
    const outcomes = await pool(
      2,
      variants.map((v, i) => async () => ({ removed: v.removed, failures: await scenarios(v.actions, 3_000 + i * 10, v.removed === null) })),
    )
    figures.set('policy', { actions: ACTIONS, outcomes })
    const [full, ...reduced] = outcomes
    expect(full?.failures, 'with exactly the published policy').toEqual(Object.fromEntries(SCENARIOS.map((s) => [s, undefined])))
    for (const outcome of reduced) {
      const failed = Object.values(outcome.failures).filter((f) => f !== undefined)
      expect(failed.length, `removing ${outcome.removed} broke no scenario: it is not needed`).toBeGreaterThan(0)
    }
  }, 300_000)
})
