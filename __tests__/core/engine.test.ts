import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Rollout, type Phase } from '../../src/core/engine.js'
import { OwnershipError } from '../../src/core/errors.js'
import type { GateReading } from '../../src/core/gate.js'
import { parseStages } from '../../src/core/stages.js'
import { FakeClock } from '../../__fixtures__/clock.js'
import { reading, ScriptedGate } from '../../__fixtures__/gate.js'
import { RecordingLog } from '../../__fixtures__/log.js'
import { FakeProvider } from '../../__fixtures__/provider.js'

interface Scenario {
  maxHoldMs?: number
  stages?: string
  gate?: (n: number) => GateReading
  provider?: FakeProvider
  pollMs?: number
  signal?: AbortSignal
}

function rollout(scenario: Scenario = {}) {
  const clock = new FakeClock()
  const provider = scenario.provider ?? new FakeProvider()
  const gate = new ScriptedGate(scenario.gate)
  const log = new RecordingLog()
  const firstWrites: string[] = []
  const engine = new Rollout({
    provider,
    gate,
    clock,
    log,
    stages: parseStages(scenario.stages ?? '10%:30s, 50%:30s, 100%'),
    pollMs: scenario.pollMs ?? 10_000,
    onFirstWrite: (traffic) => firstWrites.push(`${traffic.stableVersion}->${traffic.targetVersion}`),
    ...(scenario.signal ? { signal: scenario.signal } : {}),
    ...(scenario.maxHoldMs !== undefined ? { maxHoldMs: scenario.maxHoldMs } : {}),
  })
  return { engine, clock, provider, gate, log, firstWrites }
}

/** Ticks until done, recording [phase, weight] after each tick. */
async function trace(engine: Rollout): Promise<[Phase, number][]> {
  const steps: [Phase, number][] = []
  for (let i = 0; i < 500 && !engine.done; i++) {
    await engine.tick()
    steps.push([engine.phase, engine.weight])
  }
  return steps
}

