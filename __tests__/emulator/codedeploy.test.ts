import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  BatchGetDeploymentTargetsCommand,
  BatchGetDeploymentsCommand,
  CodeDeployClient,
  ContinueDeploymentCommand,
  CreateApplicationCommand,
  CreateDeploymentCommand,
  CreateDeploymentConfigCommand,
  CreateDeploymentGroupCommand,
  DeploymentConfigAlreadyExistsException,
  DeploymentLimitExceededException,
  GetApplicationCommand,
  GetDeploymentCommand,
  GetDeploymentConfigCommand,
  GetDeploymentGroupCommand,
  GetDeploymentTargetCommand,
  ListDeploymentConfigsCommand,
  ListDeploymentTargetsCommand,
  ListDeploymentsCommand,
  PutLifecycleEventHookExecutionStatusCommand,
  StopDeploymentCommand,
  type AutoRollbackConfiguration,
  type CreateDeploymentGroupCommandInput,
  type DeploymentInfo,
} from '@aws-sdk/client-codedeploy'
import { GetAliasCommand, LambdaClient } from '@aws-sdk/client-lambda'
import { EmulatorControl } from '../../emulator/client.js'
import { startEmulator, type Emulator } from '../../emulator/server.js'
import { contractCheck } from '../../__fixtures__/contract.js'

// 100 ms per CodeDeploy minute: Canary10Percent5Minutes takes ~0.5 s.
const SCALE = 100
const ROLE = 'arn:aws:iam::123456789012:role/codedeploy'

let emu: Emulator
let cd: CodeDeployClient
let lambda: LambdaClient

const clientConfig = () => ({
  endpoint: emu.url,
  region: 'us-east-1',
  credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'secret' },
  maxAttempts: 1,
})

async function failure(p: Promise<unknown>): Promise<Error & Record<string, any>> {
  try {
    await p
  } catch (err) {
    return err as Error & Record<string, any>
  }
  throw new Error('expected the call to fail')
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function waitFor<T>(fn: () => Promise<T>, pred: (v: T) => boolean, timeoutMs = 5000): Promise<T> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const v = await fn()
    if (pred(v)) return v
    if (Date.now() > end) throw new Error(`timed out waiting; last value ${JSON.stringify(v)}`)
    await sleep(20)
  }
}

const getDeployment = async (id: string): Promise<DeploymentInfo> =>
  (await cd.send(new GetDeploymentCommand({ deploymentId: id }))).deploymentInfo as DeploymentInfo
const waitStatus = (id: string, ...statuses: string[]) =>
  waitFor(
    () => getDeployment(id),
    (d) => statuses.includes(d.status ?? ''),
  )
const getAlias = (fn = 'checkout', name = 'live') => lambda.send(new GetAliasCommand({ FunctionName: fn, Name: name }))

function lambdaAppSpec(opts: { current?: string; target?: string; hooks?: Record<string, string>; fn?: string } = {}): string {
  const hooks = Object.entries(opts.hooks ?? {}).map(([k, v]) => `  - ${k}: ${v}`)
  return [
    'version: 0.0',
    'Resources:',
    '  - myFunction:',
    '      Type: AWS::Lambda::Function',
    '      Properties:',
    `        Name: ${opts.fn ?? 'checkout'}`,
    '        Alias: live',
    `        CurrentVersion: "${opts.current ?? '1'}"`,
    `        TargetVersion: "${opts.target ?? '2'}"`,
    ...(hooks.length > 0 ? ['Hooks:', ...hooks] : []),
  ].join('\n')
}

async function lambdaSetup(group: Partial<CreateDeploymentGroupCommandInput> = {}): Promise<void> {
  emu.seedFunction('checkout', { versions: 3 })
  emu.seedAlias('checkout', 'live', '1')
  await cd.send(new CreateApplicationCommand({ applicationName: 'app', computePlatform: 'Lambda' }))
  await cd.send(
    new CreateDeploymentGroupCommand({
      applicationName: 'app',
      deploymentGroupName: 'dg',
      serviceRoleArn: ROLE,
      deploymentConfigName: 'CodeDeployDefault.LambdaCanary10Percent5Minutes',
      deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
      ...group,
    }),
  )
}

const deployLambda = async (spec = lambdaAppSpec(), extra: { deploymentConfigName?: string; autoRollbackConfiguration?: AutoRollbackConfiguration } = {}) =>
  (
    await cd.send(
      new CreateDeploymentCommand({
        applicationName: 'app',
        deploymentGroupName: 'dg',
        description: 'release 2',
        revision: { revisionType: 'AppSpecContent', appSpecContent: { content: spec } },
        ...extra,
      }),
    )
  ).deploymentId as string

