/** The emulator's ECS: service deployments with CANARY, LINEAR and BLUE_GREEN through the real SDK, moving the built-in ALB's rules. */
import {
  ContinueServiceDeploymentCommand,
  CreateServiceCommand,
  DescribeServiceDeploymentsCommand,
  DescribeServiceRevisionsCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  ListServiceDeploymentsCommand,
  RegisterTaskDefinitionCommand,
  StopServiceDeploymentCommand,
  UpdateServiceCommand,
  type DeploymentConfiguration,
  type ServiceDeployment,
} from '@aws-sdk/client-ecs'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { contractCheck } from '../../__fixtures__/contract.js'
import { EmulatorControl } from '../../emulator/client.js'
import type { SeededEcs } from '../../emulator/ecs/control.js'
import { DEFAULT_ECS_SETTINGS } from '../../emulator/ecs/deployment.js'
import { type Emulator, startEmulator } from '../../emulator/server.js'
import { FAKE_CREDENTIALS } from '../e2e/seed.js'

// 40 real ms per ECS minute: a 5-minute canary bake takes 0.2 s.
const SCALE = 40

let emulator: Emulator
let ecs: ECSClient
beforeAll(async () => {
  emulator = await startEmulator({ seed: 7, ecs: { timeScale: SCALE } })
  ecs = new ECSClient({ endpoint: emulator.url, region: 'us-east-1', credentials: FAKE_CREDENTIALS, maxAttempts: 1 })
})
afterAll(async () => {
  ecs.destroy()
  await emulator.close()
})
beforeEach(() => {
  emulator.reset()
  emulator.ecs.configure({ ...DEFAULT_ECS_SETTINGS, timeScale: SCALE })
})

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function waitFor<T>(read: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 5000): Promise<T> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const v = await read()
    if (done(v) || Date.now() > end) return v
    await sleep(10)
  }
}

const canary = (canaryPercent: number, canaryBakeTimeInMinutes: number, extra: DeploymentConfiguration = {}): DeploymentConfiguration => ({
  strategy: 'CANARY',
  canaryConfiguration: { canaryPercent, canaryBakeTimeInMinutes },
  bakeTimeInMinutes: 0,
  ...extra,
})

async function deploy(s: SeededEcs, deploymentConfiguration: DeploymentConfiguration, revision = 1): Promise<string> {
  const out = await ecs.send(
    new UpdateServiceCommand({ cluster: s.clusterArn, service: s.serviceName, taskDefinition: s.taskDefinitions[revision], deploymentConfiguration }),
  )
  const arn = out.service?.currentServiceDeployment
  if (!arn) throw new Error('UpdateService returned no currentServiceDeployment')
  return arn
}

async function describe1(arn: string): Promise<ServiceDeployment> {
  const out = await ecs.send(new DescribeServiceDeploymentsCommand({ serviceDeploymentArns: [arn] }))
  const d = out.serviceDeployments?.[0]
  if (!d) throw new Error(`no deployment ${arn}`)
  return d
}

const production = (s: SeededEcs) => emulator.elbv2.forward(s.productionRuleArn).weights
const test = (s: SeededEcs) => emulator.elbv2.forward(s.testRuleArn ?? '').weights

