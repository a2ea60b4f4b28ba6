import { CloudWatchClient, GetMetricDataCommand, DescribeAlarmHistoryCommand, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch'
import { GetAliasCommand, GetFunctionConfigurationCommand, LambdaClient, UpdateAliasCommand } from '@aws-sdk/client-lambda'
import { SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam'
import { mockClient } from 'aws-sdk-client-mock'
import { beforeEach, describe, expect, it } from 'vitest'
import { iam, ROLE, simulator } from '../../__fixtures__/iam.js'
import { RecordingContext } from '../../__fixtures__/step-context.js'
import { cleanUpAliases } from '../../src/alias/cleanup.js'
import { deployAliases } from '../../src/alias/deploy.js'
import { planAliases } from '../../src/alias/plan.js'
import { rollbackAliases } from '../../src/alias/rollback.js'
import { STATE_ROLLOUT } from '../../src/core/saved-state.js'

const lambda = mockClient(LambdaClient)
const cloudWatch = mockClient(CloudWatchClient)

/** A tiny stateful alias: UpdateAlias changes what GetAlias returns, with a fresh RevisionId. */
function liveAlias(version: string, weights: Record<string, number> = {}) {
  let state = { FunctionVersion: version, weights, revision: 1 }
  const view = () => ({
    Name: 'live',
    FunctionVersion: state.FunctionVersion,
    RevisionId: `r${state.revision}`,
    RoutingConfig: { AdditionalVersionWeights: state.weights },
  })
  lambda.on(GetAliasCommand).callsFake(() => view())
  lambda.on(UpdateAliasCommand).callsFake((input) => {
    state = {
      FunctionVersion: input.FunctionVersion ?? state.FunctionVersion,
      weights: input.RoutingConfig?.AdditionalVersionWeights ?? {},
      revision: state.revision + 1,
    }
    return view()
  })
  lambda.on(GetFunctionConfigurationCommand).resolves({ Version: '2', Role: 'arn:aws:iam::123456789012:role/r' })
  return () => state
}

const alarms = (state: 'OK' | 'ALARM') => {
  cloudWatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [{ AlarmName: 'orders-errors', StateValue: state, StateReason: 'threshold' }] })
  // The canary analysis (default analysis: errors) reads the per-version metrics: no traffic here.
  cloudWatch.on(GetMetricDataCommand).resolves({ MetricDataResults: [] })
}

const INPUTS = { 'function-name': 'orders', alias: 'live', version: '2', stages: '100%', alarms: 'orders-errors' }

beforeEach(() => {
  lambda.reset()
  cloudWatch.reset()
  simulator(['lambda:UpdateAlias'])
})

describe('deployAliases (alias mode deploy, without the toolkit)', () => {
  it('promotes with green alarms: outputs, summary and a settled state for the post step', async () => {
    const live = liveAlias('1')
    alarms('OK')
    const context = new RecordingContext(INPUTS)
    const result = await deployAliases(context.config(), context)
    expect(live().FunctionVersion).toBe('2')
    expect(result).toMatchObject({ outputs: { result: 'promoted', weight: '100', 'stable-version': '1', 'target-version': '2', reason: '' }, settled: true })
    expect(result.failure).toBeUndefined()
    expect(result.summary).toContain('orders:live')
    expect(JSON.parse(context.state[STATE_ROLLOUT] ?? '{}')).toMatchObject({ aliases: [{ functionName: 'orders', stable: '1', target: '2' }] })
  })

  it('refuses before any write when an alarm fires, with one failure message naming it', async () => {
    liveAlias('1')
    alarms('ALARM')
    const context = new RecordingContext(INPUTS)
    const result = await deployAliases(context.config(), context)
    expect(lambda.commandCalls(UpdateAliasCommand)).toHaveLength(0)
    expect(result.outputs).toMatchObject({ result: 'refused', weight: '0' })
    expect(result.failure).toMatch(/^Refusing to start: .*orders-errors is ALARM/)
    expect(context.log.lines.filter((l) => l.startsWith('error:'))).toEqual([])
    expect(context.state[STATE_ROLLOUT]).toBeUndefined()
  })

  it('rolls a resumed canary back when its alarm fires, and fails', async () => {
    const live = liveAlias('1', { '2': 0.1 })
    alarms('ALARM')
    cloudWatch.on(DescribeAlarmHistoryCommand).resolves({ AlarmHistoryItems: [] })
    const context = new RecordingContext(INPUTS)
    const result = await deployAliases(context.config(), context)
    expect(live()).toMatchObject({ FunctionVersion: '1', weights: {} })
    expect(result.outputs).toMatchObject({ result: 'rolled-back', alarm: 'orders-errors', weight: '0' })
    expect(result.outputs['reason']).toContain('orders-errors')
    expect(result.failure).toContain('Rolled back orders:live to version 1')
  })
})

