// Who signed a request, as STS reports it and as AccessDenied messages name it. A request that
// carries a session token comes from an assumed-role session (as GitHub's OIDC role is); one
// without, from an IAM user named after its access key. One account throughout.
import type { ApiRequest } from '../http.js'

export const ACCOUNT = '123456789012'
/** The role every session token belongs to: a path-less role, as most deploy roles are. */
export const SESSION_ROLE = 'canary-deployer'

export const roleArn = (name: string): string => `arn:aws:iam::${ACCOUNT}:role/${name}`
export const userArn = (name: string): string => `arn:aws:iam::${ACCOUNT}:user/${name}`

export function callerArn(req: ApiRequest): string {
  const key = req.accessKeyId ?? 'anonymous'
  return req.headers['x-amz-security-token'] !== undefined ? `arn:aws:sts::${ACCOUNT}:assumed-role/${SESSION_ROLE}/${key}` : userArn(key)
}
