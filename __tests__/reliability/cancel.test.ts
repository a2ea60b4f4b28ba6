/**
 * Cancellation, as the runner does it: SIGINT (then SIGTERM 7.5 s later, then SIGKILL). Traffic
 * must be back on the stable version within 2 s of the signal. When main dies without rolling back
 * (SIGKILL), the post step must roll back; when main never started a rollout, the post step must
 * not start one either.
 */
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { runPost } from '../e2e/runner.js'
import {
  actionWrites,
  brief,
  classify,
  describeHistory,
  describeRun,
  Figures,
  history,
  offPlan,
  pool,
  routing,
  runOn,
  seedFunction,
  withEmulator,
  type Plan,
  runWithSignal,
  type RoutingKind,
  type SignalledRun,
} from './helpers.js'

const figures = new Figures('cancel')
afterAll(() => figures.flush())

const FN = 'orders'
const STAGES = '10%:2s, 50%:2s, 100%'
const PLAN: Plan = { stable: '1', target: '2', weights: [10, 50, 100] }
const INPUTS = { 'function-name': FN, version: '2', stages: STAGES }
const SEED = 4242
/** Cancel deadline the action promises (README: "rolls back at once"; the e2e suite checks 2 s). */
const DEADLINE_MS = 2_000

/** Random delays (ms after the action's first output) from a fixed seed. */
const delays = (n: number, seed: number): number[] => fc.sample(fc.integer({ min: 100, max: 3_500 }), { seed, numRuns: n })

interface Measured {
  delayMs: number
  atSignal: RoutingKind | 'none'
  timeToStableMs: number | null
  exitAfterSignalMs: number | null
  result: string | null
}

/** How long after the signal traffic was back on the stable version for good, from the alias history. */
function measure(signalled: SignalledRun, entries: ReturnType<typeof history>, delayMs: number): Measured {
  const { run, signalAt, exitedAt } = signalled
  const base = { delayMs, exitAfterSignalMs: signalAt === undefined ? null : exitedAt - signalAt, result: run.outputs['result'] ?? null }
  if (signalAt === undefined) return { ...base, atSignal: 'none', timeToStableMs: null }
  const before = entries.filter((e) => e.at < signalAt).at(-1)
  const atSignal = before ? (classify(before, PLAN) ?? 'none') : 'none'
  // The write that put traffic back on stable for good: the last one, if it came after the signal
  // (a shift already in flight when the signal came lands first and is then undone).
  const last = entries.at(-1)
  if (!last || classify(last, PLAN) !== 'stable') return { ...base, atSignal, timeToStableMs: null }
  return { ...base, atSignal, timeToStableMs: last.at >= signalAt ? last.at - signalAt : 0 }
}