describe('emulated ECS: CANARY', () => {
  it('shifts the production rule to the canary percentage, bakes, then moves everyone, and ends SUCCESSFUL', async () => {
    const s = emulator.ecs.seed()
    expect(production(s)).toEqual({ 'web-blue': 100, 'web-green': 0 })
    const arn = await deploy(s, canary(10, 5))
    const atCanary = await waitFor(
      () => describe1(arn),
      (d) => d.targetServiceRevision?.requestedProductionTrafficWeight === 10,
    )
    expect(atCanary.status).toBe('IN_PROGRESS')
    expect(atCanary.lifecycleStage).toBe('PRODUCTION_TRAFFIC_SHIFT')
    expect(atCanary.targetServiceRevision?.requestedProductionTrafficWeight).toBe(10)
    expect(atCanary.sourceServiceRevisions?.[0]?.requestedProductionTrafficWeight).toBe(90)
    expect(production(s)).toEqual({ 'web-blue': 90, 'web-green': 10 })
    const done = await waitFor(
      () => describe1(arn),
      (d) => d.status === 'SUCCESSFUL',
    )
    expect(done.status).toBe('SUCCESSFUL')
    expect(production(s)).toEqual({ 'web-blue': 0, 'web-green': 100 })
    // The old revision's tasks are gone from blue; the new one's run in green.
    const groups = emulator.state.elbv2.targetGroups
    expect(groups.get(s.targetGroups.blue)?.targets).toHaveLength(0)
    expect(groups.get(s.targetGroups.green)?.targets).toHaveLength(2)
    const svc = await ecs.send(new DescribeServicesCommand({ cluster: 'default', services: ['web'] }))
    expect(svc.services?.[0]?.taskDefinition).toBe(s.taskDefinitions[1])
    const list = await ecs.send(new ListServiceDeploymentsCommand({ cluster: 'default', service: 'web' }))
    expect(list.serviceDeployments?.map((d) => d.status)).toEqual(['SUCCESSFUL', 'SUCCESSFUL'])
    expect(list.serviceDeployments?.[0]?.serviceDeploymentArn).toBe(arn)
  })

  it('reports requested weights as a snapshot that trails the listener rule, as the model documents', async () => {
    const s = emulator.ecs.seed()
    emulator.ecs.configure({ weightSnapshotLagMinutes: 1000 })
    const arn = await deploy(s, canary(10, 600))
    await waitFor(
      async () => production(s),
      (w) => w['web-green'] === 10,
    )
    expect((await describe1(arn)).targetServiceRevision?.requestedProductionTrafficWeight).toBe(0)
  })

  it('writes tenths of a percent as per-mille weights', async () => {
    const s = emulator.ecs.seed()
    const arn = await deploy(s, canary(0.5, 5))
    await waitFor(
      () => describe1(arn),
      (d) => d.lifecycleStage === 'PRODUCTION_TRAFFIC_SHIFT',
    )
    expect(production(s)).toEqual({ 'web-blue': 995, 'web-green': 5 })
  })

  it('names the new revision and its target group in DescribeServiceRevisions', async () => {
    const s = emulator.ecs.seed()
    const arn = await deploy(s, canary(10, 1))
    const d = await describe1(arn)
    const target = d.targetServiceRevision?.arn ?? ''
    const source = d.sourceServiceRevisions?.[0]?.arn ?? ''
    const out = await ecs.send(new DescribeServiceRevisionsCommand({ serviceRevisionArns: [target, source, `${source}0`] }))
    expect(out.serviceRevisions?.map((r) => [r.taskDefinition, r.resolvedConfiguration?.loadBalancers?.[0]?.targetGroupArn])).toEqual([
      [s.taskDefinitions[1], s.targetGroups.green],
      [s.taskDefinitions[0], s.targetGroups.blue],
    ])
    expect(out.failures).toEqual([{ arn: `${source}0`, reason: 'MISSING' }])
  })
})

