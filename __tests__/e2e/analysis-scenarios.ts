import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { waitFor, type Backend } from './backends.js'
import { describeRun, runAction, type ActionRun } from './runner.js'
import { cloudWatchClient } from './seed.js'

let counter = 0
const functionName = (label: string): string => `e2e-an-${label}-${++counter}-${process.pid}`

interface VersionTraffic {
  readonly invocations: number
  readonly errors: number
}

/**
 * Per-version traffic through `fn:live` while the canary (version 2) is live. On the built-in emulator
 * this is its simulated stream (`perSecond` scales the counts to a rate), with durations; on moto it is
 * seeded once with PutMetricData as Sums, as soon as the canary's weight is live. moto has no
 * percentiles, so duration scenarios run on the emulator only.
 */
async function withTraffic(
  backend: Backend,
  fn: string,
  canary: VersionTraffic & { durationMs?: number },
  stable: VersionTraffic & { durationMs?: number },
  running: () => Promise<ActionRun>,
): Promise<ActionRun> {
  const emulator = backend.emulator
  if (emulator) {
    // Counts per second at the alias: the split follows the live weight, the error rates follow the counts.
    const perSecond = canary.invocations + stable.invocations
    // Five minutes of history before the run: the stable's baseline (the latency test's threshold is its p90).
    const since = Date.now() - 5 * 60_000
    for (const entry of emulator.state.lambda.history) if (entry.function === fn) entry.at = Math.min(entry.at, since - 1000)
    emulator.setInvocations(
      {
        functionName: fn,
        alias: 'live',
        ratePerSecond: perSecond,
        versions: {
          '1': { errorRate: stable.errors / Math.max(1, stable.invocations), durationMs: stable.durationMs ?? 50 },
          '2': { errorRate: canary.errors / Math.max(1, canary.invocations), durationMs: canary.durationMs ?? 50 },
        },
      },
      since,
    )
    try {
      return await running()
    } finally {
      emulator.stopInvocations(fn, 'live')
    }
  }
  const run = running()
  let done = false
  void run.then(() => (done = true))
  await waitFor(async () => done || (await backend.routing(fn)).weights['2'] !== undefined)
  const client = cloudWatchClient(backend.url)
  const dims = (version: string) => [
    { Name: 'FunctionName', Value: fn },
    { Name: 'Resource', Value: `${fn}:live` },
    { Name: 'ExecutedVersion', Value: version },
  ]
  const datum = (metric: string, version: string, value: number) => ({ MetricName: metric, Dimensions: dims(version), Value: value, Timestamp: new Date() })
  try {
    await client.send(
      new PutMetricDataCommand({
        // moto accepts the AWS/ namespace from PutMetricData (AWS itself reserves it for its services).
        Namespace: 'AWS/Lambda',
        MetricData: [
          datum('Invocations', '2', canary.invocations),
          datum('Errors', '2', canary.errors),
          datum('Invocations', '1', stable.invocations),
          datum('Errors', '1', stable.errors),
        ],
      }),
    )
  } finally {
    client.destroy()
  }
  return run
}

