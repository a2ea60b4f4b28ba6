import { parseDuration, formatDuration } from './duration.js'
import { InputError } from './errors.js'
import { quote } from './quote.js'
import { parseStages, StageSyntaxError, type Stage } from './stages.js'

export type Mode = 'deploy' | 'rollback' | 'plan'

/** How progress reaches GitHub (src/report/github-reporter.ts): not at all, a deployment, or commit statuses. */
export type GitHubStatusMode = 'none' | 'deployment' | 'commit'
export const GITHUB_STATUS_MODES: readonly GitHubStatusMode[] = ['none', 'deployment', 'commit']
export type InsufficientDataPolicy = 'alarm' | 'ok'

/** One alias to move: a function, its alias, and (to deploy) the version to roll out. */
export interface AliasTarget {
  readonly functionName: string
  readonly alias: string
  readonly version: string | undefined
}

/** Everything the rollout needs, validated. Built before any AWS call. */
export interface Config {
  readonly mode: Mode
  /** One entry per function, all moved through the same stages together. */
  readonly targets: readonly AliasTarget[]
  readonly stages: readonly Stage[]
  readonly alarms: AlarmSelection
  readonly pollMs: number
  readonly insufficientData: InsufficientDataPolicy
  /** Per-version canary analysis (alias mode, CodeDeploy Lambda). */
  readonly analysis: AnalysisSettings
  /** A held canary older than this is rolled back instead of resumed; undefined means no limit. */
  readonly maxHoldMs: number | undefined
  readonly region: string
  /** Set when codedeploy-application is given: CodeDeploy drives the traffic. */
  readonly codeDeploy: boolean
  /** Set when listener is given: an Application Load Balancer's forward action moves the traffic (src/alb/inputs.ts reads the rest). */
  readonly alb: boolean
  /** Set when service is given: Amazon ECS moves the traffic with its own strategy (src/ecs/inputs.ts reads the rest). */
  readonly ecs: boolean
  /** Whether `stages` was given (CodeDeploy then uses the group's own config when it was not). */
  readonly stagesGiven: boolean
  readonly github: {
    readonly status: GitHubStatusMode
    readonly token: string
    /** The GitHub deployment environment (deployment mode). */
    readonly environment: string
  }
}

/** What each stage compares between the canary and the stable version; empty for `analysis: none`. */
export type AnalysisComparison = 'errors' | 'duration'

export interface AnalysisSettings {
  readonly compare: readonly AnalysisComparison[]
  /** The absolute floor over the stable's error rate, percentage points as a fraction: 0.1% is 0.001. */
  readonly errorRateTolerance: number
  /** How many more of the canary's calls may be slower than the stable's p90, relative: 20% is 0.2. */
  readonly durationTolerance: number
  readonly minInvocations: number
  /** How late CloudWatch's metrics arrive: only minutes that ended this long ago are judged. */
  readonly metricsDelayMs: number
}

/**
 * Lambda and ALB send one-minute datapoints in 60-second intervals, so a minute is complete in
 * CloudWatch some time after it ends; two minutes covers the 50-120 s seen in practice.
 */
export const DEFAULT_METRICS_DELAY = '2m'
/** Enough canary invocations for the test to see a 5× error regression at typical error rates. */
export const DEFAULT_MIN_INVOCATIONS = '100'

/** `metrics-delay`: a duration from 0s to 10m (0s takes every datapoint as it is, for emulators and tests). */
export function parseMetricsDelay(value: string): number {
  const ms = parseDuration(value)
  if (ms === undefined || ms > 600_000) {
    throw new InputError('metrics-delay', `${quote(value)} is not a duration from 0s to 10m like 2m or 90s (0s judges datapoints as they arrive)`)
  }
  return ms
}

/** `errors`, `duration`, `errors, duration` (either order) or `none`. */
export function parseAnalysis(value: string): AnalysisComparison[] {
  const parts = value
    .split(/[,\s]+/)
    .map((p) => p.trim())
    .filter((p) => p !== '')
  if (parts.length === 1 && parts[0] === 'none') return []
  const allowed: readonly string[] = ['errors', 'duration']
  const bad = parts.find((p) => !allowed.includes(p))
  if (parts.length === 0 || bad !== undefined) {
    throw new InputError('analysis', `${quote(value)} is not one of errors, duration, "errors, duration" or none`)
  }
  return [...new Set(parts)].sort() as AnalysisComparison[]
}

/** A percentage written with its sign, e.g. `1%` or `0.5%`, within [0, max]; returned as a fraction. */
export function parsePercent(input: string, value: string, max: number, example: string): number {
  const match = /^(\d+(?:\.\d+)?|\.\d+)\s*%$/.exec(value)
  const number = match ? Number(match[1]) : Number.NaN
  if (!Number.isFinite(number) || number > max) {
    throw new InputError(input, `${quote(value)} is not a percentage from 0% to ${max}% like ${example}`)
  }
  return number / 100
}

