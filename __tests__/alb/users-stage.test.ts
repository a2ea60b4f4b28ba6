/** The engine driving the ALB provider (on the in-process emulator) through a users stage, on a fake clock. */
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { FakeClock } from '../../__fixtures__/clock.js'
import { reading, ScriptedGate } from '../../__fixtures__/gate.js'
import { RecordingLog } from '../../__fixtures__/log.js'
import { type Emulator, startEmulator } from '../../emulator/server.js'
import { parseListener } from '../../src/alb/inputs.js'
import { ListenerProvider } from '../../src/alb/listener-provider.js'
import { Rollout } from '../../src/core/engine.js'
import type { GateReading } from '../../src/core/gate.js'
import { parseStages } from '../../src/core/stages.js'
import { FAKE_CREDENTIALS } from '../e2e/seed.js'

let emulator: Emulator
let client: ElasticLoadBalancingV2Client
beforeAll(async () => {
  emulator = await startEmulator()
  client = new ElasticLoadBalancingV2Client({ endpoint: emulator.url, region: 'us-east-1', credentials: FAKE_CREDENTIALS, maxAttempts: 1 })
})
afterAll(async () => {
  client.destroy()
  await emulator.close()
})
beforeEach(() => emulator.reset())

function rollout(listenerArn: string, stages: string, gate: (n: number) => GateReading = () => reading('pass')) {
  const clock = new FakeClock()
  const provider = new ListenerProvider({
    client,
    rollbackClient: client,
    target: parseListener(listenerArn),
    targetGroup: 'green',
    stickinessSeconds: undefined,
    users: [{ kind: 'header', name: 'x-canary', value: 'internal' }],
    now: () => clock.now(),
  })
  const log = new RecordingLog()
  const engine = new Rollout({ provider, gate: new ScriptedGate(gate), clock, log, stages: parseStages(stages, { users: true }), pollMs: 10_000 })
  return { engine, log }
}

const seed = () => emulator.elbv2.seed({ groups: [{ name: 'blue' }, { name: 'green' }], weights: { blue: 1, green: 0 } })

describe('users stage', () => {
  it('lets canary users in first, then shifts weights with their rule kept, and promote removes it', async () => {
    const alb = seed()
    const { engine, log } = rollout(alb.listenerArn, 'users:30s, 10%:30s, 100%')
    const outcome = await engine.run()
    expect(outcome.result).toBe('promoted')
    expect(log.text()).toContain('group: Stage 1/3: canary users to version green, bake 30s')
    const writes = emulator.elbv2.history().map((h) => h.operation)
    expect(writes).toEqual(['CreateRule', 'ModifyListener', 'ModifyListener', 'DeleteRule'])
    expect(emulator.elbv2.rules(alb.listenerArn)).toEqual([])
    expect(emulator.elbv2.forward(alb.listenerArn).weights).toEqual({ blue: 0, green: 1 })
  })

  it('holds at the users stage, and a later run promotes without baking it again', async () => {
    const alb = seed()
    expect((await rollout(alb.listenerArn, 'users:30s').engine.run()).result).toBe('held')
    expect(emulator.elbv2.rules(alb.listenerArn)).toHaveLength(1)
    expect(emulator.elbv2.tags(alb.listenerArn)).toMatchObject({ 'canary-release:weight': '0', 'canary-release:baked': 'true' })
    const { engine, log } = rollout(alb.listenerArn, 'users:30s, 10%:30s, 100%')
    expect((await engine.run()).result).toBe('promoted')
    expect(log.text()).toContain('Resuming: version green already takes 0% of traffic.')
    expect(log.text()).not.toContain('Stage 1/3')
  })

  it('rebakes an interrupted users stage in full', async () => {
    const alb = seed()
    await rollout(alb.listenerArn, 'users:30s').engine.run()
    // As if the run had crashed mid-bake: the rule is live, no finished bake recorded.
    emulator.state.elbv2.removeTags([alb.listenerArn], ['canary-release:baked'])
    const { engine, log } = rollout(alb.listenerArn, 'users:30s, 100%')
    expect((await engine.run()).result).toBe('promoted')
    expect(log.text()).toContain('Stage 1/2: canary users, its bake was interrupted; baking it in full')
  })

  it('an alarm during the users stage deletes the rule', async () => {
    const alb = seed()
    const { engine } = rollout(alb.listenerArn, 'users:30s, 10%:30s, 100%', (n) => (n < 2 ? reading('pass') : reading('fail')))
    expect((await engine.run()).result).toBe('rolled-back')
    expect(emulator.elbv2.rules(alb.listenerArn)).toEqual([])
    expect(emulator.elbv2.forward(alb.listenerArn).weights).toEqual({ blue: 1, green: 0 })
    expect(emulator.elbv2.tags(alb.listenerArn)).toEqual({})
  })
})
