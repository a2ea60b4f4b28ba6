import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  CodeDeployClient,
  CreateApplicationCommand,
  CreateDeploymentCommand,
  CreateDeploymentGroupCommand,
  GetDeploymentCommand,
  GetDeploymentGroupCommand,
  type CreateDeploymentGroupCommandInput,
} from '@aws-sdk/client-codedeploy'
import { startEmulator, type Emulator } from '../../emulator/server.js'
import { startLossyProxy } from '../../__fixtures__/lossy-proxy.js'
import { waitFor } from './backends.js'
import type { PolicyDocument } from '../../emulator/faults.js'
import { describeRun, REPO_ROOT, runAction, runPost, type ActionRun, type RunOptions } from './runner.js'
import { contractCheck } from '../../__fixtures__/contract.js'

// 150 ms per CodeDeploy minute: Canary10Percent5Minutes shifts to 100% after 0.75 s, a 30-minute canary lasts 4.5 s.
const SCALE = 150
const ROLE = 'arn:aws:iam::123456789012:role/codedeploy'
const ROLLBACK_ALL = {
  enabled: true,
  events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM', 'DEPLOYMENT_STOP_ON_REQUEST'] as (
    | 'DEPLOYMENT_FAILURE'
    | 'DEPLOYMENT_STOP_ON_ALARM'
    | 'DEPLOYMENT_STOP_ON_REQUEST'
  )[],
}
const TASK_DEF = 'arn:aws:ecs:us-east-1:123456789012:task-definition/web:7'

let emu: Emulator
let cd: CodeDeployClient
let n = 0
const unique = (label: string): string => `${label}-${++n}`
const sha = (): string => randomBytes(20).toString('hex')

beforeAll(async () => {
  // Server deployments take 20 CodeDeploy minutes (3 s) so an alarm can land mid-deployment.
  emu = await startEmulator({ codedeploy: { timeScale: SCALE, hookDelayMs: 20, serverMinutes: 20, installMinutes: 0.5, rollbackMinutes: 0.5 } })
  cd = new CodeDeployClient({ endpoint: emu.url, region: 'us-east-1', credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'x' }, maxAttempts: 1 })
})
afterAll(async () => {
  cd.destroy()
  await emu.close()
})

function run(inputs: Record<string, string>, extra: Partial<RunOptions> = {}): Promise<ActionRun> {
  return runAction({
    inputs: { 'poll-interval': '1s', 'metrics-delay': '0s', ...inputs },
    timeoutMs: 45_000,
    ...extra,
    env: { AWS_ENDPOINT_URL: emu.url, ...(extra.env ?? {}) },
  })
}

async function group(platform: 'Lambda' | 'ECS' | 'Server', extra: Partial<CreateDeploymentGroupCommandInput> = {}): Promise<{ app: string; dg: string }> {
  const app = unique(`app-${platform.toLowerCase()}`)
  const dg = unique('dg')
  await cd.send(new CreateApplicationCommand({ applicationName: app, computePlatform: platform }))
  await cd.send(
    new CreateDeploymentGroupCommand({
      applicationName: app,
      deploymentGroupName: dg,
      serviceRoleArn: ROLE,
      autoRollbackConfiguration: ROLLBACK_ALL,
      ...(platform === 'Lambda' ? { deploymentConfigName: 'CodeDeployDefault.LambdaAllAtOnce' } : {}),
      ...(platform === 'ECS'
        ? {
            deploymentConfigName: 'CodeDeployDefault.ECSCanary10Percent5Minutes',
            deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
            ecsServices: [{ clusterName: 'prod', serviceName: dg }],
            blueGreenDeploymentConfiguration: { deploymentReadyOption: { actionOnTimeout: 'CONTINUE_DEPLOYMENT' } },
          }
        : {}),
      ...extra,
    }),
  )
  return { app, dg }
}

async function lambdaSetup(): Promise<{ fn: string; app: string; dg: string; alarm: string }> {
  const fn = unique('fn')
  emu.seedFunction(fn, { versions: 3 })
  emu.seedAlias(fn, 'live', '1')
  const alarm = `${fn}-errors`
  emu.seedAlarm(alarm, 'OK')
  return { fn, alarm, ...(await group('Lambda')) }
}