describe('cancel', () => {
  it('SIGINT at random points: traffic back on the stable version within 2 s', async () => {
    const points = delays(8, SEED)
    const results = await pool(
      4,
      points.map(
        (delayMs, index) => () =>
          withEmulator(800 + index, async (emulator) => {
            seedFunction(emulator, FN)
            const signalled = await runWithSignal(emulator, INPUTS, 'SIGINT', delayMs)
            const main = signalled.run
            const writesAfterMain = history(emulator, FN).length
            if (main.state['isPost'] !== 'true') {
              // Killed while Node was still loading the bundle: nothing ran, nothing moved. What
              // the post step then does is the startup test's subject, not this one's.
              expect(actionWrites(emulator, FN), describeRun(main)).toEqual([])
              return {
                delayMs,
                atSignal: 'stable' as const,
                timeToStableMs: 0,
                exitAfterSignalMs: main.exitAfterSignalMs ?? null,
                result: 'killed while loading',
              }
            }
            const post = await runPost(main)
            const entries = history(emulator, FN)
            const dump = `delay ${delayMs} ms\n${describeHistory(entries)}\n${describeRun(main)}\n${describeRun(post)}`
            const m = measure(signalled, entries.slice(0, writesAfterMain), delayMs)
            expect(offPlan(entries, PLAN), dump).toEqual([])
            // The post step has nothing left to do after a cancel that main handled.
            expect(entries.length, `post step wrote\n${dump}`).toBe(writesAfterMain)
            if (main.outputs['result'] === 'promoted') {
              // The signal came after the promote: nothing to undo.
              expect(routing(emulator, FN), dump).toEqual({ version: '2', weights: {} })
            } else {
              expect(main.exitCode === 0, dump).toBe(false)
              expect(routing(emulator, FN), dump).toEqual({ version: '1', weights: {} })
              expect(m.timeToStableMs, dump).not.toBeNull()
              expect(m.timeToStableMs as number, dump).toBeLessThanOrEqual(DEADLINE_MS)
            }
            return m
          }),
      ),
    )
    const times = results.map((r) => r.timeToStableMs).filter((t): t is number => t !== null)
    figures.set('sigint', { seed: SEED, results, longestTimeToStableMs: Math.max(...times), deadlineMs: DEADLINE_MS })
    // The schedule hit live canaries (or writes in flight), not only the edges.
    expect(results.filter((r) => r.atSignal === 'canary' || (r.timeToStableMs ?? 0) > 0).length).toBeGreaterThanOrEqual(3)
  })

  it('SIGKILL at random points: the post step rolls back whatever main left', async () => {
    const points = delays(6, SEED + 1)
    const results = await pool(
      3,
      points.map(
        (delayMs, index) => () =>
          withEmulator(850 + index, async (emulator) => {
            seedFunction(emulator, FN)
            const { run: main } = await runWithSignal(emulator, INPUTS, 'SIGKILL', delayMs)
            const left = routing(emulator, FN)
            const loaded = main.state['isPost'] === 'true'
            const post = loaded ? await runPost(main) : undefined
            const entries = history(emulator, FN)
            const dump = `delay ${delayMs} ms\n${describeHistory(entries)}\n${describeRun(main)}\n${post ? describeRun(post) : ''}`
            expect(offPlan(entries, PLAN), dump).toEqual([])
            if (post) expect(post.exitCode, dump).toBe(0)
            if (main.state['isPost'] !== 'true') {
              // Killed while loading: covered by the startup test below.
              expect(actionWrites(emulator, FN), describeRun(main)).toEqual([])
            } else if (main.state['settled'] === 'true') {
              // Main finished (promoted) before the kill: the post step leaves it.
              expect(routing(emulator, FN), dump).toEqual(left)
            } else {
              expect(routing(emulator, FN), dump).toEqual({ version: '1', weights: {} })
            }
            return {
              delayMs,
              killed: main.signal === 'SIGKILL',
              left,
              settled: main.state['settled'] === 'true',
              post: post ? brief(post) : 'not run (killed while loading)',
              after: routing(emulator, FN),
            }
          }),
      ),
    )
    figures.set('sigkillThenPost', { seed: SEED + 1, results })
    expect(results.filter((r) => r.killed && Object.keys(r.left.weights).length > 0).length).toBeGreaterThanOrEqual(2)
  })

  // The runner registers the post step when main starts, and runs it (post-if: always()) even
  // when main was cancelled. If main is cancelled before it saved `isPost` (while Node loads the
  // bundle), the post step gets no STATE_isPost and dist/index.js must still not start a rollout.
  it('a cancel while main is still loading: the post step does not start a rollout', async () => {
    await withEmulator(899, async (emulator) => {
      seedFunction(emulator, FN)
      const main = await runOn(emulator, INPUTS, { signalAfter: { ms: 1, signal: 'SIGINT' } })
      expect(main.signal ?? main.exitCode, describeRun(main)).not.toBe(0)
      expect(actionWrites(emulator, FN)).toEqual([])
      const callsBeforePost = emulator.calls().length
      const post = await runPost(main)
      const dump = `${describeHistory(history(emulator, FN))}\n${describeRun(main)}\n${describeRun(post)}`
      figures.set('cancelDuringLoad', { main: brief(main), mainState: main.state, post: brief(post), postCalls: emulator.calls().length - callsBeforePost })
      expect(actionWrites(emulator, FN), `the post step rolled out version 2\n${dump}`).toEqual([])
      expect(emulator.calls().length - callsBeforePost, `the post step called AWS\n${dump}`).toBe(0)
    })
  })
})
