import { errorMessage } from '../core/errors.js'
import type { Gate, GateReading } from '../core/gate.js'

/**
 * The canary group's health as part of the gate: once the canary serves requests, a group with no
 * healthy target fails the gate like a firing alarm, so a resume or a bake rolls back rather than
 * leaving traffic on it. `problem` says why the group is unfit, or undefined while it is fit (or
 * takes no traffic yet). A health read that fails makes a green reading inconclusive.
 */
export function withCanaryHealth(gate: Gate, problem: () => Promise<string | undefined>): Gate {
  return {
    get names() {
      return gate.names
    },
    async check(signal, context): Promise<GateReading> {
      const [reading, health] = await Promise.all([
        gate.check(signal, context),
        problem().then(
          (reason) => ({ reason }),
          (error: unknown) => ({ error: `could not read the canary target group's health: ${errorMessage(error)}` }),
        ),
      ])
      if ('reason' in health) {
        if (health.reason === undefined) return reading
        return { ...reading, status: 'fail', reason: reading.status === 'fail' && reading.reason ? `${reading.reason}; ${health.reason}` : health.reason }
      }
      if (reading.status !== 'pass') return reading
      return { ...reading, status: 'inconclusive', error: health.error }
    },
    firedSince: (since, signal) => gate.firedSince(since, signal),
  }
}
