import {
  ContinueServiceDeploymentCommand,
  DescribeServiceDeploymentsCommand,
  DescribeServiceRevisionsCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ECSClient,
  ListServiceDeploymentsCommand,
  type Service,
  type ServiceDeployment,
  StopServiceDeploymentCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs'
import { mockClient } from 'aws-sdk-client-mock'
import { beforeEach, describe, expect, it } from 'vitest'
import { FakeClock } from '../../__fixtures__/clock.js'
import { firingAlarm, reading, ScriptedGate } from '../../__fixtures__/gate.js'
import { RecordingLog } from '../../__fixtures__/log.js'
import { parseStages } from '../../src/core/stages.js'
import type { EcsInputs } from '../../src/ecs/inputs.js'
import { type ReleaseDeps, releaseEcs } from '../../src/ecs/release.js'
import { mapStages } from '../../src/ecs/strategy.js'

const ecs = mockClient(ECSClient)
const P = 'arn:aws:ecs:us-east-1:123456789012'
const SERVICE_ARN = `${P}:service/prod/web`
const DEPLOYMENT = `${P}:service-deployment/prod/web/abc123`
const TG = (name: string) => `arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/${name}/0123456789abcdef`
const RULE = 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee'
const TEST_RULE = RULE.replace(/\/[^/]+$/, '/1111111111111111')

function service(extra: Partial<Service> = {}): Service {
  return {
    serviceArn: SERVICE_ARN,
    serviceName: 'web',
    status: 'ACTIVE',
    taskDefinition: `${P}:task-definition/web:1`,
    deploymentController: { type: 'ECS' },
    deploymentConfiguration: { strategy: 'ROLLING', maximumPercent: 200, minimumHealthyPercent: 100 },
    loadBalancers: [
      {
        targetGroupArn: TG('blue'),
        containerName: 'web',
        containerPort: 80,
        advancedConfiguration: {
          alternateTargetGroupArn: TG('green'),
          productionListenerRule: RULE,
          testListenerRule: TEST_RULE,
          roleArn: `${P.replace(':ecs:us-east-1:', ':iam::')}:role/ecs-lb`,
        },
      },
    ],
    ...extra,
  }
}

function deployment(status: ServiceDeployment['status'], extra: Partial<ServiceDeployment> = {}, weight = 0, testWeight = 0): ServiceDeployment {
  return {
    serviceDeploymentArn: DEPLOYMENT,
    status,
    sourceServiceRevisions: [{ arn: `${P}:service-revision/prod/web/1` }],
    targetServiceRevision: { arn: `${P}:service-revision/prod/web/2`, requestedProductionTrafficWeight: weight, requestedTestTrafficWeight: testWeight },
    ...extra,
  }
}

/**
 * DescribeServiceDeployments answers from `states` in order, then repeats the last; after a
 * ContinueServiceDeployment it moves on to `afterContinue`, after a StopServiceDeployment to ROLLBACK_SUCCESSFUL.
 */
function script(states: ServiceDeployment[], afterContinue: ServiceDeployment[] = []): void {
  let n = 0
  let queue = states
  ecs.on(ContinueServiceDeploymentCommand).callsFake(() => {
    queue = afterContinue
    n = 0
    return { serviceDeploymentArn: DEPLOYMENT }
  })
  ecs.on(StopServiceDeploymentCommand).callsFake(() => {
    queue = [deployment('ROLLBACK_IN_PROGRESS'), deployment('ROLLBACK_SUCCESSFUL')]
    n = 0
    return { serviceDeploymentArn: DEPLOYMENT }
  })
  ecs.on(DescribeServiceDeploymentsCommand).callsFake(() => {
    const state = queue[Math.min(n, queue.length - 1)]
    n += 1
    return { serviceDeployments: [state] }
  })
}

function inputs(stages: string): EcsInputs {
  return { cluster: 'prod', service: 'web', taskDefinition: 'web:2', plan: mapStages(parseStages(stages, { users: true })) }
}

function deps(gate = new ScriptedGate(), groups: string[][] = []): ReleaseDeps & { log: RecordingLog; ids: string[] } {
  const log = new RecordingLog()
  const client = new ECSClient({ region: 'us-east-1' })
  const ids: string[] = []
  return {
    client,
    writeClient: client,
    stopClient: client,
    gate,
    clock: new FakeClock(),
    log,
    pollMs: 15_000,
    signal: new AbortController().signal,
    maxHoldMs: undefined,
    onDeployment: (arn) => ids.push(arn),
    onGroups: (g) => {
      if (g?.known) groups.push([g.stable, g.canary])
    },
    ids,
  }
}

beforeEach(() => {
  ecs.reset()
  ecs.on(DescribeServicesCommand).resolves({ services: [service()] })
  ecs.on(DescribeTaskDefinitionCommand).resolves({
    taskDefinition: { taskDefinitionArn: `${P}:task-definition/web:2`, taskRoleArn: 'arn:aws:iam::123456789012:role/web-task' },
  })
  ecs.on(ListServiceDeploymentsCommand).resolves({ serviceDeployments: [] })
  ecs.on(UpdateServiceCommand).resolves({ service: { ...service(), currentServiceDeployment: DEPLOYMENT } })
  ecs.on(DescribeServiceRevisionsCommand).resolves({
    serviceRevisions: [
      {
        serviceRevisionArn: `${P}:service-revision/prod/web/1`,
        taskDefinition: `${P}:task-definition/web:1`,
        resolvedConfiguration: { loadBalancers: [{ targetGroupArn: TG('blue') }] },
      },
      {
        serviceRevisionArn: `${P}:service-revision/prod/web/2`,
        taskDefinition: `${P}:task-definition/web:2`,
        resolvedConfiguration: { loadBalancers: [{ targetGroupArn: TG('green') }] },
      },
    ],
  })
})

describe('issue 19: ECS mode release', () => {
  it('writes one UpdateService with the mapped CANARY and the alarms with rollback, and promotes when ECS succeeds', async () => {
    script([
      deployment('IN_PROGRESS', { lifecycleStage: 'PRODUCTION_TRAFFIC_SHIFT' }, 10),
      deployment('IN_PROGRESS', {}, 100),
      deployment('SUCCESSFUL', {}, 100),
    ])
    const groups: string[][] = []
    const gate = new ScriptedGate(() => reading('pass', { alarms: [{ ...firingAlarm, name: 'web-5xx', state: 'OK' }] }))
    const d = deps(gate, groups)
    const outcome = await releaseEcs(d, inputs('10%:5m, 100%:10m'))
    expect(outcome).toMatchObject({ result: 'promoted', weight: 100, stableVersion: 'web:1', targetVersion: 'web:2', deploymentArn: DEPLOYMENT })
    const writes = ecs.commandCalls(UpdateServiceCommand)
    expect(writes).toHaveLength(1)
    expect(writes[0]?.args[0].input).toMatchObject({
      cluster: 'prod',
      service: 'web',
      taskDefinition: `${P}:task-definition/web:2`,
      deploymentConfiguration: {
        strategy: 'CANARY',
        canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 5 },
        bakeTimeInMinutes: 10,
        alarms: { alarmNames: ['web-5xx'], enable: true, rollback: true },
        maximumPercent: 200,
      },
    })
    expect(d.ids).toEqual([DEPLOYMENT])
    expect(groups).toEqual([[TG('blue'), TG('green')]])
    expect(ecs.commandCalls(StopServiceDeploymentCommand)).toHaveLength(0)
  })

  it('stops with ROLLBACK on a failing gate and follows the rollback to ROLLBACK_SUCCESSFUL', async () => {
    script([deployment('IN_PROGRESS', {}, 10)])
    const gate = new ScriptedGate((n) => (n < 2 ? reading('pass') : reading('fail')))
    const outcome = await releaseEcs(deps(gate), inputs('10%:5m, 100%'))
    expect(outcome.result).toBe('rolled-back')
    expect(outcome.weight).toBe(0)
    expect(outcome.reason).toContain('errors-high')
    expect(outcome.reason).toContain('ROLLBACK_SUCCESSFUL')
    expect(ecs.commandCalls(StopServiceDeploymentCommand)[0]?.args[0].input).toEqual({ serviceDeploymentArn: DEPLOYMENT, stopType: 'ROLLBACK' })
  })

  it("follows ECS's own alarm rollback to its end, naming the alarm, without a stop of its own", async () => {
    const alarms = { status: 'TRIGGERED' as const, alarmNames: ['web-5xx'], triggeredAlarmNames: ['web-5xx'] }
    script([deployment('IN_PROGRESS', {}, 10), deployment('ROLLBACK_IN_PROGRESS', { alarms }), deployment('ROLLBACK_SUCCESSFUL', { alarms })])
    const outcome = await releaseEcs(deps(), inputs('10%:5m, 100%'))
    expect(outcome).toMatchObject({ result: 'rolled-back', weight: 0, alarmName: 'web-5xx' })
    expect(outcome.reason).toContain('ROLLBACK_SUCCESSFUL')
    expect(ecs.commandCalls(StopServiceDeploymentCommand)).toHaveLength(0)
  })

  it('refuses, naming its revision, when another deployment is under way, and writes nothing', async () => {
    ecs.on(ListServiceDeploymentsCommand).resolves({ serviceDeployments: [{ serviceDeploymentArn: DEPLOYMENT, status: 'IN_PROGRESS' }] })
    script([deployment('IN_PROGRESS', { targetServiceRevision: { arn: `${P}:service-revision/prod/web/3` } })])
    ecs.on(DescribeServiceRevisionsCommand).resolves({
      serviceRevisions: [{ serviceRevisionArn: `${P}:service-revision/prod/web/3`, taskDefinition: `${P}:task-definition/web:3` }],
    })
    const outcome = await releaseEcs(deps(), inputs('10%:5m, 100%'))
    expect(outcome.result).toBe('refused')
    expect(outcome.reason).toContain('web:3')
    expect(ecs.commandCalls(UpdateServiceCommand)).toHaveLength(0)
    expect(ecs.commandCalls(StopServiceDeploymentCommand)).toHaveLength(0)
  })

  it('attaches to a deployment of the same revision instead of starting another', async () => {
    ecs.on(ListServiceDeploymentsCommand).resolves({ serviceDeployments: [{ serviceDeploymentArn: DEPLOYMENT, status: 'IN_PROGRESS' }] })
    script([deployment('IN_PROGRESS', {}, 10), deployment('SUCCESSFUL', {}, 100)])
    const outcome = await releaseEcs(deps(), inputs('10%:5m, 100%'))
    expect(outcome.result).toBe('promoted')
    expect(ecs.commandCalls(UpdateServiceCommand)).toHaveLength(0)
  })

  it('points a CODE_DEPLOY service at CodeDeploy mode, and names what a service without advancedConfiguration lacks', async () => {
    ecs.on(DescribeServicesCommand).resolves({ services: [service({ deploymentController: { type: 'CODE_DEPLOY' } })] })
    expect((await releaseEcs(deps(), inputs('10%:5m, 100%'))).reason).toContain('CodeDeploy mode')
    ecs.on(DescribeServicesCommand).resolves({ services: [service({ loadBalancers: [{ targetGroupArn: TG('blue') }] })] })
    expect((await releaseEcs(deps(), inputs('10%:5m, 100%'))).reason).toContain('advancedConfiguration')
    expect(ecs.commandCalls(UpdateServiceCommand)).toHaveLength(0)
  })

  it('refuses a users stage on a service without a test listener rule', async () => {
    const plain = service()
    const lb = plain.loadBalancers?.[0]
    ecs.on(DescribeServicesCommand).resolves({
      services: [{ ...plain, loadBalancers: [{ ...lb, advancedConfiguration: { ...lb?.advancedConfiguration, testListenerRule: undefined } }] }],
    })
    const outcome = await releaseEcs(deps(), inputs('users:5m, 10%:5m, 100%'))
    expect(outcome.result).toBe('refused')
    expect(outcome.reason).toContain('test listener rule')
    expect(ecs.commandCalls(UpdateServiceCommand)).toHaveLength(0)
  })

  it('users stage: adds a PAUSE hook after test traffic, judges its bake, then continues the deployment', async () => {
    const paused = deployment(
      'IN_PROGRESS',
      { lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT', lifecycleHookDetails: [{ hookId: 'hook-1', targetType: 'PAUSE', status: 'AWAITING_ACTION' }] },
      0,
      100,
    )
    script([paused], [deployment('IN_PROGRESS', {}, 10), deployment('SUCCESSFUL', {}, 100)])
    const d = deps()
    const outcome = await releaseEcs(d, inputs('users:1m, 10%:5m, 100%'))
    expect(outcome.result).toBe('promoted')
    const config = ecs.commandCalls(UpdateServiceCommand)[0]?.args[0].input.deploymentConfiguration
    expect(config?.lifecycleHooks).toEqual([
      { targetType: 'PAUSE', lifecycleStages: ['POST_TEST_TRAFFIC_SHIFT'], timeoutConfiguration: { timeoutInMinutes: 16, action: 'ROLLBACK' } },
    ])
    const continued = ecs.commandCalls(ContinueServiceDeploymentCommand)
    expect(continued.map((c) => c.args[0].input)).toEqual([{ serviceDeploymentArn: DEPLOYMENT, hookId: 'hook-1', action: 'CONTINUE' }])
    // 15 s polls: the continue waits for a full minute of the pause.
    expect(d.log.text()).toContain('Test traffic passed its bake (1m)')
  })

  it('users stage alone holds at the test-traffic hook for a later run', async () => {
    const paused = deployment(
      'IN_PROGRESS',
      { lifecycleStage: 'POST_TEST_TRAFFIC_SHIFT', lifecycleHookDetails: [{ hookId: 'hook-1', targetType: 'PAUSE', status: 'AWAITING_ACTION' }] },
      0,
      100,
    )
    script([paused])
    ecs.on(DescribeServicesCommand).resolves({
      services: [service({ deploymentConfiguration: { strategy: 'CANARY', canaryConfiguration: { canaryPercent: 10, canaryBakeTimeInMinutes: 5 } } })],
    })
    const outcome = await releaseEcs(deps(), inputs('users:30s'))
    expect(outcome.result).toBe('held')
    expect(outcome.weight).toBe(0)
    expect(outcome.reason).toContain('test-traffic hook')
    expect(ecs.commandCalls(ContinueServiceDeploymentCommand)).toHaveLength(0)
    expect(ecs.commandCalls(UpdateServiceCommand)[0]?.args[0].input.deploymentConfiguration).toMatchObject({
      strategy: 'CANARY',
      canaryConfiguration: { canaryPercent: 10 },
    })
  })

  it('a cancel stops the deployment with rollback', async () => {
    script([deployment('IN_PROGRESS', {}, 10)])
    const controller = new AbortController()
    const d = { ...deps(), signal: controller.signal }
    const gate = new ScriptedGate((n) => {
      if (n === 2) controller.abort(new Error('SIGINT'))
      return reading('pass')
    })
    const outcome = await releaseEcs({ ...d, gate }, inputs('10%:5m, 100%'))
    expect(outcome.result).toBe('rolled-back')
    expect(outcome.reason).toContain('cancelled')
    expect(ecs.commandCalls(StopServiceDeploymentCommand)).toHaveLength(1)
  })
})
