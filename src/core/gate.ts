/** Unreadable gate reads that force a rollback: per stage in alias mode, in a row in CodeDeploy mode. */
export const DEFAULT_MAX_UNREADABLE = 3

export type GateStatus = 'pass' | 'fail' | 'inconclusive'
export type AlarmStateValue = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA'

export interface AlarmState {
  readonly name: string
  readonly state: AlarmStateValue
  readonly reason: string
  readonly updatedAt: Date | undefined
  readonly link: string
}

/** One read of the gates. `inconclusive` means they could not be read: never a pass. */
export interface GateReading {
  readonly status: GateStatus
  readonly at: number
  /** Alarms that fail the gate (ALARM, or INSUFFICIENT_DATA under the `alarm` policy). */
  readonly firing: readonly AlarmState[]
  /** Alarms in INSUFFICIENT_DATA, whatever the policy. */
  readonly insufficient: readonly string[]
  /** Requested alarms that CloudWatch did not return. */
  readonly missing: readonly string[]
  /** Why the read was inconclusive. */
  readonly error: string | undefined
  readonly alarms: readonly AlarmState[]
}

/** A gate alarm's move into a failing state (ALARM, or INSUFFICIENT_DATA under the `alarm` policy), found in its history. */
export interface AlarmFiring {
  readonly name: string
  readonly state: AlarmStateValue
  readonly at: Date
  readonly summary: string
  readonly link: string
}

export interface Gate {
  readonly names: readonly string[]
  check(signal?: AbortSignal): Promise<GateReading>
  /**
   * Every time a gate alarm went into a failing state since `since` (epoch ms): for the time nobody
   * polled, such as a hold waiting for approval. Throws when the history cannot be read.
   */
  firedSince(since: number, signal?: AbortSignal): Promise<AlarmFiring[]>
}

export function describeReading(reading: GateReading): string {
  if (reading.status === 'inconclusive') return `unreadable: ${reading.error ?? 'unknown error'}`
  if (reading.status === 'fail') {
    return reading.firing.map((alarm) => `${alarm.name} is ${alarm.state}`).join('; ')
  }
  if (reading.alarms.length === 0) return 'no alarms configured'
  const insufficient = reading.insufficient.length > 0 ? ` (${reading.insufficient.length} INSUFFICIENT_DATA, counted OK)` : ''
  return `${reading.alarms.length} alarm${reading.alarms.length === 1 ? '' : 's'} OK${insufficient}`
}