describe('emulated ECS: stopping and rolling back', () => {
  it('StopServiceDeployment ROLLBACK returns all traffic to the old revision and ends ROLLBACK_SUCCESSFUL', async () => {
    const s = emulator.ecs.seed()
    emulator.ecs.configure({ rollbackMinutes: 10 })
    const arn = await deploy(s, canary(20, 600))
    await waitFor(
      () => describe1(arn),
      (d) => d.lifecycleStage === 'PRODUCTION_TRAFFIC_SHIFT',
    )
    expect(production(s)).toEqual({ 'web-blue': 80, 'web-green': 20 })
    await ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: arn, stopType: 'ROLLBACK' }))
    const requested = await describe1(arn)
    expect(['ROLLBACK_REQUESTED', 'ROLLBACK_IN_PROGRESS']).toContain(requested.status)
    const done = await waitFor(
      () => describe1(arn),
      (d) => d.status === 'ROLLBACK_SUCCESSFUL',
    )
    expect(done.status).toBe('ROLLBACK_SUCCESSFUL')
    expect(done.rollback?.serviceRevisionArn).toBe(done.sourceServiceRevisions?.[0]?.arn)
    expect(production(s)).toEqual({ 'web-blue': 100, 'web-green': 0 })
    const svc = await ecs.send(new DescribeServicesCommand({ services: ['web'] }))
    expect(svc.services?.[0]?.taskDefinition).toBe(s.taskDefinitions[0])
    // A settled deployment cannot be stopped again.
    await expect(ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: arn, stopType: 'ROLLBACK' }))).rejects.toMatchObject({
      name: 'ConflictException',
    })
  })

  it('rolls back on its own when a deployment alarm goes into ALARM', async () => {
    const s = emulator.ecs.seed()
    emulator.seedAlarm('web-5xx', 'OK')
    const arn = await deploy(s, canary(10, 600, { alarms: { alarmNames: ['web-5xx'], enable: true, rollback: true } }))
    await waitFor(
      () => describe1(arn),
      (d) => d.lifecycleStage === 'PRODUCTION_TRAFFIC_SHIFT',
    )
    emulator.setAlarmState('web-5xx', 'ALARM')
    const done = await waitFor(
      () => describe1(arn),
      (d) => d.status === 'ROLLBACK_SUCCESSFUL',
    )
    expect(done.status).toBe('ROLLBACK_SUCCESSFUL')
    expect(done.alarms).toEqual({ status: 'TRIGGERED', alarmNames: ['web-5xx'], triggeredAlarmNames: ['web-5xx'] })
    expect(production(s)).toEqual({ 'web-blue': 100, 'web-green': 0 })
  })

  it('ends ROLLBACK_FAILED when the production rule is gone', async () => {
    const s = emulator.ecs.seed()
    const arn = await deploy(s, canary(10, 600))
    await waitFor(
      () => describe1(arn),
      (d) => d.lifecycleStage === 'PRODUCTION_TRAFFIC_SHIFT',
    )
    emulator.state.elbv2.deleteRule(s.productionRuleArn, null)
    await ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: arn }))
    const done = await waitFor(
      () => describe1(arn),
      (d) => d.status === 'ROLLBACK_FAILED',
    )
    expect(done.status).toBe('ROLLBACK_FAILED')
    expect(done.statusReason).toContain('One or more rules not found')
  })
})

