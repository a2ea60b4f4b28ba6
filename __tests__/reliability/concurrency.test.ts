/**
 * A second writer changes the alias mid-rollout. The emulator enforces RevisionId like Lambda:
 * the action's next write fails, and it must stop without overwriting the other change, say
 * what it expected and what it found, and fail the step. The post step must not touch it either.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { runPost } from '../e2e/runner.js'
import {
  actionWrites,
  ALIAS,
  brief,
  describeHistory,
  describeRun,
  Figures,
  history,
  routing,
  runOn,
  seedFunction,
  sleep,
  waitUntil,
  withEmulator,
} from './helpers.js'

const figures = new Figures('concurrency')
afterAll(() => figures.flush())

const FN = 'orders'
const ALARM = 'orders-errors'

interface Case {
  name: string
  /** The other writer's routing. */
  version: string
  weights: Record<string, number>
  found: string
  /** Fire the alarm after the foreign change, so the action's next write is its rollback. */
  alarm: boolean
  delayMs: number
}

const CASES: Case[] = [
  { name: 'hotfix to a third version, next write is a shift', version: '3', weights: {}, found: 'found 100% version 3', alarm: false, delayMs: 300 },
  {
    name: 'manual weight bump, next write is a shift',
    version: '1',
    weights: { '2': 0.25 },
    found: 'found 75% version 1, 25% version 2',
    alarm: false,
    delayMs: 1200,
  },
  { name: 'hotfix to a third version, next write would be the rollback', version: '3', weights: {}, found: 'version 3', alarm: true, delayMs: 500 },
]

describe('a second writer changes the alias mid-rollout', () => {
  it.concurrent.each(CASES)('$name: stops without overwriting it', async (c) => {
    await withEmulator(600, async (emulator) => {
      seedFunction(emulator, FN)
      emulator.seedAlarm(ALARM, 'OK')
      const running = runOn(emulator, { 'function-name': FN, version: '2', stages: '10%:3s, 50%:1s, 100%', alarms: ALARM })
      await waitUntil(() => actionWrites(emulator, FN).length > 0, 15_000, 'first shift')
      await sleep(c.delayMs)
      emulator.seedAlias(FN, ALIAS, c.version, c.weights) // the other writer (no access key: not the action)
      const foreignAt = history(emulator, FN).length
      if (c.alarm) emulator.setAlarmState(ALARM, 'ALARM', 'Threshold Crossed: injected')
      const main = await running
      const post = await runPost(main)
      const entries = history(emulator, FN)
      const dump = `${describeHistory(entries)}\n${describeRun(main)}\n${describeRun(post)}`

      // Nothing written by the action (or its post step) after the foreign change.
      expect(entries.slice(foreignAt), dump).toEqual([])
      expect(routing(emulator, FN), dump).toEqual({ version: c.version, weights: c.weights })
      expect(main.exitCode, dump).not.toBe(0)
      expect(main.outputs['result'], dump).toBe('failed')
      const errors = main.errors.join('\n')
      if (!c.alarm) expect(errors, dump).toContain('expected 90% version 1, 10% version 2')
      expect(errors, dump).toContain(c.found)
      expect(post.exitCode, dump).toBe(0)
      figures.push('foreignWriter', { case: c.name, main: brief(main), message: main.errors.at(-1) })
    })
  })

  it('a change between the write and its read-back is caught by the read-back', async () => {
    await withEmulator(601, async (emulator) => {
      seedFunction(emulator, FN)
      // Slow reads open a window between the action's UpdateAlias and its verifying GetAlias.
      emulator.setFaults({ latencyMs: 400, services: ['lambda'], operations: ['GetAlias'] })
      const running = runOn(emulator, { 'function-name': FN, version: '2', stages: '10%:1s, 100%' })
      await waitUntil(() => actionWrites(emulator, FN).length > 0, 15_000, 'first shift')
      emulator.seedAlias(FN, ALIAS, '3')
      const foreignAt = history(emulator, FN).length
      const main = await running
      const post = await runPost(main)
      const entries = history(emulator, FN)
      const dump = `${describeHistory(entries)}\n${describeRun(main)}\n${describeRun(post)}`
      expect(entries.slice(foreignAt), dump).toEqual([])
      expect(routing(emulator, FN), dump).toEqual({ version: '3', weights: {} })
      expect(main.exitCode, dump).not.toBe(0)
      expect(main.outputs['result'], dump).toBe('failed')
      expect(main.errors.join('\n'), dump).toContain('100% version 3')
      figures.push('foreignWriter', { case: 'between write and read-back', main: brief(main), message: main.errors.at(-1) })
    })
  })
})