beforeAll(async () => {
  emu = await startEmulator({ seed: 3, codedeploy: { timeScale: SCALE, hookDelayMs: 20 } })
  cd = new CodeDeployClient(clientConfig())
  lambda = new LambdaClient(clientConfig())
})
afterAll(async () => {
  cd.destroy()
  lambda.destroy()
  await emu.close()
})
beforeEach(() => emu.reset())

describe('codedeploy: applications, groups, configs', () => {
  it('creates and reads applications and deployment groups', async () => {
    const { applicationId } = await cd.send(new CreateApplicationCommand({ applicationName: 'app', computePlatform: 'Lambda' }))
    const { application } = await cd.send(new GetApplicationCommand({ applicationName: 'app' }))
    expect(application).toMatchObject({ applicationId, applicationName: 'app', computePlatform: 'Lambda' })
    expect(application?.createTime).toBeInstanceOf(Date)

    await cd.send(
      new CreateDeploymentGroupCommand({
        applicationName: 'app',
        deploymentGroupName: 'dg',
        serviceRoleArn: ROLE,
        deploymentConfigName: 'CodeDeployDefault.LambdaLinear10PercentEvery1Minute',
        alarmConfiguration: { enabled: true, alarms: [{ name: 'errors' }], ignorePollAlarmFailure: false },
        autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM'] },
      }),
    )
    const { deploymentGroupInfo } = await cd.send(new GetDeploymentGroupCommand({ applicationName: 'app', deploymentGroupName: 'dg' }))
    expect(deploymentGroupInfo).toMatchObject({
      deploymentGroupName: 'dg',
      serviceRoleArn: ROLE,
      deploymentConfigName: 'CodeDeployDefault.LambdaLinear10PercentEvery1Minute',
      alarmConfiguration: { enabled: true, alarms: [{ name: 'errors' }], ignorePollAlarmFailure: false },
      autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM'] },
      computePlatform: 'Lambda',
    })

    const missing = await failure(cd.send(new GetDeploymentGroupCommand({ applicationName: 'app', deploymentGroupName: 'nope' })))
    expect(missing.name).toBe('DeploymentGroupDoesNotExistException')
    const noApp = await failure(cd.send(new GetApplicationCommand({ applicationName: 'ghost' })))
    expect(noApp.name).toBe('ApplicationDoesNotExistException')
    const wrongPlatform = await failure(
      cd.send(
        new CreateDeploymentGroupCommand({
          applicationName: 'app',
          deploymentGroupName: 'x',
          serviceRoleArn: ROLE,
          deploymentConfigName: 'CodeDeployDefault.OneAtATime',
        }),
      ),
    )
    expect(wrongPlatform.name).toBe('InvalidDeploymentConfigNameException')
  })

  it('lists predefined configs and creates custom ones', async () => {
    const { deploymentConfigsList } = await cd.send(new ListDeploymentConfigsCommand({}))
    for (const name of [
      'CodeDeployDefault.LambdaCanary10Percent5Minutes',
      'CodeDeployDefault.LambdaCanary10Percent30Minutes',
      'CodeDeployDefault.LambdaLinear10PercentEvery10Minutes',
      'CodeDeployDefault.LambdaAllAtOnce',
      'CodeDeployDefault.ECSLinear10PercentEvery1Minutes',
      'CodeDeployDefault.ECSCanary10Percent15Minutes',
      'CodeDeployDefault.OneAtATime',
      'CodeDeployDefault.HalfAtATime',
      'CodeDeployDefault.AllAtOnce',
    ]) {
      expect(deploymentConfigsList).toContain(name)
    }
    const { deploymentConfigInfo } = await cd.send(new GetDeploymentConfigCommand({ deploymentConfigName: 'CodeDeployDefault.LambdaCanary10Percent15Minutes' }))
    expect(deploymentConfigInfo).toMatchObject({
      computePlatform: 'Lambda',
      trafficRoutingConfig: { type: 'TimeBasedCanary', timeBasedCanary: { canaryPercentage: 10, canaryInterval: 15 } },
    })

    const input = {
      deploymentConfigName: 'Linear25Every2',
      computePlatform: 'Lambda' as const,
      trafficRoutingConfig: { type: 'TimeBasedLinear' as const, timeBasedLinear: { linearPercentage: 25, linearInterval: 2 } },
    }
    const { deploymentConfigId } = await cd.send(new CreateDeploymentConfigCommand(input))
    expect(deploymentConfigId).toMatch(/^[0-9a-f-]{36}$/)
    const dup = await failure(cd.send(new CreateDeploymentConfigCommand(input)))
    expect(dup).toBeInstanceOf(DeploymentConfigAlreadyExistsException)
    const got = await cd.send(new GetDeploymentConfigCommand({ deploymentConfigName: 'Linear25Every2' }))
    expect(got.deploymentConfigInfo?.trafficRoutingConfig).toEqual(input.trafficRoutingConfig)

    const server = await cd.send(
      new CreateDeploymentConfigCommand({ deploymentConfigName: 'ThreeHealthy', minimumHealthyHosts: { type: 'HOST_COUNT', value: 3 } }),
    )
    expect(server.deploymentConfigId).toBeDefined()
    const badRouting = await failure(
      cd.send(
        new CreateDeploymentConfigCommand({
          deploymentConfigName: 'bad',
          computePlatform: 'Lambda',
          trafficRoutingConfig: { type: 'TimeBasedCanary', timeBasedCanary: { canaryPercentage: 0, canaryInterval: 5 } },
        }),
      ),
    )
    expect(badRouting.name).toBe('InvalidTrafficRoutingConfigurationException')
  })
})

