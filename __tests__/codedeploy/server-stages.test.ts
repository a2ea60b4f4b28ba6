import {
  BatchGetDeploymentsCommand,
  CodeDeployClient,
  CreateDeploymentCommand,
  GetDeploymentCommand,
  GetDeploymentGroupCommand,
  ListDeploymentsCommand,
  StopDeploymentCommand,
  type DeploymentInfo,
  type RevisionLocation,
} from '@aws-sdk/client-codedeploy'
import { mockClient } from 'aws-sdk-client-mock'
import { beforeEach, describe, expect, it } from 'vitest'
import type { CodeDeployInputs } from '../../src/codedeploy/inputs.js'
import type { ReleaseDeps } from '../../src/codedeploy/release.js'
import { outputsOf, renderSummary } from '../../src/codedeploy/report.js'
import { restoreDescription } from '../../src/codedeploy/restore.js'
import { releaseServer } from '../../src/codedeploy/server-stages.js'
import { parseSavedRollout } from '../../src/core/saved-state.js'
import { FakeClock } from '../../__fixtures__/clock.js'
import { reading, ScriptedGate } from '../../__fixtures__/gate.js'
import { RecordingLog } from '../../__fixtures__/log.js'

const cd = mockClient(CodeDeployClient)
const SHA = 'b'.repeat(40)
const URL = 'https://github.com/o/r/actions/runs/7'
const A: RevisionLocation = { revisionType: 'S3', s3Location: { bucket: 'rel', key: 'app-a.zip', bundleType: 'zip' } }
const B: RevisionLocation = { revisionType: 'S3', s3Location: { bucket: 'rel', key: 'app-b.zip', bundleType: 'zip' } }
const [CANARY, FLEET, RB, RESTORE] = ['d-CANARY001', 'd-FLEET0001', 'd-ROLLBACK1', 'd-RESTORE01']

const inputs: CodeDeployInputs = {
  application: 'shop',
  groups: ['canary', 'fleet'],
  platform: 'Server',
  lambda: undefined,
  ecs: undefined,
  revision: B,
  configChoice: { kind: 'group' },
  sha: SHA,
  runUrl: URL,
  description: `canary-release ${SHA} ${URL}`,
}

type Saved = Parameters<ReleaseDeps['onDeployment']>[1]

function deps(gate = new ScriptedGate()): ReleaseDeps & { log: RecordingLog; clock: FakeClock; saved: [string, Saved][] } {
  const client = new CodeDeployClient({ region: 'us-east-1' })
  const saved: [string, Saved][] = []
  return {
    client,
    writeClient: client,
    stopClient: client,
    lambda: undefined,
    gate,
    clock: new FakeClock(),
    log: new RecordingLog(),
    pollMs: 15_000,
    signal: new AbortController().signal,
    region: 'us-east-1',
    onDeployment: (id, restore) => saved.push([id, restore]),
    saved,
  }
}

const info = (id: string, status: string, extra: Partial<DeploymentInfo> = {}): { deploymentInfo: DeploymentInfo } => ({
  deploymentInfo: { deploymentId: id, status: status as DeploymentInfo['status'], creator: 'user', computePlatform: 'Server', ...extra },
})

function groups(canaryLast: string | undefined): void {
  const group = (name: string, last: string | undefined) => ({
    deploymentGroupInfo: {
      deploymentGroupName: name,
      computePlatform: 'Server' as const,
      autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE' as const] },
      ...(last ? { lastSuccessfulDeployment: { deploymentId: last, status: 'Succeeded' as const } } : {}),
    },
  })
  cd.on(GetDeploymentGroupCommand, { deploymentGroupName: 'canary' }).resolves(group('canary', canaryLast))
  cd.on(GetDeploymentGroupCommand, { deploymentGroupName: 'fleet' }).resolves(group('fleet', 'd-PREVFLEET'))
  cd.on(GetDeploymentCommand, { deploymentId: 'd-PREVCANAR' }).resolves(info('d-PREVCANAR', 'Succeeded', { revision: A }))
  cd.on(GetDeploymentCommand, { deploymentId: 'd-PREVFLEET' }).resolves(info('d-PREVFLEET', 'Succeeded', { revision: A }))
}

