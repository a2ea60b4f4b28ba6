import { describe, expect, it } from 'vitest'
import { FakeClock } from '../../__fixtures__/clock.js'
import { reading, ScriptedGate } from '../../__fixtures__/gate.js'
import { RecordingLog } from '../../__fixtures__/log.js'
import type { GateContext, GateReading } from '../../src/core/gate.js'
import { type Snapshot, type Tracked, Watcher } from '../../src/managed/watch.js'

/** A deployment read from a script, one snapshot per poll (the last repeats). */
class Scripted implements Tracked<string> {
  readonly id = 'd-1'
  reads = 0
  constructor(
    private readonly snapshots: (Partial<Snapshot<string>> | Error)[],
    readonly onPaused?: Tracked<string>['onPaused'],
  ) {}
  async read(): Promise<Snapshot<string>> {
    const s = this.snapshots[Math.min(this.reads, this.snapshots.length - 1)]
    this.reads += 1
    if (s instanceof Error) throw s
    return { info: 'x', status: 'IN_PROGRESS', phase: 'running', weight: 0, ...s }
  }
}

class ContextGate extends ScriptedGate {
  readonly contexts: (GateContext | undefined)[] = []
  override async check(_signal?: AbortSignal, context?: GateContext): Promise<GateReading> {
    this.contexts.push(context)
    return super.check()
  }
}

const deps = (gate = new ContextGate(), signal = new AbortController().signal) => ({
  gate,
  clock: new FakeClock(1_000_000),
  log: new RecordingLog(),
  pollMs: 10_000,
  signal,
})

describe('the shared watcher (CodeDeploy and ECS)', () => {
  it('judges each traffic step from the poll before it was seen, and ends on AWS success', async () => {
    const d = deps()
    const w = new Watcher(d, new Scripted([{ weight: 0 }, { weight: 10 }, { weight: 10 }, { weight: 100 }, { weight: 100, phase: 'succeeded' }]))
    const end = await w.watch()
    expect(end.kind).toBe('succeeded')
    const gate = d.gate as ContextGate
    // Poll 2 (t+10 s) sees 10%: it went live after poll 1 (t), so polls 3 and 4 judge from t; 100% from poll 3's time.
    expect(gate.contexts.map((c) => c?.stageStartedAt)).toEqual([undefined, undefined, 1_000_000, 1_000_000, 1_020_000])
    // The release started with its first live step; each read also says the weight judged.
    expect(gate.contexts.at(-1)).toMatchObject({ releaseStartedAt: 1_000_000, weight: 100 })
    expect(w.rows.map((r) => [r.weight, r.polls])).toEqual([
      [0, 1],
      [10, 2],
      [100, 2],
    ])
  })

  it("a step the weight does not show (test traffic) starts a window, from the source's own time when it knows it", async () => {
    const d = deps()
    const w = new Watcher(
      d,
      new Scripted([
        { step: 'since the deployment started', liveSince: 123, weight: undefined },
        { phase: 'succeeded', weight: undefined },
      ]),
    )
    await w.watch()
    expect((d.gate as ContextGate).contexts.at(-1)).toEqual({ stageStartedAt: 123, releaseStartedAt: 123 })
  })

  it('stops on a failing gate, naming the alarm, and on a deployment unreadable three polls in a row', async () => {
    const failing = new ContextGate((n) => (n === 1 ? reading('fail') : reading('pass')))
    const end = await new Watcher(deps(failing), new Scripted([{ weight: 10 }])).watch()
    expect(end).toMatchObject({ kind: 'alarm', reason: expect.stringContaining('errors-high') })
    const unreadable = await new Watcher(deps(), new Scripted([new Error('Rate exceeded')])).watch()
    expect(unreadable).toMatchObject({ kind: 'unreadable', reason: expect.stringContaining('unreadable for 3 polls') })
  })

  it('a pause holds unless the source continues it; only a green read may continue', async () => {
    const held = await new Watcher(deps(), new Scripted([{ phase: 'paused' }])).watch()
    expect(held.kind).toBe('ready')
    const seen: number[] = []
    const source = new Scripted([{ phase: 'paused' }, { phase: 'paused' }, { phase: 'paused' }, { phase: 'succeeded' }], async (_s, _r, pausedForMs) => {
      seen.push(pausedForMs)
      return 'wait'
    })
    const gate = new ContextGate((n) => (n === 1 ? reading('inconclusive') : reading('pass')))
    expect((await new Watcher(deps(gate), source).watch()).kind).toBe('succeeded')
    // The inconclusive read (poll 2) is not offered to the source; the pause counts from the first poll that saw it.
    expect(seen).toEqual([0, 20_000])
  })

  it('a cancel ends the watch as cancelled', async () => {
    const controller = new AbortController()
    const gate = new ContextGate((n) => {
      if (n === 1) controller.abort(new Error('SIGINT'))
      return reading('pass')
    })
    expect(await new Watcher(deps(gate, controller.signal), new Scripted([{ weight: 10 }])).watch()).toMatchObject({ kind: 'cancelled' })
  })
})
