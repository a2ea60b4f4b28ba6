/**
 * Fault injection: throttling, 503s, dropped connections, latency, CloudWatch down, a throttled
 * rollback, and responses lost after the write was applied. Every run is dist/index.js against
 * its own emulator (so a seed replays the same fault sequence and the call log is the run's own).
 */
import { afterAll, describe, expect, it } from 'vitest'
import type { Emulator } from '../../emulator/server.js'
import type { FaultConfig } from '../../emulator/faults.js'
import { runPost, type ActionRun } from '../e2e/runner.js'
import {
  actionWrites,
  brief,
  describeHistory,
  describeRun,
  Figures,
  history,
  offPlan,
  prematureSteps,
  routing,
  runOn,
  seedFunction,
  waitUntil,
  withEmulator,
  type Plan,
} from './helpers.js'
import { startLossyProxy } from '../../__fixtures__/lossy-proxy.js'

const figures = new Figures('faults')
afterAll(() => figures.flush())

const STAGES = '10%:1s, 50%:1s, 100%'
const PLAN: Plan = { stable: '1', target: '2', weights: [10, 50, 100] }
const FN = 'orders'
const ALARM = 'orders-errors'

interface FaultRun {
  seed: number
  run: ActionRun
  emulator: Emulator
  alarmFired: boolean
}

/** One rollout under `faults` (seeded); optionally an alarm fires once the canary is live. */
async function faultyRollout(seed: number, faults: FaultConfig, fireAlarm: boolean): Promise<Record<string, unknown>> {
  return withEmulator(seed, async (emulator) => {
    seedFunction(emulator, FN)
    emulator.seedAlarm(ALARM, 'OK')
    emulator.setFaults({ retryAfterSeconds: 0, seed, ...faults })
    const running = runOn(emulator, { 'function-name': FN, version: '2', stages: STAGES, alarms: ALARM })
    if (fireAlarm) {
      await waitUntil(() => actionWrites(emulator, FN).length > 0, 30_000, 'first shift').catch(() => undefined)
      emulator.setAlarmState(ALARM, 'ALARM', 'Threshold Crossed: injected')
    }
    const run = await running
    return check({ seed, run, emulator, alarmFired: fireAlarm }, faults)
  })
}

/** The assertions every faulty rollout must satisfy; returns its figures. */
function check({ seed, run, emulator, alarmFired }: FaultRun, faults: FaultConfig): Record<string, unknown> {
  const entries = history(emulator, FN)
  const dump = `seed ${seed}\n${describeHistory(entries)}\n${describeRun(run)}`
  const result = run.outputs['result']
  // Only planned routings were ever served.
  expect(offPlan(entries, PLAN), dump).toEqual([])
  // No stage was left before its bake was over.
  expect(prematureSteps(entries, PLAN, 1_000), dump).toEqual([])
  const live = routing(emulator, FN)
  const writes = actionWrites(emulator, FN)
  switch (result) {
    case 'promoted':
      expect(alarmFired, `promoted although the alarm fired\n${dump}`).toBe(false)
      expect(run.exitCode, dump).toBe(0)
      expect(live, dump).toEqual({ version: '2', weights: {} })
      // Every stage passed on a gate read (the summary's stage table).
      expect(run.summary.match(/✅ passed/g)?.length, dump).toBe(3)
      break
    case 'rolled-back':
      expect(run.exitCode, dump).not.toBe(0)
      expect(live, dump).toEqual({ version: '1', weights: {} })
      if (!alarmFired) {
        // Without an alarm, only unreadable gates (3 polls in a stage) or a write that failed
        // after all retries may roll back.
        expect(run.errors.join('\n'), dump).toMatch(/gates unreadable on 3 polls in this stage|could not set/)
      }
      break
    case 'refused':
      // Stopped before any change: fine under faults, as long as nothing was written.
      expect(run.exitCode, dump).not.toBe(0)
      expect(writes, dump).toEqual([])
      break
    default:
      throw new Error(`unexpected result ${String(result)} (must be promoted, rolled-back or refused)\n${dump}`)
  }
  const calls = emulator.calls()
  return {
    seed,
    faults,
    alarmFired,
    ...brief(run),
    calls: calls.length,
    injected: calls.filter((c) => c.fault !== undefined).length,
    byFault: calls.reduce<Record<string, number>>((acc, c) => {
      if (c.fault) acc[c.fault] = (acc[c.fault] ?? 0) + 1
      return acc
    }, {}),
    aliasWrites: writes.length,
  }
}