function routing(fn: string): { version: string; weights: Record<string, number> } {
  const alias = emu.state.lambda.functions.get(fn)?.aliases.get('live')
  return { version: alias?.functionVersion ?? '', weights: { ...(alias?.weights ?? {}) } }
}

function ecsWorkspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cd-e2e-ws-'))
  writeFileSync(
    join(dir, 'appspec.yaml'),
    [
      'version: 0.0',
      'Resources:',
      '  - TargetService:',
      '      Type: AWS::ECS::Service',
      '      Properties:',
      `        TaskDefinition: "${TASK_DEF}"`,
      '        LoadBalancerInfo:',
      '          ContainerName: web',
      '          ContainerPort: 8080',
      '',
    ].join('\n'),
  )
  return dir
}

const ecsWeight = async (id: string): Promise<number | undefined> => {
  const d = emu.state.codedeploy.deployments.get(id)
  return d?.ecs?.replacement?.trafficWeight
}

const stopCalls = (since: number) => emu.calls().filter((c) => c.service === 'codedeploy' && c.operation === 'StopDeployment' && c.at >= since)

describe('CodeDeploy mode, Lambda', () => {
  it('deploys through a preset canary and promotes', async () => {
    const { fn, app, dg, alarm } = await lambdaSetup()
    const main = await run({
      'function-name': fn,
      version: '2',
      stages: 'Canary10Percent5Minutes',
      alarms: alarm,
      'codedeploy-application': app,
      'codedeploy-deployment-group': dg,
    })
    expect(main.failed, describeRun(main)).toBe(false)
    expect(main.outputs).toMatchObject({ result: 'promoted', weight: '100', 'stable-version': '1', 'target-version': '2', alarm: '' })
    expect(main.outputs['deployment-id']).toMatch(/^d-[A-Z0-9]{9}$/)
    expect(routing(fn)).toEqual({ version: '2', weights: {} })
    const info = (await cd.send(new GetDeploymentCommand({ deploymentId: main.outputs['deployment-id'] }))).deploymentInfo
    expect(info?.deploymentConfigName).toBe('CodeDeployDefault.LambdaCanary10Percent5Minutes')
    expect(info?.description).toContain(main.env['GITHUB_SHA'])
    expect(main.stdout).toContain('/codesuite/codedeploy/deployments/')
    expect(main.stdout).toMatch(/API calls per poll: [1-4]\b/)
    expect(main.summary).toContain('✅ Promoted')
    expect(main.summary).toContain('| From (UTC) | Polls |')
    expect((await runPost(main)).stdout).toContain('Nothing to clean up.')
  })

  it('creates a custom linear config once and reuses it', async () => {
    const { fn, app, dg } = await lambdaSetup()
    const inputs = { 'function-name': fn, version: '2', stages: '50%:1m, 100%', 'codedeploy-application': app, 'codedeploy-deployment-group': dg }
    const first = await run(inputs)
    expect(first.outputs.result, describeRun(first)).toBe('promoted')
    expect(first.stdout).toMatch(/(Created|Reusing) deployment config canary-release\.Lambda\.Canary50Percent1Minute/)
    const second = await run({ ...inputs, version: '3' })
    expect(second.outputs.result, describeRun(second)).toBe('promoted')
    expect(second.stdout).toContain('Reusing deployment config canary-release.Lambda.Canary50Percent1Minute')
    expect(routing(fn)).toEqual({ version: '3', weights: {} })
  })

  it('stops and rolls back on an alarm, and fails the step', async () => {
    const { fn, app, dg, alarm } = await lambdaSetup()
    const running = run({
      'function-name': fn,
      version: '2',
      stages: '10%:30m, 100%',
      alarms: alarm,
      'codedeploy-application': app,
      'codedeploy-deployment-group': dg,
    })
    await waitFor(async () => routing(fn).weights['2'] === 0.1)
    const alarmAt = Date.now()
    emu.setAlarmState(alarm, 'ALARM', 'Threshold Crossed: 5 errors')
    const main = await running
    expect(main.failed).toBe(true)
    expect(main.outputs).toMatchObject({ result: 'rolled-back', weight: '0', alarm })
    expect(main.errors.join('\n')).toContain(`alarm "${alarm}" is ALARM`)
    expect(routing(fn)).toEqual({ version: '1', weights: {} })
    const stops = stopCalls(alarmAt)
    expect(stops).toHaveLength(1)
    const latency = (stops[0]?.at ?? 0) - alarmAt
    console.log(
      `[measure] Lambda: alarm set -> StopDeployment request: ${latency} ms (poll 1s); action: ${/StopDeployment went out \d+ ms[^\n]*/.exec(main.stdout)?.[0] ?? '?'}; ${/API calls per poll: \d+/.exec(main.stdout)?.[0] ?? ''}`,
    )
    expect(latency).toBeLessThan(2_500)
    expect(main.summary).toContain('rollback')
    emu.setAlarmState(alarm, 'OK')
    expect((await runPost(main)).stdout).toContain('Nothing to clean up.')
  })

  it('stops a bad canary behind a green alarm by the canary analysis, with rollback', async () => {
    const { fn, app, dg, alarm } = await lambdaSetup()
    // The AppSpec's versions: 1 (the alias's current) and 2, which fails 30% of its calls.
    emu.setInvocations({ functionName: fn, alias: 'live', ratePerSecond: 500, defaults: { errorRate: 0.01 }, versions: { '2': { errorRate: 0.3 } } })
    try {
      const main = await run({
        'function-name': fn,
        version: '2',
        stages: '10%:30m, 100%',
        alarms: alarm,
        'codedeploy-application': app,
        'codedeploy-deployment-group': dg,
      })
      expect(main.outputs, describeRun(main)).toMatchObject({ result: 'rolled-back', weight: '0', alarm: '' })
      expect(main.outputs['reason']).toMatch(new RegExp(`${fn}:live: version 2 failed \\d+ of \\d+ invocations \\(\\d+\\.\\d%\\) against version 1`))
      expect(routing(fn)).toEqual({ version: '1', weights: {} })
      expect(emu.calls().some((c) => c.operation === 'StopDeployment')).toBe(true)
    } finally {
      emu.stopInvocations(fn, 'live')
    }
  })

  it('runs with policies/codedeploy.json enforced, resources included: an alarm stops and rolls back', async () => {
    const { fn, app, dg, alarm } = await lambdaSetup()
    const text = readFileSync(join(REPO_ROOT, 'policies', 'codedeploy.json'), 'utf8')
    const filled = text.replaceAll('REGION', 'us-east-1').replaceAll('ACCOUNT', '123456789012').replaceAll('APPLICATION', app).replaceAll('FUNCTION', fn)
    emu.setPolicy(JSON.parse(filled) as PolicyDocument)
    try {
      const inputs = { 'function-name': fn, alarms: alarm, 'codedeploy-application': app, 'codedeploy-deployment-group': dg }
      // A custom config, created by the run; then the watch, the stop and the rollback's follow.
      const running = run({ ...inputs, version: '2', stages: '10%:30m, 100%' })
      await waitFor(async () => routing(fn).weights['2'] === 0.1)
      emu.setAlarmState(alarm, 'ALARM', 'Threshold Crossed: 5 errors')
      const rolledBack = await running
      expect(rolledBack.outputs.result, describeRun(rolledBack)).toBe('rolled-back')
      expect(routing(fn)).toEqual({ version: '1', weights: {} })
      expect(emu.calls().filter((c) => c.fault === 'denied')).toEqual([])
    } finally {
      emu.setPolicy(null)
      emu.setAlarmState(alarm, 'OK')
    }
  })

  it('issue 20: with ListDeploymentTargets denied, the weight comes from the alias and the analysis still rolls back a bad canary', async () => {
    const { fn, app, dg, alarm } = await lambdaSetup()
    const text = readFileSync(join(REPO_ROOT, 'policies', 'codedeploy.json'), 'utf8')
    const filled = JSON.parse(
      text.replaceAll('REGION', 'us-east-1').replaceAll('ACCOUNT', '123456789012').replaceAll('APPLICATION', app).replaceAll('FUNCTION', fn),
    ) as PolicyDocument
    const withoutTargets = {
      ...filled,
      Statement: filled.Statement.map((s) => ({
        ...s,
        Action: (Array.isArray(s.Action) ? s.Action : [s.Action]).filter((a) => a !== 'codedeploy:ListDeploymentTargets'),
      })).filter((s) => s.Action.length > 0),
    }
    emu.setPolicy(withoutTargets as PolicyDocument)
    emu.setInvocations({ functionName: fn, alias: 'live', ratePerSecond: 500, defaults: { errorRate: 0.01 }, versions: { '2': { errorRate: 0.3 } } })
    try {
      const main = await run({
        'function-name': fn,
        version: '2',
        stages: '10%:30m, 100%',
        alarms: alarm,
        'codedeploy-application': app,
        'codedeploy-deployment-group': dg,
      })
      expect(emu.calls().some((c) => c.operation === 'ListDeploymentTargets' && c.fault === 'denied')).toBe(true)
      expect(main.outputs, describeRun(main)).toMatchObject({ result: 'rolled-back', weight: '0', alarm: '' })
      expect(main.outputs['reason']).toMatch(/version 2 failed \d+ of \d+ invocations/)
      expect(main.stdout).toContain('10% on the new version')
      expect(routing(fn)).toEqual({ version: '1', weights: {} })
    } finally {
      emu.stopInvocations(fn, 'live')
      emu.setPolicy(null)
    }
  })

  it("reports CodeDeploy's own failure with its code and message", async () => {
    const { fn, app, dg } = await lambdaSetup()
    emu.codedeploy.failNext(dg, { code: 'HEALTH_CONSTRAINTS', afterMinutes: 1 })
    const main = await run({ 'function-name': fn, version: '2', stages: '10%:5m, 100%', 'codedeploy-application': app, 'codedeploy-deployment-group': dg })
    expect(main.failed).toBe(true)
    expect(main.outputs.result).toBe('rolled-back')
    expect(main.errors.join('\n')).toMatch(/HEALTH_CONSTRAINTS: The overall deployment failed/)
    expect(routing(fn)).toEqual({ version: '1', weights: {} })
  })

  it('on cancel (SIGINT) sends StopDeployment within 2 s and puts traffic back', async () => {
    const { fn, app, dg } = await lambdaSetup()
    const started = Date.now()
    const main = await run(
      { 'function-name': fn, version: '2', stages: '10%:30m, 100%', 'codedeploy-application': app, 'codedeploy-deployment-group': dg },
      { signalAfter: { when: (out) => out.includes('10% on the new version'), signal: 'SIGINT' } },
    )
    expect(main.killedBy, describeRun(main)).toBe('SIGINT')
    const signalAt = started + (main.signalsSent[0]?.atMs ?? 0)
    const stops = stopCalls(started)
    expect(stops).toHaveLength(1)
    console.log(`[measure] Lambda: SIGINT -> StopDeployment request: ${(stops[0]?.at ?? 0) - signalAt} ms`)
    expect((stops[0]?.at ?? 0) - signalAt).toBeLessThan(2_000)
    expect(main.outputs.result).toBe('rolled-back')
    expect(main.errors.join('\n')).toContain('cancelled')
    expect(routing(fn)).toEqual({ version: '1', weights: {} })
    expect((await runPost(main)).stdout).toContain('Nothing to clean up.')
  })

  it("attaches a re-run to this commit's deployment and refuses another commit's", async () => {
    const { fn, app, dg } = await lambdaSetup()
    const commit = sha()
    // 60 CodeDeploy minutes (9 s): the refused run and the re-run must start before the killed run's deployment ends, also on a loaded machine.
    const inputs = { 'function-name': fn, version: '2', stages: '10%:60m, 100%', 'codedeploy-application': app, 'codedeploy-deployment-group': dg }
    const killed = await run(inputs, { env: { GITHUB_SHA: commit }, signalAfter: { when: (out) => out.includes('% on the new version'), signal: 'SIGKILL' } })
    expect(killed.signal).toBe('SIGKILL')
    const id = killed.outputs['deployment-id'] ?? ''
    expect(id).toMatch(/^d-/)

    const other = await run({ ...inputs, version: '3' }, { env: { GITHUB_SHA: sha() } })
    expect(other.outputs.result).toBe('refused')
    expect(other.errors.join('\n')).toContain(id)

    const rerun = await run(inputs, { env: { GITHUB_SHA: commit } })
    expect(rerun.outputs, describeRun(rerun)).toMatchObject({ result: 'promoted', 'deployment-id': id })
    expect(rerun.stdout).toContain(`Attaching to this commit's deployment ${id}`)
    const created = emu.codedeploy.deployments().filter((d) => d.deploymentGroupName === dg && d.creator === 'user')
    expect(created).toHaveLength(1)
    expect(routing(fn)).toEqual({ version: '2', weights: {} })
  })

  it("a lost CreateDeployment response: the SDK's retry is refused naming this run's deployment, and the run attaches to it and watches it", async () => {
    const { fn, app, dg, alarm } = await lambdaSetup()
    const proxy = await startLossyProxy(emu.url, (req, status) => {
      const create = req.body.includes(`"deploymentGroupName":"${dg}"`) && req.body.includes('"revision"') && status === 200
      return create && !lost.done && (lost.done = true)
    })
    const lost = { done: false }
    try {
      const running = run(
        { 'function-name': fn, version: '2', stages: '10%:30m, 100%', alarms: alarm, 'codedeploy-application': app, 'codedeploy-deployment-group': dg },
        { env: { AWS_ENDPOINT_URL: proxy.url } },
      )
      await waitFor(async () => routing(fn).weights['2'] === 0.1)
      emu.setAlarmState(alarm, 'ALARM', 'Threshold Crossed: 5 errors')
      const main = await running
      expect(proxy.dropped, describeRun(main)).toHaveLength(1)
      expect(main.stdout).toContain("CreateDeployment's response was lost")
      // The action's own gate stopped the deployment it never got an answer for.
      expect(main.outputs, describeRun(main)).toMatchObject({ result: 'rolled-back', alarm })
      expect(emu.codedeploy.deployments().filter((d) => d.deploymentGroupName === dg && d.creator === 'user')).toHaveLength(1)
      expect(routing(fn)).toEqual({ version: '1', weights: {} })
    } finally {
      emu.setAlarmState(alarm, 'OK')
      await proxy.close()
    }
  })

  it("a re-run that attaches to this commit's deployment while an alarm fires stops it with rollback", async () => {
    const { fn, app, dg, alarm } = await lambdaSetup()
    const commit = sha()
    const inputs = {
      'function-name': fn,
      version: '2',
      stages: '10%:30m, 100%',
      alarms: alarm,
      'codedeploy-application': app,
      'codedeploy-deployment-group': dg,
    }
    const killed = await run(inputs, { env: { GITHUB_SHA: commit }, signalAfter: { when: (out) => out.includes('% on the new version'), signal: 'SIGKILL' } })
    expect(killed.signal).toBe('SIGKILL')
    emu.setAlarmState(alarm, 'ALARM', 'Threshold Crossed: 5 errors')
    const rerun = await run(inputs, { env: { GITHUB_SHA: commit } })
    emu.setAlarmState(alarm, 'OK')
    expect(rerun.outputs, describeRun(rerun)).toMatchObject({ result: 'rolled-back', alarm, 'deployment-id': killed.outputs['deployment-id'] })
    expect(routing(fn)).toEqual({ version: '1', weights: {} })
  })

  it('refuses stages CodeDeploy cannot express before any AWS call', async () => {
    const { fn, app, dg } = await lambdaSetup()
    const since = Date.now()
    const main = await run({
      'function-name': fn,
      version: '2',
      stages: '10%:5m, 30%:5m, 100%',
      'codedeploy-application': app,
      'codedeploy-deployment-group': dg,
    })
    expect(main.failed).toBe(true)
    expect(main.errors.join('\n')).toMatch(/^Input stages: "10%:5m, 30%:5m, 100%" cannot be expressed as a CodeDeploy deployment config/)
    expect(main.errors.join('\n')).toContain('use alias mode')
    // The action's own calls (the runner harness's key), not the test's clients on the same emulator.
    expect(emu.calls().filter((c) => c.at >= since && c.accessKeyId === 'AKIAIOSFODNN7EXAMPLE')).toEqual([])
    const held = await run({ 'function-name': fn, version: '2', stages: '10%:5m', 'codedeploy-application': app, 'codedeploy-deployment-group': dg })
    expect(held.errors.join('\n')).toContain('ends at 10%')
  })
})