export function parseMinInvocations(value: string): number {
  if (!/^\d{1,9}$/.test(value)) throw new InputError('min-invocations', `${quote(value)} is not a whole number of invocations like 0 or 100`)
  return Number(value)
}

/** Reads one input by its action.yml name; '' when unset (what the runner's protocol gives). */
export type InputReader = (name: string) => string

export const MIN_POLL_MS = 1_000
const FUNCTION_NAME = /^[a-zA-Z0-9-_]{1,64}$/
const FUNCTION_ARN = /^arn:aws[a-zA-Z-]*:lambda:[a-z]{2}(?:-[a-z]+)+-\d+:\d{12}:function:[a-zA-Z0-9-_]{1,64}$/
const PARTIAL_ARN = /^\d{12}:function:[a-zA-Z0-9-_]{1,64}$/
const ALIAS_NAME = /^(?!\d+$)[a-zA-Z0-9-_]{1,128}$/
const VERSION = /^[1-9]\d{0,9}$/
const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d+$/
const ALARM_NAME_MAX = 255
// Printable characters only: alarm names come back in logs and console links.
const ALARM_NAME = /^[^\p{Cc}]+$/u
const MODES: readonly Mode[] = ['deploy', 'rollback', 'plan']
const POLICIES: readonly InsufficientDataPolicy[] = ['alarm', 'ok']

function oneOf<T extends string>(input: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T
  throw new InputError(input, `${quote(value)} is not one of ${allowed.join(', ')}`)
}

export function parseFunctionName(value: string): string {
  if (FUNCTION_NAME.test(value) || FUNCTION_ARN.test(value) || PARTIAL_ARN.test(value)) return value
  throw new InputError('function-name', `${quote(value)} is not a Lambda function name (letters, digits, - and _, at most 64) or function ARN`)
}

/** Lambda allows 15 control-plane requests per second; a rollout of more functions than this is refused. */
export const MAX_FUNCTIONS = 50

function parseAlias(value: string, input: string): string {
  if (!ALIAS_NAME.test(value)) {
    throw new InputError(input, `${quote(value)} is not an alias name (letters, digits, - and _, not all digits, at most 128)`)
  }
  return value
}

/**
 * One function per line (or comma), each `name`, `name:alias`, an ARN, or an ARN qualified
 * with the alias. Entries without an alias take `defaultAlias`.
 */
export function parseFunctionList(value: string, defaultAlias: string, required = true): { functionName: string; alias: string }[] {
  const entries = value
    .split(/[,\n]/)
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
  if (entries.length === 0 && required) throw new InputError('function-name', 'is required')
  if (entries.length > MAX_FUNCTIONS) {
    throw new InputError('function-name', `lists ${entries.length} functions; at most ${MAX_FUNCTIONS} move together`)
  }
  const targets = entries.map((entry) => {
    const arn = /^(arn:[^:]+:lambda:[^:]+:\d{12}:function:[^:]+)(?::(.+))?$/.exec(entry)
    const partial = /^(\d{12}:function:[^:]+)(?::(.+))?$/.exec(entry)
    const plain = /^([^:]+)(?::(.+))?$/.exec(entry)
    const [, name = entry, alias] = arn ?? partial ?? plain ?? []
    return {
      functionName: parseFunctionName(name),
      alias: alias === undefined ? defaultAlias : parseAlias(alias, 'function-name'),
    }
  })
  const seen = new Set<string>()
  for (const target of targets) {
    const key = `${target.functionName}:${target.alias}`
    if (seen.has(key)) throw new InputError('function-name', `lists ${quote(key)} twice`)
    seen.add(key)
  }
  return targets
}

/** One version for every function, or one per function in the same order. */
function parseVersions(value: string, count: number): (string | undefined)[] {
  const versions = value
    .split(/[,\n]/)
    .map((v) => v.trim())
    .filter((v) => v !== '')
  for (const version of versions) {
    if (!VERSION.test(version)) {
      throw new InputError('version', `${quote(version)} is not a published version number ($LATEST cannot take weighted traffic)`)
    }
  }
  if (versions.length === 0) return Array.from({ length: count }, () => undefined)
  if (versions.length === 1) return Array.from({ length: count }, () => versions[0])
  if (versions.length !== count) {
    throw new InputError('version', `gives ${versions.length} versions for ${count} functions; give one, or one per function`)
  }
  return versions
}

export interface AlarmSelection {
  readonly names: readonly string[]
  /** Entries written `prefix*`: every alarm whose name starts with the prefix. */
  readonly prefixes: readonly string[]
}

/** Alarm names are separated by commas or newlines; a trailing `*` makes a prefix; duplicates are dropped. */
export function parseAlarmList(value: string): AlarmSelection {
  const entries = value
    .split(/[,\n]/)
    .map((name) => name.trim())
    .filter((name) => name !== '')
  const names = new Set<string>()
  const prefixes = new Set<string>()
  for (const entry of entries) {
    const prefix = entry.endsWith('*') ? entry.slice(0, -1) : undefined
    const name = prefix ?? entry
    if (name === '' || name.length > ALARM_NAME_MAX || !ALARM_NAME.test(name)) {
      throw new InputError('alarms', `${quote(entry)} is not a CloudWatch alarm name (1 to ${ALARM_NAME_MAX} printable characters) or prefix ending in *`)
    }
    if (prefix === undefined) names.add(name)
    else prefixes.add(prefix)
  }
  return { names: [...names], prefixes: [...prefixes] }
}

