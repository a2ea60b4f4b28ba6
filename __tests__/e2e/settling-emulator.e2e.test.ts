// Issue 20, end to end on the built-in emulator with CloudWatch's delivery delay switched on: every
// AWS/Lambda series lands DELAY_MS after its second, in one-minute datapoints, and the stable's series can
// lag the canary's. AWS delivers a minute or more late; the emulator's Lambda and CloudWatch run on real
// time (only CodeDeploy and ECS have a time scale), so the delay here is 30 s with metrics-delay 35s to keep
// the suite within its budget: the data still lands after a 20 s bake, and the minute alignment, the
// pass-late wait and the 100% bake are the same as with 65 s late data and the 2m default (which the
// engine tests in __tests__/gates/analysis/rollout.test.ts drive on a fake clock). The cases run side by
// side, each on its own emulator.
import { describe, expect, it } from 'vitest'
import { EmulatorControl } from '../../emulator/client.js'
import { startEmulator } from '../../emulator/server.js'
import { describeRun, runAction, type ActionRun } from './runner.js'

const DELAY_MS = 30_000
/** metrics-delay: the delivery delay with a margin, as the README advises. */
const METRICS_DELAY = '35s'
const MINUTE = 60_000
/** A bake, its settling (up to metrics-delay plus a minute), and the 100% stage's wait for it. */
const RUN_TIMEOUT_MS = 7 * MINUTE

interface Traffic {
  /** Calls per second through fn:live. */
  readonly rate: number
  readonly stableErrorRate: number
  readonly canaryErrorRate: number
  /** Minutes of traffic before the run (the stable's baseline), at most the stream's 15-minute catch-up. */
  readonly historyMinutes?: number
  /** Extra delay of the stable's series over the canary's. */
  readonly stableLagMs?: number
  /** No traffic from the run's start until the alias routes everything to version 2 (after any history). */
  readonly quietUntilFull?: boolean
  /** Functions in the release, each with this traffic (default 1). */
  readonly functions?: number
  /** A shared error spike over the first whole minute after the shift, in every function. */
  readonly spike?: { readonly errorRate: number }
}

interface Settled {
  readonly run: ActionRun
  /** Weights the alias held, in order, from the run's writes. */
  readonly weights: Record<string, number>[]
}

/** Runs the action against a fresh emulator whose CloudWatch delivers DELAY_MS late, with `traffic` through each fn:live. */
async function settle(label: string, traffic: Traffic, inputs: Record<string, string>): Promise<Settled> {
  const emulator = await startEmulator()
  try {
    const fns = Array.from({ length: traffic.functions ?? 1 }, (_, i) => `e2e-settle-${label}-${i + 1}-${process.pid}`)
    const since = Date.now() - (traffic.historyMinutes ?? 0) * MINUTE
    emulator.state.cloudwatch.metrics.delivery.configure({
      delayMs: DELAY_MS,
      series: traffic.stableLagMs ? [{ dimensions: { ExecutedVersion: '1' }, extraDelayMs: traffic.stableLagMs }] : [],
    })
    const specs = fns.map((fn) => ({
      functionName: fn,
      alias: 'live',
      ratePerSecond: traffic.rate,
      versions: { '1': { errorRate: traffic.stableErrorRate }, '2': { errorRate: traffic.canaryErrorRate } },
    }))
    for (const spec of specs) {
      emulator.seedFunction(spec.functionName, { versions: 2 })
      emulator.seedAlias(spec.functionName, 'live', '1')
      // The alias routed everything to version 1 through the history too.
      for (const entry of emulator.state.lambda.history) if (entry.function === spec.functionName) entry.at = since - 1000
      emulator.setInvocations(spec, since)
      if (traffic.quietUntilFull) emulator.stopInvocations(spec.functionName, 'live')
    }
    // Quiet: start in the minute after the history's last call, so no minute of the run holds a stable call.
    if (traffic.quietUntilFull) await new Promise((r) => setTimeout(r, Math.ceil(Date.now() / MINUTE) * MINUTE + 1000 - Date.now()))
    emulator.seedAlarm(`${label}-errors`, 'OK')
    const running = runAction({
      inputs: { 'function-name': fns.join('\n'), version: '2', alarms: `${label}-errors`, 'poll-interval': '5s', 'metrics-delay': METRICS_DELAY, ...inputs },
      env: { AWS_ENDPOINT_URL: emulator.url },
      timeoutMs: RUN_TIMEOUT_MS,
    })
    let finished = false
    void running.then(() => (finished = true))
    const alias = () => emulator.state.lambda.functions.get(fns[0] ?? '')?.aliases.get('live')
    if (traffic.quietUntilFull) {
      while (!finished && alias()?.functionVersion !== '2') await new Promise((r) => setTimeout(r, 100))
      for (const spec of specs) emulator.setInvocations(spec)
    }
    if (traffic.spike) {
      // The spike fills the first whole minute after the shift, through the control API, for every function alike.
      while (!finished && Object.keys(alias()?.weights ?? {}).length === 0) await new Promise((r) => setTimeout(r, 100))
      const at = Math.ceil(Date.now() / MINUTE) * MINUTE
      const control = new EmulatorControl(emulator.url)
      for (const fn of fns) await control.spikeInvocations({ function: fn, errorRate: traffic.spike.errorRate, durationMs: MINUTE, at })
    }
    const run = await running
    const weights = emulator
      .aliasHistory()
      .filter((h) => h.function === fns[0] && h.action !== 'create')
      .map((h) => (h.functionVersion === '2' ? { '2': 1 } : h.weights))
    return { run, weights }
  } finally {
    await emulator.close()
  }
}