describe('codedeploy: Lambda deployments', () => {
  it('shifts the alias through a canary and reports progress, targets and overview', async () => {
    await lambdaSetup()
    const id = await deployLambda()
    expect(id).toMatch(/^d-[A-Z0-9]{9}$/)

    // Canary step: 10% to version 2, still in progress.
    await waitFor(getAlias, (a) => a.RoutingConfig?.AdditionalVersionWeights?.['2'] === 0.1)
    const mid = await getDeployment(id)
    expect(mid).toMatchObject({
      status: 'InProgress',
      creator: 'user',
      computePlatform: 'Lambda',
      deploymentConfigName: 'CodeDeployDefault.LambdaCanary10Percent5Minutes',
    })
    expect(mid.deploymentOverview).toEqual({ Pending: 0, InProgress: 1, Succeeded: 0, Failed: 0, Skipped: 0, Ready: 0 })

    // Only one active deployment per group.
    const limit = await failure(deployLambda())
    expect(limit).toBeInstanceOf(DeploymentLimitExceededException)
    expect(limit.message).toBe(`The Deployment Group 'dg' already has an active Deployment '${id}'`)

    const { targetIds } = await cd.send(new ListDeploymentTargetsCommand({ deploymentId: id }))
    expect(targetIds).toEqual(['checkout:live'])
    const { deploymentTargets } = await cd.send(new BatchGetDeploymentTargetsCommand({ deploymentId: id, targetIds: ['checkout:live'] }))
    expect(deploymentTargets?.[0]).toMatchObject({
      deploymentTargetType: 'LambdaTarget',
      lambdaTarget: {
        deploymentId: id,
        targetId: 'checkout:live',
        targetArn: 'arn:aws:lambda:us-east-1:123456789012:function:checkout:live',
        status: 'InProgress',
        lambdaFunctionInfo: { functionName: 'checkout', functionAlias: 'live', currentVersion: '1', targetVersion: '2', targetVersionWeight: 0.1 },
      },
    })

    const done = await waitStatus(id, 'Succeeded', 'Failed', 'Stopped')
    expect(done.status).toBe('Succeeded')
    expect(done.deploymentOverview?.Succeeded).toBe(1)
    expect(done.completeTime!.getTime() - done.createTime!.getTime()).toBeGreaterThanOrEqual(5 * SCALE - 5)
    expect(done.revision?.appSpecContent?.sha256).toMatch(/^[0-9a-f]{64}$/)
    const alias = await getAlias()
    expect(alias.FunctionVersion).toBe('2')
    expect(alias.RoutingConfig).toBeUndefined()
    const steps = emu
      .aliasHistory()
      .filter((h) => h.accessKeyId === 'codedeploy.amazonaws.com')
      .map((h) => [h.functionVersion, h.weights])
    expect(steps).toEqual([
      ['1', { '2': 0.1 }],
      ['2', {}],
    ])

    const target = await cd.send(new GetDeploymentTargetCommand({ deploymentId: id, targetId: 'checkout:live' }))
    const events = target.deploymentTarget?.lambdaTarget?.lifecycleEvents?.map((e) => [e.lifecycleEventName, e.status])
    expect(events).toEqual([
      ['Start', 'Succeeded'],
      ['BeforeAllowTraffic', 'Skipped'],
      ['AllowTraffic', 'Succeeded'],
      ['AfterAllowTraffic', 'Skipped'],
      ['End', 'Succeeded'],
    ])
    const missingTarget = await failure(cd.send(new GetDeploymentTargetCommand({ deploymentId: id, targetId: 'other:live' })))
    expect(missingTarget.name).toBe('DeploymentTargetDoesNotExistException')
  })

  it('walks a linear config step by step', async () => {
    emu.codedeploy.setTimeScale(40)
    await lambdaSetup({ deploymentConfigName: 'CodeDeployDefault.LambdaLinear10PercentEvery1Minute' })
    const id = await deployLambda()
    await waitStatus(id, 'Succeeded')
    const weights = emu
      .aliasHistory()
      .filter((h) => h.accessKeyId === 'codedeploy.amazonaws.com')
      .map((h) => (h.functionVersion === '2' ? 1 : h.weights['2']))
    // Every increment is monotonic and the shift ends at 100%; ticks may coalesce steps on a slow machine.
    expect(weights[0]).toBe(0.1)
    expect(weights.at(-1)).toBe(1)
    expect([...weights].sort()).toEqual(weights)
    expect(weights.length).toBeGreaterThanOrEqual(5)
  })

  it('fails with INVALID_LAMBDA_CONFIGURATION when CurrentVersion does not match the alias', async () => {
    await lambdaSetup()
    const id = await deployLambda(lambdaAppSpec({ current: '2', target: '3' }))
    const d = await waitStatus(id, 'Failed')
    expect(d.errorInformation).toEqual({
      code: 'INVALID_LAMBDA_CONFIGURATION',
      message:
        'The deployment failed because the AppSpec file that specifies the AWS Lambda deployment configuration is missing or has an invalid configuration. The Lambda function alias version does not match the current version in AppSpec file.',
    })
    expect((await getAlias()).FunctionVersion).toBe('1')
  })

  it('$LATEST is not a valid AppSpec version: the deployment fails with INVALID_LAMBDA_CONFIGURATION', async () => {
    await lambdaSetup()
    emu.seedAlias('checkout', 'live', '$LATEST')
    const id = await deployLambda(lambdaAppSpec({ current: '$LATEST', target: '2' }))
    const d = await waitStatus(id, 'Failed')
    expect(d.errorInformation?.code).toBe('INVALID_LAMBDA_CONFIGURATION')
    expect(d.errorInformation?.message).toContain('Version $LATEST of function checkout is not a published version.')
    expect((await getAlias()).FunctionVersion).toBe('$LATEST')
  })

  it('waits in hooks until PutLifecycleEventHookExecutionStatus; a failed hook rolls back', async () => {
    emu.codedeploy.setHookMode('manual')
    await lambdaSetup({ autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE'] } })
    const id = await deployLambda(lambdaAppSpec({ hooks: { BeforeAllowTraffic: 'preHook', AfterAllowTraffic: 'postHook' } }))

    const [pre] = await waitFor(
      async () => emu.codedeploy.pendingHooks(),
      (h) => h.length === 1,
    )
    expect(pre).toMatchObject({ deploymentId: id, lifecycleEventName: 'BeforeAllowTraffic', functionName: 'preHook' })
    await sleep(3 * SCALE)
    expect((await getDeployment(id)).status).toBe('InProgress')
    expect((await getAlias()).RoutingConfig).toBeUndefined()

    const put = await cd.send(
      new PutLifecycleEventHookExecutionStatusCommand({
        deploymentId: id,
        lifecycleEventHookExecutionId: pre!.lifecycleEventHookExecutionId,
        status: 'Succeeded',
      }),
    )
    expect(put.lifecycleEventHookExecutionId).toBe(pre!.lifecycleEventHookExecutionId)
    const again = await failure(
      cd.send(
        new PutLifecycleEventHookExecutionStatusCommand({
          deploymentId: id,
          lifecycleEventHookExecutionId: pre!.lifecycleEventHookExecutionId,
          status: 'Succeeded',
        }),
      ),
    )
    expect(again.name).toBe('LifecycleEventAlreadyCompletedException')

    // Through the HTTP control API this time.
    const control = new EmulatorControl(emu.url)
    const [post] = await waitFor(
      () => control.codeDeployHooks(),
      (h) => h.length === 1,
      3000,
    )
    expect(post?.lifecycleEventName).toBe('AfterAllowTraffic')
    expect((await getAlias()).FunctionVersion).toBe('2')
    await control.answerCodeDeployHook(id, post!.lifecycleEventHookExecutionId, 'Failed')

    const failed = await waitStatus(id, 'Failed')
    expect(failed.errorInformation?.code).toBe('HOOK_EXECUTION_FAILURE')
    const rollbackId = failed.rollbackInfo?.rollbackDeploymentId as string
    expect(rollbackId).toMatch(/^d-[A-Z0-9]{9}$/)
    const rollback = await waitStatus(rollbackId, 'Succeeded')
    expect(rollback).toMatchObject({ creator: 'codeDeployRollback', rollbackInfo: { rollbackTriggeringDeploymentId: id } })
    const alias = await getAlias()
    expect(alias.FunctionVersion).toBe('1')
    expect(alias.RoutingConfig).toBeUndefined()
  })

  it('answers hooks automatically by default', async () => {
    await lambdaSetup({ deploymentConfigName: 'CodeDeployDefault.LambdaAllAtOnce' })
    const id = await deployLambda(lambdaAppSpec({ hooks: { BeforeAllowTraffic: 'preHook', AfterAllowTraffic: 'postHook' } }))
    const d = await waitStatus(id, 'Succeeded', 'Failed')
    expect(d.status).toBe('Succeeded')
    const { deploymentTarget } = await cd.send(new GetDeploymentTargetCommand({ deploymentId: id, targetId: 'checkout:live' }))
    expect(deploymentTarget?.lambdaTarget?.lifecycleEvents?.find((e) => e.lifecycleEventName === 'AfterAllowTraffic')?.status).toBe('Succeeded')
  })

  it('stops on a group alarm with ALARM_ACTIVE and rolls back the alias', async () => {
    emu.seedAlarm('checkout-errors', 'OK')
    await lambdaSetup({
      alarmConfiguration: { enabled: true, alarms: [{ name: 'checkout-errors' }] },
      autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_STOP_ON_ALARM'] },
    })
    const id = await deployLambda()
    await waitFor(getAlias, (a) => a.RoutingConfig?.AdditionalVersionWeights?.['2'] === 0.1)
    emu.setAlarmState('checkout-errors', 'ALARM')

    const stopped = await waitStatus(id, 'Stopped', 'Succeeded')
    expect(stopped.status).toBe('Stopped')
    expect(stopped.errorInformation?.code).toBe('ALARM_ACTIVE')
    expect(stopped.errorInformation?.message).toContain('checkout-errors')
    const rollbackId = stopped.rollbackInfo?.rollbackDeploymentId as string
    const rollback = await waitStatus(rollbackId, 'Succeeded')
    expect(rollback.rollbackInfo?.rollbackTriggeringDeploymentId).toBe(id)
    expect(rollback.creator).toBe('codeDeployRollback')
    const alias = await getAlias()
    expect(alias.FunctionVersion).toBe('1')
    expect(alias.RoutingConfig).toBeUndefined()

    // The group is free again once the rollback is done.
    const { deployments } = await cd.send(new ListDeploymentsCommand({ applicationName: 'app', deploymentGroupName: 'dg' }))
    expect(deployments).toEqual([rollbackId, id])
    const onlyStopped = await cd.send(new ListDeploymentsCommand({ applicationName: 'app', deploymentGroupName: 'dg', includeOnlyStatuses: ['Stopped'] }))
    expect(onlyStopped.deployments).toEqual([id])
  })

  it('StopDeployment with and without rollback', async () => {
    await lambdaSetup()
    const first = await deployLambda()
    await waitFor(getAlias, (a) => a.RoutingConfig?.AdditionalVersionWeights?.['2'] === 0.1)
    const stop = await cd.send(new StopDeploymentCommand({ deploymentId: first, autoRollbackEnabled: false }))
    expect(stop.status).toBe('Succeeded')
    expect((await getDeployment(first)).status).toBe('Stopped')
    // Without rollback the canary weight stays where it was.
    expect((await getAlias()).RoutingConfig?.AdditionalVersionWeights).toEqual({ '2': 0.1 })
    const again = await failure(cd.send(new StopDeploymentCommand({ deploymentId: first })))
    expect(again.name).toBe('DeploymentAlreadyCompletedException')

    emu.seedAlias('checkout', 'live', '1')
    const second = await deployLambda()
    await waitFor(getAlias, (a) => a.RoutingConfig?.AdditionalVersionWeights?.['2'] === 0.1)
    const stop2 = await cd.send(new StopDeploymentCommand({ deploymentId: second, autoRollbackEnabled: true }))
    expect(stop2.status).toBe('Pending')
    const info = await getDeployment(second)
    expect(info.status).toBe('Stopped')
    const rb = await waitStatus(info.rollbackInfo!.rollbackDeploymentId!, 'Succeeded')
    expect(rb.rollbackInfo?.rollbackTriggeringDeploymentId).toBe(second)
    expect((await getAlias()).RoutingConfig).toBeUndefined()

    const batch = await cd.send(new BatchGetDeploymentsCommand({ deploymentIds: [first, second, 'd-AAAAAAAAA'] }))
    expect(batch.deploymentsInfo?.map((d) => d.deploymentId).sort()).toEqual([first, second].sort())
    const unknown = await failure(getDeployment('d-AAAAAAAAA'))
    expect(unknown.name).toBe('DeploymentDoesNotExistException')
  })

  it('failNext makes CodeDeploy fail the deployment and auto-rolls back', async () => {
    await lambdaSetup({ autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE'] } })
    emu.codedeploy.failNext('dg', { code: 'HEALTH_CONSTRAINTS', afterMinutes: 1 })
    const id = await deployLambda()
    const d = await waitStatus(id, 'Failed', 'Succeeded')
    expect(d.status).toBe('Failed')
    expect(d.errorInformation?.code).toBe('HEALTH_CONSTRAINTS')
    expect(emu.aliasHistory().some((h) => h.weights['2'] === 0.1)).toBe(true)
    await waitStatus(d.rollbackInfo!.rollbackDeploymentId!, 'Succeeded')
    expect((await getAlias()).RoutingConfig).toBeUndefined()
    expect((await getAlias()).FunctionVersion).toBe('1')
    // Consumed: the next deployment is untouched.
    emu.seedAlias('checkout', 'live', '1')
    const next = await deployLambda(lambdaAppSpec(), { deploymentConfigName: 'CodeDeployDefault.LambdaAllAtOnce' })
    expect((await waitStatus(next, 'Succeeded', 'Failed')).status).toBe('Succeeded')
  })

  it('records calls and honours IAM policy and faults under the codedeploy service name', async () => {
    await lambdaSetup()
    emu.setPolicy(['codedeploy:GetApplication'])
    await cd.send(new GetApplicationCommand({ applicationName: 'app' }))
    const denied = await failure(deployLambda())
    expect(denied.name).toBe('AccessDeniedException')
    expect(denied.message).toContain('codedeploy:CreateDeployment')
    expect(denied.message).toContain('arn:aws:codedeploy:us-east-1:123456789012:deploymentgroup:app/dg')
    emu.setPolicy(null)
    emu.setFaults({ unavailable: ['codedeploy'] })
    const down = await failure(cd.send(new GetApplicationCommand({ applicationName: 'app' })))
    expect(down.$metadata?.httpStatusCode).toBe(503)
    emu.setFaults(null)
    const calls = emu.calls().filter((c) => c.service === 'codedeploy')
    expect(calls.map((c) => [c.operation, c.status, c.fault])).toEqual([
      ['CreateApplication', 200, undefined],
      ['CreateDeploymentGroup', 200, undefined],
      ['GetApplication', 200, undefined],
      ['CreateDeployment', 403, 'denied'],
      ['GetApplication', 503, 'unavailable'],
    ])
  })
})

const ecsAppSpec = `{
  "version": 0.0,
  "Resources": [{ "TargetService": { "Type": "AWS::ECS::Service", "Properties": {
    "TaskDefinition": "arn:aws:ecs:us-east-1:123456789012:task-definition/web:7",
    "LoadBalancerInfo": { "ContainerName": "web", "ContainerPort": 8080 } } } }]
}`

async function ecsSetup(readyAction: 'CONTINUE_DEPLOYMENT' | 'STOP_DEPLOYMENT', config = 'CodeDeployDefault.ECSCanary10Percent5Minutes'): Promise<void> {
  await cd.send(new CreateApplicationCommand({ applicationName: 'web', computePlatform: 'ECS' }))
  await cd.send(
    new CreateDeploymentGroupCommand({
      applicationName: 'web',
      deploymentGroupName: 'web-dg',
      serviceRoleArn: ROLE,
      deploymentConfigName: config,
      deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
      ecsServices: [{ clusterName: 'prod', serviceName: 'web' }],
      loadBalancerInfo: {
        targetGroupPairInfoList: [{ targetGroups: [{ name: 'web-blue' }, { name: 'web-green' }], prodTrafficRoute: { listenerArns: ['arn:listener'] } }],
      },
      blueGreenDeploymentConfiguration: {
        deploymentReadyOption: { actionOnTimeout: readyAction, ...(readyAction === 'STOP_DEPLOYMENT' && { waitTimeInMinutes: 60 }) },
        terminateBlueInstancesOnDeploymentSuccess: { action: 'TERMINATE', terminationWaitTimeInMinutes: 0 },
      },
    }),
  )
}

const deployEcs = async () =>
  (
    await cd.send(
      new CreateDeploymentCommand({
        applicationName: 'web',
        deploymentGroupName: 'web-dg',
        revision: { revisionType: 'AppSpecContent', appSpecContent: { content: ecsAppSpec } },
      }),
    )
  ).deploymentId as string

const ecsTaskSets = async (id: string) => {
  const { deploymentTarget } = await cd.send(new GetDeploymentTargetCommand({ deploymentId: id, targetId: 'prod:web' }))
  return deploymentTarget?.ecsTarget?.taskSetsInfo ?? []
}

describe('codedeploy: ECS deployments', () => {
  it('waits in Ready until ContinueDeployment, then shifts task set weights', async () => {
    await ecsSetup('STOP_DEPLOYMENT')
    const id = await deployEcs()
    const ready = await waitStatus(id, 'Ready', 'Failed')
    expect(ready.status).toBe('Ready')
    expect(ready.deploymentOverview?.Ready).toBe(1)
    const before = await ecsTaskSets(id)
    expect(before.map((t) => [t.status, t.trafficWeight, t.targetGroup?.name, t.taskSetLabel])).toEqual([
      ['PRIMARY', 100, 'web-blue', 'Blue'],
      ['ACTIVE', 0, 'web-green', 'Green'],
    ])
    expect(before[0]?.identifer).toMatch(/^ecs-svc\/\d+$/)
    await sleep(3 * SCALE)
    expect((await getDeployment(id)).status).toBe('Ready')

    await cd.send(new ContinueDeploymentCommand({ deploymentId: id, deploymentWaitType: 'READY_WAIT' }))
    await waitFor(
      () => ecsTaskSets(id),
      (t) => t[1]?.trafficWeight === 10,
    )
    expect((await ecsTaskSets(id))[0]?.trafficWeight).toBe(90)
    const done = await waitStatus(id, 'Succeeded', 'Failed', 'Stopped')
    expect(done.status).toBe('Succeeded')
    const after = await ecsTaskSets(id)
    expect(after.map((t) => [t.status, t.trafficWeight])).toEqual([
      ['DRAINING', 0],
      ['PRIMARY', 100],
    ])
    const notReady = await failure(cd.send(new ContinueDeploymentCommand({ deploymentId: id, deploymentWaitType: 'READY_WAIT' })))
    expect(notReady.name).toBe('DeploymentAlreadyCompletedException')

    // The next deployment replaces the now-green primary.
    const next = await deployEcs()
    await waitStatus(next, 'Ready')
    const sets = await ecsTaskSets(next)
    expect(sets.map((t) => t.targetGroup?.name)).toEqual(['web-green', 'web-blue'])
    expect(sets[0]?.identifer).toBe(after[1]?.identifer)
  })

  it('reroutes immediately with CONTINUE_DEPLOYMENT and can be rolled back', async () => {
    await ecsSetup('CONTINUE_DEPLOYMENT')
    const id = await deployEcs()
    await waitFor(
      () => ecsTaskSets(id),
      (t) => t[1]?.trafficWeight === 10,
    )
    const stop = await cd.send(new StopDeploymentCommand({ deploymentId: id, autoRollbackEnabled: true }))
    expect(stop.status).toBe('Pending')
    const sets = await ecsTaskSets(id)
    expect(sets.map((t) => [t.status, t.trafficWeight])).toEqual([
      ['PRIMARY', 100],
      ['DRAINING', 0],
    ])
    const info = await getDeployment(id)
    await waitStatus(info.rollbackInfo!.rollbackDeploymentId!, 'Succeeded')
  })
})

describe('codedeploy: Server deployments', () => {
  it('rolls out instances one at a time with overview counts', async () => {
    emu.codedeploy.setInstanceCount('fleet', 4)
    await cd.send(new CreateApplicationCommand({ applicationName: 'srv', computePlatform: 'Server' }))
    await cd.send(
      new CreateDeploymentGroupCommand({
        applicationName: 'srv',
        deploymentGroupName: 'fleet',
        serviceRoleArn: ROLE,
        ec2TagFilters: [{ Key: 'env', Value: 'prod', Type: 'KEY_AND_VALUE' }],
      }),
    )
    const group = await cd.send(new GetDeploymentGroupCommand({ applicationName: 'srv', deploymentGroupName: 'fleet' }))
    expect(group.deploymentGroupInfo?.ec2TagFilters).toEqual([{ Key: 'env', Value: 'prod', Type: 'KEY_AND_VALUE' }])
    expect(group.deploymentGroupInfo?.deploymentConfigName).toBe('CodeDeployDefault.OneAtATime')

    const s3 = { revisionType: 'S3' as const, s3Location: { bucket: 'b', key: 'app.zip', bundleType: 'zip' as const } }
    const { deploymentId } = await cd.send(new CreateDeploymentCommand({ applicationName: 'srv', deploymentGroupName: 'fleet', revision: s3 }))
    const mid = await waitFor(
      () => getDeployment(deploymentId!),
      (d) => (d.deploymentOverview?.Succeeded ?? 0) >= 1,
    )
    expect(mid.status).toBe('InProgress')
    const { targetIds } = await cd.send(new ListDeploymentTargetsCommand({ deploymentId }))
    expect(targetIds).toHaveLength(4)
    expect(targetIds?.[0]).toMatch(/^i-[0-9a-f]{17}$/)
    const done = await waitStatus(deploymentId!, 'Succeeded')
    expect(done.deploymentOverview).toEqual({ Pending: 0, InProgress: 0, Succeeded: 4, Failed: 0, Skipped: 0, Ready: 0 })
    expect(done.revision).toEqual(s3)
    const { deploymentTargets } = await cd.send(new BatchGetDeploymentTargetsCommand({ deploymentId, targetIds: targetIds!.slice(0, 2) }))
    expect(deploymentTargets?.[0]?.instanceTarget?.status).toBe('Succeeded')

    emu.codedeploy.failNext('fleet', { code: 'HEALTH_CONSTRAINTS', afterMinutes: 0.6 })
    const second = await cd.send(new CreateDeploymentCommand({ applicationName: 'srv', deploymentGroupName: 'fleet', revision: s3 }))
    const failed = await waitStatus(second.deploymentId!, 'Failed', 'Succeeded')
    expect(failed.errorInformation?.code).toBe('HEALTH_CONSTRAINTS')
    expect(failed.errorInformation?.message).toMatch(/too many individual instances failed deployment/)
    expect(failed.deploymentOverview).toMatchObject({ Succeeded: 1, Failed: 1, Skipped: 2 })
    expect(failed.previousRevision).toEqual(s3)
  })
})

describe('codedeploy: control API', () => {
  it('exposes settings, failure injection and deployments over HTTP', async () => {
    const control = new EmulatorControl(emu.url)
    expect((await control.codeDeploySettings()).timeScale).toBe(SCALE)
    await control.setCodeDeployTimeScale(50)
    expect(emu.codedeploy.settings().timeScale).toBe(50)
    await control.setCodeDeployHookMode('manual', 10)
    expect(emu.codedeploy.settings()).toMatchObject({ hookMode: 'manual', hookDelayMs: 10 })
    await control.reset()
    // reset restores the startEmulator defaults.
    expect(emu.codedeploy.settings()).toMatchObject({ timeScale: SCALE, hookMode: 'succeed', hookDelayMs: 20 })

    await lambdaSetup({ deploymentConfigName: 'CodeDeployDefault.LambdaAllAtOnce' })
    await control.failNextDeployment('dg', { code: 'INTERNAL_ERROR', message: 'boom' })
    const id = await deployLambda()
    await waitStatus(id, 'Failed')
    const list = await control.codeDeployDeployments()
    expect(list).toEqual([
      { deploymentId: id, applicationName: 'app', deploymentGroupName: 'dg', status: 'Failed', creator: 'user', errorCode: 'INTERNAL_ERROR' },
    ])
    expect((await getDeployment(id)).errorInformation).toEqual({ code: 'INTERNAL_ERROR', message: 'boom' })
  })
})

// Contract: every response the emulator sent during this file matches the service's published API model.
contractCheck()
