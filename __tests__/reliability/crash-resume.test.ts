/**
 * Crash and resume, property-driven: SIGKILL the rollout at random points (sometimes running the
 * post step in between, as the runner does after a cancel, sometimes not, as after a lost
 * machine), then re-run with the same inputs until it finishes. Every schedule must converge on
 * the target version with no routing, and the alias must never serve a weight outside the plan.
 */
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { runPost, type ActionRun } from '../e2e/runner.js'
import {
  actionWrites,
  describeHistory,
  describeRun,
  Figures,
  history,
  offPlan,
  pool,
  prematureSteps,
  routing,
  runOn,
  runWithSignal,
  seedFunction,
  waitUntil,
  withEmulator,
  type Plan,
} from './helpers.js'

const figures = new Figures('crash-resume')
afterAll(() => figures.flush())

const FN = 'orders'
const STAGES = '10%:1s, 30%:1s, 60%:1s, 100%'
const PLAN: Plan = { stable: '1', target: '2', weights: [10, 30, 60, 100] }
const INPUTS = { 'function-name': FN, version: '2', stages: STAGES }
const SEED = 20_261_123
const RUNS = 10

interface Crash {
  /** SIGKILL this long after the action's first output. */
  readonly afterMs: number
  /** Run the post step on the killed run before the next attempt. */
  readonly post: boolean
}

const schedule: fc.Arbitrary<Crash[]> = fc.array(fc.record({ afterMs: fc.integer({ min: 0, max: 3_500 }), post: fc.boolean() }), { minLength: 1, maxLength: 3 })

describe('crash and resume', () => {
  it(`${RUNS} random SIGKILL schedules (fast-check seed ${SEED}) all converge, serving only planned weights`, async () => {
    const schedules = fc.sample(schedule, { seed: SEED, numRuns: RUNS })
    const outcomes = await pool(
      5,
      schedules.map(
        (crashes, index) => () =>
          withEmulator(700 + index, async (emulator) => {
            seedFunction(emulator, FN)
            const log: string[] = []
            for (const crash of crashes) {
              const { run: killed } = await runWithSignal(emulator, INPUTS, 'SIGKILL', crash.afterMs)
              log.push(`SIGKILL ${crash.afterMs} ms after start: exit=${killed.exitCode} signal=${killed.signal} result=${killed.outputs['result'] ?? '-'}`)
              if (crash.post) {
                const before = history(emulator, FN).length
                const post = await runPost(killed)
                log.push(`post: exit=${post.exitCode} ${history(emulator, FN).length > before ? 'rolled back' : 'nothing to do'}`)
              }
            }
            // Re-run with the same inputs until it finishes (a clean run needs one attempt).
            let final: ActionRun | undefined
            for (let attempt = 0; attempt < 3 && final?.outputs['result'] !== 'promoted'; attempt++) {
              final = await runOn(emulator, INPUTS)
              log.push(`re-run: exit=${final.exitCode} result=${final.outputs['result'] ?? '-'}`)
            }
            const entries = history(emulator, FN)
            const dump = `schedule #${index} ${JSON.stringify(crashes)}\n${log.join('\n')}\n${describeHistory(entries)}\n${final ? describeRun(final) : ''}`
            expect(final?.outputs['result'], dump).toBe('promoted')
            expect(final?.exitCode, dump).toBe(0)
            expect(routing(emulator, FN), dump).toEqual({ version: '2', weights: {} })
            expect(offPlan(entries, PLAN), dump).toEqual([])
            return { index, crashes, steps: log, aliasWrites: actionWrites(emulator, FN).length }
          }),
      ),
    )
    figures.set('schedules', { seed: SEED, runs: RUNS, outcomes })
  })

  // A stage completes only on a green read taken at or after the end of its bake (README).
  // A crash mid-bake must not let the re-run skip the rest of that bake.
  it('a re-run after a crash mid-bake does not move past the interrupted stage before its bake is over', async () => {
    await withEmulator(799, async (emulator) => {
      seedFunction(emulator, FN)
      const killed = await runOn(emulator, INPUTS, {
        signalAfter: { when: (out) => out.includes('(verified)'), signal: 'SIGKILL' },
      })
      await waitUntil(() => actionWrites(emulator, FN).length === 1, 5_000, 'first shift recorded')
      const rerun = await runOn(emulator, INPUTS)
      const entries = history(emulator, FN)
      const dump = `${describeHistory(entries)}\n${describeRun(killed)}\n${describeRun(rerun)}`
      expect(rerun.outputs['result'], dump).toBe('promoted')
      const premature = prematureSteps(entries, PLAN, 1_000)
      figures.set('resumeSkipsBake', { premature })
      expect(premature, `a stage moved on before its bake was over\n${dump}`).toEqual([])
    })
  })

  // The resumed bake is measured from the time recorded with the write (the alias description
  // marker). That time must not be earlier than the moment the weight went live: a slow write
  // (throttling, retries, latency) otherwise counts as bake time after a crash.
  it('a slow shift followed by a crash: the resumed bake still lasts a full bake from when the weight went live', async () => {
    await withEmulator(798, async (emulator) => {
      seedFunction(emulator, FN)
      emulator.setFaults({ latencyMs: 2_000, services: ['lambda'], operations: ['UpdateAlias'] })
      const stages = '10%:3s, 100%'
      const killed = await runOn(
        emulator,
        { ...INPUTS, stages },
        {
          signalAfter: { when: (out) => out.includes('(verified)'), signal: 'SIGKILL' },
        },
      )
      emulator.setFaults(null)
      const rerun = await runOn(emulator, { ...INPUTS, stages })
      const entries = history(emulator, FN)
      const dump = `${describeHistory(entries)}\n${describeRun(killed)}\n${describeRun(rerun)}`
      expect(rerun.outputs['result'], dump).toBe('promoted')
      const premature = prematureSteps(entries, { stable: '1', target: '2', weights: [10, 100] }, 3_000)
      figures.set('resumeAfterSlowShift', { premature })
      expect(premature, `the resumed bake counted time before the weight was live\n${dump}`).toEqual([])
    })
  })
})