describe('Rollout engine', () => {
  it('walks every stage, baking with a gate check per poll, then promotes', async () => {
    const { engine, provider, clock, log } = rollout()
    const steps = await trace(engine)
    expect(steps).toEqual([
      ['Progressing', 0], // read alias + preflight gate read
      ['Baking', 10], // shift to 10%
      ['Baking', 10], // check at 0s, sleep 10s
      ['Baking', 10], // 10s
      ['Baking', 10], // 20s
      ['Progressing', 10], // 30s: bake done on a green read
      ['Baking', 50],
      ['Baking', 50],
      ['Baking', 50],
      ['Baking', 50],
      ['Progressing', 50],
      ['Baking', 100], // promote
      ['Succeeded', 100], // one gate read after the promote
    ])
    expect(provider.servedWeights).toEqual([10, 50, 100])
    expect(provider.routing).toEqual({ stableVersion: '2', canaryVersion: undefined, canaryWeight: 0 })
    expect(clock.sleeps).toEqual([10_000, 10_000, 10_000, 10_000, 10_000, 10_000])
    const outcome = engine.outcome()
    expect(outcome.result).toBe('promoted')
    expect(outcome.stages.map((s) => [s.result, s.checks, s.bakedMs])).toEqual([
      ['passed', 4, 30_000],
      ['passed', 4, 30_000],
      ['passed', 1, 0],
    ])
    expect(log.lines.filter((l) => l.startsWith('group:'))).toHaveLength(3)
  })

  it('rolls back at once when an alarm fires mid-bake, and names it', async () => {
    const { engine, provider } = rollout({ gate: (n) => reading(n >= 3 ? 'fail' : 'pass') })
    const steps = await trace(engine)
    expect(steps.slice(-3)).toEqual([
      ['Baking', 10],
      ['RollingBack', 10],
      ['RolledBack', 0],
    ])
    expect(provider.servedWeights).toEqual([10, 0])
    expect(provider.routing).toEqual({ stableVersion: '1', canaryVersion: undefined, canaryWeight: 0 })
    const outcome = engine.outcome()
    expect(outcome.result).toBe('rolled-back')
    expect(outcome.alarm?.name).toBe('errors-high')
    expect(outcome.reason).toContain('"errors-high" is ALARM')
    expect(outcome.stages[0]?.result).toBe('failed')
    expect(outcome.needsCleanup).toBe(false)
  })

  it('rolls back after 3 unreadable polls in a stage', async () => {
    const { engine, provider } = rollout({ gate: (n) => reading(n >= 2 ? 'inconclusive' : 'pass') })
    await trace(engine)
    expect(provider.servedWeights).toEqual([10, 0])
    expect(engine.outcome().reason).toContain('unreadable on 3 polls in this stage')
  })

  it('rolls back a gate unreadable on every other poll: unreadable polls add up within a stage', async () => {
    // Checks 1, 3, 5 (the bake's polls at 0s, 20s, 40s...) are unreadable, the others pass.
    const { engine, provider } = rollout({ stages: '10%:1m, 100%', gate: (n) => reading(n % 2 === 1 ? 'inconclusive' : 'pass') })
    const outcome = await engine.run()
    expect(outcome.result).toBe('rolled-back')
    expect(outcome.reason).toContain('unreadable on 3 polls in this stage')
    expect(provider.servedWeights).toEqual([10, 0])
  })

  it('starts each stage with a clean unreadable count', async () => {
    // Two unreadable polls in stage 1 and two in stage 2: never three in one stage.
    const bad = new Set([2, 3, 9, 10])
    const { engine } = rollout({ stages: '10%:30s, 50%:30s, 100%', gate: (n) => reading(bad.has(n) ? 'inconclusive' : 'pass') })
    expect((await engine.run()).result).toBe('promoted')
  })

  it('does not count unreadable time as bake: only spans between two good reads bake', async () => {
    // Reads at 0,10,20 pass; the ones at 30s and 40s are unreadable; then reads pass again.
    const { engine, provider, clock } = rollout({
      stages: '10%:30s',
      gate: (n) => reading(n === 4 || n === 5 ? 'inconclusive' : 'pass'),
    })
    const start = clock.now()
    await trace(engine)
    expect(engine.phase).toBe('Held')
    expect(provider.servedWeights).toEqual([10])
    // 20s baked by the read at 20s; 20-30, 30-40 and 40-50 were not watched; 50-60 completes it.
    expect(clock.now() - start).toBe(60_000)
    expect(engine.outcome().stages[0]).toMatchObject({ checks: 7, bakedMs: 30_000, result: 'passed' })
  })

  it('holds at the last weight when the plan stops short of 100%', async () => {
    const { engine, provider } = rollout({ stages: '10%:20s' })
    await trace(engine)
    expect(engine.phase).toBe('Held')
    expect(engine.outcome()).toMatchObject({ result: 'held', weight: 10, stableVersion: '1' })
    expect(provider.routing).toEqual({ stableVersion: '1', canaryVersion: '2', canaryWeight: 10 })
  })

  it('resumes from the first stage above the live weight once its bake is recorded', async () => {
    const provider = new FakeProvider({ stableVersion: '1', canaryVersion: '2', canaryWeight: 10 })
    provider.baked = true
    const { engine, firstWrites } = rollout({ provider })
    await engine.tick()
    expect([engine.phase, engine.weight]).toEqual(['Progressing', 10])
    await engine.run()
    expect(provider.servedWeights).toEqual([50, 100])
    expect(engine.outcome().stages[0]?.result).toBe('resumed')
    expect(firstWrites).toEqual(['1->2'])
  })

  it('refuses, untouched, an alias that routes to a third version', async () => {
    const provider = new FakeProvider({ stableVersion: '1', canaryVersion: '3', canaryWeight: 20 })
    const { engine } = rollout({ provider })
    const outcome = await engine.run()
    expect(outcome.result).toBe('refused')
    expect(outcome.reason).toContain('already routes 80% version 1, 20% version 3, not to version 2')
    expect(provider.writes).toEqual([])
  })

  it('reports promoted and changes nothing when the target already serves everything', async () => {
    const provider = new FakeProvider({ stableVersion: '2', canaryVersion: undefined, canaryWeight: 0 })
    const { engine, gate } = rollout({ provider })
    const outcome = await engine.run()
    expect(outcome).toMatchObject({ result: 'promoted', alreadyPromoted: true, weight: 100 })
    expect(provider.writes).toEqual([])
    expect(gate.checks).toBe(0)
  })

  it('refuses to start while a gate alarm is already firing', async () => {
    const { engine, provider } = rollout({ gate: () => reading('fail') })
    const outcome = await engine.run()
    expect(outcome.result).toBe('refused')
    expect(outcome.reason).toContain('errors-high is ALARM')
    expect(provider.writes).toEqual([])
  })

  it('refuses to start when an alarm does not exist, naming it', async () => {
    const { engine, provider } = rollout({
      gate: () => reading('inconclusive', { missing: ['typo-alarm'], error: 'missing' }),
    })
    const outcome = await engine.run()
    expect(outcome.reason).toContain('alarm not found: "typo-alarm"')
    expect(provider.writes).toEqual([])
  })

  it('refuses when the target version does not exist', async () => {
    const provider = new FakeProvider()
    provider.versions.delete('2')
    const { engine } = rollout({ provider })
    expect((await engine.run()).reason).toContain('version 2 does not exist')
    expect(provider.writes).toEqual([])
  })

  it('rolls back a resumed canary when its alarm fired in the meantime', async () => {
    const provider = new FakeProvider({ stableVersion: '1', canaryVersion: '2', canaryWeight: 10 })
    const { engine } = rollout({ provider, gate: () => reading('fail') })
    const outcome = await engine.run()
    expect(outcome.result).toBe('rolled-back')
    expect(provider.servedWeights).toEqual([0])
  })

  it('rolls back on cancel during a bake', async () => {
    const controller = new AbortController()
    const { engine, provider } = rollout({ signal: controller.signal })
    await engine.tick() // Initializing
    await engine.tick() // shift 10%
    await engine.tick() // first gate check
    controller.abort()
    expect(await engine.tick()).toBe('RollingBack')
    expect(await engine.tick()).toBe('RolledBack')
    expect(provider.servedWeights).toEqual([10, 0])
    expect(engine.outcome().stages[0]?.result).toBe('cancelled')
    expect(engine.outcome().reason).toBe('the workflow was cancelled')
  })

  it('writes nothing when cancelled before the first shift', async () => {
    const controller = new AbortController()
    controller.abort()
    const { engine, provider } = rollout({ signal: controller.signal })
    expect((await engine.run()).result).toBe('refused')
    expect(provider.writes).toEqual([])
  })

  it('stops without overwriting when someone else changed the alias', async () => {
    const provider = new FakeProvider()
    const { engine } = rollout({ provider })
    await engine.tick()
    await engine.tick() // 10%
    provider.failNext.shift = new OwnershipError('fn:live was changed by someone else')
    while (engine.phase !== 'Progressing') await engine.tick()
    await engine.tick()
    expect(engine.phase).toBe('Failed')
    expect(provider.writes.map((w) => w.kind)).toEqual(['shift'])
    expect(engine.outcome()).toMatchObject({ result: 'failed', needsCleanup: false })
  })

  it('fails loudly, asking the post step to clean up, when the rollback itself fails', async () => {
    const provider = new FakeProvider()
    provider.failNext.rollback = new Error('Rate exceeded')
    const { engine } = rollout({ provider, gate: (n) => reading(n >= 2 ? 'fail' : 'pass') })
    const outcome = await engine.run()
    expect(outcome.result).toBe('failed')
    expect(outcome.reason).toContain('the rollback itself failed: Rate exceeded')
    expect(outcome.needsCleanup).toBe(true)
  })

  it('rolls back when a shift fails, reporting why', async () => {
    const provider = new FakeProvider()
    provider.failNext.shift = new Error('Rate exceeded')
    const { engine } = rollout({ provider })
    const outcome = await engine.run()
    expect(outcome.result).toBe('rolled-back')
    expect(outcome.reason).toContain('could not set 10%: Rate exceeded')
  })

  it('only ever serves planned weights, then either the target or the stable version (property)', async () => {
    const plan = fc.uniqueArray(fc.integer({ min: 1, max: 100 }), { minLength: 1, maxLength: 6 }).map((ws) => [...ws].sort((a, b) => a - b))
    await fc.assert(
      fc.asyncProperty(plan, fc.array(fc.constantFrom('pass', 'pass', 'pass', 'fail', 'inconclusive'), { maxLength: 60 }), async (weights, script) => {
        const stages = weights.map((w, i) => `${w}%:${(i + 1) * 7}s`).join(', ')
        const { engine, provider } = rollout({
          stages,
          pollMs: 5_000,
          gate: (n) => reading((script[n] ?? 'pass') as 'pass'),
        })
        const outcome = await engine.run()
        const served = provider.servedWeights
        const forward = outcome.result === 'rolled-back' ? served.slice(0, -1) : served
        forward.forEach((w) => expect(weights).toContain(w))
        for (let i = 1; i < forward.length; i++) expect(forward[i]).toBeGreaterThan(forward[i - 1]!)
        if (outcome.result === 'rolled-back') expect(provider.routing.canaryVersion).toBeUndefined()
        if (outcome.result === 'rolled-back') expect(provider.routing.stableVersion).toBe('1')
        if (outcome.result === 'promoted') expect(provider.routing.stableVersion).toBe('2')
        expect(['promoted', 'held', 'rolled-back', 'refused']).toContain(outcome.result)
      }),
      { numRuns: 300 },
    )
  })

  describe('resuming a held canary', () => {
    const heldAt10 = () => {
      const provider = new FakeProvider({ stableVersion: '1', canaryVersion: '2', canaryWeight: 10 })
      provider.baked = true
      return provider
    }

    it('records the finished bake on the resource when it holds', async () => {
      const provider = new FakeProvider()
      const { engine } = rollout({ provider, stages: '10%:20s' })
      await engine.run()
      expect(provider.baked).toBe(true)
    })

    it('bakes an interrupted stage in full again before moving on', async () => {
      const provider = new FakeProvider({ stableVersion: '1', canaryVersion: '2', canaryWeight: 10 })
      const { engine, clock } = rollout({ provider, stages: '10%:30s, 50%:30s, 100%' })
      const start = clock.now()
      await engine.tick()
      expect([engine.phase, engine.stageIndex]).toEqual(['Baking', 0])
      while (engine.phase === 'Baking' && engine.stageIndex === 0) await engine.tick()
      expect(clock.now() - start).toBe(30_000)
      await engine.run()
      expect(provider.servedWeights).toEqual([50, 100])
    })

    const HOUR = 3_600_000

    it('promotes when no alarm fired since the hold began', async () => {
      const provider = heldAt10()
      const { engine, gate, clock } = rollout({ provider, maxHoldMs: 24 * HOUR })
      provider.since = clock.now() - 2 * HOUR
      expect((await engine.run()).result).toBe('promoted')
      expect(gate.historyQueries).toEqual([provider.since])
    })

    it('rolls back when an alarm fired while nobody was polling, saying when', async () => {
      const provider = heldAt10()
      const { engine, gate, clock } = rollout({ provider })
      provider.since = clock.now() - 2 * HOUR
      const firedAt = new Date(clock.now() - HOUR)
      gate.history = [{ name: 'errors-high', state: 'ALARM', at: firedAt, summary: 'Alarm updated from OK to ALARM', link: 'l' }]
      const outcome = await engine.run()
      expect(outcome.result).toBe('rolled-back')
      expect(outcome.reason).toBe(`alarm "errors-high" fired at ${firedAt.toISOString()} while the canary was held`)
      expect(outcome.alarm?.name).toBe('errors-high')
      expect(provider.servedWeights).toEqual([0])
    })

    it('rolls back a canary held longer than max-hold', async () => {
      const provider = heldAt10()
      const { engine, clock } = rollout({ provider, maxHoldMs: 24 * HOUR })
      provider.since = clock.now() - 25 * HOUR
      const outcome = await engine.run()
      expect(outcome.result).toBe('rolled-back')
      expect(outcome.reason).toContain('longer than max-hold 24h')
    })

    it('refuses to promote, untouched, when the history cannot be read', async () => {
      const provider = heldAt10()
      const { engine, gate, clock } = rollout({ provider })
      provider.since = clock.now() - HOUR
      gate.history = new Error('AccessDenied')
      const outcome = await engine.run()
      expect(outcome.result).toBe('refused')
      expect(outcome.reason).toContain('cannot show the hold stayed green: AccessDenied')
      expect(provider.writes).toEqual([])
    })

    it('rolls back a resumed canary when the workflow is cancelled during the history read', async () => {
      const provider = heldAt10()
      const controller = new AbortController()
      const { engine, gate, clock, firstWrites } = rollout({ provider, signal: controller.signal })
      provider.since = clock.now() - HOUR
      gate.firedSince = async () => {
        controller.abort()
        throw Object.assign(new Error('Request aborted'), { name: 'AbortError' })
      }
      const outcome = await engine.run()
      expect(outcome.result).toBe('rolled-back')
      expect(outcome.reason).toBe('the workflow was cancelled')
      expect(provider.servedWeights).toEqual([0])
      // The post step was told about the live canary before anything could go wrong.
      expect(firstWrites).toEqual(['1->2'])
    })

    it('rolls back a resumed canary whose alarm went to INSUFFICIENT_DATA during the hold', async () => {
      const provider = heldAt10()
      const { engine, gate, clock } = rollout({ provider })
      provider.since = clock.now() - 2 * HOUR
      const at = new Date(clock.now() - HOUR)
      gate.history = [{ name: 'errors-high', state: 'INSUFFICIENT_DATA', at, summary: 'Alarm updated from OK to INSUFFICIENT_DATA', link: 'l' }]
      const outcome = await engine.run()
      expect(outcome.result).toBe('rolled-back')
      expect(outcome.reason).toBe(`alarm "errors-high" went to INSUFFICIENT_DATA at ${at.toISOString()} while the canary was held`)
      expect(outcome.alarm).toMatchObject({ name: 'errors-high', state: 'INSUFFICIENT_DATA' })
    })

    it('reads history over max-hold when the hold start is unknown', async () => {
      const provider = heldAt10()
      const { engine, gate, clock, log } = rollout({ provider, maxHoldMs: 6 * HOUR })
      const start = clock.now()
      await engine.run()
      expect(gate.historyQueries).toEqual([start - 6 * HOUR])
      expect(log.text()).toContain('does not record when the canary went live')
    })
  })
})

describe('pass late with metrics taken as read (metrics-delay 0s)', () => {
  it('a bake passes on the read that finished it, even when that read takes time: no extra poll per stage', async () => {
    const clock = new FakeClock()
    // Each read judges through the moment it was sent (metrics-delay 0s) and takes 50 ms to come back.
    const gate = {
      names: ['errors'],
      checks: 0,
      async check(): Promise<GateReading> {
        this.checks += 1
        const at = clock.now()
        clock.time += 50
        return reading('pass', { at, settledThrough: at })
      },
      firedSince: async () => [],
    }
    const engine = new Rollout({ provider: new FakeProvider(), gate, clock, log: new RecordingLog(), stages: parseStages('10%:30s, 100%'), pollMs: 10_000 })
    const outcome = await engine.run()
    expect(outcome.result).toBe('promoted')
    // The pre-flight read, reads at 0, 10, 20 and 30 s of the bake (none after the one that saw it end),
    // and the 100% stage's one read. Before the fix a seventh read waited a whole poll for nothing.
    expect(gate.checks).toBe(6)
  })
})
