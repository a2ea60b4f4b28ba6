// The emulator's STS and IAM: whose request it was, and a policy simulator that evaluates the very
// policy the emulator enforces, so plan mode's permission check is tested against real denials.
import { GetRoleCommand, IAMClient, SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam'
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { roleArn, SESSION_ROLE } from '../../emulator/identity/caller.js'
import { contractCheck } from '../../__fixtures__/contract.js'
import { startEmulator, type Emulator } from '../../emulator/server.js'

let emulator: Emulator
const credentials = (sessionToken?: string) => ({ accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', ...(sessionToken ? { sessionToken } : {}) })
const settings = (sessionToken?: string) => ({ region: 'us-east-1', endpoint: emulator.url, credentials: credentials(sessionToken), maxAttempts: 1 })

beforeAll(async () => {
  emulator = await startEmulator()
})
afterAll(() => emulator.close())
beforeEach(() => emulator.reset())

describe('STS GetCallerIdentity', () => {
  it('names a session as its assumed role, and needs no permission even under a policy that allows nothing', async () => {
    emulator.setPolicy([])
    const sts = new STSClient(settings('token'))
    const me = await sts.send(new GetCallerIdentityCommand({}))
    expect(me).toMatchObject({ Account: '123456789012', Arn: `arn:aws:sts::123456789012:assumed-role/${SESSION_ROLE}/AKIDEXAMPLE` })
    const user = await new STSClient(settings()).send(new GetCallerIdentityCommand({}))
    expect(user.Arn).toBe('arn:aws:iam::123456789012:user/AKIDEXAMPLE')
  })
})

describe('IAM SimulatePrincipalPolicy', () => {
  const fn = 'arn:aws:lambda:us-east-1:123456789012:function:orders'
  const iam = () => new IAMClient(settings('token'))

  it('evaluates the enforced policy on each action and ARN', async () => {
    emulator.setPolicy({
      Statement: [
        { Action: ['lambda:UpdateAlias'], Resource: [`${fn}:*`] },
        { Action: ['iam:SimulatePrincipalPolicy'], Resource: [roleArn(SESSION_ROLE)] },
      ],
    })
    const out = await iam().send(
      new SimulatePrincipalPolicyCommand({
        PolicySourceArn: roleArn(SESSION_ROLE),
        ActionNames: ['lambda:UpdateAlias', 'lambda:DeleteAlias'],
        ResourceArns: [fn, `${fn}:live`],
      }),
    )
    expect(out.EvaluationResults?.map((r) => `${r.EvalActionName} ${r.EvalResourceName} ${r.EvalDecision}`)).toEqual([
      `lambda:UpdateAlias ${fn} implicitDeny`,
      `lambda:UpdateAlias ${fn}:live allowed`,
      `lambda:DeleteAlias ${fn} implicitDeny`,
      `lambda:DeleteAlias ${fn}:live implicitDeny`,
    ])
  })

  it('is itself subject to the policy: a role without iam:SimulatePrincipalPolicy is denied, naming the session', async () => {
    emulator.setPolicy(['lambda:GetAlias'])
    await expect(
      iam().send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: roleArn(SESSION_ROLE), ActionNames: ['lambda:UpdateAlias'] })),
    ).rejects.toMatchObject({
      name: 'AccessDenied',
      message: expect.stringContaining(`assumed-role/${SESSION_ROLE}/AKIDEXAMPLE is not authorized to perform: iam:SimulatePrincipalPolicy`),
    })
  })

  it('issue 19: evaluates iam:PassRole conditions on the context entries given, and names a condition key left out', async () => {
    const task = 'arn:aws:iam::123456789012:role/web-task'
    emulator.setPolicy({
      Statement: [
        { Action: ['iam:PassRole'], Resource: [task], Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } } },
        { Action: ['iam:SimulatePrincipalPolicy'], Resource: [roleArn(SESSION_ROLE)] },
      ],
    })
    const simulate = (service?: string) =>
      iam().send(
        new SimulatePrincipalPolicyCommand({
          PolicySourceArn: roleArn(SESSION_ROLE),
          ActionNames: ['iam:PassRole'],
          ResourceArns: [task],
          ...(service !== undefined && {
            ContextEntries: [{ ContextKeyName: 'iam:PassedToService', ContextKeyValues: [service], ContextKeyType: 'string' }],
          }),
        }),
      )
    expect((await simulate('ecs-tasks.amazonaws.com')).EvaluationResults?.[0]).toMatchObject({ EvalDecision: 'allowed', MissingContextValues: [] })
    expect((await simulate('lambda.amazonaws.com')).EvaluationResults?.[0]?.EvalDecision).toBe('implicitDeny')
    expect((await simulate()).EvaluationResults?.[0]).toMatchObject({ EvalDecision: 'implicitDeny', MissingContextValues: ['iam:PassedToService'] })
  })

  it('does not know other roles (NoSuchEntity, 404), and GetRole returns its own', async () => {
    await expect(
      iam().send(new SimulatePrincipalPolicyCommand({ PolicySourceArn: roleArn('someone-else'), ActionNames: ['lambda:UpdateAlias'] })),
    ).rejects.toMatchObject({
      name: 'NoSuchEntityException',
      $metadata: { httpStatusCode: 404 },
    })
    const role = await iam().send(new GetRoleCommand({ RoleName: SESSION_ROLE }))
    expect(role.Role).toMatchObject({ Arn: roleArn(SESSION_ROLE), Path: '/' })
  })
})

// Contract: every STS and IAM response above matches botocore's published model (query protocol XML).
contractCheck(['iam:GetRole', 'iam:SimulatePrincipalPolicy', 'sts:GetCallerIdentity'])
