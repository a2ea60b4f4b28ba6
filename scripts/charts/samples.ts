/**
 * Rollouts whose weight charts are worth looking at, run through the real engine on a fake clock
 * (no AWS, no real time): shared by `scripts/render-charts.ts`, which draws them with mermaid in
 * GitHub's light and dark themes, and by the chart's structural test.
 */
import { FakeClock } from '../../__fixtures__/clock.js'
import { reading, ScriptedGate } from '../../__fixtures__/gate.js'
import { RecordingLog } from '../../__fixtures__/log.js'
import { FakeProvider } from '../../__fixtures__/provider.js'
import { type Outcome, Rollout } from '../../src/core/engine.js'
import { parseStages } from '../../src/core/stages.js'

export interface Sample {
  readonly name: string
  readonly what: string
  readonly outcome: Outcome
}

async function rollout(stages: string, pollMs: number, gate: ScriptedGate): Promise<Outcome> {
  const clock = new FakeClock()
  return new Rollout({ provider: new FakeProvider(), gate, clock, log: new RecordingLog(), stages: parseStages(stages), pollMs }).run()
}

export async function samples(): Promise<Sample[]> {
  const poll = 10_000
  return [
    {
      name: 'promoted',
      what: '10%:5m, 50%:10m, 100%, every gate read green: the 10-minute stage is twice as wide as the 5-minute one',
      outcome: await rollout('10%:5m, 50%:10m, 100%', poll, new ScriptedGate()),
    },
    {
      name: 'rolled-back',
      what: '10%:5m, 50%:10m, 100%: the alarm fires 4 minutes into the 50% stage and traffic drops to 0',
      // 5m at 10% is 31 reads (one at 0s, then every 10s), then 24 reads into the 50% stage.
      outcome: await rollout('10%:5m, 50%:10m, 100%', poll, new ScriptedGate((n) => reading(n < 31 + 24 ? 'pass' : 'fail'))),
    },
    {
      name: 'short-stage',
      what: '10%:1780s, 50%:10m, 100%: the alarm fires 20 s into the 50% stage of a 30-minute rollout (issue 21: the stage must show)',
      // 1780 s at 10% is 179 reads (0 s to 1780 s, every 10 s), then the third read of the 50% stage fails.
      outcome: await rollout('10%:1780s, 50%:10m, 100%', poll, new ScriptedGate((n) => reading(n < 179 + 2 ? 'pass' : 'fail'))),
    },
    {
      name: 'held',
      what: '5%:2m, 25%:3m (no 100%): holds at 25%, with one unreadable gate read in the first stage',
      outcome: await rollout('5%:2m, 25%:3m', poll, new ScriptedGate((n) => reading(n === 5 ? 'inconclusive' : 'pass'))),
    },
  ]
}
