import { describe, expect, it } from 'vitest'
import { Rollout } from '../../src/core/engine.js'
import { OwnershipError, RefusalError } from '../../src/core/errors.js'
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

describe('FleetProvider, members in different places', () => {
  function rollout(members: FakeProvider[], stages: string, gate = new ScriptedGate()) {
    const fleet = new FleetProvider(members)
    const engine = new Rollout({ provider: fleet, gate, clock: new FakeClock(), log: new RecordingLog(), stages: parseStages(stages), pollMs: 5_000 })
    return { fleet, engine, gate }
  }

  it('never lowers a member already ahead of the current stage', async () => {
    const ahead = new FakeProvider({ stableVersion: '1', canaryVersion: '2', canaryWeight: 50 })
    const behind = new FakeProvider({ stableVersion: '1', canaryVersion: '2', canaryWeight: 10 })
    behind.baked = true
    const { engine } = rollout([ahead, behind], '10%:10s, 25%:10s, 50%:10s, 100%')
    expect((await engine.run()).result).toBe('promoted')
    expect(ahead.servedWeights).toEqual([100])
    expect(behind.servedWeights).toEqual([25, 50, 100])
  })

  it('treats promoted members next to fresh ones as a fresh start: no hold, no history read', async () => {
    const promoted = new FakeProvider({ stableVersion: '2', canaryVersion: undefined, canaryWeight: 0 })
    const fresh = new FakeProvider()
    const { engine, gate } = rollout([promoted, fresh], '10%:10s, 100%')
    const outcome = await engine.run()
    expect(outcome.result).toBe('promoted')
    expect(gate.historyQueries).toEqual([])
    expect(promoted.writes).toEqual([])
    expect(fresh.servedWeights).toEqual([10, 100])
  })

  it('rolls back every other member and leaves a member promoted before the run alone', async () => {
    const promoted = new FakeProvider({ stableVersion: '2', canaryVersion: undefined, canaryWeight: 0 })
    const fresh = new FakeProvider()
    const { engine, fleet } = rollout([promoted, fresh], '10%:10s, 100%', new ScriptedGate((n) => reading(n >= 2 ? 'fail' : 'pass')))
    const outcome = await engine.run()
    expect(outcome.result).toBe('rolled-back')
    expect(promoted.writes).toEqual([])
    expect(promoted.routing).toEqual({ stableVersion: '2', canaryVersion: undefined, canaryWeight: 0 })
    expect(fresh.routing).toEqual({ stableVersion: '1', canaryVersion: undefined, canaryWeight: 0 })
    expect(fleet.report().map((m) => [m.stableVersion, m.weight])).toEqual([
      ['2', 100],
      ['1', 0],
    ])
  })

  it('refuses before any write, naming every member that cannot go on', async () => {
    const a = new FakeProvider()
    const b = new FakeProvider()
    const c = new FakeProvider()
    a.refusal = new RefusalError('fn-a:live: execution role r1 (version 1) vs r2 (version 2)')
    c.refusal = new RefusalError('fn-c:live: dead-letter target q1 (version 1) vs none (version 2)')
    const { engine } = rollout([a, b, c], '10%:10s, 100%')
    const outcome = await engine.run()
    expect(outcome.result).toBe('refused')
    expect(outcome.reason).toContain('execution role r1 (version 1) vs r2 (version 2)')
    expect(outcome.reason).toContain('dead-letter target q1 (version 1) vs none (version 2)')
    for (const member of [a, b, c]) expect(member.writes).toEqual([])
  })
})
