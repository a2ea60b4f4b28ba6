/**
 * npx tsx scripts/alb-figures.ts: ALB mode figures on the built-in emulator, from dist/ as the runner runs it:
 * the API calls per poll while a stage bakes (1 s polls), and the time from an alarm to the rollback write.
 */
import { startEmulator } from '../emulator/server.js'
import { runAction } from '../__tests__/e2e/runner.js'
const em = await startEmulator()
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
  const p = runAction({ inputs: { listener: a.listenerArn, 'target-group': 'green', alarms: 'web-5xx', stages: '10%:20s, 100%', 'poll-interval': '1s' }, env })
  while (!em.elbv2.history().some((h) => h.operation === 'ModifyListener')) await new Promise((r) => setTimeout(r, 10))
  await new Promise((r) => setTimeout(r, 1300 + i * 170))
  const fired = Date.now()
  em.setAlarmState('web-5xx', 'ALARM', 'x')
  await p
  const w = em.elbv2.history().find((h) => h.at >= fired && h.operation === 'ModifyListener')
  times.push(w ? w.at - fired : -1)
}
console.log('alarm → rollback ModifyListener (ms):', times, 'median', [...times].sort((x, y) => x - y)[2])
await em.close()
