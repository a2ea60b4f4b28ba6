import {
  BatchGetDeploymentsCommand,
  CodeDeployClient,
  CreateDeploymentCommand,
  DeploymentLimitExceededException,
  GetDeploymentCommand,
  GetDeploymentGroupCommand,
  GetDeploymentTargetCommand,
  ListDeploymentTargetsCommand,
  ListDeploymentsCommand,
  StopDeploymentCommand,
  type DeploymentInfo,
} from '@aws-sdk/client-codedeploy'
import { GetAliasCommand, LambdaClient } from '@aws-sdk/client-lambda'
import { mockClient } from 'aws-sdk-client-mock'
import { beforeEach, describe, expect, it } from 'vitest'
import type { CodeDeployInputs } from '../../src/codedeploy/inputs.js'
import { releaseOne, type ReleaseDeps } from '../../src/codedeploy/release.js'
import { FakeClock } from '../../__fixtures__/clock.js'
import { reading, ScriptedGate } from '../../__fixtures__/gate.js'
import { RecordingLog } from '../../__fixtures__/log.js'

const cd = mockClient(CodeDeployClient)
const lambda = mockClient(LambdaClient)
const SHA = 'a'.repeat(40)
const ID = 'd-ABCDEFGH1'
const RB = 'd-ROLLBACK1'

const inputs: CodeDeployInputs = {
  application: 'app',
  groups: ['dg'],
  platform: 'Lambda',
  lambda: { functionName: 'orders', alias: 'live', version: '2' },
  ecs: undefined,
  revision: undefined,
  configChoice: { kind: 'group' },
  sha: SHA,
  runUrl: 'https://github.com/o/r/actions/runs/1',
  description: `canary-release ${SHA} https://github.com/o/r/actions/runs/1`,
}

function deps(gate = new ScriptedGate(), signal = new AbortController().signal): ReleaseDeps & { log: RecordingLog; clock: FakeClock; ids: string[] } {
  const client = new CodeDeployClient({ region: 'us-east-1' })
  const ids: string[] = []
  return {
    client,
    writeClient: client,
    stopClient: client,
    lambda: new LambdaClient({ region: 'us-east-1' }),
    gate,
    clock: new FakeClock(),
    log: new RecordingLog(),
    pollMs: 15_000,
    signal,
    region: 'us-east-1',
    onDeployment: (id) => ids.push(id),
    ids,
  }
}

const info = (status: string, extra: Partial<DeploymentInfo> = {}): { deploymentInfo: DeploymentInfo } => ({
  deploymentInfo: { deploymentId: ID, status: status as DeploymentInfo['status'], creator: 'user', ...extra },
})

/** The deployment runs until StopDeployment; then it is Stopped, and its rollback deployment succeeds. */
function runsUntilStoppedWithRollback(): void {
  cd.on(GetDeploymentCommand, { deploymentId: ID }).resolves(info('InProgress'))
  cd.on(StopDeploymentCommand).callsFake(() => {
    cd.on(GetDeploymentCommand, { deploymentId: ID }).resolves(info('Stopped', { rollbackInfo: { rollbackDeploymentId: RB } }))
    return { status: 'Pending' }
  })
  cd.on(GetDeploymentCommand, { deploymentId: RB }).resolves({ deploymentInfo: { deploymentId: RB, status: 'Succeeded' } })
}

const target = (weight: number) => ({
  deploymentTarget: {
    lambdaTarget: {
      lambdaFunctionInfo: { functionName: 'orders', functionAlias: 'live', currentVersion: '1', targetVersion: '2', targetVersionWeight: weight },
    },
  },
})

