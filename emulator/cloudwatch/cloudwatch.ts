// CloudWatch (awsJson1_0, query-compatible): metric + composite alarms, their state and history.
import { ACCOUNT_ID, REGION, parseJsonBody } from '../http.js'
import { ApiError, jsonRpcError, jsonRpcOperation, type EmulatedService } from '../service.js'
import { MetricStore } from './metrics.js'

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA'
export type AlarmType = 'MetricAlarm' | 'CompositeAlarm'
export type HistoryItemType = 'ConfigurationUpdate' | 'StateUpdate' | 'Action'

export interface Alarm {
  type: AlarmType
  name: string
  /** Configuration fields as sent by Put*Alarm, echoed back verbatim by DescribeAlarms. */
  config: Record<string, unknown>
  stateValue: AlarmState
  stateReason: string
  stateReasonData?: string
  stateUpdatedAt: number
  stateTransitionedAt: number
  configUpdatedAt: number
}

export interface AlarmHistoryItem {
  alarmName: string
  alarmType: AlarmType
  at: number
  type: HistoryItemType
  summary: string
  data: string
}

const STATES: readonly string[] = ['OK', 'ALARM', 'INSUFFICIENT_DATA']
const TYPES: readonly string[] = ['MetricAlarm', 'CompositeAlarm']
const HISTORY_TYPES: readonly string[] = ['ConfigurationUpdate', 'StateUpdate', 'Action', 'AlarmContributorStateUpdate', 'AlarmContributorAction']

const METRIC_FIELDS = [
  'AlarmDescription',
  'ActionsEnabled',
  'OKActions',
  'AlarmActions',
  'InsufficientDataActions',
  'MetricName',
  'Namespace',
  'Statistic',
  'ExtendedStatistic',
  'Dimensions',
  'Period',
  'Unit',
  'EvaluationPeriods',
  'DatapointsToAlarm',
  'Threshold',
  'ComparisonOperator',
  'TreatMissingData',
  'EvaluateLowSampleCountPercentile',
  'Metrics',
  'ThresholdMetricId',
]
const COMPOSITE_FIELDS = [
  'AlarmDescription',
  'ActionsEnabled',
  'OKActions',
  'AlarmActions',
  'InsufficientDataActions',
  'AlarmRule',
  'ActionsSuppressor',
  'ActionsSuppressorWaitPeriod',
  'ActionsSuppressorExtensionPeriod',
]

export const alarmArn = (name: string): string => `arn:aws:cloudwatch:${REGION}:${ACCOUNT_ID}:alarm:${name}`

const validation = (msg: string): ApiError => new ApiError(400, 'ValidationError', msg)
const notFound = (name: string): ApiError => new ApiError(404, 'ResourceNotFound', `Alarm ${name} not found`)

