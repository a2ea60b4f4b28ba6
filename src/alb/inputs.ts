import { InputError } from '../core/errors.js'
import type { Config, InputReader } from '../core/inputs.js'
import { quote } from '../core/quote.js'
import { runUrl } from '../report/github-reporter.js'
import { usersConditionsLimit, type UserCondition } from './users-rule.js'
import { representable } from './weights.js'

/** What the `listener` input names: a listener's default action, or one of its rules. */
export interface ListenerTarget {
  readonly kind: 'listener' | 'rule'
  /** The ARN given. */
  readonly arn: string
  /** The listener's ARN (the rule's listener, for a rule). */
  readonly listenerArn: string
  /** CloudWatch's LoadBalancer dimension, e.g. `app/web/50dc6c495c0c9188`. */
  readonly loadBalancer: string
  readonly region: string
}

/** ALB mode's own inputs, validated with the shared Config before any AWS call. */
export interface AlbInputs {
  readonly listener: ListenerTarget
  /** The canary target group, by name or ARN; undefined only in rollback mode, which finds it. */
  readonly targetGroup: string | undefined
  /** Target-group stickiness in seconds; undefined writes it disabled. */
  readonly stickinessSeconds: number | undefined
  /** The canary users' conditions; empty without canary-users. */
  readonly users: readonly UserCondition[]
  readonly runUrl: string
}

const PARTITION = 'aws[a-z-]*'
const REGION = '[a-z]{2}(?:-[a-z]+)+-\\d+'
const LISTENER_ARN = new RegExp(`^arn:${PARTITION}:elasticloadbalancing:(${REGION}):\\d{12}:listener/(app/[^/]+/[0-9a-f]+)/[0-9a-f]+$`)
const RULE_ARN = new RegExp(`^(arn:${PARTITION}:elasticloadbalancing:(${REGION}):\\d{12}:)listener-rule/((app/[^/]+/[0-9a-f]+)/[0-9a-f]+)/[0-9a-f]+$`)
const NOT_ALB = new RegExp(`^arn:${PARTITION}:elasticloadbalancing:[^:]*:\\d{12}:listener(?:-rule)?/(?:net|gwy)/`)
const TARGET_GROUP_NAME = /^(?!-)[A-Za-z0-9-]{1,32}(?<!-)$/
const TARGET_GROUP_ARN = new RegExp(`^arn:${PARTITION}:elasticloadbalancing:${REGION}:\\d{12}:targetgroup/[A-Za-z0-9-]{1,32}/[0-9a-f]+$`)
/** ALB's TargetGroupStickinessConfig.DurationSeconds range. */
export const STICKINESS_MAX_S = 7 * 86_400
const STICKINESS = /^(\d+)\s*([smhd])$/
const UNIT_S = { s: 1, m: 60, h: 3_600, d: 86_400 } as const

export function parseListener(value: string): ListenerTarget {
  const listener = LISTENER_ARN.exec(value)
  if (listener) return { kind: 'listener', arn: value, listenerArn: value, loadBalancer: listener[2] ?? '', region: listener[1] ?? '' }
  const rule = RULE_ARN.exec(value)
  if (rule) {
    const [, prefix = '', region = '', listenerPath = '', loadBalancer = ''] = rule
    return { kind: 'rule', arn: value, listenerArn: `${prefix}listener/${listenerPath}`, loadBalancer, region }
  }
  if (NOT_ALB.test(value))
    throw new InputError(
      'listener',
      `${quote(value)} belongs to a Network or Gateway Load Balancer; only Application Load Balancers split traffic by weight and rule`,
    )
  throw new InputError(
    'listener',
    `${quote(value)} is not an Application Load Balancer listener ARN (…:listener/app/NAME/ID/ID) or listener rule ARN (…:listener-rule/app/NAME/ID/ID/ID)`,
  )
}

export function parseTargetGroup(value: string): string {
  if (TARGET_GROUP_NAME.test(value) || TARGET_GROUP_ARN.test(value)) return value
  throw new InputError(
    'target-group',
    `${quote(value)} is not a target group name (1 to 32 letters, digits and hyphens, not starting or ending with one) or target group ARN`,
  )
}

