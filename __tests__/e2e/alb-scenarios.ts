import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AlbBackend } from './alb-backends.js'
import { describeRun, runAction, runPost, type ActionRun, type RunOptions } from './runner.js'

let counter = 0
/** A fresh load balancer per test (ALB names: 32 characters, letters, digits, hyphens). */
function lbName(label: string): string {
  counter += 1
  return `${label}-${counter}-${process.pid % 10_000}`
}

/** The ALB scenarios every backend must pass, run against the bundled dist/ exactly as the runner runs it. */
export function albScenarios(start: () => Promise<AlbBackend>): void {
  let backend: AlbBackend
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

  async function waitFor(predicate: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (Date.now() < deadline) {
      if (await predicate()) return
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    throw new Error('condition not met in time')
  }

  const inputsFor = (name: string, listenerArn: string, more: Record<string, string> = {}) => ({
    listener: listenerArn,
    'target-group': `${name}-green`,
    ...more,
  })

  describe('Application Load Balancer rollout', () => {
    it('moves the weights through the stages with stickiness written, and promotes keeping blue at weight 0', async () => {
      const name = lbName('promote')
      const alb = await backend.seed(name, { blue: 1, green: 0 })
      await backend.alarm(`${name}-5xx`, 'OK')
      const seen: string[] = []
      const running = run(inputsFor(name, alb.listenerArn, { stages: '10%:1s, 50%:1s, 100%', stickiness: '1h', alarms: `${name}-5xx` }))
      let done = false
      void running.finally(() => {
        done = true
      })
      while (!done) {
        const forward = await backend.forward(alb.listenerArn)
        const line = `${forward.weights['blue']}:${forward.weights['green']}${forward.stickiness ? ` sticky ${forward.stickiness}` : ''}`
        if (seen.at(-1) !== line) seen.push(line)
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      const main = await running
      // The sampler stops when the run ends; read the final routing once more so a fast promote is not missed.
      const last = await backend.forward(alb.listenerArn)
      const final = `${last.weights['blue']}:${last.weights['green']}${last.stickiness ? ` sticky ${last.stickiness}` : ''}`
      if (seen.at(-1) !== final) seen.push(final)
      expect(main.failed, describeRun(main)).toBe(false)
      expect(main.outputs).toMatchObject({ result: 'promoted', weight: '100', 'stable-version': `${name}-blue`, 'target-version': `${name}-green` })
      expect(seen).toEqual(['1:0', '9:1 sticky 3600', '1:1 sticky 3600', '0:1'])
      expect(await backend.tags(alb.listenerArn)).toEqual({})
      expect(main.summary).toContain('✅ Promoted')
      // No requests were sent: the analysis reads no data for either group, which is no reason to stop.
      expect(main.stdout).toMatch(new RegExp(`analysis ${name} listener [0-9a-f]{8}: no requests to either version in this stage's \\d+ judged minutes?`))
      expect((await runPost(main)).stdout).toContain('Nothing to clean up.')
    })

    it('rolls back to blue when an alarm fires mid-bake', async () => {
      const name = lbName('alarm')
      const alb = await backend.seed(name, { blue: 1, green: 0 })
      const alarm = `${name}-5xx`
      await backend.alarm(alarm, 'OK')
      const running = run(inputsFor(name, alb.listenerArn, { stages: '10%:20s, 100%', alarms: alarm }))
      await waitFor(async () => (await backend.forward(alb.listenerArn)).weights['green'] === 1)
      await backend.alarm(alarm, 'ALARM', 'Threshold Crossed: 5xx')
      const main = await running
      expect(main.outputs).toMatchObject({ result: 'rolled-back', weight: '0', alarm })
      expect(main.errors.join('\n')).toContain(`to target group ${name}-blue: alarm "${alarm}" is ALARM`)
      expect(await backend.forward(alb.listenerArn)).toEqual({ weights: { blue: 1, green: 0 }, stickiness: undefined })
      expect(await backend.tags(alb.listenerArn)).toEqual({})
    })

    it('the users stage creates its rule first and promote removes it', async () => {
      const name = lbName('users')
      const alb = await backend.seed(name, { blue: 1, green: 0 })
      const running = run(inputsFor(name, alb.listenerArn, { stages: 'users:2s, 100%', 'canary-users': 'header x-canary=internal' }))
      await waitFor(async () => (await backend.rules(alb.listenerArn)).length === 1)
      expect(await backend.rules(alb.listenerArn)).toEqual([{ priority: '1', groups: ['green'] }])
      expect((await backend.forward(alb.listenerArn)).weights).toEqual({ blue: 1, green: 0 })
      const main = await running
      expect(main.outputs.result, describeRun(main)).toBe('promoted')
      expect(main.stdout).toContain('Stage 1/2: canary users to version')
      expect(await backend.rules(alb.listenerArn)).toEqual([])
      expect((await backend.forward(alb.listenerArn)).weights).toEqual({ blue: 0, green: 1 })
    })

    it('holds, then a second run resumes from the held weight and promotes', async () => {
      const name = lbName('hold')
      const alb = await backend.seed(name, { blue: 1, green: 0 })
      const held = await run(inputsFor(name, alb.listenerArn, { stages: '10%:1s' }))
      expect(held.outputs, describeRun(held)).toMatchObject({ result: 'held', weight: '10' })
      expect(await backend.tags(alb.listenerArn)).toMatchObject({
        'canary-release:target': `${name}-green`,
        'canary-release:weight': '10',
        'canary-release:baked': 'true',
      })
      const resumed = await run(inputsFor(name, alb.listenerArn, { stages: '10%:1s, 50%:1s, 100%' }))
      expect(resumed.outputs.result, describeRun(resumed)).toBe('promoted')
      expect(resumed.stdout).toContain(`Resuming: version ${name}-green already takes 10% of traffic.`)
      expect(resumed.stdout).toContain('The canary has been live since')
      expect(resumed.stdout).not.toContain('Stage 1/3')
    })

    it('issue 20: a stage without any requests says so loudly, and the alarms decide', async () => {
      const name = lbName('min')
      const alb = await backend.seed(name, { blue: 1, green: 0 })
      const main = await run(inputsFor(name, alb.listenerArn, { stages: '10%:1s, 100%', 'min-invocations': '100', 'insufficient-data': 'ok' }))
      expect(main.outputs.result, describeRun(main)).toBe('promoted')
      expect(main.warnings.join('\n')).toMatch(/Stage passes on too little evidence: NO TRAFFIC: neither version of .* served a single request in this stage/)
    })

    it('refuses, without touching it, a listener that forwards to a third group', async () => {
      const name = lbName('foreign')
      const alb = await backend.seed(name, { blue: 8, purple: 2 })
      const main = await run(inputsFor(name, alb.listenerArn, { stages: '10%:1s, 100%' }))
      expect(main.outputs.result).toBe('refused')
      expect(main.errors.join('\n')).toContain('another rollout owns it')
      expect((await backend.forward(alb.listenerArn)).weights).toEqual({ blue: 8, purple: 2 })
    })

    it('a cancel (SIGINT) reverts traffic to blue and removes the users rule', async () => {
      const name = lbName('cancel')
      const alb = await backend.seed(name, { blue: 1, green: 0 })
      const main = await run(inputsFor(name, alb.listenerArn, { stages: 'users:1s, 10%:30s, 100%', 'canary-users': 'source-ip 10.0.0.0/8' }), {
        signalAfter: { when: (out) => out.includes('Stage 2/3'), signal: 'SIGINT' },
      })
      expect(main.killedBy).toBe('SIGINT')
      expect(main.outputs).toMatchObject({ result: 'rolled-back', weight: '0' })
      expect((await backend.forward(alb.listenerArn)).weights).toEqual({ blue: 1, green: 0 })
      expect(await backend.rules(alb.listenerArn)).toEqual([])
    })

    it('rollback mode puts everything back on blue; plan mode shows the ALB weights and changes nothing', async () => {
      const name = lbName('modes')
      const alb = await backend.seed(name, { blue: 4, green: 1 })
      const plan = await run(inputsFor(name, alb.listenerArn, { mode: 'plan', stages: 'users:5m, 12.5%:5m, 100%', 'canary-users': 'query beta=1' }))
      expect(plan.outputs.result, describeRun(plan)).toBe('planned')
      expect(plan.summary).toContain('| 2 | 12.5% | 1 : 7 | +5m | 5m |')
      expect(plan.summary).toContain('Canary analysis: canary vs stable error rate (fails beyond 1.1×')
      expect(plan.stdout).toMatch(new RegExp(`✓ canary analysis: cloudwatch:GetMetricData: canary metrics readable for ${name} listener`))
      expect((await backend.forward(alb.listenerArn)).weights).toEqual({ blue: 4, green: 1 })
      // Writes are simulated, never tried: the emulator's IAM allows all here; moto 5.2.1 has no simulator.
      if (backend.emulator) expect(plan.stdout).toContain('may elasticloadbalancing:ModifyListener, elasticloadbalancing:AddTags')
      else expect(plan.warnings.join('\n')).toContain('write permissions not checked')
      const main = await run({ mode: 'rollback', listener: alb.listenerArn, 'target-group': `${name}-green` })
      expect(main.outputs, describeRun(main)).toMatchObject({ result: 'rolled-back', 'stable-version': `${name}-blue`, 'target-version': `${name}-green` })
      expect((await backend.forward(alb.listenerArn)).weights).toEqual({ blue: 1, green: 0 })
    })

    if (start.name === 'emulatorAlbBackend') {
      it('rolls back a bad canary group behind green alarms: the analysis of its 5XX rate against the stable group catches it', async () => {
        const name = lbName('bad')
        const alb = await backend.seed(name, { blue: 1, green: 0 })
        const alarm = `${name}-5xx`
        await backend.alarm(alarm, 'OK')
        const emulator = backend.emulator!
        // Metrics delivered as each second ends (no CloudWatch delay), as the Lambda analysis e2e does.
        emulator.elbv2.startTraffic({ listenerArn: alb.listenerArn, rps: 300, errorRates: { [`${name}-green`]: 0.3, [`${name}-blue`]: 0.001 } })
        const callsBefore = emulator.calls().length
        let main: ActionRun
        try {
          main = await run(inputsFor(name, alb.listenerArn, { stages: '10%:40s, 100%', alarms: alarm }))
        } finally {
          emulator.elbv2.stopTraffic(alb.listenerArn)
        }
        expect(main.outputs, describeRun(main)).toMatchObject({ result: 'rolled-back', weight: '0', alarm: '' })
        expect(main.outputs['reason']).toMatch(
          new RegExp(`^${name} listener [0-9a-f]{8}: version ${name}-green failed \\d+ of \\d+ requests \\(\\d+\\.\\d%\\) against version ${name}-blue`),
        )
        expect(main.summary).toMatch(
          new RegExp(`\\*\\*Canary analysis rolled back ${name} listener [0-9a-f]{8} in stage 1:\\*\\* version ${name}-green failed \\d+ of \\d+ requests`),
        )
        expect(await backend.forward(alb.listenerArn)).toEqual({ weights: { blue: 1, green: 0 }, stickiness: undefined })
        const writes = emulator.elbv2.history().filter((h) => h.arn === alb.listenerArn && h.accessKeyId !== null)
        expect(writes).toHaveLength(2)
        const detectionMs = (writes[1]?.at ?? 0) - (writes[0]?.at ?? 0)
        // One GetMetricData for the analysis per gate read, beside the alarms' DescribeAlarms.
        const calls = emulator.calls().slice(callsBefore)
        const count = (operation: string) => calls.filter((c) => c.operation === operation).length
        console.info(
          `bad canary group live -> rollback write: ${detectionMs} ms; run ${main.durationMs} ms; GetMetricData ${count('GetMetricData')}, DescribeAlarms ${count('DescribeAlarms')}`,
        )
        expect(count('GetMetricData')).toBe(count('DescribeAlarms'))
        expect(detectionMs).toBeLessThan(10_000)
      })
    }

    it('the post step rolls back when main was killed mid-rollout', async () => {
      const name = lbName('kill')
      const alb = await backend.seed(name, { blue: 1, green: 0 })
      const main = await run(inputsFor(name, alb.listenerArn, { stages: '10%:30s, 100%' }), {
        signalAfter: { when: (out) => out.includes('(verified)'), signal: 'SIGKILL' },
      })
      expect(main.signal).toBe('SIGKILL')
      expect((await backend.forward(alb.listenerArn)).weights).toEqual({ blue: 9, green: 1 })
      const post = await runPost(main)
      expect(post.failed, describeRun(post)).toBe(false)
      expect(post.stdout).toContain(`rolling back to target group ${name}-blue`)
      expect((await backend.forward(alb.listenerArn)).weights).toEqual({ blue: 1, green: 0 })
    })
  })
}
