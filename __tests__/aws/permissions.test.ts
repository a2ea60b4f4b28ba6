import { GetRoleCommand, IAMClient, SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam'
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts'
import { mockClient } from 'aws-sdk-client-mock'
import { beforeEach, describe, expect, it } from 'vitest'
import { checkWritePermissions, decisionsOf, judgePermissions, principalFor } from '../../src/aws/permissions.js'

const sts = mockClient(STSClient)
const iam = mockClient(IAMClient)
const FN = 'arn:aws:lambda:us-east-1:123456789012:function:orders'
const wanted = () => [{ action: 'lambda:UpdateAlias', resources: [FN, `${FN}:live`] }]

beforeEach(() => {
  sts.reset()
  iam.reset()
})

describe('principalFor', () => {
  it('turns an assumed-role session into its role, and keeps a user as it is', () => {
    expect(principalFor('arn:aws:sts::123456789012:assumed-role/deployer/GitHubActions')).toEqual({
      arn: 'arn:aws:iam::123456789012:role/deployer',
      roleName: 'deployer',
    })
    expect(principalFor('arn:aws-us-gov:iam::123456789012:user/ci/bot')).toEqual({ arn: 'arn:aws-us-gov:iam::123456789012:user/ci/bot' })
  })

  it('cannot simulate the root user or a federated user', () => {
    expect(principalFor('arn:aws:iam::123456789012:root')).toHaveProperty('error')
    expect(principalFor('arn:aws:sts::123456789012:federated-user/bob')).toHaveProperty('error')
  })
})

describe('decisionsOf: both readings of the API model', () => {
  it('a result per action and ARN', () => {
    expect(decisionsOf([{ EvalActionName: 'a', EvalResourceName: 'r', EvalDecision: 'allowed' }])).toEqual([{ action: 'a', resource: 'r', allowed: true }])
  })

  it('one result per action with per-ARN detail: a denied ARN inside an allowed result stays denied', () => {
    const decisions = decisionsOf([
      {
        EvalActionName: 'a',
        EvalDecision: 'allowed',
        ResourceSpecificResults: [
          { EvalResourceName: 'r1', EvalResourceDecision: 'allowed' },
          { EvalResourceName: 'r2', EvalResourceDecision: 'implicitDeny' },
        ],
      },
    ])
    expect(decisions).toEqual([
      { action: 'a', resource: 'r1', allowed: true },
      { action: 'a', resource: 'r2', allowed: false },
    ])
  })
})

describe('judgePermissions', () => {
  it("allowed on one of an alias operation's two ARNs is a warning naming the other", () => {
    const report = judgePermissions('p', wanted(), [
      { action: 'lambda:UpdateAlias', resource: FN, allowed: false },
      { action: 'lambda:UpdateAlias', resource: `${FN}:live`, allowed: true },
    ])
    expect(report).toMatchObject({ checked: true, denied: [], partial: [expect.stringContaining(`not on ${FN}; grant both`)] })
  })

  it('an action the simulator did not answer for is not allowed', () => {
    expect(judgePermissions('p', wanted(), [])).toMatchObject({ denied: [`lambda:UpdateAlias on ${FN} or ${FN}:live`] })
  })
})

describe('checkWritePermissions', () => {
  it('recovers a role path with GetRole when the path-less role ARN does not exist', async () => {
    sts.on(GetCallerIdentityCommand).resolves({ Account: '123456789012', Arn: 'arn:aws:sts::123456789012:assumed-role/deployer/s' })
    const real = 'arn:aws:iam::123456789012:role/ci/deployer'
    iam.on(SimulatePrincipalPolicyCommand).callsFake((input) => {
      if (input.PolicySourceArn !== real) throw Object.assign(new Error('The role with name deployer cannot be found.'), { name: 'NoSuchEntityException' })
      return {
        EvaluationResults: (input.ResourceArns ?? []).map((r: string) => ({
          EvalActionName: 'lambda:UpdateAlias',
          EvalResourceName: r,
          EvalDecision: 'allowed',
        })),
      }
    })
    iam.on(GetRoleCommand).resolves({ Role: { Arn: real, Path: '/ci/', RoleName: 'deployer', RoleId: 'AROA', CreateDate: new Date() } })
    await expect(checkWritePermissions('us-east-1', wanted)).resolves.toMatchObject({ checked: true, principal: real, allowed: ['lambda:UpdateAlias'] })
  })

  it('never throws: a failed GetCallerIdentity is "not checked" with the reason', async () => {
    sts.on(GetCallerIdentityCommand).rejects(new Error('socket hang up'))
    await expect(checkWritePermissions('us-east-1', wanted)).resolves.toEqual({ checked: false, reason: 'sts:GetCallerIdentity failed: socket hang up' })
  })

  it("follows the simulator's pages", async () => {
    sts.on(GetCallerIdentityCommand).resolves({ Account: '123456789012', Arn: 'arn:aws:iam::123456789012:user/ci' })
    iam
      .on(SimulatePrincipalPolicyCommand)
      .resolvesOnce({
        EvaluationResults: [{ EvalActionName: 'lambda:UpdateAlias', EvalResourceName: FN, EvalDecision: 'allowed' }],
        IsTruncated: true,
        Marker: 'm',
      })
      .resolvesOnce({ EvaluationResults: [{ EvalActionName: 'lambda:UpdateAlias', EvalResourceName: `${FN}:live`, EvalDecision: 'allowed' }] })
    await expect(checkWritePermissions('us-east-1', wanted)).resolves.toMatchObject({ allowed: ['lambda:UpdateAlias'] })
    expect(iam.commandCalls(SimulatePrincipalPolicyCommand)[1]?.args[0].input.Marker).toBe('m')
  })
})
