import { describeMissing, describeReading, type GateReading } from './gate.js'

/**
 * The check before the first write, shared by every mode: every gate alarm exists and none is
 * firing. An unreadable gate is not a green one, so it stops the rollout too.
 */
export type Preflight =
  | { readonly ok: true; readonly detail: string }
  | { readonly ok: false; readonly problem: 'missing' | 'firing' | 'unreadable'; readonly message: string }

export function preflight(reading: GateReading): Preflight {
  if (reading.missing.length > 0) {
    return { ok: false, problem: 'missing', message: describeMissing(reading) }
  }
  if (reading.status === 'pass') return { ok: true, detail: describeReading(reading) }
  return {
    ok: false,
    problem: reading.status === 'fail' ? 'firing' : 'unreadable',
    message: `gates are not green before the first shift: ${describeReading(reading)}`,
  }
}