describe('planAliases', () => {
  it('reports ready and writes nothing', async () => {
    liveAlias('1')
    alarms('OK')
    simulator(['lambda:UpdateAlias'])
    const context = new RecordingContext({ ...INPUTS, mode: 'plan', stages: '10%:5m, 100%' })
    const result = await planAliases(context.config(), context)
    expect(result.outputs).toMatchObject({ result: 'planned' })
    expect(result.failure).toBeUndefined()
    expect(result.summary).toContain('| 2 | 100% | +5m |')
  })

  it('makes no write call, not even a refused one, and checks UpdateAlias with the policy simulator', async () => {
    liveAlias('1')
    alarms('OK')
    simulator(['lambda:UpdateAlias'])
    const context = new RecordingContext({ ...INPUTS, mode: 'plan' })
    await planAliases(context.config(), context)
    expect(lambda.commandCalls(UpdateAliasCommand)).toHaveLength(0)
    const simulated = iam.commandCalls(SimulatePrincipalPolicyCommand)[0]?.args[0].input
    expect(simulated).toMatchObject({ PolicySourceArn: ROLE, ActionNames: ['lambda:UpdateAlias'] })
    expect(simulated?.ResourceArns).toEqual([
      'arn:aws:lambda:us-east-1:123456789012:function:orders',
      'arn:aws:lambda:us-east-1:123456789012:function:orders:live',
    ])
    expect(context.log.text()).toContain(`✓ write permissions: ${ROLE} may lambda:UpdateAlias`)
  })

  it('is not ready when the role may not UpdateAlias, and names the action and the ARN', async () => {
    liveAlias('1')
    alarms('OK')
    simulator([])
    const context = new RecordingContext({ ...INPUTS, mode: 'plan' })
    const result = await planAliases(context.config(), context)
    expect(result.outputs).toMatchObject({ result: 'refused' })
    expect(result.failure).toContain(`the policies of ${ROLE} do not allow lambda:UpdateAlias on arn:aws:lambda:us-east-1:123456789012:function:orders`)
  })

  it('reports write permissions as not checked, without failing, when the caller may not simulate', async () => {
    liveAlias('1')
    alarms('OK')
    simulator([])
    iam
      .on(SimulatePrincipalPolicyCommand)
      .rejects(Object.assign(new Error('User: x is not authorized to perform: iam:SimulatePrincipalPolicy'), { name: 'AccessDenied' }))
    const context = new RecordingContext({ ...INPUTS, mode: 'plan' })
    const result = await planAliases(context.config(), context)
    expect(result.outputs).toMatchObject({ result: 'planned' })
    expect(result.summary).toContain('⚠️ write permissions not checked: iam:SimulatePrincipalPolicy was denied')
    expect(context.log.text()).toContain('warning: write permissions not checked')
  })

  it('is not ready when an alarm is missing, and says which', async () => {
    liveAlias('1')
    simulator(['lambda:UpdateAlias'])
    cloudWatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [] })
    const context = new RecordingContext({ ...INPUTS, mode: 'plan' })
    const result = await planAliases(context.config(), context)
    expect(result.outputs).toMatchObject({ result: 'refused' })
    expect(result.failure).toContain('alarm not found: "orders-errors"')
  })

  it('states the analysis settings and reads the canary metrics once, in the log and the summary', async () => {
    liveAlias('1')
    alarms('OK')
    const context = new RecordingContext({ ...INPUTS, mode: 'plan', 'error-rate-tolerance': '2%' })
    const result = await planAliases(context.config(), context)
    expect(cloudWatch.commandCalls(GetMetricDataCommand)).toHaveLength(1)
    const settings =
      "Canary analysis: canary vs stable error rate (fails beyond 1.1× the stable's and 2% over it), by a sequential test with a 1% false-rollback budget"
    expect(context.log.text()).toContain(settings)
    expect(context.log.text()).toContain('✓ canary analysis: cloudwatch:GetMetricData')
    expect(result.summary).toContain(settings)
  })

  it('issue 20: plan estimates each stage’s canary invocations from the last hour and warns when one cannot reach min-invocations', async () => {
    liveAlias('1')
    alarms('OK')
    // 6,000 invocations of the stable version in the last hour: 100 a minute.
    cloudWatch.on(GetMetricDataCommand).callsFake((input: { MetricDataQueries?: { Id?: string }[]; StartTime?: Date }) => ({
      MetricDataResults: (input.MetricDataQueries ?? []).map((q) => ({
        Id: q.Id,
        StatusCode: 'Complete',
        Timestamps: [input.StartTime],
        Values: [q.Id?.endsWith('r') ? 6_000 : 0],
      })),
    }))
    const context = new RecordingContext({ ...INPUTS, mode: 'plan', stages: '1%:10m, 25%:10m, 100%' })
    const result = await planAliases(context.config(), context)
    expect(context.log.text()).toContain('Estimate from the last hour: orders:live at 25% should see about 250 canary invocations in its bake.')
    expect(result.summary).toContain(
      "orders:live: the 1% stage should see about 10 canary invocations (from the last hour's traffic), fewer than min-invocations 100: bake longer, raise the weight, or set min-invocations: 0 to rely on the alarms alone",
    )
  })

  it('is not ready when the canary metrics cannot be read, naming the permission', async () => {
    liveAlias('1')
    alarms('OK')
    cloudWatch.on(GetMetricDataCommand).rejects(Object.assign(new Error('not authorized to perform: cloudwatch:GetMetricData'), { name: 'AccessDenied' }))
    const context = new RecordingContext({ ...INPUTS, mode: 'plan' })
    const result = await planAliases(context.config(), context)
    expect(result.outputs).toMatchObject({ result: 'refused' })
    expect(result.failure).toContain('canary analysis needs cloudwatch:GetMetricData')
    expect(result.failure).toContain('analysis: none')
  })

  it('reads the history probe for composite and metric alarms both', async () => {
    liveAlias('1')
    alarms('OK')
    simulator(['lambda:UpdateAlias'])
    const context = new RecordingContext({ ...INPUTS, mode: 'plan' })
    await planAliases(context.config(), context)
    expect(cloudWatch.commandCalls(DescribeAlarmHistoryCommand)[0]?.args[0].input.AlarmTypes).toEqual(['CompositeAlarm', 'MetricAlarm'])
  })
})