beforeEach(() => {
  cd.reset()
  lambda.reset()
  cd.on(GetDeploymentGroupCommand).resolves({
    deploymentGroupInfo: {
      deploymentGroupName: 'dg',
      computePlatform: 'Lambda',
      deploymentConfigName: 'CodeDeployDefault.LambdaAllAtOnce',
      autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE'] },
    },
  })
  cd.on(ListDeploymentsCommand).resolves({ deployments: [] })
  cd.on(ListDeploymentTargetsCommand).resolves({ targetIds: ['orders:live'] })
  cd.on(GetDeploymentTargetCommand).resolves(target(0.1))
  cd.on(CreateDeploymentCommand).resolves({ deploymentId: ID })
  lambda.on(GetAliasCommand).resolves({ FunctionVersion: '1' })
})

describe('releaseOne (Lambda)', () => {
  it('creates the deployment from the alias, reports it at once, and promotes', async () => {
    cd.on(GetDeploymentCommand, { deploymentId: ID }).resolvesOnce(info('InProgress')).resolves(info('Succeeded'))
    const d = deps()
    const outcome = await releaseOne(d, inputs)
    expect(outcome).toMatchObject({ result: 'promoted', weight: 100, stableVersion: '1', targetVersion: '2' })
    expect(d.ids).toEqual([ID])
    const create = cd.commandCalls(CreateDeploymentCommand)[0]?.args[0].input
    expect(create?.description).toContain(SHA)
    expect(create?.revision?.appSpecContent?.content).toContain('CurrentVersion: "1"')
    expect(create).not.toHaveProperty('deploymentConfigName')
    expect(d.clock.sleeps).toEqual([15_000])
    expect(cd.commandCalls(ListDeploymentTargetsCommand)).toHaveLength(1)
    expect(outcome.rows.map((r) => [r.status, r.weight])).toEqual([
      ['InProgress', 10],
      ['Succeeded', 10],
    ])
  })

  it("attaches to this commit's active deployment on a re-run instead of creating another", async () => {
    cd.on(ListDeploymentsCommand).resolves({ deployments: [ID] })
    cd.on(BatchGetDeploymentsCommand).resolves({
      deploymentsInfo: [{ deploymentId: ID, status: 'InProgress', creator: 'user', description: inputs.description }],
    })
    cd.on(GetDeploymentCommand).resolves(info('Succeeded'))
    const d = deps()
    const outcome = await releaseOne(d, inputs)
    expect(outcome.result).toBe('promoted')
    expect(cd.commandCalls(CreateDeploymentCommand)).toHaveLength(0)
    expect(cd.commandCalls(ListDeploymentsCommand)[0]?.args[0].input.includeOnlyStatuses).toEqual(['Created', 'Queued', 'InProgress', 'Baking', 'Ready'])
    expect(d.ids).toEqual([ID])
    expect(d.log.text()).toContain(`Attaching to this commit's deployment ${ID}`)
  })

  it("refuses, naming it, an active deployment that is not this commit's", async () => {
    cd.on(ListDeploymentsCommand).resolves({ deployments: ['d-OTHER0001'] })
    cd.on(BatchGetDeploymentsCommand).resolves({
      deploymentsInfo: [{ deploymentId: 'd-OTHER0001', status: 'InProgress', creator: 'user', description: 'manual' }],
    })
    const outcome = await releaseOne(deps(), inputs)
    expect(outcome.result).toBe('refused')
    expect(outcome.reason).toContain('d-OTHER0001')
    expect(cd.commandCalls(CreateDeploymentCommand)).toHaveLength(0)
  })

  it('reports DeploymentLimitExceededException by the active deployment ID', async () => {
    cd.on(CreateDeploymentCommand).rejects(
      new DeploymentLimitExceededException({ message: "The Deployment Group 'dg' already has an active Deployment 'd-RACER0001'", $metadata: {} }),
    )
    const outcome = await releaseOne(deps(), inputs)
    expect(outcome.result).toBe('refused')
    expect(outcome.reason).toBe('deployment group "dg" already has an active deployment d-RACER0001; wait for it to end, or stop it with mode: rollback')
  })

  it("reports CodeDeploy's own failure with its code and message, after following its rollback", async () => {
    const failed = info('Failed', {
      errorInformation: { code: 'HEALTH_CONSTRAINTS', message: 'too many failed' },
      rollbackInfo: { rollbackDeploymentId: RB },
      autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE'] },
    })
    cd.on(GetDeploymentCommand, { deploymentId: ID }).resolves(failed)
    cd.on(GetDeploymentCommand, { deploymentId: RB })
      .resolvesOnce({ deploymentInfo: { deploymentId: RB, status: 'InProgress' } })
      .resolves({ deploymentInfo: { deploymentId: RB, status: 'Succeeded' } })
    const outcome = await releaseOne(deps(), inputs)
    expect(outcome.result).toBe('rolled-back')
    expect(outcome.errorCode).toBe('HEALTH_CONSTRAINTS')
    expect(outcome.reason).toContain('HEALTH_CONSTRAINTS: too many failed')
    expect(outcome.deployments.map((d) => [d.id, d.kind, d.status])).toEqual([
      [ID, 'deployment', 'Failed'],
      [RB, 'rollback', 'Succeeded'],
    ])
    expect(cd.commandCalls(StopDeploymentCommand)).toHaveLength(0)
  })

  it('on an alarm, calls StopDeployment with autoRollbackEnabled and follows the rollback deployment to its end', async () => {
    const gate = new ScriptedGate((n) => (n < 2 ? reading('pass') : reading('fail')))
    cd.on(GetDeploymentCommand, { deploymentId: ID })
      .resolvesOnce(info('InProgress'))
      .resolvesOnce(info('InProgress'))
      .resolvesOnce(info('Stopped'))
      .resolves(info('Stopped', { rollbackInfo: { rollbackDeploymentId: RB } }))
    cd.on(StopDeploymentCommand).resolves({ status: 'Pending' })
    cd.on(GetDeploymentCommand, { deploymentId: RB })
      .resolvesOnce({ deploymentInfo: { deploymentId: RB, status: 'InProgress' } })
      .resolves({ deploymentInfo: { deploymentId: RB, status: 'Succeeded' } })
    const d = deps(gate)
    const outcome = await releaseOne(d, inputs)
    expect(cd.commandCalls(StopDeploymentCommand).map((c) => c.args[0].input)).toEqual([{ deploymentId: ID, autoRollbackEnabled: true }])
    expect(outcome).toMatchObject({ result: 'rolled-back', weight: 0, alarm: { name: 'errors-high' }, alarmName: 'errors-high', stopLatencyMs: 0 })
    expect(outcome.deployments.map((x) => [x.id, x.kind, x.status])).toEqual([
      [ID, 'deployment', 'Stopped'],
      [RB, 'rollback', 'Succeeded'],
    ])
    // Two polls (15 s apart), then the rollback followed every 2 s.
    expect(d.clock.sleeps[0]).toBe(15_000)
    expect(d.clock.sleeps.slice(1).every((ms) => ms === 2_000)).toBe(true)
  })

  it('counts three unreadable gate reads in a row as an alarm', async () => {
    const gate = new ScriptedGate((n) => (n === 0 ? reading('pass') : reading('inconclusive')))
    runsUntilStoppedWithRollback()
    const outcome = await releaseOne(deps(gate), inputs)
    // One pre-start check, then polls 2, 3, 4 unreadable.
    expect(gate.checks).toBe(4)
    expect(outcome.result).toBe('rolled-back')
    expect(outcome.reason).toContain('alarms unreadable on 3 polls at this traffic step')
  })

  it('stops a deployment whose gate is unreadable on every other poll: unreadable polls add up within a traffic step', async () => {
    // Pre-start check passes; then unreadable, good, unreadable, good, unreadable.
    const gate = new ScriptedGate((n) => (n === 0 || n % 2 === 0 ? reading('pass') : reading('inconclusive')))
    runsUntilStoppedWithRollback()
    const outcome = await releaseOne(deps(gate), inputs)
    expect(gate.checks).toBe(6)
    expect(outcome.result).toBe('rolled-back')
    expect(outcome.reason).toContain('alarms unreadable on 3 polls at this traffic step')
  })

  it('on cancel, stops at once without waiting for the poll interval', async () => {
    const controller = new AbortController()
    cd.on(GetDeploymentCommand, { deploymentId: ID }).callsFake(() => {
      controller.abort(new Error('cancelled by SIGINT'))
      return info('InProgress')
    })
    cd.on(StopDeploymentCommand).callsFake(() => {
      cd.on(GetDeploymentCommand, { deploymentId: ID }).resolves(info('Stopped', { rollbackInfo: { rollbackDeploymentId: RB } }))
      return { status: 'Pending' }
    })
    cd.on(GetDeploymentCommand, { deploymentId: RB }).resolves({ deploymentInfo: { deploymentId: RB, status: 'Succeeded' } })
    const outcome = await releaseOne(deps(new ScriptedGate(), controller.signal), inputs)
    expect(outcome.result).toBe('rolled-back')
    expect(outcome.reason).toContain('cancelled by SIGINT')
    expect(cd.commandCalls(StopDeploymentCommand)).toHaveLength(1)
  })

  it('refuses a weighted alias and an alarm already firing, before any write', async () => {
    lambda.on(GetAliasCommand).resolves({ FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '3': 0.2 } } })
    expect((await releaseOne(deps(), inputs)).reason).toContain('already routes 20% to version 3')
    const firing = await releaseOne(deps(new ScriptedGate(() => reading('fail'))), inputs)
    expect(firing.result).toBe('refused')
    expect(cd.commandCalls(CreateDeploymentCommand)).toHaveLength(0)
  })

  it("a lost CreateDeployment response: the retry meets DeploymentLimitExceededException naming this run's deployment, which is attached to and watched", async () => {
    // The first attempt created ID but its response was lost; the SDK's retry is refused naming it.
    cd.on(CreateDeploymentCommand).callsFake(() => {
      cd.on(ListDeploymentsCommand).resolves({ deployments: [ID] })
      cd.on(BatchGetDeploymentsCommand).resolves({
        deploymentsInfo: [{ deploymentId: ID, status: 'InProgress', creator: 'user', description: inputs.description }],
      })
      throw new DeploymentLimitExceededException({ message: `The Deployment Group 'dg' already has an active Deployment '${ID}'`, $metadata: {} })
    })
    cd.on(GetDeploymentCommand, { deploymentId: ID }).resolvesOnce(info('InProgress')).resolves(info('Succeeded'))
    const d = deps()
    const outcome = await releaseOne(d, inputs)
    expect(outcome.result).toBe('promoted')
    expect(d.ids).toEqual([ID])
    expect(cd.commandCalls(GetDeploymentCommand).length).toBeGreaterThanOrEqual(2)
    expect(d.log.text()).toContain(`CreateDeployment's response was lost and its retry found deployment ${ID} active with this run's description`)
  })

  it("a lost CreateDeployment response is not confused with another run's deployment of the same commit", async () => {
    cd.on(CreateDeploymentCommand).callsFake(() => {
      cd.on(ListDeploymentsCommand).resolves({ deployments: ['d-OTHERRUN1'] })
      cd.on(BatchGetDeploymentsCommand).resolves({
        deploymentsInfo: [
          { deploymentId: 'd-OTHERRUN1', status: 'InProgress', creator: 'user', description: `canary-release ${SHA} https://github.com/o/r/actions/runs/2` },
        ],
      })
      throw new DeploymentLimitExceededException({ message: "The Deployment Group 'dg' already has an active Deployment 'd-OTHERRUN1'", $metadata: {} })
    })
    const outcome = await releaseOne(deps(), inputs)
    expect(outcome.result).toBe('refused')
    expect(outcome.reason).toContain('d-OTHERRUN1')
  })

  it("a re-run attaching to this commit's deployment while an alarm fires stops it with rollback", async () => {
    cd.on(ListDeploymentsCommand).resolves({ deployments: [ID] })
    cd.on(BatchGetDeploymentsCommand).resolves({
      deploymentsInfo: [{ deploymentId: ID, status: 'InProgress', creator: 'user', description: inputs.description }],
    })
    cd.on(StopDeploymentCommand).callsFake(() => {
      cd.on(GetDeploymentCommand, { deploymentId: ID }).resolves(info('Stopped', { rollbackInfo: { rollbackDeploymentId: RB } }))
      return { status: 'Pending' }
    })
    cd.on(GetDeploymentCommand, { deploymentId: RB }).resolves({ deploymentInfo: { deploymentId: RB, status: 'Succeeded' } })
    const d = deps(new ScriptedGate(() => reading('fail')))
    const outcome = await releaseOne(d, inputs)
    expect(cd.commandCalls(StopDeploymentCommand).map((c) => c.args[0].input)).toEqual([{ deploymentId: ID, autoRollbackEnabled: true }])
    expect(outcome).toMatchObject({ result: 'rolled-back', alarmName: 'errors-high', settled: true })
    expect(outcome.reason).toContain(`as the run attaches to ${ID}`)
    expect(d.ids).toEqual([ID])
    expect(cd.commandCalls(CreateDeploymentCommand)).toHaveLength(0)
  })

  it('a failed StopDeployment leaves the run unsettled, so the post step tries again', async () => {
    const gate = new ScriptedGate((n) => (n < 1 ? reading('pass') : reading('fail')))
    cd.on(GetDeploymentCommand, { deploymentId: ID }).resolves(info('InProgress'))
    cd.on(StopDeploymentCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }))
    const outcome = await releaseOne(deps(gate), inputs)
    expect(outcome).toMatchObject({ result: 'failed', settled: false, alarmName: 'errors-high' })
    expect(outcome.reason).toContain('StopDeployment of d-ABCDEFGH1 failed (Rate exceeded); the post step tries again')
  })

  it('a rollback that never ends is followed for at most an hour, and leaves the run unsettled', async () => {
    const gate = new ScriptedGate((n) => (n < 1 ? reading('pass') : reading('fail')))
    cd.on(GetDeploymentCommand, { deploymentId: ID }).resolves(info('Stopped', { rollbackInfo: { rollbackDeploymentId: RB } }))
    cd.on(StopDeploymentCommand).resolves({ status: 'Pending' })
    cd.on(GetDeploymentCommand, { deploymentId: RB }).resolves({ deploymentInfo: { deploymentId: RB, status: 'InProgress' } })
    const d = deps(gate)
    const start = d.clock.now()
    const outcome = await releaseOne(d, inputs)
    expect(d.clock.now() - start).toBeLessThanOrEqual(60 * 60_000 + 15_000)
    expect(outcome).toMatchObject({ result: 'failed', settled: false })
    expect(outcome.reason).toContain(`deployment ${RB} was still InProgress after 60 min of following`)
  })

  it('a deployment is watched for at most 6 hours, then stopped with rollback rather than left unwatched', async () => {
    runsUntilStoppedWithRollback()
    const outcome = await releaseOne({ ...deps(), pollMs: 60_000 }, inputs)
    expect(outcome.result).toBe('rolled-back')
    expect(outcome.reason).toContain('was still InProgress after 360 min of watching')
    expect(cd.commandCalls(StopDeploymentCommand)).toHaveLength(1)
  })

  it('refuses an alias on $LATEST before CreateDeployment: the AppSpec needs published versions', async () => {
    lambda.on(GetAliasCommand).resolves({ FunctionVersion: '$LATEST' })
    const outcome = await releaseOne(deps(), inputs)
    expect(outcome.result).toBe('refused')
    expect(outcome.reason).toContain('alias orders:live points to "$LATEST", not a published version')
    expect(cd.commandCalls(CreateDeploymentCommand)).toHaveLength(0)
  })

  it("the AppSpec's Name is the function's name when function-name is an ARN", async () => {
    cd.on(GetDeploymentCommand, { deploymentId: ID }).resolves(info('Succeeded'))
    const arn = 'arn:aws:lambda:us-east-1:123456789012:function:orders'
    await releaseOne(deps(), { ...inputs, lambda: { functionName: arn, alias: 'live', version: '2' } })
    const content = cd.commandCalls(CreateDeploymentCommand)[0]?.args[0].input.revision?.appSpecContent?.content ?? ''
    expect(content).toMatch(/^ {8}Name: orders$/m)
    expect(lambda.commandCalls(GetAliasCommand)[0]?.args[0].input.FunctionName).toBe(arn)
  })
})