describe('faults', () => {
  it('35% throttling on every API: ends promoted, or rolled back on evidence, and serves only planned weights', async () => {
    const faults: FaultConfig = { throttleRate: 0.35 }
    const cases = [
      ...[101, 102, 103, 104].map((seed) => () => faultyRollout(seed, faults, false)),
      ...[105, 106].map((seed) => () => faultyRollout(seed, faults, true)),
    ]
    const results = await Promise.all(cases.map((c) => c()))
    figures.set('throttle35', results)
    // The faults were real: every run saw throttles.
    for (const r of results) expect(r['injected'] as number).toBeGreaterThan(0)
  })

  it('503s, dropped connections and 150 ms latency: same guarantees', async () => {
    const faults: FaultConfig = { errorRate: 0.2, dropRate: 0.1, latencyMs: 150 }
    const cases = [...[201, 202, 203].map((seed) => () => faultyRollout(seed, faults, false)), ...[204].map((seed) => () => faultyRollout(seed, faults, true))]
    const results = await Promise.all(cases.map((c) => c()))
    figures.set('errors503DropsLatency', results)
    for (const r of results) expect(r['injected'] as number).toBeGreaterThan(0)
  })

  it('CloudWatch unavailable once the canary is live: rolls back and fails, never promotes', async () => {
    await withEmulator(301, async (emulator) => {
      seedFunction(emulator, FN)
      emulator.seedAlarm(ALARM, 'OK')
      const running = runOn(emulator, { 'function-name': FN, version: '2', stages: STAGES, alarms: ALARM })
      await waitUntil(() => actionWrites(emulator, FN).length > 0, 15_000, 'first shift')
      emulator.setFaults({ unavailable: ['cloudwatch'] })
      const run = await running
      const entries = history(emulator, FN)
      const dump = `${describeHistory(entries)}\n${describeRun(run)}`
      expect(run.exitCode, dump).not.toBe(0)
      expect(run.outputs['result'], dump).toBe('rolled-back')
      expect(run.errors.join('\n'), dump).toContain('gates unreadable on 3 polls in this stage')
      expect(run.warnings.filter((w) => w.startsWith('Gate unreadable')).length, dump).toBe(3)
      expect(routing(emulator, FN), dump).toEqual({ version: '1', weights: {} })
      expect(
        entries.some((e) => e.functionVersion === '2'),
        `promoted!\n${dump}`,
      ).toBe(false)
      expect(offPlan(entries, PLAN), dump).toEqual([])
      figures.set('cloudwatchDown', {
        ...brief(run),
        unavailableCalls: emulator.calls().filter((c) => c.fault === 'unavailable').length,
        rollbackAfterFirstShiftMs: (entries.at(-1)?.at ?? 0) - (actionWrites(emulator, FN)[0]?.at ?? 0),
      })
    })
  })

  it('the rollback still lands when UpdateAlias/GetAlias are 60% throttled as the alarm fires', async () => {
    const results = await Promise.all(
      [401, 402, 403, 404, 406, 407].map((seed) =>
        withEmulator(seed, async (emulator) => {
          seedFunction(emulator, FN)
          emulator.seedAlarm(ALARM, 'OK')
          const running = runOn(emulator, { 'function-name': FN, version: '2', stages: '10%:30s, 100%', alarms: ALARM })
          await waitUntil(() => actionWrites(emulator, FN).length > 0, 15_000, 'first shift')
          const since = emulator.calls().length
          emulator.setFaults({ throttleRate: 0.6, services: ['lambda'], operations: ['UpdateAlias', 'GetAlias'], retryAfterSeconds: 0, seed })
          emulator.setAlarmState(ALARM, 'ALARM', 'Threshold Crossed: injected')
          const run = await running
          const entries = history(emulator, FN)
          const dump = `seed ${seed}\n${describeHistory(entries)}\n${describeRun(run)}`
          expect(run.outputs['result'], dump).toBe('rolled-back')
          expect(run.exitCode, dump).not.toBe(0)
          expect(routing(emulator, FN), dump).toEqual({ version: '1', weights: {} })
          const throttled = emulator
            .calls()
            .slice(since)
            .filter((c) => c.fault === 'throttle').length
          return { seed, ...brief(run), throttledDuringRollback: throttled }
        }),
      ),
    )
    figures.set('rollbackThrottled60', results)
    // The fault really hit the rollback path (a seed may draw three passes in a row; not all do).
    expect(results.filter((r) => r.throttledDuringRollback > 0).length).toBeGreaterThanOrEqual(2)
  })
})

