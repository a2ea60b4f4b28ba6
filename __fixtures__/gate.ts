import type { AlarmFiring, AlarmState, Gate, GateReading, GateStatus } from '../src/core/gate.js'

export const firingAlarm: AlarmState = {
  name: 'errors-high',
  state: 'ALARM',
  reason: 'Threshold Crossed: 1 datapoint [5.0] was greater than the threshold (1.0).',
  updatedAt: undefined,
  link: 'https://console.example/alarm/errors-high',
}

export function reading(status: GateStatus, extra: Partial<GateReading> = {}): GateReading {
  return {
    status,
    at: 0,
    firing: status === 'fail' ? [firingAlarm] : [],
    insufficient: [],
    missing: [],
    error: status === 'inconclusive' ? 'Rate exceeded' : undefined,
    alarms: [],
    ...extra,
  }
}

/** A gate whose readings come from a script: the nth check returns script(n). */
export class ScriptedGate implements Gate {
  readonly names = ['errors-high']
  checks = 0
  /** What the alarm history holds; an Error makes the history unreadable. */
  history: AlarmFiring[] | Error = []
  historyQueries: number[] = []
  constructor(private readonly script: (n: number) => GateReading = () => reading('pass')) {}

  async firedSince(since: number): Promise<AlarmFiring[]> {
    this.historyQueries.push(since)
    if (this.history instanceof Error) throw this.history
    return this.history.filter((firing) => firing.at.getTime() >= since)
  }

  async check(): Promise<GateReading> {
    const result = this.script(this.checks)
    this.checks += 1
    return result
  }
}