describe.concurrent('issue 20: settled metrics end to end (CloudWatch 30 s late, each series on its own)', () => {
  it(
    'rolls back a canary failing 30% of its calls after a 20 s bake, on data that lands after the bake (was: promoted)',
    async () => {
      const { run, weights } = await settle('bad', { rate: 40, stableErrorRate: 0.01, canaryErrorRate: 0.3, stableLagMs: 15_000 }, { stages: '10%:20s, 100%' })
      expect(run.outputs.result, describeRun(run)).toBe('rolled-back')
      // On its failures, or (a bake inside the minute the weight changed in, which is not judged) on too little evidence.
      expect(run.outputs.reason, describeRun(run)).toMatch(/version 2 failed \d+ of \d+ invocations|the canary got \d+ invocations/)
      // It never promoted: 10%, then back to none.
      expect(weights[0]).toEqual({ '2': 0.1 })
      expect(weights).not.toContainEqual({ '2': 1 })
      expect(weights.at(-1)).toEqual({})
    },
    RUN_TIMEOUT_MS + MINUTE,
  )

  it(
    'promotes a healthy canary under the default min-invocations once its stage’s minutes have settled (was: rolled back at 100%)',
    async () => {
      // A 60 s bake ends in a minute after the shift's, which the stage holds whole until it settles.
      const { run, weights } = await settle('healthy', { rate: 100, stableErrorRate: 0.01, canaryErrorRate: 0.01 }, { stages: '10%:60s, 100%' })
      expect(run.outputs.result, describeRun(run)).toBe('promoted')
      expect(weights.at(-1)).toEqual({ '2': 1 })
      // The stage passed late: its last minute settles metrics-delay after it ends, not at the end of the bake.
      expect(run.durationMs).toBeGreaterThan(60_000 + DELAY_MS)
    },
    RUN_TIMEOUT_MS + MINUTE,
  )

  it(
    'judges a 100% bake against the stable’s own rate before it, and rolls back a canary failing 30% (was: "no worse" than nothing)',
    async () => {
      // The stable served 10 minutes before the run and nothing during it: the 100% bake has no stable minute beside it.
      const { run, weights } = await settle(
        'full',
        { rate: 20, stableErrorRate: 0.01, canaryErrorRate: 0.3, historyMinutes: 10, quietUntilFull: true },
        // 70 s: the bake ends in a whole minute at 100% (the shift's own minute is not judged).
        { stages: '100%:70s' },
      )
      expect(run.outputs.result, describeRun(run)).toBe('rolled-back')
      expect(run.outputs.reason, describeRun(run)).toMatch(/version 2 failed \d+ of \d+ invocations/)
      expect(weights.at(-1)).toEqual({})
    },
    RUN_TIMEOUT_MS + MINUTE,
  )

  it(
    'promotes three identical functions through a shared 60 s error spike, with the stable’s series 15 s behind the canary’s (was: rolled back)',
    async () => {
      const { run, weights } = await settle(
        'spike',
        { functions: 3, rate: 50, stableErrorRate: 0.01, canaryErrorRate: 0.01, stableLagMs: 15_000, spike: { errorRate: 0.3 } },
        { stages: '10%:70s, 100%' },
      )
      expect(run.outputs.result, describeRun(run)).toBe('promoted')
      expect(weights.at(-1)).toEqual({ '2': 1 })
    },
    RUN_TIMEOUT_MS + MINUTE,
  )
})