describe('emulated ECS: LINEAR, BLUE_GREEN and test traffic', () => {
  it('LINEAR moves production in equal steps, never baking after 100%', async () => {
    const s = emulator.ecs.seed()
    const before = emulator.elbv2.history().length
    const arn = await deploy(s, { strategy: 'LINEAR', linearConfiguration: { stepPercent: 25, stepBakeTimeInMinutes: 3 }, bakeTimeInMinutes: 0 })
    await waitFor(
      () => describe1(arn),
      (d) => d.status === 'SUCCESSFUL',
    )
    const weights = emulator.elbv2
      .history()
      .slice(before)
      .filter((h) => h.arn === s.productionRuleArn && h.accessKeyId === 'ecs.amazonaws.com')
      .map((h) => h.actions[0]?.Forward?.TargetGroups.find((g) => g.TargetGroupArn === s.targetGroups.green)?.Weight)
    expect(weights).toEqual([25, 50, 75, 100])
  })

  it('BLUE_GREEN sends test traffic to the new revision first, then all production at once, and bakes with both up', async () => {
    const s = emulator.ecs.seed()
    const arn = await deploy(s, { strategy: 'BLUE_GREEN', bakeTimeInMinutes: 300 })
    const baking = await waitFor(
      () => describe1(arn),
      (d) => d.lifecycleStage === 'BAKE_TIME' && d.targetServiceRevision?.requestedProductionTrafficWeight === 100,
    )
    expect(baking.lifecycleStage).toBe('BAKE_TIME')
    expect(baking.targetServiceRevision).toMatchObject({ requestedProductionTrafficWeight: 100, requestedTestTrafficWeight: 100 })
    expect(test(s)).toEqual({ 'web-blue': 0, 'web-green': 100 })
    expect(production(s)).toEqual({ 'web-blue': 0, 'web-green': 100 })
    // The old revision still runs through the bake, so a rollback is instant.
    expect(emulator.state.elbv2.targetGroups.get(s.targetGroups.blue)?.targets).toHaveLength(2)
  })

  it('refuses BLUE_GREEN without a bake time, and a canary below 0.1%, before changing the service', async () => {
    const s = emulator.ecs.seed()
    await expect(
      ecs.send(new UpdateServiceCommand({ service: 'web', taskDefinition: s.taskDefinitions[1], deploymentConfiguration: { strategy: 'ROLLING' } })),
    ).resolves.toBeDefined()
    emulator.reset()
    const t = emulator.ecs.seed({ deploymentConfiguration: { strategy: 'CANARY' } })
    await expect(
      ecs.send(new UpdateServiceCommand({ service: 'web', taskDefinition: t.taskDefinitions[1], deploymentConfiguration: { strategy: 'BLUE_GREEN' } })),
    ).rejects.toMatchObject({ name: 'InvalidParameterException', message: expect.stringContaining('bakeTimeInMinutes') })
    await expect(
      ecs.send(new UpdateServiceCommand({ service: 'web', taskDefinition: t.taskDefinitions[1], deploymentConfiguration: canary(0.05, 1) })),
    ).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: expect.stringContaining('0.1 to 100.0'),
    })
    const svc = await ecs.send(new DescribeServicesCommand({ services: ['web'] }))
    expect(svc.services?.[0]?.taskDefinition).toBe(t.taskDefinitions[0])
    expect(svc.services?.[0]?.deploymentConfiguration?.strategy).toBe('CANARY')
  })
})

