import { describe, expect, it } from 'vitest'
import { Rollout } from '../../src/core/engine.js'
import { OwnershipError } from '../../src/core/errors.js'
import { FleetProvider } from '../../src/alias/fleet-provider.js'
import { parseStages } from '../../src/core/stages.js'
import { FakeClock } from '../../__fixtures__/clock.js'
import { reading, ScriptedGate } from '../../__fixtures__/gate.js'
import { RecordingLog } from '../../__fixtures__/log.js'
import { FakeProvider } from '../../__fixtures__/provider.js'

function fleetRollout(members: FakeProvider[], gate = new ScriptedGate()) {
  const fleet = new FleetProvider(members)
  const engine = new Rollout({
    provider: fleet,
    gate,
    clock: new FakeClock(),
    log: new RecordingLog(),
    stages: parseStages('10%:10s, 50%:10s, 100%'),
    pollMs: 5_000,
  })
  return { fleet, engine }
}

describe('FleetProvider', () => {
  it('moves every function through the same stages together', async () => {
    const members = [new FakeProvider(), new FakeProvider(), new FakeProvider()]
    const { engine, fleet } = fleetRollout(members)
    expect((await engine.run()).result).toBe('promoted')
    for (const member of members) expect(member.servedWeights).toEqual([10, 50, 100])
    expect(fleet.report().map((m) => m.weight)).toEqual([100, 100, 100])
  })

  it('rolls every function back when the gate fails', async () => {
    const members = [new FakeProvider(), new FakeProvider()]
    const { engine } = fleetRollout(members, new ScriptedGate((n) => reading(n >= 3 ? 'fail' : 'pass')))
    expect((await engine.run()).result).toBe('rolled-back')
    for (const member of members) expect(member.routing).toEqual({ stableVersion: '1', canaryVersion: undefined, canaryWeight: 0 })
  })

  it('resumes from its least advanced member and never lowers one further ahead', async () => {
    const ahead = new FakeProvider({ stableVersion: '1', canaryVersion: '2', canaryWeight: 50 })
    const behind = new FakeProvider({ stableVersion: '1', canaryVersion: '2', canaryWeight: 10 })
    const { engine } = fleetRollout([ahead, behind])
    await engine.run()
    expect(ahead.servedWeights).toEqual([100])
    expect(behind.servedWeights).toEqual([50, 100])
  })

  it('refuses when any member routes to a foreign version, naming it', async () => {
    const foreign = new FakeProvider({ stableVersion: '1', canaryVersion: '3', canaryWeight: 5 })
    const { engine } = fleetRollout([new FakeProvider(), foreign])
    const outcome = await engine.run()
    expect(outcome.result).toBe('refused')
    expect(outcome.reason).toContain('fn:live: 95% version 1, 5% version 3')
  })

  it('rolls the others back when one member is taken over mid-rollout, and leaves that one alone', async () => {
    const taken = new FakeProvider()
    const other = new FakeProvider()
    const { engine } = fleetRollout([taken, other])
    await engine.tick()
    await engine.tick() // 10%
    taken.failNext.shift = new OwnershipError('changed by someone else')
    const outcome = await engine.run()
    expect(outcome.result).toBe('failed')
    expect(outcome.reason).toContain('left alone')
    expect(other.routing.canaryVersion).toBeUndefined()
    expect(taken.writes.map((w) => w.kind)).toEqual(['shift'])
  })
})
