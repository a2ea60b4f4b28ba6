import {
  type AlarmHistoryItem,
  type AlarmType,
  type CloudWatchClient,
  type CompositeAlarm,
  DescribeAlarmsCommand,
  type MetricAlarm,
  paginateDescribeAlarmHistory,
  paginateDescribeAlarms,
} from '@aws-sdk/client-cloudwatch'
import type { Clock } from '../core/clock.js'
import { errorMessage } from '../core/errors.js'
import type { AlarmFiring, AlarmState, AlarmStateValue, Gate, GateReading } from '../core/gate.js'
import type { Config, InsufficientDataPolicy } from '../core/inputs.js'
import { alarmLink } from '../aws/links.js'
import { quote } from '../core/quote.js'
import { nearNames } from '../core/suggest.js'

/** DescribeAlarms accepts at most 100 names per call. */
export const ALARM_NAMES_PER_CALL = 100
/** Both kinds, always: without AlarmTypes, DescribeAlarms and DescribeAlarmHistory return metric alarms only. */
export const ALARM_TYPES: AlarmType[] = ['MetricAlarm', 'CompositeAlarm']

export interface AlarmGateOptions {
  readonly client: CloudWatchClient
  readonly names: readonly string[]
  /** Every alarm whose name starts with one of these gates too; a prefix that matches none is missing. */
  readonly prefixes?: readonly string[]
  readonly region: string
  readonly insufficientData: InsufficientDataPolicy
  readonly clock: Clock
}

/** The gate a rollout's inputs ask for: its alarm names and prefixes, under its INSUFFICIENT_DATA policy. */
export function alarmGateFor(config: Pick<Config, 'alarms' | 'region' | 'insufficientData'>, client: CloudWatchClient, clock: Clock): AlarmGate {
  return new AlarmGate({
    client,
    names: config.alarms.names,
    prefixes: config.alarms.prefixes,
    region: config.region,
    insufficientData: config.insufficientData,
    clock,
  })
}

/** The paginators pass extra arguments on to every page's send(): the abort signal goes there. */
function sendOptions(signal: AbortSignal | undefined): [{ abortSignal: AbortSignal }] | [] {
  return signal ? [{ abortSignal: signal }] : []
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = []
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size))
  return chunks
}

/**
 * Gates on CloudWatch alarms, metric and composite alike. A read that fails after the
 * SDK's own retries, or that misses an alarm, is inconclusive: never a pass.
 */
export class AlarmGate implements Gate {
  /** What the gate watches, as the user wrote it (prefixes end in `*`). */
  readonly names: readonly string[]
  private readonly prefixes: readonly string[]
  private readonly suggestions = new Map<string, string[]>()
  private missingAtLastRead: readonly string[] = []

  /** The gates (as in `names`) that the last successful read did not find. */
  get notFound(): readonly string[] {
    return this.missingAtLastRead
  }

  constructor(private readonly options: AlarmGateOptions) {
    this.prefixes = options.prefixes ?? []
    this.names = [...options.names, ...this.prefixes.map((prefix) => `${prefix}*`)]
  }

  async check(signal?: AbortSignal): Promise<GateReading> {
    const { clock, insufficientData, region } = this.options
    const at = clock.now()
    let found: (MetricAlarm | CompositeAlarm)[]
    try {
      found = await this.describe(signal)
    } catch (error) {
      return { status: 'inconclusive', at, firing: [], insufficient: [], missing: [], error: errorMessage(error), alarms: [] }
    }

    const byName = new Map(found.map((alarm) => [alarm.AlarmName ?? '', alarm]))
    const alarms: AlarmState[] = []
    const missing = this.prefixes.filter((prefix) => !found.some((alarm) => alarm.AlarmName?.startsWith(prefix))).map((prefix) => `${prefix}*`)
    const watched = new Set([...this.options.names, ...[...byName.keys()].filter((name) => this.prefixes.some((p) => name.startsWith(p)))])
    for (const name of watched) {
      const alarm = byName.get(name)
      if (!alarm) {
        missing.push(name)
        continue
      }
      alarms.push({
        name,
        state: (alarm.StateValue ?? 'INSUFFICIENT_DATA') as AlarmStateValue,
        reason: alarm.StateReason ?? '',
        updatedAt: alarm.StateUpdatedTimestamp,
        link: alarmLink(region, name),
        treatMissingData: 'TreatMissingData' in alarm ? alarm.TreatMissingData : undefined,
      })
    }
    this.missingAtLastRead = missing
    const insufficient = alarms.filter((a) => a.state === 'INSUFFICIENT_DATA').map((a) => a.name)
    const firing = alarms.filter((a) => a.state === 'ALARM' || (a.state === 'INSUFFICIENT_DATA' && insufficientData === 'alarm'))
    if (firing.length > 0) return { status: 'fail', at, firing, insufficient, missing, error: undefined, alarms }
    if (missing.length > 0) {
      const error = `CloudWatch did not return ${missing.map(quote).join(', ')}`
      const nearNames = await this.nearNames(missing, signal)
      return { status: 'inconclusive', at, firing, insufficient, missing, error, alarms, nearNames }
    }
    return { status: 'pass', at, firing, insufficient, missing, error: undefined, alarms }
  }