describe('CodeDeploy mode, plan and rollback', () => {
  it('plan reads the group, config, alias and alarms, and writes nothing', async () => {
    const { fn, app, dg, alarm } = await lambdaSetup()
    const since = Date.now()
    const main = await run({
      mode: 'plan',
      'function-name': fn,
      version: '2',
      stages: '20%:1m, 100%',
      alarms: alarm,
      'codedeploy-application': app,
      'codedeploy-deployment-group': dg,
    })
    expect(main.failed, describeRun(main)).toBe(false)
    expect(main.outputs.result).toBe('planned')
    expect(main.stdout).toContain('a deploy would create it')
    // The action's own calls only: the test's CreateDeploymentGroup can land in the same millisecond as `since`.
    const writes = emu.calls().filter((c) => c.at >= since && c.accessKeyId !== 'AKIDTEST' && /^(Create|Stop|Continue|Update)/.test(c.operation))
    expect(writes).toEqual([])
  })

  it("rollback mode stops the group's active deployment and follows the rollback", async () => {
    const { fn, app, dg } = await lambdaSetup()
    const inputs = { 'function-name': fn, version: '2', stages: '10%:30m, 100%', 'codedeploy-application': app, 'codedeploy-deployment-group': dg }
    const killed = await run(inputs, { signalAfter: { when: (out) => out.includes('10% on the new version'), signal: 'SIGKILL' } })
    expect(routing(fn).weights['2']).toBe(0.1)
    const rb = await run({ ...inputs, mode: 'rollback' })
    expect(rb.failed, describeRun(rb)).toBe(false)
    expect(rb.outputs.result).toBe('rolled-back')
    expect(rb.stdout).toContain(killed.outputs['deployment-id'])
    expect(routing(fn)).toEqual({ version: '1', weights: {} })
  })

  it('the post step stops and rolls back a deployment main was killed in the middle of', async () => {
    const { fn, app, dg } = await lambdaSetup()
    const main = await run(
      { 'function-name': fn, version: '2', stages: '10%:30m, 100%', 'codedeploy-application': app, 'codedeploy-deployment-group': dg },
      { signalAfter: { when: (out) => out.includes('10% on the new version'), signal: 'SIGKILL' } },
    )
    const post = await runPost(main)
    expect(post.failed, describeRun(post)).toBe(false)
    expect(post.stdout).toContain('stopping it with rollback')
    expect(routing(fn)).toEqual({ version: '1', weights: {} })
  })
})

