/**
 * The alarms and the canary analysis read as one gate, in parallel: the engine sees one reading and
 * stays unaware of metrics. Evidence beats an unreadable read (a failing analysis fails the gate even
 * if the alarms could not be read), and any unreadable part makes a green read inconclusive.
 */
import type { AlarmFiring, Gate, GateContext, GateReading } from '../core/gate.js'

export class CombinedGate implements Gate {
  readonly names: readonly string[]

  constructor(
    readonly alarms: Gate,
    readonly analysis: Gate,
    /** How the analysis is listed among the gate's names, e.g. `canary analysis (errors)`. */
    label: string,
  ) {
    this.names = [...alarms.names, label]
  }

  async check(signal?: AbortSignal, context?: GateContext): Promise<GateReading> {
    const [alarms, analysis] = await Promise.all([this.alarms.check(signal, context), this.analysis.check(signal, context)])
    const status =
      alarms.status === 'fail' || analysis.status === 'fail'
        ? 'fail'
        : alarms.status === 'inconclusive' || analysis.status === 'inconclusive'
          ? 'inconclusive'
          : 'pass'
    const errors = [alarms.error, analysis.error].filter((e): e is string => e !== undefined)
    return {
      ...alarms,
      status,
      error: errors.length > 0 ? errors.join('; ') : undefined,
      reason: analysis.status === 'fail' ? analysis.reason : alarms.reason,
      notes: [...(alarms.notes ?? []), ...(analysis.notes ?? [])],
      shortfall: analysis.shortfall ?? alarms.shortfall,
      settledThrough: analysis.settledThrough ?? alarms.settledThrough,
      judgedMinutes: analysis.judgedMinutes ?? alarms.judgedMinutes,
    }
  }

  firedSince(since: number, signal?: AbortSignal): Promise<AlarmFiring[]> {
    return this.alarms.firedSince(since, signal)
  }
}
