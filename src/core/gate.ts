import { quote } from './quote.js'

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
  /** A metric alarm's TreatMissingData (missing, notBreaching, breaching, ignore); composite alarms have none. */
  readonly treatMissingData?: string | undefined
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
  /** For a missing alarm, existing alarms with near names (a typo's likely intent), when the gate looked. */
  readonly nearNames?: Readonly<Record<string, readonly string[]>>
  /** Why the read failed when no alarm did (the canary analysis), in one line with the figures. */
  readonly reason?: string | undefined
  /** What else the read judged (the canary analysis), one short line each, for the log. */
  readonly notes?: readonly string[]
  /**
   * Set when the read is green but short of the evidence a stage needs to pass on it (too few canary
   * invocations): it may continue a bake; a bake that ends on it fails when `blocks`, else passes with a warning.
   */
  readonly shortfall?: { readonly reason: string; readonly blocks: boolean } | undefined
  /**
   * Evidence that arrives late (the canary analysis): minutes ending at or before this (epoch ms)
   * were judged. A stage passes only once this reaches the end of its bake; undefined: nothing to wait for.
   */
  readonly settledThrough?: number | undefined
  /** The current stage's judged minutes (the canary analysis), for the stage row. */
  readonly judgedMinutes?: number | undefined
}

/** What a read during a bake knows about its stage. */
export interface GateContext {
  /** When the stage's weight went live (epoch ms): where the stage's figures start. */
  readonly stageStartedAt: number
  /** When this run's first write went live (epoch ms): nothing before it is judged. Default: stageStartedAt. */
  readonly releaseStartedAt?: number
  /** The stage's weight in percent: at 100 no stable runs beside the canary. */
  readonly weight?: number
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
  /** Without a context, the read is the pre-flight before any write (or between stages). */
  check(signal?: AbortSignal, context?: GateContext): Promise<GateReading>
  /**
   * Every time a gate alarm went into a failing state since `since` (epoch ms): for the time nobody
   * polled, such as a hold waiting for approval. Throws when the history cannot be read.
   */
  firedSince(since: number, signal?: AbortSignal): Promise<AlarmFiring[]>
}

export function describeReading(reading: GateReading): string {
  if (reading.status === 'inconclusive') return `unreadable: ${reading.error ?? 'unknown error'}`
  if (reading.status === 'fail') {
    const alarms = reading.firing.map((alarm) => (alarm.state === 'INSUFFICIENT_DATA' ? insufficientData(alarm) : `${alarm.name} is ${alarm.state}`))
    // The figures that decided (the canary analysis's notes) go in the log, as the summary shows them.
    return [...alarms, ...(reading.reason ? [reading.reason] : []), ...(reading.notes ?? [])].join('; ')
  }
  const notes = (reading.notes ?? []).map((note) => `; ${note}`).join('')
  if (reading.alarms.length === 0) return `no alarms configured${notes}`
  const insufficient = reading.insufficient.length > 0 ? ` (${reading.insufficient.length} INSUFFICIENT_DATA, counted OK)` : ''
  return `${reading.alarms.length} alarm${reading.alarms.length === 1 ? '' : 's'} OK${insufficient}${notes}`
}

/**
 * An alarm that fails the gate for lack of data: say which setting decided that, and the two
 * ways out, so a quiet alarm on a low-traffic function is not mistaken for a broken release.
 */
function insufficientData(alarm: AlarmState): string {
  const treat = alarm.treatMissingData
  const setting = treat === undefined ? '' : `; its TreatMissingData is ${quote(treat)}`
  const fix = treat === undefined ? '' : 'set its TreatMissingData to notBreaching, or '
  return (
    `${alarm.name} is INSUFFICIENT_DATA, which counts as failing under insufficient-data: alarm${setting}. ` +
    `If the alarm lacks data only because there is little traffic, ${fix}set the input insufficient-data: ok`
  )
}

/** The missing alarms, each with the near names the gate found (`"x" (did you mean "y"?)`). */
export function describeMissing(reading: GateReading): string {
  const names = reading.missing.map((name) => {
    const near = reading.nearNames?.[name] ?? []
    return near.length === 0 ? quote(name) : `${quote(name)} (did you mean ${near.map(quote).join(' or ')}?)`
  })
  return `alarm${names.length === 1 ? '' : 's'} not found: ${names.join(', ')}`
}
