import {
  BatchGetDeploymentsCommand,
  CodeDeployClient,
  GetDeploymentCommand,
  ListDeploymentsCommand,
  StopDeploymentCommand,
  type DeploymentInfo,
} from '@aws-sdk/client-codedeploy'
import { mockClient } from 'aws-sdk-client-mock'
import { beforeEach, describe, expect, it } from 'vitest'
import type { CodeDeployInputs } from '../../src/codedeploy/inputs.js'
import { rollbackActive } from '../../src/codedeploy/modes.js'
import type { WatchDeps } from '../../src/codedeploy/watcher.js'
import { FakeClock } from '../../__fixtures__/clock.js'
import { ScriptedGate } from '../../__fixtures__/gate.js'
import { RecordingLog } from '../../__fixtures__/log.js'

const cd = mockClient(CodeDeployClient)
const [A, B, RB_A, RB_B] = ['d-GROUPA001', 'd-GROUPB001', 'd-ROLLBKA01', 'd-ROLLBKB01']

const inputs: CodeDeployInputs = {
  application: 'shop',
  groups: ['a', 'b'],
  platform: undefined,
  lambda: undefined,
  ecs: undefined,
  revision: undefined,
  configChoice: { kind: 'group' },
  sha: '',
  runUrl: '',
  description: '',
}

function deps(signal = new AbortController().signal): WatchDeps & { log: RecordingLog; clock: FakeClock } {
  const client = new CodeDeployClient({ region: 'us-east-1' })
  return { client, stopClient: client, gate: new ScriptedGate(), clock: new FakeClock(), log: new RecordingLog(), pollMs: 15_000, signal }
}

const info = (id: string, status: string, extra: Partial<DeploymentInfo> = {}): { deploymentInfo: DeploymentInfo } => ({
  deploymentInfo: { deploymentId: id, status: status as DeploymentInfo['status'], creator: 'user', ...extra },
})

beforeEach(() => {
  cd.reset()
  cd.on(ListDeploymentsCommand, { deploymentGroupName: 'a' }).resolves({ deployments: [A] })
  cd.on(ListDeploymentsCommand, { deploymentGroupName: 'b' }).resolves({ deployments: [B] })
  cd.on(BatchGetDeploymentsCommand, { deploymentIds: [A] }).resolves({ deploymentsInfo: [info(A, 'InProgress').deploymentInfo] })
  cd.on(BatchGetDeploymentsCommand, { deploymentIds: [B] }).resolves({ deploymentsInfo: [info(B, 'InProgress').deploymentInfo] })
  cd.on(StopDeploymentCommand).resolves({ status: 'Pending' })
  cd.on(GetDeploymentCommand, { deploymentId: A }).resolves(info(A, 'Stopped', { rollbackInfo: { rollbackDeploymentId: RB_A } }))
  cd.on(GetDeploymentCommand, { deploymentId: B }).resolves(info(B, 'Stopped', { rollbackInfo: { rollbackDeploymentId: RB_B } }))
  cd.on(GetDeploymentCommand, { deploymentId: RB_A }).resolves(info(RB_A, 'Succeeded'))
  cd.on(GetDeploymentCommand, { deploymentId: RB_B }).resolves(info(RB_B, 'Succeeded'))
})

describe('rollbackActive (mode: rollback)', () => {
  it('stops every group, last first, and follows each rollback to its end', async () => {
    const outcome = await rollbackActive(deps(), inputs, 'us-east-1')
    expect(cd.commandCalls(StopDeploymentCommand).map((c) => c.args[0].input.deploymentId)).toEqual([B, A])
    expect(outcome).toMatchObject({ result: 'rolled-back', weight: 0 })
  })

  it('one failed GetDeployment after its retries does not abort rollback mode', async () => {
    cd.on(GetDeploymentCommand, { deploymentId: B })
      .rejectsOnce(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }))
      .resolves(info(B, 'Stopped', { rollbackInfo: { rollbackDeploymentId: RB_B } }))
    const d = deps()
    const outcome = await rollbackActive(d, inputs, 'us-east-1')
    expect(cd.commandCalls(StopDeploymentCommand).map((c) => c.args[0].input.deploymentId)).toEqual([B, A])
    expect(outcome.result).toBe('rolled-back')
    expect(d.log.text()).toContain(`Could not read deployment ${B} (1/5): Rate exceeded`)
  })

  it('a deployment that stays unreadable is reported, and the other groups are still rolled back', async () => {
    cd.on(GetDeploymentCommand, { deploymentId: B }).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }))
    const outcome = await rollbackActive(deps(), inputs, 'us-east-1')
    expect(cd.commandCalls(StopDeploymentCommand).map((c) => c.args[0].input.deploymentId)).toEqual([B, A])
    expect(outcome.result).toBe('failed')
    expect(outcome.reason).toContain(`deployment ${B} unreadable: Rate exceeded`)
    expect(outcome.deployments.map((d) => [d.id, d.status])).toContainEqual([RB_A, 'Succeeded'])
  })

  it("rollback mode's wait for an active rollback deployment is bounded", async () => {
    cd.on(BatchGetDeploymentsCommand, { deploymentIds: [B] }).resolves({
      deploymentsInfo: [info(B, 'InProgress', { creator: 'codeDeployRollback' }).deploymentInfo],
    })
    cd.on(GetDeploymentCommand, { deploymentId: B }).resolves(info(B, 'InProgress', { creator: 'codeDeployRollback' }))
    const d = deps()
    const outcome = await rollbackActive(d, inputs, 'us-east-1')
    expect(outcome.result).toBe('failed')
    expect(outcome.reason).toContain(`deployment ${B} was still InProgress after 60 min of following`)
    expect(cd.commandCalls(StopDeploymentCommand).map((c) => c.args[0].input.deploymentId)).toEqual([A])
  })

  it('a cancel ends the following, but every stop still goes out', async () => {
    const controller = new AbortController()
    cd.on(StopDeploymentCommand).callsFake(() => {
      controller.abort(new Error('cancelled by SIGINT'))
      return { status: 'Pending' }
    })
    const outcome = await rollbackActive(deps(controller.signal), inputs, 'us-east-1')
    expect(cd.commandCalls(StopDeploymentCommand).map((c) => c.args[0].input.deploymentId)).toEqual([B, A])
    expect(outcome.result).toBe('failed')
    expect(outcome.reason).toContain('stopped following deployment')
  })
})