describe('emulated ECS: PAUSE hooks', () => {
  const pause = (stage: 'POST_TEST_TRAFFIC_SHIFT' | 'POST_PRODUCTION_TRAFFIC_SHIFT', timeoutInMinutes = 600, action: 'CONTINUE' | 'ROLLBACK' = 'ROLLBACK') => ({
    targetType: 'PAUSE' as const,
    lifecycleStages: [stage],
    timeoutConfiguration: { timeoutInMinutes, action },
  })

  it('waits at the hook with test traffic only, then continues on ContinueServiceDeployment', async () => {
    const s = emulator.ecs.seed()
    const arn = await deploy(s, canary(10, 1, { lifecycleHooks: [pause('POST_TEST_TRAFFIC_SHIFT')] }))
    const paused = await waitFor(
      () => describe1(arn),
      (d) => d.lifecycleHookDetails?.[0]?.status === 'AWAITING_ACTION',
    )
    expect(paused.lifecycleStage).toBe('POST_TEST_TRAFFIC_SHIFT')
    expect(paused.lifecycleHookDetails?.[0]).toMatchObject({ targetType: 'PAUSE', timeoutAction: 'ROLLBACK' })
    expect(test(s)).toEqual({ 'web-blue': 0, 'web-green': 100 })
    expect(production(s)).toEqual({ 'web-blue': 100, 'web-green': 0 })
    await sleep(SCALE * 3)
    expect((await describe1(arn)).lifecycleStage).toBe('POST_TEST_TRAFFIC_SHIFT')
    await ecs.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: arn, hookId: paused.lifecycleHookDetails?.[0]?.hookId ?? '' }))
    const done = await waitFor(
      () => describe1(arn),
      (d) => d.status === 'SUCCESSFUL',
    )
    expect(done.status).toBe('SUCCESSFUL')
  })

  it('rolls back when the hook is answered ROLLBACK, or times out with its timeout action', async () => {
    const s = emulator.ecs.seed()
    const arn = await deploy(s, canary(10, 1, { lifecycleHooks: [pause('POST_TEST_TRAFFIC_SHIFT')] }))
    const paused = await waitFor(
      () => describe1(arn),
      (d) => d.lifecycleHookDetails?.[0]?.status === 'AWAITING_ACTION',
    )
    const hookId = paused.lifecycleHookDetails?.[0]?.hookId ?? ''
    await expect(ecs.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: arn, hookId: 'ecs-pause-unknown' }))).rejects.toMatchObject({
      name: 'InvalidParameterException',
    })
    await ecs.send(new ContinueServiceDeploymentCommand({ serviceDeploymentArn: arn, hookId, action: 'ROLLBACK' }))
    expect(
      (
        await waitFor(
          () => describe1(arn),
          (d) => d.status === 'ROLLBACK_SUCCESSFUL',
        )
      ).status,
    ).toBe('ROLLBACK_SUCCESSFUL')
    expect(test(s)).toEqual({ 'web-blue': 100, 'web-green': 0 })

    const second = await deploy(s, canary(10, 1, { lifecycleHooks: [pause('POST_TEST_TRAFFIC_SHIFT', 2, 'ROLLBACK')] }))
    const timedOut = await waitFor(
      () => describe1(second),
      (d) => d.status === 'ROLLBACK_SUCCESSFUL',
    )
    expect(timedOut.status).toBe('ROLLBACK_SUCCESSFUL')
    expect(timedOut.statusReason).toContain('timed out')
  })
})

describe('emulated ECS: services and errors', () => {
  it('answers unknown clusters, services and deployments with the errors ECS documents', async () => {
    emulator.ecs.seed()
    await expect(ecs.send(new DescribeServicesCommand({ cluster: 'nope', services: ['web'] }))).rejects.toMatchObject({ name: 'ClusterNotFoundException' })
    expect((await ecs.send(new DescribeServicesCommand({ services: ['web', 'api'] }))).failures).toEqual([
      { arn: 'arn:aws:ecs:us-east-1:123456789012:service/default/api', reason: 'MISSING' },
    ])
    await expect(ecs.send(new UpdateServiceCommand({ service: 'api', desiredCount: 1 }))).rejects.toMatchObject({ name: 'ServiceNotFoundException' })
    await expect(ecs.send(new ListServiceDeploymentsCommand({ service: 'api' }))).rejects.toMatchObject({ name: 'ServiceNotFoundException' })
    await expect(
      ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: 'arn:aws:ecs:us-east-1:123456789012:service-deployment/default/web/x' })),
    ).rejects.toMatchObject({ name: 'ServiceDeploymentNotFoundException' })
  })

  it('creates a service and registers task definitions with their roles', async () => {
    const s = emulator.ecs.seed()
    const td = await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'api',
        taskRoleArn: 'arn:aws:iam::123456789012:role/api-task',
        executionRoleArn: 'arn:aws:iam::123456789012:role/ecsTaskExecutionRole',
        containerDefinitions: [{ name: 'api', image: 'api:1' }],
      }),
    )
    expect(td.taskDefinition?.taskDefinitionArn).toBe('arn:aws:ecs:us-east-1:123456789012:task-definition/api:1')
    const read = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'api' }))
    expect(read.taskDefinition).toMatchObject({ taskRoleArn: 'arn:aws:iam::123456789012:role/api-task', revision: 1 })
    const created = await ecs.send(new CreateServiceCommand({ serviceName: 'api', taskDefinition: 'api:1', desiredCount: 1 }))
    expect(created.service).toMatchObject({ serviceName: 'api', deploymentController: { type: 'ECS' }, deploymentConfiguration: { strategy: 'ROLLING' } })
    expect(s.serviceArn).toBe('arn:aws:ecs:us-east-1:123456789012:service/default/web')
  })

  it('refuses a task definition change on a CODE_DEPLOY service, pointing at CodeDeploy', async () => {
    const s = emulator.ecs.seed({ service: 'legacy', controller: 'CODE_DEPLOY' })
    await expect(ecs.send(new UpdateServiceCommand({ service: 'legacy', taskDefinition: s.taskDefinitions[1] }))).rejects.toMatchObject({
      name: 'InvalidParameterException',
      message: expect.stringContaining('Use AWS CodeDeploy'),
    })
  })

  it('seeds over the control API for other processes', async () => {
    const control = new EmulatorControl(emulator.url)
    const s = await control.seedEcs({ service: 'shop', deploymentConfiguration: canary(5, 1) })
    expect(s.testRuleArn).toBeDefined()
    await control.configureEcs({ timeScale: SCALE })
    await deploy(s, canary(5, 1))
    const summary = await waitFor(
      () => control.ecsDeployments(),
      (all) => all.at(-1)?.status === 'SUCCESSFUL',
    )
    expect(summary.at(-1)).toMatchObject({ strategy: 'CANARY', status: 'SUCCESSFUL', targetTaskDefinition: s.taskDefinitions[1], productionPercent: 100 })
  })
})