describe('CodeDeploy mode, ECS', () => {
  it('deploys the AppSpec from the workspace and promotes', async () => {
    const { app, dg } = await group('ECS')
    const main = await run({ appspec: 'appspec.yaml', 'codedeploy-application': app, 'codedeploy-deployment-group': dg }, { cwd: ecsWorkspace() })
    expect(main.failed, describeRun(main)).toBe(false)
    expect(main.outputs).toMatchObject({ result: 'promoted', weight: '100', 'target-version': TASK_DEF })
  })

  it('holds at Ready, then a later run of the same commit continues it', async () => {
    const { app, dg } = await group('ECS', {
      blueGreenDeploymentConfiguration: { deploymentReadyOption: { actionOnTimeout: 'STOP_DEPLOYMENT', waitTimeInMinutes: 600 } },
    })
    const commit = sha()
    const ws = ecsWorkspace()
    const inputs = { appspec: 'appspec.yaml', 'codedeploy-application': app, 'codedeploy-deployment-group': dg }
    const held = await run(inputs, { cwd: ws, env: { GITHUB_SHA: commit } })
    expect(held.failed, describeRun(held)).toBe(false)
    expect(held.outputs).toMatchObject({ result: 'held', weight: '0' })
    const id = held.outputs['deployment-id'] ?? ''
    expect(emu.state.codedeploy.deployments.get(id)?.status).toBe('Ready')
    expect((await runPost(held)).stdout).toContain('Nothing to clean up.')

    const continued = await run(inputs, { cwd: ws, env: { GITHUB_SHA: commit } })
    expect(continued.outputs, describeRun(continued)).toMatchObject({ result: 'promoted', 'deployment-id': id })
    expect(continued.stdout).toContain(`Continued deployment ${id}`)
  })

  it('stops and rolls back on an alarm', async () => {
    const { app, dg } = await group('ECS', { deploymentConfigName: 'CodeDeployDefault.ECSCanary10Percent15Minutes' })
    const alarm = unique('ecs-errors')
    emu.seedAlarm(alarm, 'OK')
    let id = ''
    const running = run({ appspec: 'appspec.yaml', alarms: alarm, 'codedeploy-application': app, 'codedeploy-deployment-group': dg }, { cwd: ecsWorkspace() })
    await waitFor(async () => {
      id = emu.codedeploy.deployments().find((d) => d.deploymentGroupName === dg)?.deploymentId ?? ''
      return id !== '' && (await ecsWeight(id)) === 10
    })
    const alarmAt = Date.now()
    emu.setAlarmState(alarm, 'ALARM')
    const main = await running
    expect(main.outputs).toMatchObject({ result: 'rolled-back', alarm })
    console.log(`[measure] ECS: alarm set -> StopDeployment request: ${(stopCalls(alarmAt)[0]?.at ?? 0) - alarmAt} ms (poll 1s)`)
    expect(await ecsWeight(id)).toBe(0)
  })
})