/** The canary analysis end to end, against the bundled dist/ as the runner runs it. */
export function analysisScenarios(start: () => Promise<Backend>): void {
  let backend: Backend
  beforeAll(async () => {
    backend = await start()
  })
  afterAll(async () => {
    await backend?.stop()
  })

  const run = (inputs: Record<string, string>): Promise<ActionRun> =>
    runAction({ inputs: { 'poll-interval': '1s', 'metrics-delay': '0s', ...inputs }, env: { AWS_ENDPOINT_URL: backend.url }, timeoutMs: 60_000 })

  describe('canary analysis', () => {
    it('rolls back a bad canary behind green alarms during its first stage, well before the bake ends', async () => {
      const fn = functionName('bad')
      await backend.seed(fn, '1')
      await backend.alarm(`${fn}-errors`, 'OK')
      const main = await withTraffic(backend, fn, { invocations: 50, errors: 20 }, { invocations: 450, errors: 4 }, () =>
        run({ 'function-name': fn, version: '2', stages: '10%:40s, 100%', alarms: `${fn}-errors` }),
      )
      expect(main.outputs, describeRun(main)).toMatchObject({ result: 'rolled-back', weight: '0', alarm: '' })
      expect(main.outputs['reason']).toMatch(
        new RegExp(`^${fn}:live: version 2 failed \\d+ of \\d+ invocations \\(\\d+\\.\\d%\\) against version 1 \\d+ of \\d+ \\(\\d\\.\\d%\\)`),
      )
      expect(main.durationMs).toBeLessThan(20_000)
      expect(main.summary).toContain(`**Canary analysis rolled back ${fn}:live in stage 1:**`)
      expect(await backend.routing(fn)).toEqual({ version: '1', weights: {} })
    })

    it('promotes a healthy canary with the stable’s error rate', async () => {
      const fn = functionName('healthy')
      await backend.seed(fn, '1')
      const main = await withTraffic(backend, fn, { invocations: 50, errors: 1 }, { invocations: 450, errors: 9 }, () =>
        run({ 'function-name': fn, version: '2', stages: '10%:3s, 100%', 'min-invocations': '0' }),
      )
      expect(main.outputs.result, describeRun(main)).toBe('promoted')
      expect(main.stdout).toMatch(/analysis e2e-an-healthy-\d+-\d+:live: canary \d+\/\d+ errors/)
      expect(main.summary).toContain('| Canary | Stable | Analysis |')
    })

    it('min-invocations: too little canary traffic rolls back under insufficient-data alarm, and passes with a warning under ok', async () => {
      const fn = functionName('min')
      await backend.seed(fn, '1')
      const inputs = { 'function-name': fn, version: '2', stages: '10%:2s, 100%', 'min-invocations': '100000' }
      const strict = await withTraffic(backend, fn, { invocations: 5, errors: 0 }, { invocations: 45, errors: 0 }, () => run(inputs))
      expect(strict.outputs.result, describeRun(strict)).toBe('rolled-back')
      expect(strict.outputs['reason']).toMatch(/the canary got \d+ invocations in this stage's judged minutes; the test needs 100000 \(min-invocations\)/)
      const lenient = await withTraffic(backend, fn, { invocations: 5, errors: 0 }, { invocations: 45, errors: 0 }, () =>
        run({ ...inputs, 'insufficient-data': 'ok' }),
      )
      expect(lenient.outputs.result, describeRun(lenient)).toBe('promoted')
      expect(lenient.warnings.join('\n')).toMatch(/Stage passes on too little evidence: .*the test needs 100000 \(min-invocations\)/)
    })

    if (start.name === 'emulatorBackend') {
      it('refuses before any write when GetMetricData is denied, naming the permission and analysis: none', async () => {
        const fn = functionName('denied')
        await backend.seed(fn, '1')
        const emulator = backend.emulator!
        emulator.setPolicy(['lambda:*', 'cloudwatch:DescribeAlarms', 'cloudwatch:DescribeAlarmHistory'])
        try {
          const main = await run({ 'function-name': fn, version: '2', stages: '10%:2s, 100%' })
          expect(main.outputs.result, describeRun(main)).toBe('refused')
          expect(main.outputs['reason']).toContain('cloudwatch:GetMetricData')
          expect(main.outputs['reason']).toContain('analysis: none')
          expect(emulator.aliasHistory().filter((e) => e.function === fn && e.accessKeyId !== null)).toEqual([])
        } finally {
          emulator.setPolicy(null)
        }
      })

      it('issue 20: rolls back a slow canary under analysis: errors, duration, counting calls slower than the stable’s p90 (emulator only: moto has no percentiles)', async () => {
        const fn = functionName('slow')
        await backend.seed(fn, '1')
        const main = await withTraffic(backend, fn, { invocations: 250, errors: 0, durationMs: 300 }, { invocations: 750, errors: 0, durationMs: 80 }, () =>
          run({ 'function-name': fn, version: '2', stages: '25%:40s, 100%', analysis: 'errors, duration' }),
        )
        expect(main.outputs.result, describeRun(main)).toBe('rolled-back')
        expect(main.outputs['reason']).toMatch(
          /^e2e-an-slow-\d+-\d+:live: \d+ of version 2's \d+ invocations \(\d+\.\d%\) were slower than [\d.]+ ms \(version 1's p90 over the hour before the release\)/,
        )
        expect(main.durationMs).toBeLessThan(20_000)
      })
    }
  })
}
