/**
 * Plan mode against an enforced IAM policy: it never attempts a write (auditors and CloudTrail
 * alerts count a refused write as an attempt), checks write permissions with IAM's policy
 * simulator where the caller may, and reports them as "not checked" where it may not.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { roleArn, SESSION_ROLE } from '../../emulator/identity/caller.js'
import type { PolicyDocument } from '../../emulator/faults.js'
import { startEmulator, type Emulator } from '../../emulator/server.js'
import { describeRun, REPO_ROOT, runAction } from './runner.js'

const policy = (file: string): PolicyDocument => {
  const text = readFileSync(join(REPO_ROOT, 'policies', file), 'utf8')
  return JSON.parse(text.replaceAll('REGION', 'us-east-1').replaceAll('ACCOUNT', '123456789012').replaceAll('FUNCTION', 'orders')) as PolicyDocument
}
/** The optional statement that lets a role's plan check its own writes (README, "Plan mode's permissions"). */
const SIMULATE_OWN = { Effect: 'Allow', Action: ['iam:SimulatePrincipalPolicy'], Resource: roleArn(SESSION_ROLE) }
const without = (doc: PolicyDocument, action: string): PolicyDocument => ({
  Statement: doc.Statement.map((st) => ({ ...st, Action: (Array.isArray(st.Action) ? st.Action : [st.Action]).filter((a) => a !== action) })),
})
const READS = /^(Get|List|Describe|BatchGet|Simulate)/

describe('plan mode against an enforced IAM policy (built-in emulator)', () => {
  let emulator: Emulator
  beforeAll(async () => {
    emulator = await startEmulator()
    emulator.seedFunction('orders', { versions: 2 })
    emulator.seedAlias('orders', 'live', '1')
    emulator.seedAlarm('orders-errors', 'OK')
  })
  afterAll(() => emulator.close())

  const plan = async () => {
    const before = emulator.calls().length
    const run = await runAction({
      inputs: { 'function-name': 'orders', version: '2', mode: 'plan', alarms: 'orders-errors' },
      env: { AWS_ENDPOINT_URL: emulator.url },
    })
    const writes = emulator
      .calls()
      .slice(before)
      .filter((c) => !READS.test(c.operation))
    return { run, writes }
  }

  it('passes with the read-only plan policy, attempts no write, and says the writes were not checked', async () => {
    emulator.setPolicy(policy('lambda-alias-plan.json'))
    const { run, writes } = await plan()
    expect(run.failed, describeRun(run)).toBe(false)
    expect(run.outputs.result).toBe('planned')
    expect(writes).toEqual([])
    expect(run.warnings.join('\n')).toContain('write permissions not checked: iam:SimulatePrincipalPolicy was denied')
  })

  it('with the deploy policy and the simulator allowed, confirms UpdateAlias without calling it', async () => {
    const deploy = policy('lambda-alias.json')
    emulator.setPolicy({ Statement: [...deploy.Statement, SIMULATE_OWN] })
    const { run, writes } = await plan()
    expect(run.failed, describeRun(run)).toBe(false)
    expect(writes).toEqual([])
    expect(run.stdout).toContain(`✓ write permissions: ${roleArn(SESSION_ROLE)} may lambda:UpdateAlias`)
  })

  it('names the missing permission when UpdateAlias is not allowed, before any rollout and without trying it', async () => {
    const deploy = without(policy('lambda-alias.json'), 'lambda:UpdateAlias')
    emulator.setPolicy({ Statement: [...deploy.Statement, SIMULATE_OWN] })
    const { run, writes } = await plan()
    expect(run.failed).toBe(true)
    expect(run.outputs.result).toBe('refused')
    expect(writes).toEqual([])
    expect(run.errors.join('\n')).toContain(`the policies of ${roleArn(SESSION_ROLE)} do not allow lambda:UpdateAlias`)
  })
})