describe('emulated ECS: readings where AWS is silent', () => {
  it('UpdateService during a deployment supersedes it: STOPPED, traffic back, the new one reconciles both revisions', async () => {
    const s = emulator.ecs.seed({ revisions: 3 })
    const first = await deploy(s, canary(20, 600))
    await waitFor(
      () => describe1(first),
      (d) => d.lifecycleStage === 'PRODUCTION_TRAFFIC_SHIFT',
    )
    const second = await deploy(s, canary(20, 1), 2)
    expect((await describe1(first)).status).toBe('STOPPED')
    const d = await describe1(second)
    expect(d.sourceServiceRevisions).toHaveLength(2)
    const done = await waitFor(
      () => describe1(second),
      (x) => x.status === 'SUCCESSFUL',
    )
    expect(done.status).toBe('SUCCESSFUL')
    expect(production(s)).toEqual({ 'web-blue': 0, 'web-green': 100 })
  })

  it('a new deployment is PENDING before it starts, and stopping it then rolls it back', async () => {
    const s = emulator.ecs.seed()
    emulator.ecs.configure({ pendingMinutes: 1000 })
    const arn = await deploy(s, canary(10, 1))
    const pending = await describe1(arn)
    expect(pending.status).toBe('PENDING')
    expect(pending.lifecycleStage).toBeUndefined()
    expect(pending.startedAt).toBeUndefined()
    await ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: arn, stopType: 'ROLLBACK' }))
    const done = await waitFor(
      () => describe1(arn),
      (d) => d.status === 'ROLLBACK_SUCCESSFUL',
    )
    expect(done.status).toBe('ROLLBACK_SUCCESSFUL')
    expect(production(s)).toEqual({ 'web-blue': 100, 'web-green': 0 })
  })

  it('stopType ABORT stops where it is: STOP_REQUESTED, then STOPPED, traffic left split', async () => {
    const s = emulator.ecs.seed()
    emulator.ecs.configure({ rollbackMinutes: 10 })
    const arn = await deploy(s, canary(30, 600))
    await waitFor(
      () => describe1(arn),
      (d) => d.lifecycleStage === 'PRODUCTION_TRAFFIC_SHIFT',
    )
    await ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: arn, stopType: 'ABORT' }))
    expect((await describe1(arn)).status).toBe('STOP_REQUESTED')
    const done = await waitFor(
      () => describe1(arn),
      (d) => d.status === 'STOPPED',
    )
    expect(done.stoppedAt).toBeDefined()
    expect(production(s)).toEqual({ 'web-blue': 70, 'web-green': 30 })
  })

  it('alarms without rollback stop the deployment with traffic split; the next one reconciles both revisions first', async () => {
    const s = emulator.ecs.seed({ revisions: 3 })
    emulator.seedAlarm('web-5xx', 'OK')
    const first = await deploy(s, canary(10, 600, { alarms: { alarmNames: ['web-5xx'], enable: true, rollback: false } }))
    await waitFor(
      async () => production(s),
      (w) => w['web-green'] === 10,
    )
    emulator.setAlarmState('web-5xx', 'ALARM')
    const stopped = await waitFor(
      () => describe1(first),
      (d) => d.status === 'STOPPED',
    )
    expect(stopped.statusReason).toContain('web-5xx')
    expect(production(s)).toEqual({ 'web-blue': 90, 'web-green': 10 })
    emulator.setAlarmState('web-5xx', 'OK')
    const before = emulator.elbv2.history().length
    const second = await deploy(s, canary(10, 1), 2)
    const d = await describe1(second)
    expect(d.sourceServiceRevisions).toHaveLength(2)
    // Its first write puts production back on the old revision.
    const reconciled = emulator.elbv2
      .history()
      .slice(before)
      .find((h) => h.arn === s.productionRuleArn)
    expect(reconciled?.actions[0]?.Forward?.TargetGroups.map((g) => g.Weight)).toEqual([100, 0])
    await waitFor(
      () => describe1(second),
      (x) => x.status === 'SUCCESSFUL',
    )
    const green = emulator.state.elbv2.targetGroups.get(s.targetGroups.green)?.targets ?? []
    expect(green).toHaveLength(2)
    expect(emulator.state.elbv2.targetGroups.get(s.targetGroups.blue)?.targets).toHaveLength(0)
  })

  it('a failing Lambda hook rolls the deployment back', async () => {
    const s = emulator.ecs.seed()
    emulator.ecs.configure({ lambdaHookResult: 'FAILED' })
    const hook = {
      targetType: 'AWS_LAMBDA' as const,
      hookTargetArn: 'arn:aws:lambda:us-east-1:123456789012:function:smoke',
      roleArn: 'arn:aws:iam::123456789012:role/ecs-hooks',
      lifecycleStages: ['POST_TEST_TRAFFIC_SHIFT' as const],
      hookDetails: { suite: 'smoke', retries: 2 },
    }
    const arn = await deploy(s, canary(10, 1, { lifecycleHooks: [hook] }))
    const done = await waitFor(
      () => describe1(arn),
      (d) => d.status === 'ROLLBACK_SUCCESSFUL',
    )
    expect(done.statusReason).toContain('failed')
  })
})