describe('CodeDeploy mode, EC2/on-premises', () => {
  const revision = 's3://releases-bucket/app/build-42.zip'

  it('deploys the revision to the canary group, then the fleet', async () => {
    const canary = await group('Server')
    const fleet = unique('fleet')
    await cd.send(
      new CreateDeploymentGroupCommand({
        applicationName: canary.app,
        deploymentGroupName: fleet,
        serviceRoleArn: ROLE,
        autoRollbackConfiguration: ROLLBACK_ALL,
      }),
    )
    emu.codedeploy.setInstanceCount(canary.dg, 1)
    emu.codedeploy.setInstanceCount(fleet, 2)
    const main = await run({ revision, 'codedeploy-application': canary.app, 'codedeploy-deployment-group': `${canary.dg}\n${fleet}` })
    expect(main.failed, describeRun(main)).toBe(false)
    expect(main.outputs).toMatchObject({ result: 'promoted', 'target-version': revision })
    expect(main.outputs['deployment-id']?.split(',')).toHaveLength(2)
    expect(main.stdout).toMatch(/instances done/)
  })

  it("fails with CodeDeploy's error on the canary group and never reaches the fleet", async () => {
    const canary = await group('Server')
    const fleet = unique('fleet')
    await cd.send(new CreateDeploymentGroupCommand({ applicationName: canary.app, deploymentGroupName: fleet, serviceRoleArn: ROLE }))
    emu.codedeploy.failNext(canary.dg, { code: 'HEALTH_CONSTRAINTS', afterMinutes: 2 })
    const main = await run({ revision, 'codedeploy-application': canary.app, 'codedeploy-deployment-group': `${canary.dg}\n${fleet}` })
    expect(main.failed).toBe(true)
    expect(main.errors.join('\n')).toContain('HEALTH_CONSTRAINTS')
    expect(emu.codedeploy.deployments().filter((d) => d.deploymentGroupName === fleet)).toEqual([])
  })

  it('stops and rolls back the running group on an alarm', async () => {
    const canary = await group('Server')
    const alarm = unique('srv-errors')
    emu.seedAlarm(alarm, 'OK')
    const running = run({ revision, alarms: alarm, 'codedeploy-application': canary.app, 'codedeploy-deployment-group': canary.dg })
    await waitFor(async () => emu.codedeploy.deployments().some((d) => d.deploymentGroupName === canary.dg && d.status === 'InProgress'))
    emu.setAlarmState(alarm, 'ALARM')
    const main = await running
    expect(main.outputs, describeRun(main)).toMatchObject({ result: 'rolled-back', alarm })
    expect(
      emu.codedeploy.deployments().some((d) => d.deploymentGroupName === canary.dg && d.creator === 'codeDeployRollback' && d.status === 'Succeeded'),
    ).toBe(true)
  })

  it('restores the finished canary group to its previous revision when the fleet fails', async () => {
    const canary = await group('Server')
    const fleet = unique('fleet')
    await cd.send(
      new CreateDeploymentGroupCommand({
        applicationName: canary.app,
        deploymentGroupName: fleet,
        serviceRoleArn: ROLE,
        autoRollbackConfiguration: ROLLBACK_ALL,
      }),
    )
    const revisionA = 's3://releases-bucket/app/build-41.zip'
    const a = { revisionType: 'S3' as const, s3Location: { bucket: 'releases-bucket', key: 'app/build-41.zip', bundleType: 'zip' as const } }
    // Both groups first serve revision A.
    const seeded = await Promise.all(
      [canary.dg, fleet].map(
        async (dg) => (await cd.send(new CreateDeploymentCommand({ applicationName: canary.app, deploymentGroupName: dg, revision: a }))).deploymentId ?? '',
      ),
    )
    await waitFor(async () => {
      const infos = await Promise.all(seeded.map(async (id) => (await cd.send(new GetDeploymentCommand({ deploymentId: id }))).deploymentInfo?.status))
      return infos.every((s) => s === 'Succeeded')
    }, 15_000)

    emu.codedeploy.failNext(fleet, { code: 'HEALTH_CONSTRAINTS', afterMinutes: 2 })
    const main = await run({ revision, 'codedeploy-application': canary.app, 'codedeploy-deployment-group': `${canary.dg}\n${fleet}` })
    expect(main.failed, describeRun(main)).toBe(true)
    expect(main.outputs).toMatchObject({ result: 'rolled-back', 'restored-groups': canary.dg })
    expect(main.errors.join('\n')).toContain('HEALTH_CONSTRAINTS')
    expect(main.errors.join('\n')).toContain(`group ${canary.dg} restored to ${revisionA}`)
    expect(main.summary).toContain(`${canary.dg}: restored to ${revisionA}`)
    expect(main.summary).toContain('| redeploy |')

    // The canary group's latest successful deployment is a redeploy of revision A, described as this run's rollback.
    const last =
      (await cd.send(new GetDeploymentGroupCommand({ applicationName: canary.app, deploymentGroupName: canary.dg }))).deploymentGroupInfo
        ?.lastSuccessfulDeployment?.deploymentId ?? ''
    expect(last).not.toBe(seeded[0])
    const info = (await cd.send(new GetDeploymentCommand({ deploymentId: last }))).deploymentInfo
    expect(info?.status).toBe('Succeeded')
    expect(info?.revision?.s3Location?.key).toBe('app/build-41.zip')
    expect(info?.description).toMatch(/^canary-release rollback of run /)
    expect(info?.description).not.toContain(main.env['GITHUB_SHA'])
    // The fleet went back through CodeDeploy's own rollback.
    const fleetDeployments = emu.codedeploy.deployments().filter((d) => d.deploymentGroupName === fleet)
    expect(fleetDeployments.some((d) => d.creator === 'codeDeployRollback' && d.status === 'Succeeded')).toBe(true)
    expect((await runPost(main)).stdout).toContain('Nothing to clean up.')
  })
})

// Contract: every response the emulator sent during this file matches the service's published API model.
contractCheck()
