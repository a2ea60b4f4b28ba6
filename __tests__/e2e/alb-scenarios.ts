import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { PolicyDocument } from '../../emulator/faults.js'
import type { AlbBackend } from './alb-backends.js'
import { describeRun, REPO_ROOT, runAction, runPost, type ActionRun, type RunOptions } from './runner.js'

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

  describe('issue 18: ALB mode keeps every promise', () => {
    const users = { 'canary-users': 'header x-canary=internal' }

    /** A rollout held in its users stage: weights untouched, the canary users' rule live. */
    async function heldInUsersStage(name: string, listenerArn: string, group = 'green', more: Record<string, string> = {}): Promise<void> {
      const held = await run({ listener: listenerArn, 'target-group': `${name}-${group}`, stages: 'users:1s', ...users, ...more })
      expect(held.outputs, describeRun(held)).toMatchObject({ result: 'held', weight: '0' })
      expect(await backend.rules(listenerArn)).toEqual([{ priority: '1', groups: [group] }])
    }

    it('issue 18: mode: rollback during a users stage removes the rule, with or without canary-users', async () => {
      const name = lbName('rbusers')
      const alb = await backend.seed(name, { blue: 1, green: 0 })
      await heldInUsersStage(name, alb.listenerArn)
      // A reusable workflow's rollback job need not repeat canary-users, nor the target group.
      const bare = await run({ mode: 'rollback', listener: alb.listenerArn })
      expect(bare.outputs, describeRun(bare)).toMatchObject({
        result: 'rolled-back',
        weight: '0',
        'stable-version': `${name}-blue`,
        'target-version': `${name}-green`,
      })
      expect(bare.summary).not.toContain('Nothing to roll back')
      expect(await backend.rules(alb.listenerArn)).toEqual([])
      expect(await backend.tags(alb.listenerArn)).toEqual({})
      expect((await backend.forward(alb.listenerArn)).weights).toEqual({ blue: 1, green: 0 })
      expect((await runPost(bare)).stdout).toContain('Nothing to clean up.')

      await heldInUsersStage(name, alb.listenerArn)
      const full = await run({ mode: 'rollback', listener: alb.listenerArn, 'target-group': `${name}-green`, ...users })
      expect(full.outputs, describeRun(full)).toMatchObject({ result: 'rolled-back', weight: '0' })
      expect(await backend.rules(alb.listenerArn)).toEqual([])
    })

    it("issue 18: a promote job without canary-users finds the users' rule by its tags and removes it", async () => {
      const name = lbName('promote18')
      const alb = await backend.seed(name, { blue: 1, green: 0 })
      await heldInUsersStage(name, alb.listenerArn)
      const promote = await run(inputsFor(name, alb.listenerArn, { stages: '10%:1s, 100%' }))
      expect(promote.outputs, describeRun(promote)).toMatchObject({ result: 'promoted', weight: '100' })
      expect(await backend.rules(alb.listenerArn)).toEqual([])
      expect(await backend.tags(alb.listenerArn)).toEqual({})
    })

    it("issue 18: a green run refuses a listener held in purple's users stage, naming purple, and touches nothing", async () => {
      const name = lbName('purple')
      const alb = await backend.seed(name, { blue: 1, green: 0, purple: 0 })
      await heldInUsersStage(name, alb.listenerArn, 'purple')
      const tags = await backend.tags(alb.listenerArn)
      const green = await run(inputsFor(name, alb.listenerArn, { stages: '10%:1s, 100%' }))
      expect(green.outputs, describeRun(green)).toMatchObject({ result: 'refused', weight: '0' })
      expect(green.errors.join('\n')).toContain(`target group "${name}-purple"`)
      expect(green.errors.join('\n')).toContain('another rollout owns it')
      expect(await backend.tags(alb.listenerArn)).toEqual(tags)
      expect(await backend.rules(alb.listenerArn)).toEqual([{ priority: '1', groups: ['purple'] }])
      expect((await backend.forward(alb.listenerArn)).weights).toEqual({ blue: 1, green: 0, purple: 0 })
      // Nor does green's rollback mode end purple's rollout.
      const rollback = await run({ mode: 'rollback', listener: alb.listenerArn, 'target-group': `${name}-green` })
      expect(rollback.outputs.result).toBe('refused')
      expect(await backend.rules(alb.listenerArn)).toEqual([{ priority: '1', groups: ['purple'] }])
    })

    it("issue 18: the users' rule repeats the listener's login before forwarding to the canary", async () => {
      const name = lbName('login')
      const pool = 'arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_Login'
      const alb = await backend.seed(name, { blue: 1, green: 0 }, { userPoolArn: pool, clientId: 'web', domain: 'login-web' })
      await heldInUsersStage(name, alb.listenerArn)
      expect(await backend.ruleActions(alb.listenerArn)).toEqual([[`authenticate-cognito:${pool}`, 'forward']])
    })

    it("issue 18: a refusal's weight output is the canary group's live share", async () => {
      const name = lbName('share')
      const alb = await backend.seed(name, { blue: 8, green: 1, purple: 1 })
      const main = await run(inputsFor(name, alb.listenerArn, { stages: '10%:1s, 100%' }))
      expect(main.outputs, describeRun(main)).toMatchObject({ result: 'refused', weight: '10' })
      expect(main.errors.join('\n')).toContain(`"${name}-blue" and "${name}-purple"`)
    })

    it('issue 18: a resume that finds the canary group serving with no healthy target rolls back', async () => {
      const name = lbName('sick')
      const alb = await backend.seed(name, { blue: 1, green: 0 })
      const held = await run(inputsFor(name, alb.listenerArn, { stages: '10%:1s' }))
      expect(held.outputs, describeRun(held)).toMatchObject({ result: 'held', weight: '10' })
      await backend.sicken(name, 'green')
      const resumed = await run(inputsFor(name, alb.listenerArn, { stages: '10%:1s, 100%' }))
      expect(resumed.outputs, describeRun(resumed)).toMatchObject({ result: 'rolled-back', weight: '0' })
      expect(resumed.outputs['reason']).toContain(`target group "${name}-green" has no healthy target`)
      expect((await backend.forward(alb.listenerArn)).weights).toEqual({ blue: 1, green: 0 })
      expect(await backend.tags(alb.listenerArn)).toEqual({})
    })

    it('issue 18: a canary group losing its targets mid-rollout is rolled back at its next gate read', async () => {
      const name = lbName('sick2')
      const alb = await backend.seed(name, { blue: 1, green: 0 })
      const running = run(inputsFor(name, alb.listenerArn, { stages: '10%:3s, 50%:3s, 100%', 'poll-interval': '10s' }))
      await waitFor(async () => (await backend.forward(alb.listenerArn)).weights['green'] === 1)
      await backend.sicken(name, 'green')
      const main = await running
      expect(main.outputs, describeRun(main)).toMatchObject({ result: 'rolled-back', weight: '0' })
      expect((await backend.forward(alb.listenerArn)).weights).toEqual({ blue: 1, green: 0 })
    })

    if (start.name === 'emulatorAlbBackend') {
      // moto 5.x has no DescribeAlarmHistory, which a resume reads.
      it('issue 18: a promote job without canary-users that rolls back on an alarm fired during the hold removes the rule', async () => {
        const name = lbName('promrb')
        const alb = await backend.seed(name, { blue: 1, green: 0 })
        const alarm = `${name}-5xx`
        await backend.alarm(alarm, 'OK')
        await heldInUsersStage(name, alb.listenerArn, 'green', { alarms: alarm })
        await backend.alarm(alarm, 'ALARM', 'Threshold Crossed: 5xx during the approval wait')
        const promote = await run(inputsFor(name, alb.listenerArn, { stages: '10%:1s, 100%', alarms: alarm }))
        expect(promote.outputs, describeRun(promote)).toMatchObject({ result: 'rolled-back', weight: '0' })
        expect(await backend.rules(alb.listenerArn)).toEqual([])
        expect(await backend.tags(alb.listenerArn)).toEqual({})
        expect((await backend.forward(alb.listenerArn)).weights).toEqual({ blue: 1, green: 0 })
      })

      it("issue 18: a users' rule that cannot be removed leaves the run unsettled and says so; the post step removes it", async () => {
        const name = lbName('stuck')
        const alb = await backend.seed(name, { blue: 1, green: 0 })
        const alarm = `${name}-5xx`
        await backend.alarm(alarm, 'OK')
        const emulator = backend.emulator!
        const running = run(inputsFor(name, alb.listenerArn, { stages: 'users:1s, 10%:30s, 100%', alarms: alarm, ...users }))
        await waitFor(async () => (await backend.forward(alb.listenerArn)).weights['green'] === 1)
        // More failures than the rollback client's retries.
        emulator.elbv2.failDeleteRule(10)
        await backend.alarm(alarm, 'ALARM', 'Threshold Crossed: 5xx')
        const main = await running
        expect(main.outputs, describeRun(main)).toMatchObject({ result: 'failed', weight: '0' })
        expect(main.outputs['reason']).toMatch(/canary users' rule .* could not be removed: requests it matches still reach target group/)
        expect(main.summary).not.toMatch(/Rolled back/)
        expect(main.summary).toContain("canary users' rule")
        expect((await backend.forward(alb.listenerArn)).weights).toEqual({ blue: 1, green: 0 })
        expect(await backend.rules(alb.listenerArn)).toHaveLength(1)
        const post = await runPost(main)
        expect(post.failed, describeRun(post)).toBe(false)
        expect(post.stdout).not.toContain('Nothing to clean up.')
        expect(await backend.rules(alb.listenerArn)).toEqual([])
        expect(await backend.tags(alb.listenerArn)).toEqual({})

        // The same in rollback mode: it saves its state first, so its post step retries.
        await heldInUsersStage(name, alb.listenerArn)
        emulator.elbv2.failDeleteRule(10)
        const rollback = await run({ mode: 'rollback', listener: alb.listenerArn })
        expect(rollback.outputs, describeRun(rollback)).toMatchObject({ result: 'failed', weight: '0' })
        expect(rollback.outputs['reason']).toMatch(/could not be removed: requests it matches still reach target group/)
        expect(rollback.summary).toContain('Rollback incomplete')
        expect(await backend.rules(alb.listenerArn)).toHaveLength(1)
        const retry = await runPost(rollback)
        expect(retry.failed, describeRun(retry)).toBe(false)
        expect(await backend.rules(alb.listenerArn)).toEqual([])
        expect(await backend.tags(alb.listenerArn)).toEqual({})
      })

      it("issue 18: the users' rule keeps the listener's door: its login actions in order, and a rule's Transforms", async () => {
        const name = lbName('door')
        const emulator = backend.emulator!
        const cognito = (pool: string) => ({
          Type: 'authenticate-cognito',
          AuthenticateCognitoConfig: {
            UserPoolArn: `arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_${pool}`,
            UserPoolClientId: `client${pool}`,
            UserPoolDomain: `login-${pool.toLowerCase()}`,
          },
        })
        const rewrite = { Type: 'host-header-rewrite', HostHeaderRewriteConfig: { Rewrites: [{ Regex: '^shop\\.example\\.com$', Replace: 'shop.internal' }] } }
        const alb = emulator.elbv2.seed({
          name,
          groups: ['blue', 'green', 'purple'].map((g) => ({ name: `${name}-${g}` })),
          weights: { [`${name}-blue`]: 1, [`${name}-green`]: 0 },
          before: [cognito('Listener')],
          rules: [
            {
              priority: 10,
              conditions: [{ Field: 'host-header', HostHeaderConfig: { Values: ['shop.example.com'] } }],
              group: `${name}-purple`,
              weights: { [`${name}-purple`]: 1, [`${name}-green`]: 0 },
              before: [cognito('RuleA'), cognito('RuleB')],
              transforms: [rewrite],
            },
          ],
        })
        const listener = await run({ listener: alb.listenerArn, 'target-group': `${name}-green`, stages: 'users:1s', ...users })
        expect(listener.outputs.result, describeRun(listener)).toBe('held')
        const rule = await run({ listener: alb.rules[0] ?? '', 'target-group': `${name}-green`, stages: 'users:1s', ...users })
        expect(rule.outputs.result, describeRun(rule)).toBe('held')
        const made = [...emulator.state.elbv2.rules.values()].filter((r) => emulator.elbv2.tags(r.arn)['canary-release:rollout'] !== undefined)
        const forListener = made.find((r) => emulator.elbv2.tags(r.arn)['canary-release:rollout'] === alb.listenerArn)
        const forRule = made.find((r) => emulator.elbv2.tags(r.arn)['canary-release:rollout'] === alb.rules[0])
        const pools = (r: typeof forRule) =>
          r?.actions.map((a) =>
            a.Type === 'forward' ? 'forward' : String((a.Other?.['AuthenticateCognitoConfig'] as { UserPoolArn?: string })?.UserPoolArn).split('_')[1],
          )
        expect(pools(forListener)).toEqual(['Listener', 'forward'])
        expect(pools(forRule)).toEqual(['RuleA', 'RuleB', 'forward'])
        expect(forListener?.transforms).toBeUndefined()
        expect(forRule?.transforms).toEqual([rewrite])
        expect(forRule?.priority).toBe(9)
      })

      it("issue 18: plan mode tells the truth: a taken users' rule priority ends it refused; it probes alarm history", async () => {
        const name = lbName('plan')
        const emulator = backend.emulator!
        const alb = emulator.elbv2.seed({
          name,
          groups: ['blue', 'green'].map((g) => ({ name: `${name}-${g}` })),
          weights: { [`${name}-blue`]: 1, [`${name}-green`]: 0 },
          rules: [
            { priority: 9, conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/a'] } }], group: `${name}-blue` },
            {
              priority: 10,
              conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/b'] } }],
              group: `${name}-blue`,
              weights: { [`${name}-blue`]: 1, [`${name}-green`]: 0 },
            },
          ],
        })
        const alarm = `${name}-5xx`
        await backend.alarm(alarm, 'OK')
        const writesBefore = emulator.elbv2.history().length
        const plan = await run({
          mode: 'plan',
          listener: alb.rules[1] ?? '',
          'target-group': `${name}-green`,
          stages: 'users:5m, 100%',
          alarms: alarm,
          ...users,
        })
        expect(plan.outputs, describeRun(plan)).toMatchObject({ result: 'refused' })
        expect(plan.outputs['reason']).toContain('no free priority right before')
        expect(plan.stdout).toContain('✓ alarm history: cloudwatch:DescribeAlarmHistory')
        expect(plan.summary).toContain('⛔ not ready')
        expect(emulator.elbv2.history().length).toBe(writesBefore)
      })

      it('issue 18: plan mode simulates AddTags on the rule CreateRule makes', async () => {
        const name = lbName('plantags')
        const alb = await backend.seed(name, { blue: 1, green: 0 })
        const emulator = backend.emulator!
        const document = JSON.parse(
          readFileSync(join(REPO_ROOT, 'policies', 'alb.json'), 'utf8')
            .replaceAll('REGION', 'us-east-1')
            .replaceAll('ACCOUNT', '123456789012')
            .replaceAll('LOAD_BALANCER', name),
        ) as PolicyDocument
        // The deploy policy, except that tags may not go on rules: CreateRule with Tags would be denied.
        const listenerOnly = {
          Statement: [
            ...document.Statement.map((st) =>
              st.Action.includes('elasticloadbalancing:AddTags') ? { ...st, Resource: (st.Resource as string[]).slice(0, 1) } : st,
            ),
            { Effect: 'Allow', Action: ['elasticloadbalancing:CreateRule', 'elasticloadbalancing:DeleteRule'], Resource: '*' },
            { Effect: 'Allow', Action: ['iam:SimulatePrincipalPolicy', 'sts:GetCallerIdentity'], Resource: '*' },
          ],
        }
        emulator.setPolicy(listenerOnly)
        try {
          const plan = await run({ mode: 'plan', listener: alb.listenerArn, 'target-group': `${name}-green`, stages: 'users:5m, 100%', ...users })
          expect(plan.outputs, describeRun(plan)).toMatchObject({ result: 'refused' })
          expect(plan.outputs['reason']).toMatch(/do not allow elasticloadbalancing:AddTags on arn:aws:elasticloadbalancing:[^ ]+:listener-rule\//)
          // What the plan foresaw is what a deploy meets: CreateRule with its tags is refused, and nothing is left.
          const deploy = await run({ listener: alb.listenerArn, 'target-group': `${name}-green`, stages: 'users:1s', ...users })
          expect(deploy.outputs.result, describeRun(deploy)).toBe('rolled-back')
          expect(await backend.rules(alb.listenerArn)).toEqual([])
        } finally {
          emulator.setPolicy(null)
        }
      })

      // Issue 18 item 5: the load balancer answers a reset connection itself (HTTPCode_ELB_502, no TargetGroup);
      // the analysis counts it per group as RequestCount − Σ HTTPCode_Target_{2,3,4,5}XX_Count.
      it('issue 18: a canary group that resets 30% of its connections behind green alarms is rolled back by the analysis', async () => {
        const name = lbName('reset')
        const alb = await backend.seed(name, { blue: 1, green: 0 })
        const alarm = `${name}-5xx`
        await backend.alarm(alarm, 'OK')
        const emulator = backend.emulator!
        emulator.elbv2.startTraffic({ listenerArn: alb.listenerArn, rps: 300, failures: { [`${name}-green`]: { reset: 0.3 } } })
        let main: ActionRun
        try {
          main = await run(inputsFor(name, alb.listenerArn, { stages: '10%:40s, 100%', alarms: alarm }))
        } finally {
          emulator.elbv2.stopTraffic(alb.listenerArn)
        }
        expect(main.outputs, describeRun(main)).toMatchObject({ result: 'rolled-back', weight: '0', alarm: '' })
        expect((await backend.forward(alb.listenerArn)).weights).toEqual({ blue: 1, green: 0 })
        const writes = emulator.elbv2.history().filter((h) => h.arn === alb.listenerArn && h.accessKeyId !== null)
        console.info(`resetting canary group live -> rollback write: ${(writes[1]?.at ?? 0) - (writes[0]?.at ?? 0)} ms`)
      })
    }
  })
}