/** Names referenced by a composite rule, e.g. ALARM("a") OR OK(b). */
export function ruleChildren(rule: string): string[] {
  const out: string[] = []
  for (const m of rule.matchAll(/\b(?:ALARM|OK|INSUFFICIENT_DATA)\s*\(\s*("([^"]+)"|[^)\s]+)\s*\)/g)) {
    const name = m[2] ?? m[1]
    if (name !== undefined && name !== 'TRUE' && name !== 'FALSE') out.push(name.replace(/^arn:aws:cloudwatch:[^:]*:[^:]*:alarm:/, ''))
  }
  return out
}

export class CloudWatchState {
  readonly alarms = new Map<string, Alarm>()
  readonly history: AlarmHistoryItem[] = []
  readonly metrics = new MetricStore()
  /** Runs before every metric read: the simulated invocation streams publish what happened since the last read. */
  beforeMetricsRead: (now: number) => void = () => {}

  reset(): void {
    this.alarms.clear()
    this.history.length = 0
    this.metrics.reset()
  }

  putAlarm(type: AlarmType, name: string, input: Record<string, unknown>): Alarm {
    const fields = type === 'MetricAlarm' ? METRIC_FIELDS : COMPOSITE_FIELDS
    const config: Record<string, unknown> = { ActionsEnabled: true, OKActions: [], AlarmActions: [], InsufficientDataActions: [] }
    for (const f of fields) if (input[f] !== undefined && input[f] !== null) config[f] = input[f]
    if (type === 'MetricAlarm') config.Dimensions ??= []
    const now = Date.now()
    const existing = this.alarms.get(name)
    // AWS keeps state when an alarm is overwritten; only configuration changes.
    const alarm: Alarm = existing
      ? { ...existing, type, config, configUpdatedAt: now }
      : {
          type,
          name,
          config,
          stateValue: 'INSUFFICIENT_DATA',
          stateReason: 'Unchecked: Initial alarm creation',
          stateUpdatedAt: now,
          stateTransitionedAt: now,
          configUpdatedAt: now,
        }
    this.alarms.set(name, alarm)
    const verb = existing ? 'updated' : 'created'
    this.addHistory(alarm, 'ConfigurationUpdate', `Alarm "${name}" ${verb}`, {
      version: '1.0',
      type: existing ? 'Update' : 'Create',
      [existing ? 'updatedAlarm' : 'createdAlarm']: { alarmName: name, ...config },
    })
    return alarm
  }

  deleteAlarms(names: string[]): void {
    const missing = names.filter((n) => !this.alarms.has(n))
    // AWS deletes nothing when any name is wrong.
    if (missing.length > 0) throw new ApiError(404, 'ResourceNotFound', `${missing.length} alarm(s) not found: ${missing.join(', ')}`)
    for (const n of names) {
      const alarm = this.alarms.get(n)
      if (!alarm) continue
      this.alarms.delete(n)
      this.addHistory(alarm, 'ConfigurationUpdate', `Alarm "${n}" deleted`, { version: '1.0', type: 'Delete', deletedAlarm: { alarmName: n } })
    }
  }

  setState(name: string, state: string, reason: string, reasonData?: string): Alarm {
    if (!STATES.includes(state)) {
      throw validation(
        `1 validation error detected: Value '${state}' at 'stateValue' failed to satisfy constraint: Member must satisfy enum value set: [INSUFFICIENT_DATA, ALARM, OK]`,
      )
    }
    const alarm = this.alarms.get(name)
    if (!alarm) throw notFound(name)
    let parsedData: unknown
    if (reasonData !== undefined) {
      try {
        parsedData = JSON.parse(reasonData)
      } catch {
        throw new ApiError(400, 'InvalidFormat', 'StateReasonData is not valid JSON')
      }
    }
    const old = { stateValue: alarm.stateValue, stateReason: alarm.stateReason }
    const now = Date.now()
    const changed = alarm.stateValue !== state
    alarm.stateValue = state as AlarmState
    alarm.stateReason = reason
    if (reasonData === undefined) delete alarm.stateReasonData
    else alarm.stateReasonData = reasonData
    alarm.stateUpdatedAt = now
    // Only a real transition produces a history item, as in AWS.
    if (changed) {
      alarm.stateTransitionedAt = now
      const newState: Record<string, unknown> = { stateValue: state, stateReason: reason }
      if (parsedData !== undefined) newState.stateReasonData = parsedData
      this.addHistory(alarm, 'StateUpdate', `Alarm updated from ${old.stateValue} to ${state}`, {
        version: '1.0',
        oldState: old,
        newState,
      })
    }
    return alarm
  }

  private addHistory(alarm: Alarm, type: HistoryItemType, summary: string, data: unknown): void {
    this.history.push({ alarmName: alarm.name, alarmType: alarm.type, at: Date.now(), type, summary, data: JSON.stringify(data) })
  }
}

// ---- wire format ----

// awsJson timestamps default to epoch-seconds numbers (fractions allowed).
const epoch = (ms: number): number => ms / 1000

export function alarmJson(a: Alarm): Record<string, unknown> {
  const out: Record<string, unknown> = {
    AlarmName: a.name,
    AlarmArn: alarmArn(a.name),
    ...a.config,
    AlarmConfigurationUpdatedTimestamp: epoch(a.configUpdatedAt),
    StateValue: a.stateValue,
    StateReason: a.stateReason,
    StateUpdatedTimestamp: epoch(a.stateUpdatedAt),
    StateTransitionedTimestamp: epoch(a.stateTransitionedAt),
  }
  if (a.stateReasonData !== undefined) out.StateReasonData = a.stateReasonData
  return out
}

function strArray(body: Record<string, unknown>, key: string): string[] | undefined {
  const v = body[key]
  if (v === undefined || v === null) return undefined
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw validation(`${key} must be a list of strings`)
  return v as string[]
}

function optStr(body: Record<string, unknown>, key: string): string | undefined {
  const v = body[key]
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'string') throw validation(`${key} must be a string`)
  return v
}

