/**
 * Plan mode's write-permission check, without a write: IAM's policy simulator evaluates the
 * caller's own role (or user) for the writes a deploy would make. Where the caller may not run the
 * simulator, or is not a role or user, the plan says "not checked" rather than failing: a plan
 * role is often read-only on purpose. The STS and IAM clients load only here, so a deploy never
 * pays for them.
 */
import { errorMessage } from '../core/errors.js'
import type { Log } from '../core/log.js'
import { clientSettings } from './clients.js'

/** One write a deploy would make, and the ARNs it may be authorised on. */
export interface WritePermission {
  readonly action: string
  /**
   * Usually one ARN. Several where AWS's docs leave open which ARN the action is authorised on (an
   * alias operation: the function's ARN or the alias's): allowed on all is allowed, on none denied,
   * and anything between is a warning naming the ARN to grant.
   */
  readonly resources: readonly string[]
  /** Condition keys the write is made with (iam:PassRole's iam:PassedToService), passed to the simulator as ContextEntries. */
  readonly context?: Readonly<Record<string, string>>
}

export type PermissionReport =
  | {
      readonly checked: true
      /** The role or user simulated. */
      readonly principal: string
      readonly allowed: readonly string[]
      /** `action on ARN` for each write the principal's policies do not allow. */
      readonly denied: readonly string[]
      /** Allowed on some of an action's ARNs only. */
      readonly partial: readonly string[]
    }
  | { readonly checked: false; readonly reason: string }

/** The caller's identity as the simulator takes it: an IAM role or user ARN, or why not. */
export function principalFor(callerArn: string): { arn: string; roleName?: string } | { error: string } {
  const assumed = /^arn:([\w-]+):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(callerArn)
  // An assumed-role ARN drops the role's path; the path-less ARN is right for most roles, and
  // GetRole recovers the rest (see simulate below).
  if (assumed) return { arn: `arn:${assumed[1]}:iam::${assumed[2]}:role/${assumed[3]}`, roleName: assumed[3] as string }
  if (/^arn:[\w-]+:iam::\d{12}:user\/.+$/.test(callerArn)) return { arn: callerArn }
  return { error: `the caller ${callerArn} is not an IAM role or user, which the policy simulator needs` }
}

const isDenied = (error: unknown): boolean => error instanceof Error && /AccessDenied|not authorized/i.test(`${error.name} ${error.message}`)
const isNoSuchEntity = (error: unknown): boolean => error instanceof Error && /NoSuchEntity/.test(error.name)

interface Decision {
  readonly action: string
  readonly resource: string
  readonly allowed: boolean
}

/**
 * SimulatePrincipalPolicy's decisions, one per action and ARN. The API model allows both a result
 * per action-and-ARN pair and per-ARN detail inside one result (ResourceSpecificResults); reading
 * both, a pair is allowed only if every decision that names it is `allowed`.
 */
export function decisionsOf(
  results: readonly {
    EvalActionName?: string | undefined
    EvalResourceName?: string | undefined
    EvalDecision?: string | undefined
    ResourceSpecificResults?: readonly { EvalResourceName?: string | undefined; EvalResourceDecision?: string | undefined }[] | undefined
  }[],
): Decision[] {
  return results.flatMap((result) => {
    const action = result.EvalActionName ?? ''
    const specific = result.ResourceSpecificResults ?? []
    if (specific.length > 0) {
      return specific.map((r) => ({
        action,
        resource: r.EvalResourceName ?? '*',
        allowed: r.EvalResourceDecision === 'allowed' && result.EvalDecision === 'allowed',
      }))
    }
    return [{ action, resource: result.EvalResourceName ?? '*', allowed: result.EvalDecision === 'allowed' }]
  })
}

/** Folds the decisions into the report: each action allowed on all, some or none of its ARNs. */
export function judgePermissions(principal: string, wanted: readonly WritePermission[], decisions: readonly Decision[]): PermissionReport {
  const allowed: string[] = []
  const denied: string[] = []
  const partial: string[] = []
  for (const { action, resources } of wanted) {
    const ok = resources.filter((resource) => {
      const named = decisions.filter((d) => d.action === action && (d.resource === resource || d.resource === '*'))
      return named.length > 0 && named.every((d) => d.allowed)
    })
    if (ok.length === resources.length) allowed.push(action)
    else if (ok.length === 0) denied.push(`${action} on ${resources.join(' or ')}`)
    else partial.push(`${action} is allowed on ${ok.join(', ')} but not on ${resources.filter((r) => !ok.includes(r)).join(', ')}; grant both`)
  }
  return { checked: true, principal, allowed, denied, partial }
}

