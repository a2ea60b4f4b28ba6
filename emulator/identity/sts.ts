// AWS STS (query protocol, 2011-06-15): GetCallerIdentity only, which plan mode reads to know
// whose permissions to simulate. It needs no permission in AWS, and no policy can deny it.
import type { ApiRequest } from '../http.js'
import type { EmulatedService } from '../service.js'
import { queryOperation, xmlError, xmlResponse } from '../query.js'
import { ACCOUNT, callerArn } from './caller.js'

const VERSION = '2011-06-15'
const NAMESPACE = `https://sts.amazonaws.com/doc/${VERSION}/`

export function createStsService(): EmulatedService {
  const error = (status: number, code: string, message: string, headers: Record<string, string> = {}) => xmlError(status, code, message, NAMESPACE, headers)
  return {
    name: 'sts',
    iamPrefix: 'sts',
    needsNoPermission: (op) => op === 'GetCallerIdentity',
    throttle: { status: 400, code: 'Throttling' },
    accessDeniedCode: 'AccessDenied',
    resourceArn: () => '*',
    match: (req: ApiRequest) => queryOperation(req, VERSION),
    error,
    reset: () => {},
    handle(op, req) {
      if (op !== 'GetCallerIdentity') return error(400, 'InvalidAction', `Could not find operation ${op} for version ${VERSION}`)
      const arn = callerArn(req)
      // UserId is the role's id and the session name for a role session, the user's id otherwise.
      const userId = arn.includes(':assumed-role/') ? `AROAEMULATORROLE:${arn.split('/').at(-1) ?? ''}` : 'AIDAEMULATORUSER'
      return xmlResponse(op, NAMESPACE, { UserId: userId, Account: ACCOUNT, Arn: arn })
    },
  }
}
