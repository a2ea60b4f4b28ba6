import {
  type CloudWatchClient,
  DescribeAlarmHistoryCommand,
  DescribeAlarmsCommand,
  type AlarmHistoryItem,
  type CompositeAlarm,
  type MetricAlarm,
} from '@aws-sdk/client-cloudwatch'
import type { Clock } from '../core/clock.js'
import { errorMessage } from '../core/errors.js'
import type { AlarmFiring, AlarmState, AlarmStateValue, Gate, GateReading } from '../core/gate.js'
import type { Config, InsufficientDataPolicy } from '../core/inputs.js'
import { alarmLink } from '../aws/links.js'
import { quote } from '../core/quote.js'

/** DescribeAlarms accepts at most 100 names per call. */
export const ALARM_NAMES_PER_CALL = 100

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
      })
    }
    const insufficient = alarms.filter((a) => a.state === 'INSUFFICIENT_DATA').map((a) => a.name)
    const firing = alarms.filter((a) => a.state === 'ALARM' || (a.state === 'INSUFFICIENT_DATA' && insufficientData === 'alarm'))
    if (firing.length > 0) return { status: 'fail', at, firing, insufficient, missing, error: undefined, alarms }
    if (missing.length > 0) {
      const error = `CloudWatch did not return ${missing.map(quote).join(', ')}`
      return { status: 'inconclusive', at, firing, insufficient, missing, error, alarms }
    }
    return { status: 'pass', at, firing, insufficient, missing, error: undefined, alarms }
  }

  /**
   * One history query for all alarms (filtered here by name), rather than one per alarm.
   * A state change counts when its new state is ALARM.
   */
  async firedSince(since: number, signal?: AbortSignal): Promise<AlarmFiring[]> {
    if (this.names.length === 0) return []
    const items: AlarmHistoryItem[] = []
    let nextToken: string | undefined
    do {
      const page = await this.options.client.send(
        new DescribeAlarmHistoryCommand({
          HistoryItemType: 'StateUpdate',
          StartDate: new Date(since),
          EndDate: new Date(this.options.clock.now()),
          ScanBy: 'TimestampAscending',
          MaxRecords: 100,
          ...(nextToken ? { NextToken: nextToken } : {}),
        }),
        signal ? { abortSignal: signal } : {},
      )
      items.push(...(page.AlarmHistoryItems ?? []))
      nextToken = page.NextToken
    } while (nextToken)
    return items
      .filter((item) => this.watches(item.AlarmName ?? '') && newState(item) === 'ALARM')
      .map((item) => ({
        name: item.AlarmName ?? '',
        at: item.Timestamp ?? new Date(since),
        summary: item.HistorySummary ?? '',
        link: alarmLink(this.options.region, item.AlarmName ?? ''),
      }))
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
    let nextToken: string | undefined
    do {
      const page = await this.options.client.send(
        new DescribeAlarmsCommand({
          ...query,
          AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
          MaxRecords: ALARM_NAMES_PER_CALL,
          ...(nextToken ? { NextToken: nextToken } : {}),
        }),
        signal ? { abortSignal: signal } : {},
      )
      found.push(...(page.MetricAlarms ?? []), ...(page.CompositeAlarms ?? []))
      nextToken = page.NextToken
    } while (nextToken)
    return found
  }
}

/** The state an alarm moved to, from a StateUpdate history item's JSON. */
function newState(item: AlarmHistoryItem): string | undefined {
  try {
    const data = JSON.parse(item.HistoryData ?? '{}') as { newState?: { stateValue?: string } }
    return data.newState?.stateValue
  } catch {
    return /to ALARM$/.test(item.HistorySummary ?? '') ? 'ALARM' : undefined
  }
}