describe('responses lost after the write was applied (connection reset after commit)', () => {
  // The SDK retries the UpdateAlias with the RevisionId it already consumed: Lambda answers
  // PreconditionFailed, and the action must recognise its own write instead of blaming someone else.

  it('a lost response to a shift does not strand the canary at an ungated weight', async () => {
    await withEmulator(501, async (emulator) => {
      seedFunction(emulator, FN)
      let updates = 0
      const proxy = await startLossyProxy(emulator.url, (req, status) => {
        if (req.method !== 'PUT' || !req.path.includes('/aliases/')) return false
        updates += 1
        return updates === 2 && status === 200 // the 50% shift lands, its response is lost
      })
      try {
        const main = await runOn(emulator, { 'function-name': FN, version: '2', stages: STAGES }, { env: { AWS_ENDPOINT_URL: proxy.url } })
        const post = await runPost(main)
        const entries = history(emulator, FN)
        const dump = `${describeHistory(entries)}\n${describeRun(main)}\n${describeRun(post)}`
        expect(proxy.dropped.length, dump).toBe(1)
        figures.set('lostShiftResponse', { main: brief(main), post: brief(post), final: routing(emulator, FN), error: main.errors })
        // Traffic must not be left at a canary weight that no gate watches any more.
        expect(Object.keys(routing(emulator, FN).weights), `canary stranded at a weight\n${dump}`).toEqual([])
        expect(main.outputs['result'], dump).not.toBe('failed')
        expect(main.errors.join('\n'), dump).not.toContain('changed by someone else')
      } finally {
        await proxy.close()
      }
    })
  })

  it("a lost response to the rollback write still reports rolled-back, not someone else's change", async () => {
    await withEmulator(502, async (emulator) => {
      seedFunction(emulator, FN)
      emulator.seedAlarm(ALARM, 'OK')
      let armed = false
      const proxy = await startLossyProxy(emulator.url, (req, status) => {
        if (!armed || req.method !== 'PUT' || !req.path.includes('/aliases/') || status !== 200) return false
        armed = false
        return true
      })
      try {
        const running = runOn(emulator, { 'function-name': FN, version: '2', stages: '10%:30s, 100%', alarms: ALARM }, { env: { AWS_ENDPOINT_URL: proxy.url } })
        await waitUntil(() => actionWrites(emulator, FN).length > 0, 15_000, 'first shift')
        armed = true
        emulator.setAlarmState(ALARM, 'ALARM', 'Threshold Crossed: injected')
        const main = await running
        const entries = history(emulator, FN)
        const dump = `${describeHistory(entries)}\n${describeRun(main)}`
        expect(proxy.dropped.length, dump).toBe(1)
        figures.set('lostRollbackResponse', { main: brief(main), final: routing(emulator, FN), error: main.errors })
        expect(routing(emulator, FN), dump).toEqual({ version: '1', weights: {} })
        expect(main.outputs['result'], dump).toBe('rolled-back')
        expect(main.outputs['alarm'], dump).toBe(ALARM)
        expect(main.errors.join('\n'), dump).not.toContain('changed by someone else')
      } finally {
        await proxy.close()
      }
    })
  })
})