beforeEach(() => {
  cd.reset()
  cd.on(ListDeploymentsCommand).resolves({ deployments: [] })
  cd.on(CreateDeploymentCommand).resolvesOnce({ deploymentId: CANARY }).resolvesOnce({ deploymentId: FLEET }).resolves({ deploymentId: RESTORE })
  cd.on(GetDeploymentCommand, { deploymentId: CANARY })
    .resolvesOnce(info(CANARY, 'InProgress'))
    .resolves(info(CANARY, 'Succeeded', { revision: B, previousRevision: A }))
  cd.on(GetDeploymentCommand, { deploymentId: FLEET }).resolves(
    info(FLEET, 'Failed', {
      errorInformation: { code: 'HEALTH_CONSTRAINTS', message: 'too many instances failed' },
      rollbackInfo: { rollbackDeploymentId: RB },
      autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE'] },
    }),
  )
  cd.on(GetDeploymentCommand, { deploymentId: RB }).resolves(info(RB, 'Succeeded'))
  cd.on(GetDeploymentCommand, { deploymentId: RESTORE })
    .resolvesOnce(info(RESTORE, 'InProgress'))
    .resolves(info(RESTORE, 'Succeeded', { revision: A }))
})

describe('releaseServer: restoring finished groups', () => {
  it('canary group succeeds, fleet fails: redeploys the recorded previous revision to the canary group and follows it', async () => {
    groups('d-PREVCANAR')
    const d = deps()
    const outcome = await releaseServer(d, inputs)

    const creates = cd.commandCalls(CreateDeploymentCommand).map((c) => c.args[0].input)
    expect(creates.map((c) => [c.deploymentGroupName, c.revision])).toEqual([
      ['canary', B],
      ['fleet', B],
      ['canary', A],
    ])
    expect(creates[2]?.description).toBe(restoreDescription(URL))
    expect(creates[2]?.description).toContain(URL)
    expect(creates[2]?.description).not.toContain(SHA)
    expect(cd.commandCalls(StopDeploymentCommand)).toHaveLength(0)
    // Followed to its end: read until Succeeded.
    expect(cd.commandCalls(GetDeploymentCommand).filter((c) => c.args[0].input.deploymentId === RESTORE)).toHaveLength(2)

    expect(outcome.result).toBe('rolled-back')
    expect(outcome.restored).toEqual([{ group: 'canary', revision: 's3://rel/app-a.zip', deploymentId: RESTORE, status: 'Succeeded', problem: undefined }])
    expect(outcome.reason).toContain('HEALTH_CONSTRAINTS')
    expect(outcome.reason).toContain('group canary restored to s3://rel/app-a.zip')
    expect(outcome.deployments.map((x) => [x.id, x.group, x.kind, x.status])).toEqual([
      [CANARY, 'canary', 'deployment', 'Succeeded'],
      [FLEET, 'fleet', 'deployment', 'Failed'],
      [RB, 'fleet', 'rollback', 'Succeeded'],
      [RESTORE, 'canary', 'redeploy', 'Succeeded'],
    ])
    expect(outputsOf(outcome)['restored-groups']).toBe('canary')
    const summary = renderSummary(outcome, { what: 'shop', region: 'us-east-1', alarms: [] })
    expect(summary).toContain('canary: restored to s3://rel/app-a.zip')

    // The saved state lets a killed main's post step restore the canary group while the fleet deploys.
    const whileFleet = d.saved.find(([id]) => id === FLEET)?.[1]
    expect(whileFleet).toEqual({ application: 'shop', groups: [{ group: 'canary', revision: A }] })
    const parsed = parseSavedRollout(
      JSON.stringify({ region: 'us-east-1', aliases: [], codeDeploy: { deploymentId: FLEET, application: 'shop', restore: whileFleet?.groups } }),
    )
    expect(parsed?.codeDeploy?.restore).toEqual([{ group: 'canary', revision: A }])
    expect(parseSavedRollout(JSON.stringify({ region: 'us-east-1', aliases: [], codeDeploy: { deploymentId: FLEET } }))?.codeDeploy).toEqual({
      deploymentId: FLEET,
    })
  })

  it('a group without a previous successful deployment is reported as not restorable, and the step fails', async () => {
    groups(undefined)
    const d = deps()
    const outcome = await releaseServer(d, inputs)
    expect(cd.commandCalls(CreateDeploymentCommand).map((c) => c.args[0].input.deploymentGroupName)).toEqual(['canary', 'fleet'])
    expect(outcome.result).toBe('failed')
    expect(outcome.restored).toHaveLength(1)
    expect(outcome.restored[0]).toMatchObject({ group: 'canary', deploymentId: undefined })
    expect(outcome.restored[0]?.problem).toContain('no previous successful deployment')
    expect(outcome.reason).toContain('group canary NOT restored')
    expect(d.log.text()).toMatch(/warning: Deployment group canary cannot be restored if the rollout fails after it: it has no previous successful deployment/)
    expect(d.log.text()).toMatch(/error: Deployment group canary cannot be restored: it has no previous successful deployment/)
    expect(outputsOf(outcome)['restored-groups']).toBe('')
    expect(renderSummary(outcome, { what: 'shop', region: 'us-east-1', alarms: [] })).toContain('canary: **not restored**')
  })

  it('an alarm between groups restores the finished canary group before the fleet starts', async () => {
    groups('d-PREVCANAR')
    cd.on(CreateDeploymentCommand).resolvesOnce({ deploymentId: CANARY }).resolves({ deploymentId: RESTORE })
    // Checks: before start, two polls of the canary deployment, then between stages.
    const gate = new ScriptedGate((n) => (n < 3 ? reading('pass') : reading('fail')))
    const outcome = await releaseServer(deps(gate), inputs)
    expect(cd.commandCalls(CreateDeploymentCommand).map((c) => [c.args[0].input.deploymentGroupName, c.args[0].input.revision])).toEqual([
      ['canary', B],
      ['canary', A],
    ])
    expect(outcome).toMatchObject({ result: 'rolled-back', alarmName: 'errors-high' })
    expect(outcome.restored.map((r) => [r.group, r.status])).toEqual([['canary', 'Succeeded']])
  })

  it('a failed restore leaves the run unsettled, so the post step redeploys again', async () => {
    groups('d-PREVCANAR')
    cd.on(GetDeploymentCommand, { deploymentId: RESTORE }).resolves(
      info(RESTORE, 'Failed', { errorInformation: { code: 'HEALTH_CONSTRAINTS', message: 'restore failed' } }),
    )
    const outcome = await releaseServer(deps(), inputs)
    expect(outcome.result).toBe('failed')
    expect(outcome.settled).toBe(false)
    expect(outcome.reason).toContain('group canary NOT restored')
  })

  it('a restored rollout is settled', async () => {
    groups('d-PREVCANAR')
    expect((await releaseServer(deps(), inputs)).settled).toBe(true)
  })

  it("a re-run attaching to this commit's deployment while an alarm fires stops it with rollback and starts nothing", async () => {
    groups('d-PREVCANAR')
    cd.on(ListDeploymentsCommand, { deploymentGroupName: 'canary' }).resolves({ deployments: [CANARY] })
    cd.on(BatchGetDeploymentsCommand).resolves({ deploymentsInfo: [info(CANARY, 'InProgress', { description: inputs.description }).deploymentInfo] })
    cd.on(StopDeploymentCommand).callsFake(() => {
      cd.on(GetDeploymentCommand, { deploymentId: CANARY }).resolves(info(CANARY, 'Stopped', { rollbackInfo: { rollbackDeploymentId: RB } }))
      return { status: 'Pending' }
    })
    const d = deps(new ScriptedGate(() => reading('fail')))
    const outcome = await releaseServer(d, inputs)
    expect(cd.commandCalls(StopDeploymentCommand).map((c) => c.args[0].input)).toEqual([{ deploymentId: CANARY, autoRollbackEnabled: true }])
    expect(cd.commandCalls(CreateDeploymentCommand)).toHaveLength(0)
    expect(outcome).toMatchObject({ result: 'rolled-back', alarmName: 'errors-high', settled: true })
    expect(outcome.deployments.map((x) => [x.id, x.kind, x.status])).toEqual([
      [CANARY, 'deployment', 'Stopped'],
      [RB, 'rollback', 'Succeeded'],
    ])
  })
})