describe('issue 20: CodeDeploy Lambda learns the live weight from the alias, and never skips the analysis', () => {
  /** A gate that records the stage start each read was given (undefined: a preflight read, nothing judged). */
  class RecordingGate extends ScriptedGate {
    readonly starts: (number | undefined)[] = []
    override async check(_signal?: AbortSignal, context?: { stageStartedAt: number }) {
      this.starts.push(context?.stageStartedAt)
      return super.check()
    }
  }
  const created = new Date(Date.UTC(2026, 10, 23, 11, 59, 0))

  it('reads the weight from the alias routing when ListDeploymentTargets is denied', async () => {
    cd.on(ListDeploymentTargetsCommand).rejects(
      Object.assign(new Error('not authorized to perform codedeploy:ListDeploymentTargets'), { name: 'AccessDeniedException' }),
    )
    cd.on(GetDeploymentCommand, { deploymentId: ID }).resolvesOnce(info('InProgress')).resolvesOnce(info('InProgress')).resolves(info('Succeeded'))
    lambda
      .on(GetAliasCommand)
      .resolvesOnce({ FunctionVersion: '1' })
      .resolves({ FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '2': 0.1 } } })
    const gate = new RecordingGate()
    const outcome = await releaseOne(deps(gate), inputs)
    expect(outcome.rows.map((r) => r.weight)).toContain(10)
    // The first poll after the shift judges the 10% stage from when it went live.
    expect(gate.starts.filter((s) => s !== undefined).length).toBeGreaterThan(0)
  })

  it('judges from the deployment start when no weight can be learned', async () => {
    cd.on(ListDeploymentTargetsCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }))
    lambda
      .on(GetAliasCommand)
      .resolvesOnce({ FunctionVersion: '1' })
      .rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }))
    cd.on(GetDeploymentCommand, { deploymentId: ID })
      .resolvesOnce(info('InProgress', { createTime: created }))
      .resolves(info('InProgress', { createTime: created }))
    let n = 0
    const gate = new RecordingGate(() => (++n >= 3 ? reading('fail', { firing: [], reason: 'orders:live: canary fails 30% vs 0%' }) : reading('pass')))
    runsUntilStoppedWithRollback()
    cd.on(GetDeploymentCommand, { deploymentId: ID }).resolves(info('InProgress', { createTime: created }))
    const d = deps(gate)
    const outcome = await releaseOne(d, inputs)
    expect(gate.starts.slice(1)).toContain(created.getTime())
    expect(d.log.text()).toContain("judges from the deployment's start")
    expect(outcome.result).toBe('rolled-back')
  })

  it('reads targetVersionWeight as a percentage above 1 and as a fraction at or below it', async () => {
    const { targetWeight, aliasWeight } = await import('../../src/codedeploy/watcher.js')
    expect(targetWeight(target(0.1).deploymentTarget)).toBe(10)
    expect(targetWeight(target(10).deploymentTarget)).toBe(10)
    expect(targetWeight(target(1).deploymentTarget)).toBe(100)
    expect(aliasWeight({ FunctionVersion: '1', RoutingConfig: { AdditionalVersionWeights: { '2': 0.25 } } }, '2')).toBe(25)
    expect(aliasWeight({ FunctionVersion: '2' }, '2')).toBe(100)
    expect(aliasWeight({ FunctionVersion: '1' }, '2')).toBe(0)
  })
})