describe('rollbackAliases', () => {
  it('removes the canary routing and reports the stable version', async () => {
    const live = liveAlias('1', { '2': 0.3 })
    const context = new RecordingContext({ 'function-name': 'orders', mode: 'rollback' })
    const result = await rollbackAliases(context.config(), context)
    expect(live()).toMatchObject({ FunctionVersion: '1', weights: {} })
    expect(result.outputs).toMatchObject({ result: 'rolled-back', 'stable-version': '1', 'target-version': '2', weight: '0' })
    expect(result.summary).toContain('all traffic on version 1')
  })

  it('refuses an alias whose canary is another version than the one named', async () => {
    liveAlias('1', { '3': 0.3 })
    const context = new RecordingContext({ 'function-name': 'orders', mode: 'rollback', version: '2' })
    await expect(rollbackAliases(context.config(), context)).rejects.toThrow(/routes its canary share to version 3, not 2/)
    expect(lambda.commandCalls(UpdateAliasCommand)).toHaveLength(0)
  })
})

describe('cleanUpAliases (post step)', () => {
  const saved = { region: 'us-east-1', aliases: [{ functionName: 'orders', alias: 'live', stable: '1', target: '2' }] }

  it('sends a canary left live back to the stable version, and says so', async () => {
    const live = liveAlias('1', { '2': 0.1 })
    const context = new RecordingContext()
    const result = await cleanUpAliases(saved, context)
    expect(live()).toMatchObject({ FunctionVersion: '1', weights: {} })
    expect(result).toMatchObject({ settled: true })
    expect(result.failure).toBeUndefined()
    expect(context.log.text()).toContain('warning: The main step did not finish its rollout of orders:live')
  })

  it('fails the post step when the rollback cannot be written', async () => {
    liveAlias('1', { '2': 0.1 })
    lambda.on(UpdateAliasCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }))
    const result = await cleanUpAliases(saved, new RecordingContext())
    expect(result.failure).toMatch(/^Post-step rollback failed: /)
  })
})