describe('emulated ECS: traffic through the ALB', () => {
  it('sends test users to the new revision at the test shift, and a crashing revision fails its share in its own group', async () => {
    const s = emulator.ecs.seed()
    emulator.ecs.crash(s.taskDefinitions[1] ?? '', 0.5)
    const arn = await deploy(s, canary(50, 600, { lifecycleHooks: [{ targetType: 'PAUSE', lifecycleStages: ['POST_TEST_TRAFFIC_SHIFT'] }] }))
    await waitFor(
      () => describe1(arn),
      (d) => d.lifecycleHookDetails?.[0]?.status === 'AWAITING_ACTION',
    )
    const traffic = emulator.elbv2.traffic
    const users = { listenerArn: s.listenerArn, rps: 0, users: { share: 1, headers: { 'x-canary': 'true' } } }
    expect(traffic.burst(users, 200)).toEqual({ 'web-green': 200 })
    expect(traffic.burst({ listenerArn: s.listenerArn, rps: 0 }, 200)).toEqual({ 'web-blue': 200 })
    const t0 = Date.now()
    traffic.burst({ listenerArn: s.listenerArn, rps: 0 }, 400, t0)
    traffic.burst(users, 400, t0)
    const dims = (group: string) => ({ LoadBalancer: s.loadBalancer, TargetGroup: group.split(':').at(-1) ?? '' })
    const errors = (group: string) =>
      traffic.datapoints('HTTPCode_Target_5XX_Count', dims(group), 'Sum', t0 - 60_000, t0 + 60_000, 60).reduce((n, p) => n + p.value, 0)
    expect(errors(s.targetGroups.green)).toBeGreaterThan(100)
    expect(errors(s.targetGroups.blue)).toBeLessThan(10)
    // Its tasks still pass the ALB's health checks: only the requests tell.
    expect(emulator.state.elbv2.targetGroups.get(s.targetGroups.green)?.targets.map((t) => t.state)).toEqual(['healthy', 'healthy'])
  })
})

