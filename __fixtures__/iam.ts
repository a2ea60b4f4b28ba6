// IAM's policy simulator, faked with aws-sdk-client-mock: the caller is an assumed-role session of
// ROLE, and the simulator allows exactly `allowed` actions, on any ARN.
import { IAMClient, SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam'
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts'
import { mockClient } from 'aws-sdk-client-mock'

export const ROLE = 'arn:aws:iam::123456789012:role/deployer'
export const sts = mockClient(STSClient)
export const iam = mockClient(IAMClient)

export function simulator(allowed: readonly string[]): void {
  sts.reset()
  iam.reset()
  sts.on(GetCallerIdentityCommand).resolves({ Account: '123456789012', Arn: 'arn:aws:sts::123456789012:assumed-role/deployer/gha', UserId: 'AROA:gha' })
  iam.on(SimulatePrincipalPolicyCommand).callsFake((input: { ActionNames?: string[]; ResourceArns?: string[] }) => ({
    EvaluationResults: (input.ActionNames ?? []).flatMap((action) =>
      (input.ResourceArns ?? ['*']).map((resource) => ({
        EvalActionName: action,
        EvalResourceName: resource,
        EvalDecision: allowed.includes(action) ? 'allowed' : 'implicitDeny',
      })),
    ),
  }))
}
