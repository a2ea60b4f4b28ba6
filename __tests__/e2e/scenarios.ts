import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { waitFor, type Backend } from './backends.js'
import { describeRun, runAction, runPost, type ActionRun, type RunOptions } from './runner.js'

let counter = 0
/** A fresh function per test, so tests never see each other's aliases. */
function functionName(label: string): string {
  counter += 1
  return `e2e-${label}-${counter}-${process.pid}`
}

/**
 * The Lambda alias scenarios every backend must pass, run against the bundled dist/
 * exactly as the runner runs it.
 */
export function aliasScenarios(start: () => Promise<Backend>): void {
  let backend: Backend

  beforeAll(async () => {
    backend = await start()
  })
  afterAll(async () => {
    await backend?.stop()
  })

  function run(inputs: Record<string, string>, extra: Partial<RunOptions> = {}): Promise<ActionRun> {
    return runAction({
      inputs: { 'poll-interval': '1s', 'metrics-delay': '0s', ...inputs },
      env: { AWS_ENDPOINT_URL: backend.url },
      timeoutMs: 60_000,
      ...extra,
    })
  }

  describe('Lambda alias rollout', () => {
    it('promotes through every stage and leaves nothing for the post step', async () => {
      const fn = functionName('promote')
      await backend.seed(fn, '1')
      await backend.alarm(`${fn}-errors`, 'OK')
      const main = await run({ 'function-name': fn, version: '2', stages: '10%:1s, 50%:1s, 100%', alarms: `${fn}-errors` })
      expect(main.failed, describeRun(main)).toBe(false)
      expect(main.outputs).toMatchObject({ result: 'promoted', weight: '100', 'stable-version': '1', 'target-version': '2', alarm: '' })
      expect(await backend.routing(fn)).toEqual({ version: '2', weights: {} })
      // The runner decodes %25 in command values back to %.
      expect(main.stdout).toContain('::group::Stage 1/3: 10%25 to version 2, bake 1s')
      expect(main.stdout).toMatch(/gate: 1 alarm OK/)
      expect(main.stdout).toContain('#alarmsV2:alarm/')
      expect(main.summary).toContain('| 1 | 10% |')
      expect(main.summary).toContain('✅ Promoted')
      const post = await runPost(main)
      expect(post.stdout).toContain('Nothing to clean up.')
    })

    it('rolls back and fails the step when an alarm fires mid-bake', async () => {
      const fn = functionName('alarm')
      const alarm = `${fn}-errors`
      await backend.seed(fn, '1')
      await backend.alarm(alarm, 'OK')
      const running = run({ 'function-name': fn, version: '2', stages: '10%:20s, 100%', alarms: alarm })
      await waitFor(async () => (await backend.routing(fn)).weights['2'] === 0.1)
      await backend.alarm(alarm, 'ALARM', 'Threshold Crossed: 3 errors')
      const main = await running
      expect(main.failed).toBe(true)
      expect(main.outputs).toMatchObject({ result: 'rolled-back', weight: '0', alarm })
      expect(main.errors.join('\n')).toContain(`Rolled back ${fn}:live to version 1: alarm "${alarm}" is ALARM`)
      expect(main.stdout).toContain('Threshold Crossed: 3 errors')
      expect(await backend.routing(fn)).toEqual({ version: '1', weights: {} })
      expect(main.summary).toContain('↩️ Rolled back')
      expect((await runPost(main)).stdout).toContain('Nothing to clean up.')
    })

    it('holds below 100%, then a second run resumes and promotes', async () => {
      const fn = functionName('hold')
      await backend.seed(fn, '1')
      const held = await run({ 'function-name': fn, version: '2', stages: '10%:1s' })
      expect(held.failed, describeRun(held)).toBe(false)
      expect(held.outputs).toMatchObject({ result: 'held', weight: '10' })
      // A green step with traffic split gets a notice (and a summary banner) saying how to go on.
      expect(held.notices.join('\n')).toContain('is held with traffic split: version 2 takes 10%, version 1 the rest')
      expect(held.notices.join('\n')).toContain('mode: rollback')
      expect(held.summary).toContain('> [!IMPORTANT]')
      expect(await backend.routing(fn)).toEqual({ version: '1', weights: { '2': 0.1 } })
      expect((await runPost(held)).stdout).toContain('Nothing to clean up.')

      const promoted = await run({ 'function-name': fn, version: '2', stages: '10%:1s, 50%:1s, 100%' })
      expect(promoted.outputs).toMatchObject({ result: 'promoted', 'stable-version': '1' })
      expect(promoted.stdout).toContain('Resuming: version 2 already takes 10% of traffic.')
      expect(promoted.stdout).not.toContain('Stage 1/3')
      expect(promoted.summary).toContain('done earlier')
      expect(await backend.routing(fn)).toEqual({ version: '2', weights: {} })
    })

    it('resumes a crashed rollout from the live weight', async () => {
      const fn = functionName('resume')
      await backend.seed(fn, '1', { '2': 0.5 })
      const main = await run({ 'function-name': fn, version: '2', stages: '10%:1s, 50%:1s, 100%' })
      expect(main.outputs.result, describeRun(main)).toBe('promoted')
      // No record that the 50% stage finished its bake: it bakes again before the promote.
      expect(main.stdout).toContain('Stage 2/3: 50%25, its bake was interrupted; baking it in full')
      expect(main.stdout).toContain('Stage 3/3: 100%')
      expect(main.stdout).not.toContain('Stage 1/3')
    })

    it('refuses, without touching it, an alias that routes to a third version', async () => {
      const fn = functionName('foreign')
      await backend.seed(fn, '1', { '3': 0.2 })
      const main = await run({ 'function-name': fn, version: '2', stages: '10%:1s, 100%' })
      expect(main.failed).toBe(true)
      expect(main.outputs.result).toBe('refused')
      expect(main.errors.join('\n')).toContain('already routes 80% version 1, 20% version 3, not to version 2')
      expect(await backend.routing(fn)).toEqual({ version: '1', weights: { '3': 0.2 } })
    })

    it('reports promoted and changes nothing when the target already serves everything', async () => {
      const fn = functionName('done')
      await backend.seed(fn, '2')
      const main = await run({ 'function-name': fn, version: '2' })
      expect(main.failed).toBe(false)
      expect(main.outputs).toMatchObject({ result: 'promoted', weight: '100' })
      expect(main.stdout).toContain('already serves all traffic')
    })

    it('rollback mode sends all traffic to the stable version', async () => {
      const fn = functionName('rbmode')
      await backend.seed(fn, '1', { '2': 0.3 })
      const main = await run({ 'function-name': fn, mode: 'rollback' })
      expect(main.failed, describeRun(main)).toBe(false)
      expect(main.outputs).toMatchObject({ result: 'rolled-back', weight: '0', 'stable-version': '1', 'target-version': '2' })
      expect(await backend.routing(fn)).toEqual({ version: '1', weights: {} })
    })

    it('rolls back within 2 s of a cancel (SIGINT)', async () => {
      const fn = functionName('cancel')
      await backend.seed(fn, '1')
      const main = await run(
        { 'function-name': fn, version: '2', stages: '10%:30s, 100%' },
        { signalAfter: { when: (out) => out.includes('gate: no alarms configured'), signal: 'SIGINT' } },
      )
      expect(main.killedBy).toBe('SIGINT')
      expect(main.exitAfterSignalMs).toBeLessThan(2_000)
      expect(main.outputs).toMatchObject({ result: 'rolled-back', weight: '0' })
      expect(main.errors.join('\n')).toContain('the workflow was cancelled')
      expect(await backend.routing(fn)).toEqual({ version: '1', weights: {} })
      expect((await runPost(main)).stdout).toContain('Nothing to clean up.')
    })

    it('the post step rolls back when main was killed mid-rollout', async () => {
      const fn = functionName('kill')
      await backend.seed(fn, '1')
      const main = await run(
        { 'function-name': fn, version: '2', stages: '10%:30s, 100%' },
        { signalAfter: { when: (out) => out.includes('(verified)'), signal: 'SIGKILL' } },
      )
      expect(main.signal).toBe('SIGKILL')
      expect(await backend.routing(fn)).toEqual({ version: '1', weights: { '2': 0.1 } })
      const post = await runPost(main)
      expect(post.failed, describeRun(post)).toBe(false)
      expect(post.stdout).toContain('rolling back to version 1')
      expect(await backend.routing(fn)).toEqual({ version: '1', weights: {} })
    })

    it('refuses to start when an alarm does not exist, naming it, and writes nothing', async () => {
      const fn = functionName('missing')
      await backend.seed(fn, '1')
      await backend.alarm(`${fn}-real`, 'OK')
      const main = await run({ 'function-name': fn, version: '2', alarms: `${fn}-real, ${fn}-typo` })
      expect(main.failed).toBe(true)
      expect(main.outputs.result).toBe('refused')
      expect(main.errors.join('\n')).toContain(`alarm not found: "${fn}-typo"`)
      // The summary links the alarm that exists, not the one that does not.
      expect(main.summary).toContain(`\`${fn}-typo\` (not found)`)
      expect(main.summary).not.toContain(`alarm/${fn}-typo`)
      expect(main.summary).toContain(`alarm/${fn}-real`)
      expect(await backend.routing(fn)).toEqual({ version: '1', weights: {} })
    })

    it('refuses to start while a gate alarm is already firing', async () => {
      const fn = functionName('firing')
      await backend.seed(fn, '1')
      await backend.alarm(`${fn}-errors`, 'ALARM')
      const main = await run({ 'function-name': fn, version: '2', alarms: `${fn}-errors` })
      expect(main.outputs.result).toBe('refused')
      expect(main.errors.join('\n')).toContain('is ALARM')
      expect(await backend.routing(fn)).toEqual({ version: '1', weights: {} })
    })

    it('moves several functions in lockstep and rolls them all back on an alarm', async () => {
      const fns = [functionName('fleet-a'), functionName('fleet-b'), functionName('fleet-c')]
      const alarm = `${fns[0]}-errors`
      for (const fn of fns) await backend.seed(fn, '1')
      await backend.alarm(alarm, 'OK')
      const list = `${fns[0]}\n${fns[1]}:live\n${fns[2]}`
      const promoteStart = Date.now()
      const promoted = await run({ 'function-name': list, version: '2', stages: '10%:1s, 100%', alarms: alarm })
      expect(promoted.outputs.result, describeRun(promoted)).toBe('promoted')
      for (const fn of fns) expect(await backend.routing(fn)).toEqual({ version: '2', weights: {} })
      for (const fn of fns) expect(promoted.summary).toContain(`${fn}:live`)
      const promoteEnd = Date.now()

      const running = run({ 'function-name': list, version: '3', stages: '25%:20s, 100%', alarms: alarm })
      await waitFor(async () => (await backend.routing(fns[2]!)).weights['3'] === 0.25)
      await backend.alarm(alarm, 'ALARM')
      const rolledBack = await running
      expect(rolledBack.outputs.result).toBe('rolled-back')
      for (const fn of fns) expect(await backend.routing(fn)).toEqual({ version: '2', weights: {} })
      await backend.alarm(alarm, 'OK')

      const emulator = backend.emulator
      if (emulator) {
        // Lambda's control plane allows 15 requests/s across all control APIs.
        const lambdaCalls = emulator
          .calls()
          .filter((c) => c.service === 'lambda' && c.at >= promoteStart && c.at <= promoteEnd)
          .map((c) => c.at)
        expect(lambdaCalls.length).toBeGreaterThan(9)
        const busiest = Math.max(...lambdaCalls.map((t) => lambdaCalls.filter((u) => u >= t && u < t + 1000).length))
        expect(busiest).toBeLessThanOrEqual(15)
      }
    })

    it('plan mode checks everything, prints the schedule, and changes nothing', async () => {
      const fn = functionName('plan')
      await backend.seed(fn, '1')
      await backend.alarm(`${fn}-errors`, 'OK')
      // moto 5.2.1 answers DescribeAlarmHistory (JSON protocol) with an HTML page, so plan's history probe can only pass on the emulator.
      const alarms = backend.name === 'moto' ? '' : `${fn}-errors`
      const since = Date.now()
      const main = await run({ 'function-name': fn, version: '2', mode: 'plan', stages: '10%:5m, 50%:10m, 100%', alarms })
      expect(main.failed, describeRun(main)).toBe(false)
      expect(main.outputs.result).toBe('planned')
      // No write at all, not even a refused one; the emulator's IAM simulates the writes, moto 5.2.1 has no simulator (and names its caller `arn:aws:sts::…:user/moto`, which is neither a role nor a user ARN).
      const writes = backend.emulator?.calls().filter((c) => c.at >= since && c.service === 'lambda' && !/^(Get|List)/.test(c.operation))
      expect(writes ?? []).toEqual([])
      if (backend.name === 'moto') expect(main.warnings.join('\n')).toContain('write permissions not checked')
      else expect(main.stdout).toMatch(/✓ write permissions: arn:aws:iam::\d+:role\/\S+ may lambda:UpdateAlias/)
      expect(main.summary).toContain('| 2 | 50% | +5m | 10m |')
      expect(await backend.routing(fn)).toEqual({ version: '1', weights: {} })
    })

    it('rejects bad input before any AWS call, quoting the value', async () => {
      const main = await run({ 'function-name': 'orders', version: '2', stages: '10%:5m, 5%' })
      expect(main.failed).toBe(true)
      expect(main.errors).toEqual(['Input stages: "5%": weights must strictly increase (previous stage is 10%)'])
    })
  })
}
