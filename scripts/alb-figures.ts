/**
 * npx tsx scripts/alb-figures.ts: ALB mode figures on the built-in emulator, from dist/ as the runner runs it:
 * the API calls per poll while a stage bakes (1 s polls), the time from an alarm to the rollback write,
 * and the time from a crashing canary group going live to the rollback write (its targets reset 30% of
 * their connections at 10% weight under 300 requests/s, alarms green: only the canary analysis sees it).
 * `--crash` measures only the last.
 */
import { startEmulator } from '../emulator/server.js'
import { runAction } from '../__tests__/e2e/runner.js'
const em = await startEmulator()
if (process.argv.includes('--crash')) {
  await crashing(5)
  await em.close()
  process.exit(0)
}
const alb = em.elbv2.seed({ groups: [{ name: 'blue' }, { name: 'green' }], weights: { blue: 1, green: 0 } })
em.seedAlarm('web-5xx', 'OK')
const env = { AWS_ENDPOINT_URL: em.url }
const run = await runAction({
  inputs: {
    listener: alb.listenerArn,
    'target-group': 'green',
    alarms: 'web-5xx',
    stages: '10%:6s, 100%',
    'poll-interval': '1s',
    'metrics-delay': '0s',
    'canary-users': 'header x-canary=1',
  },
  env,
})
const calls = em.calls().filter((c) => c.accessKeyId)
const writes = em.elbv2.history()
const shiftAt = writes.find((w) => w.operation === 'ModifyListener')!.at
const promoteAt = writes.filter((w) => w.operation === 'ModifyListener')[1]!.at
const bake = calls.filter((c) => c.at > shiftAt + 200 && c.at < promoteAt - 200)
const polls = (run.stdout.match(/gate: /g) ?? []).length
const by = (list: typeof calls) =>
  Object.entries(list.reduce((m, c) => ({ ...m, [`${c.service}:${c.operation}`]: (m[`${c.service}:${c.operation}`] ?? 0) + 1 }), {} as Record<string, number>))
console.log('result', run.outputs.result, 'gate reads', polls)
console.log('calls during the bake (excluding the shift and promote):', by(bake))
console.log('all calls:', by(calls))
// Alarm → rollback write, 5 runs.
const times: number[] = []
for (let i = 0; i < 5; i++) {
  em.reset()
  const a = em.elbv2.seed({ groups: [{ name: 'blue' }, { name: 'green' }], weights: { blue: 1, green: 0 } })
  em.seedAlarm('web-5xx', 'OK')
  const p = runAction({
    inputs: { listener: a.listenerArn, 'target-group': 'green', alarms: 'web-5xx', stages: '10%:20s, 100%', 'poll-interval': '1s', 'metrics-delay': '0s' },
    env,
  })
  while (!em.elbv2.history().some((h) => h.operation === 'ModifyListener')) await new Promise((r) => setTimeout(r, 10))
  await new Promise((r) => setTimeout(r, 1300 + i * 170))
  const fired = Date.now()
  em.setAlarmState('web-5xx', 'ALARM', 'x')
  await p
  const w = em.elbv2.history().find((h) => h.at >= fired && h.operation === 'ModifyListener')
  times.push(w ? w.at - fired : -1)
}
console.log('alarm → rollback ModifyListener (ms):', times, 'median', [...times].sort((x, y) => x - y)[2])
await crashing(5)
await em.close()

/** Canary live (the 10% write) to the rollback write, for a group resetting 30% of its connections. */
async function crashing(runs: number): Promise<void> {
  const times: number[] = []
  const results: string[] = []
  for (let i = 0; i < runs; i++) {
    em.reset()
    const a = em.elbv2.seed({ groups: [{ name: 'blue' }, { name: 'green' }], weights: { blue: 1, green: 0 } })
    em.seedAlarm('web-5xx', 'OK')
    em.elbv2.startTraffic({ listenerArn: a.listenerArn, rps: 300, failures: { green: { reset: 0.3 } } })
    const run = await runAction({
      inputs: { listener: a.listenerArn, 'target-group': 'green', alarms: 'web-5xx', stages: '10%:60s, 100%', 'poll-interval': '1s', 'metrics-delay': '0s' },
      env: { AWS_ENDPOINT_URL: em.url },
    })
    em.elbv2.stopTraffic()
    const [live, back] = em.elbv2.history().filter((h) => h.operation === 'ModifyListener' && h.accessKeyId !== null)
    results.push(run.outputs['result'] ?? '?')
    if (run.outputs['result'] === 'rolled-back' && live && back) times.push(back.at - live.at)
  }
  const sorted = [...times].sort((x, y) => x - y)
  console.log('crashing canary group (30% resets, 10%, 300 req/s): results', results)
  console.log('  canary live → rollback ModifyListener (ms):', times, 'median', sorted[Math.floor(sorted.length / 2)] ?? 'n/a')
}