describe('emulated ECS: IAM on resource ARNs', () => {
  const service = 'arn:aws:ecs:us-east-1:123456789012:service/default/web'

  it('authorises UpdateService on the service ARN and iam:PassRole on the task roles, passed to ecs-tasks.amazonaws.com', async () => {
    const s = emulator.ecs.seed()
    emulator.setPolicy({ Statement: [{ Action: ['ecs:UpdateService'], Resource: [service] }] })
    const update = () => ecs.send(new UpdateServiceCommand({ service: 'web', taskDefinition: s.taskDefinitions[1], deploymentConfiguration: canary(10, 1) }))
    await expect(update()).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringContaining(`iam:PassRole on resource: ${s.roles.task}`),
    })
    emulator.setPolicy({
      Statement: [
        { Action: ['ecs:UpdateService'], Resource: [service] },
        { Action: ['iam:PassRole'], Resource: [s.roles.task, s.roles.execution], Condition: { StringEquals: { 'iam:PassedToService': 'ecs.amazonaws.com' } } },
      ],
    })
    await expect(update()).rejects.toMatchObject({ name: 'AccessDeniedException' })
    emulator.setPolicy({
      Statement: [
        { Action: ['ecs:UpdateService'], Resource: [service] },
        {
          Action: ['iam:PassRole'],
          Resource: [s.roles.task, s.roles.execution],
          Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
        },
      ],
    })
    const out = await update()
    expect(out.service?.taskDefinition).toBe(s.taskDefinitions[1])
    await expect(ecs.send(new UpdateServiceCommand({ service: 'other', desiredCount: 1 }))).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringContaining('ecs:UpdateService on resource: arn:aws:ecs:us-east-1:123456789012:service/default/other'),
    })
  })

  it('authorises service deployment calls on the service-deployment ARN and revisions on the service-revision ARN', async () => {
    const s = emulator.ecs.seed()
    const arn = await deploy(s, canary(10, 600))
    emulator.setPolicy({ Statement: [{ Action: ['ecs:DescribeServiceDeployments', 'ecs:StopServiceDeployment'], Resource: [service] }] })
    await expect(describe1(arn)).rejects.toMatchObject({ name: 'AccessDeniedException' })
    emulator.setPolicy({
      Statement: [
        {
          Action: ['ecs:DescribeServiceDeployments', 'ecs:StopServiceDeployment'],
          Resource: ['arn:aws:ecs:us-east-1:123456789012:service-deployment/default/web/*'],
        },
      ],
    })
    expect((await describe1(arn)).serviceDeploymentArn).toBe(arn)
    await ecs.send(new StopServiceDeploymentCommand({ serviceDeploymentArn: arn, stopType: 'ROLLBACK' }))
    await expect(
      ecs.send(new DescribeServiceRevisionsCommand({ serviceRevisionArns: [(await describe1(arn)).targetServiceRevision?.arn ?? ''] })),
    ).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: expect.stringContaining('service-revision/default/web/'),
    })
  })
})

contractCheck()
