// AWS IAM (query protocol, 2010-05-08): SimulatePrincipalPolicy and GetRole, so plan mode can check
// write permissions without a write. The simulator evaluates the policy the emulator enforces
// (setPolicy), for the emulator's own role and users; shapes and error codes from botocore's model.
import type { ApiRequest } from '../http.js'
import { ApiError, type EmulatedService } from '../service.js'
import type { FaultInjector } from '../faults.js'
import { parseQuery, type QueryValue, queryOperation, xmlError, xmlResponse } from '../query.js'
import { ACCOUNT, roleArn, SESSION_ROLE } from './caller.js'

const VERSION = '2010-05-08'
const NAMESPACE = `https://iam.amazonaws.com/doc/${VERSION}/`
/** SimulatePrincipalPolicy's MaxItems: 100 when not given, at most 1000 (botocore's maxItemsType). */
const PAGE = 100
const MAX_PAGE = 1000
const CREATED = '2026-01-01T00:00:00Z'

const strings = (v: QueryValue | undefined): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [])
const invalidInput = (message: string): ApiError => new ApiError(400, 'InvalidInput', message)

/** ContextEntries (e.g. iam:PassedToService for iam:PassRole) as key → first value. */
function contextOf(v: QueryValue | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  if (!Array.isArray(v)) return out
  for (const entry of v) {
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) continue
    const name = entry['ContextKeyName']
    const value = strings(entry['ContextKeyValues'])[0]
    if (typeof name === 'string' && value !== undefined) out[name] = value
  }
  return out
}

export function createIamService(faults: FaultInjector): EmulatedService {
  const error = (status: number, code: string, message: string, headers: Record<string, string> = {}) => xmlError(status, code, message, NAMESPACE, headers)
  /** The principals that exist: the session role, and a user for every access key. */
  const principalExists = (arn: string): boolean => arn === roleArn(SESSION_ROLE) || new RegExp(`^arn:aws:iam::${ACCOUNT}:user/[\\w+=,.@-]+$`).test(arn)
  return {
    name: 'iam',
    iamPrefix: 'iam',
    throttle: { status: 400, code: 'Throttling' },
    accessDeniedCode: 'AccessDenied',
    resourceArn: (req) => {
      const q = new URLSearchParams(req.body)
      const role = q.get('RoleName')
      return q.get('PolicySourceArn') ?? (role ? roleArn(role) : '*')
    },
    match: (req: ApiRequest) => queryOperation(req, VERSION),
    error,
    reset: () => {},
    handle(op, req) {
      const q = parseQuery(req.body)
      if (op === 'GetRole') {
        const name = typeof q['RoleName'] === 'string' ? q['RoleName'] : ''
        if (name !== SESSION_ROLE) throw new ApiError(404, 'NoSuchEntity', `The role with name ${name} cannot be found.`)
        return xmlResponse(op, NAMESPACE, { Role: { Path: '/', RoleName: name, RoleId: 'AROAEMULATORROLE', Arn: roleArn(name), CreateDate: CREATED } })
      }
      if (op !== 'SimulatePrincipalPolicy') return error(400, 'InvalidAction', `Could not find operation ${op} for version ${VERSION}`)
      const source = typeof q['PolicySourceArn'] === 'string' ? q['PolicySourceArn'] : ''
      if (source.length < 20)
        throw invalidInput(
          "1 validation error detected: Value at 'policySourceArn' failed to satisfy constraint: Member must have length greater than or equal to 20",
        )
      const actions = strings(q['ActionNames'])
      if (actions.length === 0 && q['ActionNames'] === undefined)
        throw invalidInput("1 validation error detected: Value null at 'actionNames' failed to satisfy constraint: Member must not be null")
      if (!principalExists(source)) {
        const [kind, name] = source.split(':').at(-1)?.split('/') ?? []
        throw new ApiError(404, 'NoSuchEntity', `The ${kind ?? 'entity'} with name ${name ?? source} cannot be found.`)
      }
      const resources = strings(q['ResourceArns'])
      const context = contextOf(q['ContextEntries'])
      // One result per action and ARN (with no ARNs, one per action on "*").
      const results = actions.flatMap((action) =>
        (resources.length > 0 ? resources : ['*']).map((resource) => ({
          EvalActionName: action,
          EvalResourceName: resource,
          EvalDecision: faults.isAllowed(action, resource, context) ? 'allowed' : 'implicitDeny',
          MatchedStatements: [],
          MissingContextValues: faults.missingContextKeys(action, resource, context),
        })),
      )
      const start = Number(typeof q['Marker'] === 'string' ? q['Marker'] : '0') || 0
      const max = Math.min(MAX_PAGE, Number(typeof q['MaxItems'] === 'string' ? q['MaxItems'] : PAGE) || PAGE)
      const page = results.slice(start, start + max)
      const truncated = start + max < results.length
      return xmlResponse(op, NAMESPACE, { EvaluationResults: page, IsTruncated: truncated, ...(truncated ? { Marker: String(start + max) } : {}) })
    },
  }
}