function reqStr(body: Record<string, unknown>, key: string): string {
  const v = optStr(body, key)
  if (v === undefined || v === '') throw new ApiError(400, 'MissingParameter', `The parameter ${key} is required.`)
  return v
}

function maxRecords(body: Record<string, unknown>, dflt: number): number {
  const v = body.MaxRecords
  if (v === undefined || v === null) return dflt
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 100) {
    throw validation(`1 validation error detected: Value '${String(v)}' at 'maxRecords' failed to satisfy constraint: Member must have value between 1 and 100`)
  }
  return v
}

/** Opaque offset token; anything we did not issue is rejected like AWS's InvalidNextToken. */
function pageStart(body: Record<string, unknown>, kind: string): number {
  const t = optStr(body, 'NextToken')
  if (t === undefined) return 0
  const m = /^(\w+):(\d+)$/.exec(Buffer.from(t, 'base64').toString('utf8'))
  if (!m || m[1] !== kind) throw new ApiError(400, 'InvalidNextToken', 'The service returned an invalid next token')
  return Number(m[2])
}
const token = (kind: string, offset: number): string => Buffer.from(`${kind}:${offset}`).toString('base64')

function alarmTypes(body: Record<string, unknown>): AlarmType[] {
  const types = strArray(body, 'AlarmTypes')
  // Like AWS: without AlarmTypes only metric alarms are returned.
  if (types === undefined || types.length === 0) return ['MetricAlarm']
  for (const t of types) {
    if (!TYPES.includes(t))
      throw validation(
        `1 validation error detected: Value '${t}' at 'alarmTypes' failed to satisfy constraint: Member must satisfy enum value set: [CompositeAlarm, MetricAlarm]`,
      )
  }
  return types as AlarmType[]
}

function describeAlarms(state: CloudWatchState, body: Record<string, unknown>): Record<string, unknown> {
  const names = strArray(body, 'AlarmNames')
  const prefix = optStr(body, 'AlarmNamePrefix')
  const stateValue = optStr(body, 'StateValue')
  const children = optStr(body, 'ChildrenOfAlarmName')
  const parents = optStr(body, 'ParentsOfAlarmName')
  if (names && names.length > 100) throw validation('The collection AlarmNames must not have a size greater than 100.')
  if (names && prefix !== undefined) {
    throw new ApiError(400, 'InvalidParameterCombination', 'AlarmNames and AlarmNamePrefix cannot be specified together.')
  }
  if (stateValue !== undefined && !STATES.includes(stateValue)) {
    throw validation(
      `1 validation error detected: Value '${stateValue}' at 'stateValue' failed to satisfy constraint: Member must satisfy enum value set: [INSUFFICIENT_DATA, ALARM, OK]`,
    )
  }
  const types = alarmTypes(body)
  const max = maxRecords(body, 50)
  const start = pageStart(body, 'alarms')

  let allowed: Set<string> | undefined
  if (children !== undefined) {
    const parent = state.alarms.get(children)
    allowed = new Set(parent?.type === 'CompositeAlarm' ? ruleChildren(String(parent.config.AlarmRule ?? '')) : [])
  }
  const matches = [...state.alarms.values()]
    .filter((a) => types.includes(a.type))
    // Unknown names are silently dropped, as AWS does.
    .filter((a) => names === undefined || names.includes(a.name))
    .filter((a) => prefix === undefined || a.name.startsWith(prefix))
    .filter((a) => stateValue === undefined || a.stateValue === stateValue)
    .filter((a) => allowed === undefined || allowed.has(a.name))
    .filter((a) => parents === undefined || (a.type === 'CompositeAlarm' && ruleChildren(String(a.config.AlarmRule ?? '')).includes(parents)))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  const page = matches.slice(start, start + max)
  const out: Record<string, unknown> = {
    MetricAlarms: page.filter((a) => a.type === 'MetricAlarm').map(alarmJson),
    CompositeAlarms: page.filter((a) => a.type === 'CompositeAlarm').map(alarmJson),
  }
  if (start + max < matches.length) out.NextToken = token('alarms', start + max)
  return out
}

function dateMs(body: Record<string, unknown>, key: string): number | undefined {
  const v = body[key]
  if (v === undefined || v === null) return undefined
  // The SDK sends Dates as epoch seconds; accept ISO strings from hand-written callers.
  const ms = typeof v === 'number' ? v * 1000 : typeof v === 'string' ? Date.parse(v) : NaN
  if (!Number.isFinite(ms)) throw validation(`${key} is not a valid timestamp`)
  return ms
}

