import { parseDuration, formatDuration } from './duration.js'
import { InputError } from './errors.js'
import { quote } from './quote.js'
import { parseStages, StageSyntaxError, type Stage } from './stages.js'

export type Mode = 'deploy' | 'rollback'
export type InsufficientDataPolicy = 'alarm' | 'ok'

/** Everything the rollout needs, validated. Built before any AWS call. */
export interface Config {
  readonly mode: Mode
  readonly functionName: string
  readonly alias: string
  /** Required in deploy mode. */
  readonly version: string | undefined
  readonly stages: readonly Stage[]
  readonly alarms: readonly string[]
  readonly pollMs: number
  readonly insufficientData: InsufficientDataPolicy
  readonly region: string
}

/** Reads one input by its action.yml name; '' when unset (what @actions/core returns). */
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
const MODES: readonly Mode[] = ['deploy', 'rollback']
const POLICIES: readonly InsufficientDataPolicy[] = ['alarm', 'ok']

function oneOf<T extends string>(input: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T
  throw new InputError(input, `${quote(value)} is not one of ${allowed.join(', ')}`)
}

export function parseFunctionName(value: string): string {
  if (FUNCTION_NAME.test(value) || FUNCTION_ARN.test(value) || PARTIAL_ARN.test(value)) return value
  const qualified = /:function:[^:]+:[^:]+$/.test(value)
  throw new InputError(
    'function-name',
    qualified
      ? `${quote(value)} carries a qualifier; give the unqualified function and set the alias input instead`
      : `${quote(value)} is not a Lambda function name (letters, digits, - and _, at most 64) or function ARN`,
  )
}

/** Alarm names are separated by commas or newlines; duplicates are dropped. */
export function parseAlarmList(value: string): string[] {
  const names = value
    .split(/[,\n]/)
    .map((name) => name.trim())
    .filter((name) => name !== '')
  for (const name of names) {
    if (name.length > ALARM_NAME_MAX || !ALARM_NAME.test(name)) {
      throw new InputError('alarms', `${quote(name)} is not a CloudWatch alarm name (1 to ${ALARM_NAME_MAX} printable characters)`)
    }
  }
  return [...new Set(names)]
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
  const rawFunction = get('function-name')
  if (rawFunction === '') throw new InputError('function-name', 'is required')
  const functionName = parseFunctionName(rawFunction)

  const alias = get('alias') || 'live'
  if (!ALIAS_NAME.test(alias)) {
    throw new InputError('alias', `${quote(alias)} is not an alias name (letters, digits, - and _, not all digits, at most 128)`)
  }

  const rawVersion = get('version')
  if (rawVersion !== '' && !VERSION.test(rawVersion)) {
    throw new InputError('version', `${quote(rawVersion)} is not a published version number ($LATEST cannot take weighted traffic)`)
  }
  if (mode === 'deploy' && rawVersion === '') throw new InputError('version', 'is required in deploy mode')

  let stages: Stage[]
  try {
    stages = parseStages(get('stages') || 'Canary10Percent5Minutes')
  } catch (error) {
    if (error instanceof StageSyntaxError) throw new InputError('stages', error.message)
    throw error
  }

  const alarms = parseAlarmList(read('alarms'))
  const pollMs = parsePollInterval(get('poll-interval') || '10s')
  const insufficientData = oneOf('insufficient-data', get('insufficient-data') || 'alarm', POLICIES)

  const region = get('region') || env['AWS_REGION'] || env['AWS_DEFAULT_REGION'] || ''
  if (region === '') throw new InputError('region', 'is not set and neither is AWS_REGION (configure-aws-credentials sets it)')
  if (!REGION.test(region)) throw new InputError('region', `${quote(region)} is not an AWS region like us-east-1`)

  return {
    mode,
    functionName,
    alias,
    version: rawVersion === '' ? undefined : rawVersion,
    stages,
    alarms,
    pollMs,
    insufficientData,
    region,
  }
}