export function parsePollInterval(value: string): number {
  const ms = parseDuration(value)
  if (ms === undefined) throw new InputError('poll-interval', `${quote(value)} is not a duration like 10s or 1m`)
  if (ms < MIN_POLL_MS) {
    throw new InputError('poll-interval', `${quote(value)} is below the minimum of ${formatDuration(MIN_POLL_MS)}`)
  }
  return ms
}

/** Validates every input; throws InputError naming the first bad one. */
export function readConfig(read: InputReader, env: NodeJS.ProcessEnv = process.env): Config {
  const get = (name: string): string => read(name).trim()

  const mode = oneOf('mode', get('mode') || 'deploy', MODES)
  const codeDeploy = get('codedeploy-application') !== ''
  if (codeDeploy && get('codedeploy-deployment-group') === '') {
    throw new InputError('codedeploy-deployment-group', 'is required with codedeploy-application')
  }
  const alb = get('listener') !== ''
  if (alb && codeDeploy) throw new InputError('listener', 'cannot be combined with codedeploy-application: pick one way to move traffic')
  const ecs = get('service') !== ''
  if (ecs && (alb || codeDeploy)) {
    throw new InputError('service', `cannot be combined with ${alb ? 'listener' : 'codedeploy-application'}: pick one way to move traffic`)
  }
  const alias = parseAlias(get('alias') || 'live', 'alias')
  // CodeDeploy's ECS and EC2/on-prem platforms name no function; the Lambda platform checks for one. ALB mode names target groups.
  const functions = parseFunctionList(get('function-name'), alias, !codeDeploy && !alb && !ecs)
  const versions = parseVersions(get('version'), functions.length)
  if (mode !== 'rollback' && !codeDeploy && !alb && !ecs && versions.includes(undefined)) throw new InputError('version', 'is required in deploy mode')
  const targets = functions.map((fn, i) => ({ ...fn, version: versions[i] }))

  let stages: Stage[]
  const stagesGiven = get('stages') !== ''
  try {
    stages = parseStages(get('stages') || 'Canary10Percent5Minutes', { users: alb || ecs })
  } catch (error) {
    if (error instanceof StageSyntaxError) throw new InputError('stages', error.message)
    throw error
  }

  const alarms = parseAlarmList(read('alarms'))
  const pollMs = parsePollInterval(get('poll-interval') || (codeDeploy || ecs ? '15s' : '10s'))
  const insufficientData = oneOf('insufficient-data', get('insufficient-data') || 'alarm', POLICIES)
  const analysis: AnalysisSettings = {
    compare: parseAnalysis(get('analysis') || 'errors'),
    errorRateTolerance: parsePercent('error-rate-tolerance', get('error-rate-tolerance') || '0.1%', 100, '0.1% (percentage points over the stable)'),
    durationTolerance: parsePercent('duration-tolerance', get('duration-tolerance') || '20%', 1000, '20% (more slow calls than the stable)'),
    minInvocations: parseMinInvocations(get('min-invocations') || DEFAULT_MIN_INVOCATIONS),
    metricsDelayMs: parseMetricsDelay(get('metrics-delay') || DEFAULT_METRICS_DELAY),
  }
  const rawMaxHold = get('max-hold')
  const maxHoldMs = rawMaxHold === '' ? undefined : parseDuration(rawMaxHold)
  if (maxHoldMs === 0 || (rawMaxHold !== '' && maxHoldMs === undefined)) {
    throw new InputError('max-hold', `${quote(rawMaxHold)} is not a duration like 24h or 90m`)
  }

  const region = get('region') || env['AWS_REGION'] || env['AWS_DEFAULT_REGION'] || ''
  if (region === '') throw new InputError('region', 'is not set and neither is AWS_REGION (configure-aws-credentials sets it)')
  if (!REGION.test(region)) throw new InputError('region', `${quote(region)} is not an AWS region like us-east-1`)

  const githubStatus = oneOf('github-status', get('github-status') || 'none', GITHUB_STATUS_MODES)
  const firstTarget = targets[0]
  const github = {
    status: githubStatus,
    token: read('github-token').trim(),
    environment:
      get('github-environment') ||
      (ecs ? (get('service').split('/').at(-1) ?? '') : `${firstTarget?.functionName.split(':function:').at(-1) ?? ''}:${firstTarget?.alias ?? ''}`),
  }

  return {
    mode,
    targets,
    github,
    stages,
    alarms,
    pollMs,
    insufficientData,
    analysis,
    maxHoldMs,
    region,
    codeDeploy,
    alb,
    ecs,
    stagesGiven,
  }
}
