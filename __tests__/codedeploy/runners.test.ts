import { CloudWatchClient, GetMetricDataCommand, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch'
import {
  CodeDeployClient,
  GetDeploymentCommand,
  GetDeploymentConfigCommand,
  GetDeploymentGroupCommand,
  ListDeploymentsCommand,
} from '@aws-sdk/client-codedeploy'
import { GetAliasCommand, LambdaClient } from '@aws-sdk/client-lambda'
import { SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam'
import { mockClient } from 'aws-sdk-client-mock'
import { beforeEach, describe, expect, it } from 'vitest'
import { iam, ROLE, simulator } from '../../__fixtures__/iam.js'
import { RecordingContext } from '../../__fixtures__/step-context.js'
import { cleanUpDeployment } from '../../src/codedeploy/cleanup.js'
import { runCodeDeploy } from '../../src/codedeploy/run.js'
import { InputError } from '../../src/core/errors.js'

const codeDeploy = mockClient(CodeDeployClient)
const cloudWatch = mockClient(CloudWatchClient)
const lambda = mockClient(LambdaClient)

const LAMBDA_INPUTS = {
  'codedeploy-application': 'orders-app',
  'codedeploy-deployment-group': 'orders-dg',
  'function-name': 'orders',
  alias: 'live',
  version: '2',
  stages: 'Canary10Percent5Minutes',
  alarms: 'orders-errors',
}

beforeEach(() => {
  codeDeploy.reset()
  cloudWatch.reset()
  lambda.reset()
  simulator(['codedeploy:CreateDeployment', 'codedeploy:StopDeployment'])
  codeDeploy
    .on(GetDeploymentGroupCommand)
    .resolves({ deploymentGroupInfo: { computePlatform: 'Lambda', deploymentConfigName: 'CodeDeployDefault.LambdaAllAtOnce' } })
  codeDeploy.on(ListDeploymentsCommand).resolves({ deployments: [] })
  codeDeploy.on(GetDeploymentConfigCommand).resolves({ deploymentConfigInfo: { computePlatform: 'Lambda' } })
  lambda.on(GetAliasCommand).resolves({ Name: 'live', FunctionVersion: '1' })
  cloudWatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [{ AlarmName: 'orders-errors', StateValue: 'OK' }] })
  // The canary analysis (default analysis: errors) reads the per-version metrics: no traffic here.
  cloudWatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [] })
})

describe('runCodeDeploy (CodeDeploy mode, without the toolkit)', () => {
  it('plan: ready, says what it would deploy, and writes nothing', async () => {
    const context = new RecordingContext({ ...LAMBDA_INPUTS, mode: 'plan' })
    const result = await runCodeDeploy(context.config(), context)
    expect(result.outputs).toMatchObject({ result: 'planned', reason: '' })
    expect(result.failure).toBeUndefined()
    expect(result.summary).toContain('Lambda orders:live: version 1 → 2')
    expect(
      codeDeploy
        .calls()
        .map((c) => c.args[0].constructor.name)
        .filter((n) => !/^(Get|List|BatchGet)/.test(n)),
    ).toEqual([])
    expect(iam.commandCalls(SimulatePrincipalPolicyCommand)[0]?.args[0].input.ResourceArns).toEqual([
      'arn:aws:codedeploy:us-east-1:123456789012:deploymentgroup:orders-app/orders-dg',
    ])
    expect(context.log.text()).toContain(`✓ write permissions: ${ROLE} may codedeploy:CreateDeployment, codedeploy:StopDeployment`)
  })

  it('plan: not ready when the role may not stop a deployment (it could not roll back)', async () => {
    simulator(['codedeploy:CreateDeployment'])
    const context = new RecordingContext({ ...LAMBDA_INPUTS, mode: 'plan' })
    const result = await runCodeDeploy(context.config(), context)
    expect(result.outputs['result']).toBe('refused')
    expect(result.failure).toContain(`the policies of ${ROLE} do not allow codedeploy:StopDeployment`)
  })

  it('plan: not ready when an alarm fires, naming it in the failure', async () => {
    cloudWatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [{ AlarmName: 'orders-errors', StateValue: 'ALARM' }] })
    const context = new RecordingContext({ ...LAMBDA_INPUTS, mode: 'plan' })
    const result = await runCodeDeploy(context.config(), context)
    expect(result.outputs['result']).toBe('refused')
    expect(result.failure).toContain('orders-errors is ALARM')
  })

  it('rollback: nothing active is a rolled-back result with its reason, not a failure', async () => {
    const context = new RecordingContext({ ...LAMBDA_INPUTS, mode: 'rollback' })
    const result = await runCodeDeploy(context.config(), context)
    expect(result.outputs).toMatchObject({ result: 'rolled-back' })
    expect(result.failure).toBeUndefined()
    expect(result.conclusion).toBe('Nothing to do: no active deployment to roll back.')
  })

  it('throws an input error before any AWS call (the edge turns it into result: refused)', async () => {
    const context = new RecordingContext({ ...LAMBDA_INPUTS, 'codedeploy-deployment-group': 'a\nb' })
    await expect(runCodeDeploy(context.config(), context)).rejects.toThrow(InputError)
    expect(codeDeploy.calls()).toHaveLength(0)
  })
})

describe('cleanUpDeployment (post step)', () => {
  const saved = { region: 'us-east-1', aliases: [], codeDeploy: { deploymentId: 'd-1' } }

  it('leaves a deployment that already succeeded alone', async () => {
    codeDeploy.on(GetDeploymentCommand).resolves({ deploymentInfo: { deploymentId: 'd-1', status: 'Succeeded' } })
    const context = new RecordingContext()
    const result = await cleanUpDeployment(saved, context)
    expect(result).toMatchObject({ settled: true })
    expect(context.log.text()).toContain('Deployment d-1 succeeded; nothing to stop.')
  })

  it('fails the post step when the deployment cannot be read', async () => {
    codeDeploy.on(GetDeploymentCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }))
    const result = await cleanUpDeployment(saved, new RecordingContext())
    expect(result.failure).toContain('Post-step rollback of d-1 failed: denied')
  })
})