/**
 * Simulates `wanted(account, partition)` for the caller. Never throws: anything that stops the
 * check is a "not checked" report with the reason.
 */
export async function checkWritePermissions(
  region: string,
  wanted: (account: string, partition: string) => readonly WritePermission[],
  signal?: AbortSignal,
): Promise<PermissionReport> {
  const [{ STSClient, GetCallerIdentityCommand }, iamModule] = await Promise.all([import('@aws-sdk/client-sts'), import('@aws-sdk/client-iam')])
  const { IAMClient, GetRoleCommand, paginateSimulatePrincipalPolicy } = iamModule
  const sts = new STSClient(clientSettings(region, 'poll'))
  const iam = new IAMClient(clientSettings(region, 'poll'))
  const options = signal ? { abortSignal: signal } : {}
  try {
    let caller: { Arn?: string | undefined; Account?: string | undefined }
    try {
      caller = await sts.send(new GetCallerIdentityCommand({}), options)
    } catch (error) {
      return { checked: false, reason: `sts:GetCallerIdentity failed: ${errorMessage(error)}` }
    }
    const principal = principalFor(caller.Arn ?? '')
    if ('error' in principal) return { checked: false, reason: principal.error }
    const partition = /^arn:([\w-]+):/.exec(caller.Arn ?? '')?.[1] ?? 'aws'
    const permissions = wanted(caller.Account ?? '', partition)
    const simulate = async (arn: string): Promise<Decision[]> => {
      const decisions: Decision[] = []
      // One call per distinct ARN set: the simulator pairs every action with every ARN given.
      const key = (p: WritePermission): string => JSON.stringify([p.resources, p.context ?? {}])
      for (const group of new Set(permissions.map(key))) {
        const same = permissions.filter((p) => key(p) === group)
        const { resources, context } = same[0] as WritePermission
        const ContextEntries = Object.entries(context ?? {}).map(([ContextKeyName, value]) => ({
          ContextKeyName,
          ContextKeyValues: [value],
          ContextKeyType: 'string' as const,
        }))
        const pages = paginateSimulatePrincipalPolicy(
          { client: iam },
          {
            PolicySourceArn: arn,
            ActionNames: same.map((p) => p.action),
            ResourceArns: [...resources],
            ...(ContextEntries.length > 0 ? { ContextEntries } : {}),
          },
        )
        for await (const page of pages) decisions.push(...decisionsOf(page.EvaluationResults ?? []))
      }
      return decisions
    }
    try {
      return judgePermissions(principal.arn, permissions, await simulate(principal.arn))
    } catch (error) {
      if (isNoSuchEntity(error) && principal.roleName) {
        // A role with a path: its real ARN comes from GetRole, when the caller may read it.
        try {
          const role = await iam.send(new GetRoleCommand({ RoleName: principal.roleName }), options)
          const arn = role.Role?.Arn ?? principal.arn
          return judgePermissions(arn, permissions, await simulate(arn))
        } catch (retry) {
          return { checked: false, reason: `could not find the caller's role ${principal.roleName} (${errorMessage(retry)})` }
        }
      }
      if (isDenied(error)) {
        return {
          checked: false,
          reason: `iam:SimulatePrincipalPolicy was denied (grant it on ${principal.arn} to have plan check write permissions)`,
        }
      }
      return { checked: false, reason: `iam:SimulatePrincipalPolicy failed: ${errorMessage(error)}` }
    }
  } finally {
    sts.destroy()
    iam.destroy()
  }
}

/** The report as plan lines: each is a check that passed, a problem, or a warning. */
function describePermissions(report: PermissionReport): { ok?: string; problems: string[]; warnings: string[] } {
  if (!report.checked) return { problems: [], warnings: [`write permissions not checked: ${report.reason}`] }
  const problems = report.denied.map((d) => `the policies of ${report.principal} do not allow ${d}`)
  return {
    ...(report.allowed.length > 0 ? { ok: `${report.principal} may ${[...new Set(report.allowed)].join(', ')} (iam:SimulatePrincipalPolicy)` } : {}),
    problems,
    warnings: [...report.partial],
  }
}

/** Logs the report as plan lines and returns its problems (prefixed) and warnings, for the plan's outcome. */
export function logPermissions(report: PermissionReport, log: Pick<Log, 'info' | 'warning' | 'error'>): { problems: string[]; warnings: string[] } {
  const described = describePermissions(report)
  if (described.ok) log.info(`✓ write permissions: ${described.ok}`)
  const problems = described.problems.map((p) => `write permissions: ${p}`)
  for (const problem of problems) log.error(`✗ ${problem}`)
  for (const warning of described.warnings) log.warning(warning)
  return { problems, warnings: described.warnings }
}