  /**
   * One history query for all alarms (filtered here by name), rather than one per alarm.
   * A state change counts when its new state fails the gate: ALARM, or INSUFFICIENT_DATA
   * under the `alarm` policy, exactly as a live read would count it.
   */
  async firedSince(since: number, signal?: AbortSignal): Promise<AlarmFiring[]> {
    if (this.names.length === 0) return []
    const { client, clock, region } = this.options
    const items: AlarmHistoryItem[] = []
    const pages = paginateDescribeAlarmHistory(
      { client, pageSize: 100 },
      {
        AlarmTypes: ALARM_TYPES,
        HistoryItemType: 'StateUpdate',
        StartDate: new Date(since),
        EndDate: new Date(clock.now()),
        ScanBy: 'TimestampAscending',
      },
      ...sendOptions(signal),
    )
    for await (const page of pages) items.push(...(page.AlarmHistoryItems ?? []))
    return items.flatMap((item) => {
      const name = item.AlarmName ?? ''
      const state = newState(item)
      if (!this.watches(name) || state === undefined || !this.fails(state)) return []
      return [{ name, state, at: item.Timestamp ?? new Date(since), summary: item.HistorySummary ?? '', link: alarmLink(region, name) }]
    })
  }

  private fails(state: AlarmStateValue): boolean {
    return state === 'ALARM' || (state === 'INSUFFICIENT_DATA' && this.options.insufficientData === 'alarm')
  }

  /**
   * Existing alarms near each missing name: one DescribeAlarms page by the name's first word
   * (`orders-` for `orders-api-erors`), for at most 3 names, once per gate. Best effort: a read
   * that fails suggests nothing.
   */
  private async nearNames(missing: readonly string[], signal?: AbortSignal): Promise<Record<string, readonly string[]>> {
    const out: Record<string, readonly string[]> = {}
    for (const name of missing.filter((n) => !n.endsWith('*')).slice(0, 3)) {
      let near = this.suggestions.get(name)
      if (!near) {
        const prefix = /^[^-_./: ]*[-_./: ]?/.exec(name)?.[0] || name.slice(0, 4)
        try {
          const page = await this.options.client.send(
            new DescribeAlarmsCommand({ AlarmNamePrefix: prefix.slice(0, 255), AlarmTypes: ALARM_TYPES, MaxRecords: 100 }),
            ...sendOptions(signal),
          )
          const known = [...(page.MetricAlarms ?? []), ...(page.CompositeAlarms ?? [])].map((a) => a.AlarmName ?? '')
          near = nearNames(name, known)
        } catch {
          near = []
        }
        this.suggestions.set(name, near)
      }
      if (near.length > 0) out[name] = near
    }
    return out
  }

  private watches(name: string): boolean {
    return this.options.names.includes(name) || this.prefixes.some((prefix) => name.startsWith(prefix))
  }

  /** One DescribeAlarms call per 100 names and one per prefix (more only if CloudWatch pages). */
  private async describe(signal?: AbortSignal): Promise<(MetricAlarm | CompositeAlarm)[]> {
    const queries = [
      ...chunk(this.options.names, ALARM_NAMES_PER_CALL).map((names) => ({ AlarmNames: names })),
      ...this.prefixes.map((prefix) => ({ AlarmNamePrefix: prefix })),
    ]
    const pages = await Promise.all(queries.map((query) => this.describeAll(query, signal)))
    return pages.flat()
  }

  private async describeAll(query: { AlarmNames: string[] } | { AlarmNamePrefix: string }, signal?: AbortSignal): Promise<(MetricAlarm | CompositeAlarm)[]> {
    const found: (MetricAlarm | CompositeAlarm)[] = []
    const pages = paginateDescribeAlarms(
      { client: this.options.client, pageSize: ALARM_NAMES_PER_CALL },
      { ...query, AlarmTypes: ALARM_TYPES },
      ...sendOptions(signal),
    )
    for await (const page of pages) found.push(...(page.MetricAlarms ?? []), ...(page.CompositeAlarms ?? []))
    return found
  }
}

const STATE_VALUES: readonly string[] = ['OK', 'ALARM', 'INSUFFICIENT_DATA']

/** The state an alarm moved to, from a StateUpdate history item's JSON (or, failing that, its summary). */
function newState(item: AlarmHistoryItem): AlarmStateValue | undefined {
  let value: string | undefined
  try {
    const data = JSON.parse(item.HistoryData ?? '{}') as { newState?: { stateValue?: string } }
    value = data.newState?.stateValue
  } catch {
    value = / to (OK|ALARM|INSUFFICIENT_DATA)$/.exec(item.HistorySummary ?? '')?.[1]
  }
  return value !== undefined && STATE_VALUES.includes(value) ? (value as AlarmStateValue) : undefined
}