function describeHistory(state: CloudWatchState, body: Record<string, unknown>): Record<string, unknown> {
  const name = optStr(body, 'AlarmName')
  const itemType = optStr(body, 'HistoryItemType')
  const scanBy = optStr(body, 'ScanBy') ?? 'TimestampDescending'
  if (itemType !== undefined && !HISTORY_TYPES.includes(itemType)) throw validation(`Invalid HistoryItemType ${itemType}`)
  if (scanBy !== 'TimestampDescending' && scanBy !== 'TimestampAscending') throw validation(`Invalid ScanBy ${scanBy}`)
  const from = dateMs(body, 'StartDate')
  const to = dateMs(body, 'EndDate')
  const types = alarmTypes(body)
  const max = maxRecords(body, 100)
  const start = pageStart(body, 'history')
  // Stable ordering: insertion order is chronological; reverse for descending.
  const items = state.history
    .filter((h) => name === undefined || h.alarmName === name)
    .filter((h) => types.includes(h.alarmType))
    .filter((h) => itemType === undefined || h.type === itemType)
    .filter((h) => from === undefined || h.at >= from)
    .filter((h) => to === undefined || h.at <= to)
  if (scanBy === 'TimestampDescending') items.reverse()
  const page = items.slice(start, start + max).map((h) => ({
    AlarmName: h.alarmName,
    AlarmType: h.alarmType,
    Timestamp: epoch(h.at),
    HistoryItemType: h.type,
    HistorySummary: h.summary,
    HistoryData: h.data,
  }))
  const out: Record<string, unknown> = { AlarmHistoryItems: page }
  if (start + max < items.length) out.NextToken = token('history', start + max)
  return out
}

export function createCloudWatchService(state: CloudWatchState): EmulatedService {
  const error = (status: number, code: string, message: string, headers?: Record<string, string>) => jsonRpcError(status, code, message, true, headers)
  const ok = (body: unknown = {}) => ({ status: 200, headers: { 'content-type': 'application/x-amz-json-1.0' }, body })
  return {
    name: 'cloudwatch',
    iamPrefix: 'cloudwatch',
    throttle: { status: 400, code: 'Throttling' },
    resourceArn: (req) => {
      const name = /"AlarmName"\s*:\s*"([^"]+)"/.exec(req.body)?.[1]
      return alarmArn(name ?? '*')
    },
    accessDeniedCode: 'AccessDenied',
    match: (req) => jsonRpcOperation(req, 'GraniteServiceVersion20100801'),
    error,
    reset: () => state.reset(),
    handle(op, req) {
      const body = parseJsonBody(req)
      switch (op) {
        case 'PutMetricAlarm': {
          const name = reqStr(body, 'AlarmName')
          if (body.EvaluationPeriods === undefined) throw new ApiError(400, 'MissingParameter', 'The parameter EvaluationPeriods is required.')
          reqStr(body, 'ComparisonOperator')
          state.putAlarm('MetricAlarm', name, body)
          return ok()
        }
        case 'PutCompositeAlarm': {
          const name = reqStr(body, 'AlarmName')
          reqStr(body, 'AlarmRule')
          state.putAlarm('CompositeAlarm', name, body)
          return ok()
        }
        case 'DeleteAlarms': {
          const names = strArray(body, 'AlarmNames') ?? []
          if (names.length > 100) throw validation('The collection AlarmNames must not have a size greater than 100.')
          state.deleteAlarms(names)
          return ok()
        }
        case 'SetAlarmState': {
          const name = reqStr(body, 'AlarmName')
          const value = reqStr(body, 'StateValue')
          const reason = reqStr(body, 'StateReason')
          state.setState(name, value, reason, optStr(body, 'StateReasonData'))
          return ok()
        }
        case 'DescribeAlarms':
          return ok(describeAlarms(state, body))
        case 'DescribeAlarmHistory':
          return ok(describeHistory(state, body))
        case 'PutMetricData':
          state.metrics.putMetricData(body, Date.now())
          return ok()
        case 'GetMetricData': {
          const now = Date.now()
          state.beforeMetricsRead(now)
          return ok(state.metrics.getMetricData(body, now))
        }
        default:
          throw new ApiError(400, 'InvalidAction', `Operation ${op} is not supported by the emulator`)
      }
    },
  }
}