/** `30s`, `10m`, `12h`, `7d`: whole seconds from 1 s to 7 d. */
export function parseStickiness(value: string): number | undefined {
  if (value === '' || value === 'none') return undefined
  const match = STICKINESS.exec(value)
  const seconds = match ? Number(match[1]) * UNIT_S[match[2] as keyof typeof UNIT_S] : Number.NaN
  if (!(seconds >= 1 && seconds <= STICKINESS_MAX_S)) {
    throw new InputError('stickiness', `${quote(value)} is not a duration from 1s to 7d (like 30s, 10m, 12h or 1d), or none`)
  }
  return seconds
}

/** One condition per line: `header NAME=VALUE`, `source-ip CIDR` or `query KEY=VALUE`. */
export function parseCanaryUsers(value: string): UserCondition[] {
  const lines = value
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
  const conditions = lines.map((line): UserCondition => {
    const match = /^(header|source-ip|query)\s+(.+)$/.exec(line)
    const [, kind, rest = ''] = match ?? []
    if (kind === 'header') {
      const pair = /^([A-Za-z0-9!#$%&'*+.^_`|~-]{1,40})=(.{1,128})$/.exec(rest.trim())
      if (pair) return { kind: 'header', name: pair[1] ?? '', value: pair[2] ?? '' }
      throw new InputError('canary-users', `${quote(line)}: a header condition is "header NAME=VALUE" (name up to 40 token characters, value up to 128)`)
    }
    if (kind === 'source-ip') {
      const cidr = rest.trim()
      if (isCidr(cidr)) return { kind: 'source-ip', cidr }
      throw new InputError('canary-users', `${quote(line)}: a source-ip condition is "source-ip CIDR", like 10.0.0.0/8 or 2001:db8::/32`)
    }
    if (kind === 'query') {
      const pair = /^([^=\s]{1,128})=(\S{1,128})$/.exec(rest.trim())
      if (pair) return { kind: 'query', key: pair[1] ?? '', value: pair[2] ?? '' }
      throw new InputError('canary-users', `${quote(line)}: a query condition is "query KEY=VALUE"`)
    }
    throw new InputError('canary-users', `${quote(line)} is not "header NAME=VALUE", "source-ip CIDR" or "query KEY=VALUE"`)
  })
  const limit = usersConditionsLimit(conditions)
  if (limit) throw new InputError('canary-users', limit)
  return conditions
}

function isCidr(text: string): boolean {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text)
  if (v4) return v4.slice(1, 5).every((octet) => Number(octet) <= 255) && Number(v4[5]) <= 32
  const v6 = /^([0-9a-fA-F:]+)\/(\d{1,3})$/.exec(text)
  return v6 !== null && (v6[1] ?? '').includes(':') && Number(v6[2]) <= 128
}

/** Validates ALB mode's inputs; throws InputError naming the first bad one. */
export function readAlbInputs(config: Config, read: InputReader, env: NodeJS.ProcessEnv = process.env): AlbInputs {
  const get = (input: string): string => read(input).trim()
  const listener = parseListener(get('listener'))
  if (listener.region !== config.region) {
    throw new InputError('listener', `${quote(listener.arn)} is in ${listener.region}, but the action runs in ${config.region} (input region)`)
  }
  for (const input of ['function-name', 'version'] as const) {
    if (get(input) !== '') throw new InputError(input, 'does not apply with listener: ALB mode moves traffic between target groups (target-group)')
  }
  const targetText = get('target-group')
  if (targetText === '' && config.mode !== 'rollback')
    throw new InputError('target-group', 'is required with listener (the canary target group, by name or ARN)')
  const targetGroup = targetText === '' ? undefined : parseTargetGroup(targetText)
  const stickinessSeconds = parseStickiness(get('stickiness'))
  const users = parseCanaryUsers(read('canary-users'))
  const usersStage = config.stages.some((stage) => stage.users)
  if (usersStage && users.length === 0) throw new InputError('canary-users', 'is required for a users: stage (say which requests reach the canary first)')
  for (const stage of config.stages) {
    if (!stage.users && stage.weight < 100 && !representable(stage.weight)) {
      throw new InputError('stages', `${quote(`${stage.weight}%`)}: ALB weights are whole numbers from 0 to 999, so shares go in steps of 0.1%`)
    }
  }
  return { listener, targetGroup, stickinessSeconds, users, runUrl: runUrl(env) }
}
