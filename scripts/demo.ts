/**
 * npm run demo: two canary releases of a Lambda alias on the built-in AWS emulator, run from
 * the bundled dist/ exactly as the GitHub runner runs it. The first promotes; in the second an
 * alarm fires mid-bake and the action rolls back; in the third the canary fails 30% of its calls
 * behind green alarms and the canary analysis rolls it back. A further release goes through CodeDeploy
 * (the emulator runs the deployment). Then a server canary behind an Application Load Balancer:
 * internal users first, then 10%, then everyone; and a second release that an alarm rolls back.
 * Last, Amazon ECS moving a service's traffic itself: test users, 10%, everyone; then a crashing
 * revision behind green alarms that the per-target-group analysis rolls back.
 * Needs no AWS account and no Python. `npm run demo -- --alb` runs only the ALB part, `-- --ecs` only the ECS part.
 */
import { CodeDeployClient, CreateApplicationCommand, CreateDeploymentGroupCommand } from '@aws-sdk/client-codedeploy'
import { startEmulator, type Emulator } from '../emulator/server.js'
import { runAction, unescapeData, type ActionRun } from '../__tests__/e2e/runner.js'

const FUNCTION = 'orders-api'
const ALARM = 'orders-api-errors'

/** Renders the workflow commands in a log the way the Actions UI shows them. */
function render(stdout: string): string {
  return (
    stdout
      .split('\n')
      // The runner consumes ::add-mask:: and ::save-state:: lines; the log never shows them.
      .filter((line) => !line.startsWith('::save-state') && !line.startsWith('::add-mask::') && !line.startsWith('::endgroup::') && line !== '')
      .map((line) => {
        const command = /^::(group|error|warning|notice)(?: [^:]*)?::(.*)$/.exec(line)
        if (!command) return `    ${line}`
        const [, kind = '', message = ''] = command
        const text = unescapeData(message)
        if (kind === 'group') return `  ▸ ${text}`
        return `    ${kind.toUpperCase()}: ${text}`
      })
      .join('\n')
  )
}

/** Releases are numbered in the order the demo runs them, across every part. */
let releases = 0

function show(title: string, run: ActionRun): void {
  releases += 1
  console.log(`\n━━━ Release ${releases}: ${title} ━━━`)
  console.log(`exit code ${run.exitCode} after ${(run.durationMs / 1000).toFixed(1)} s`)
  console.log('\nLog:')
  console.log(render(run.stdout))
  console.log('\nOutputs:', JSON.stringify(run.outputs))
  console.log('\nJob summary (Markdown):\n')
  console.log(run.summary.trim().replace(/^/gm, '    '))
}

function aliasLine(emulator: Emulator): string {
  const alias = emulator.state.lambda.getFunction(FUNCTION).aliases.get('live')
  const weights = Object.entries(alias?.weights ?? {}).map(([v, w]) => ` + ${w * 100}% → v${v}`)
  return `alias live → v${alias?.functionVersion ?? '?'}${weights.join('')}`
}

async function waitForCanary(emulator: Emulator, version: string): Promise<void> {
  for (;;) {
    const alias = emulator.state.lambda.getFunction(FUNCTION).aliases.get('live')
    if (alias && alias.weights[version] !== undefined) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/**
 * The same kind of rollout through CodeDeploy (an application and deployment group on the emulator,
 * which shifts the alias itself; one emulated CodeDeploy minute lasts one second), with traffic
 * through the alias so the canary analysis has figures to compare.
 */
async function codeDeployRelease(emulator: Emulator): Promise<boolean> {
  const fn = 'orders-worker'
  emulator.seedFunction(fn, { versions: 2 })
  emulator.seedAlias(fn, 'live', '1')
  // This setup client runs in the demo's own process, on the tools' Node (20 here), where the SDK
  // warns that it will soon need Node 22. The action itself runs on Node 24 and has nothing to warn about.
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true'
  const client = new CodeDeployClient({ endpoint: emulator.url, region: 'us-east-1', credentials: { accessKeyId: 'demo', secretAccessKey: 'demo' } })
  try {
    await client.send(new CreateApplicationCommand({ applicationName: 'orders', computePlatform: 'Lambda' }))
    await client.send(
      new CreateDeploymentGroupCommand({
        applicationName: 'orders',
        deploymentGroupName: 'orders-worker-live',
        serviceRoleArn: 'arn:aws:iam::123456789012:role/codedeploy',
        deploymentStyle: { deploymentType: 'BLUE_GREEN', deploymentOption: 'WITH_TRAFFIC_CONTROL' },
        autoRollbackConfiguration: { enabled: true, events: ['DEPLOYMENT_FAILURE', 'DEPLOYMENT_STOP_ON_ALARM'] },
      }),
    )
  } finally {
    client.destroy()
  }
  emulator.setInvocations({ functionName: fn, alias: 'live', ratePerSecond: 200, defaults: { errorRate: 0.01, durationMs: 80 } })
  console.log(`\nSeeded ${fn} (versions 1–2, alias live → v1), CodeDeploy application orders, group orders-worker-live`)
  console.log('Simulated traffic: 200 invocations/s through the alias, 1% errors, ~80 ms')
  const run = await runAction({
    inputs: {
      'metrics-delay': '0s',
      'codedeploy-application': 'orders',
      'codedeploy-deployment-group': 'orders-worker-live',
      'function-name': fn,
      alias: 'live',
      version: '2',
      stages: 'Canary10Percent5Minutes',
      alarms: ALARM,
      'poll-interval': '1s',
    },
    env: { AWS_ENDPOINT_URL: emulator.url },
  })
  show('orders-worker version 2 through CodeDeploy, Canary10Percent5Minutes (5 emulated minutes)', run)
  emulator.stopInvocations(fn, 'live')
  return run.exitCode === 0 && run.outputs['result'] === 'promoted' && /^d-/.test(run.outputs['deployment-id'] ?? '')
}

async function main(): Promise<void> {
  const emulator = await startEmulator()
  console.log(`Built-in AWS emulator on ${emulator.url}`)
  emulator.seedFunction(FUNCTION, { versions: 3 })
  emulator.seedAlias(FUNCTION, 'live', '1')
  emulator.seedAlarm(ALARM, 'OK')
  console.log(`Seeded ${FUNCTION} with versions 1–3, ${aliasLine(emulator)}, alarm ${ALARM} OK`)
  // Traffic through the alias, split by its live weights: every version healthy for now.
  const healthy = { errorRate: 0.01, durationMs: 80 }
  emulator.setInvocations({ functionName: FUNCTION, alias: 'live', ratePerSecond: 200, defaults: healthy })
  console.log('Simulated traffic: 200 invocations/s through the alias, 1% errors, ~80 ms')

  const inputs = { 'function-name': FUNCTION, alias: 'live', alarms: ALARM, 'poll-interval': '1s', 'metrics-delay': '0s' }
  const env = { AWS_ENDPOINT_URL: emulator.url }
  try {
    // Seconds-long demo stages cannot reach min-invocations' 100 canary calls (a real stage bakes for
    // minutes), so this promote relies on its alarms and on the analysis finding nothing worse.
    const promote = await runAction({ inputs: { ...inputs, version: '2', stages: '10%:3s, 50%:3s, 100%', 'min-invocations': '0' }, env })
    show('version 2, stages 10%:3s, 50%:3s, 100%', promote)
    console.log(`\nAfter release 1: ${aliasLine(emulator)}`)

    const running = runAction({ inputs: { ...inputs, version: '3', stages: '20%:10s, 100%' }, env })
    await waitForCanary(emulator, '3')
    await new Promise((resolve) => setTimeout(resolve, 2_000))
    const firedAt = Date.now()
    emulator.setAlarmState(ALARM, 'ALARM', 'Threshold Crossed: 1 datapoint [7.0] was greater than or equal to the threshold (1.0).')
    console.log(`\n(demo) set ${ALARM} to ALARM while version 3 takes 20%`)
    const rollback = await running
    show('version 3, stages 20%:10s, 100% — the alarm fires mid-bake', rollback)

    const rollbackWrite = emulator.aliasHistory().find((entry) => entry.at >= firedAt && entry.function === FUNCTION && Object.keys(entry.weights).length === 0)
    console.log(`\nAfter release 2: ${aliasLine(emulator)}`)
    if (rollbackWrite) console.log(`Alarm to rollback write: ${rollbackWrite.at - firedAt} ms (poll-interval 1s)`)

    // Release 3: version 3 now fails 30% of its invocations, but the alarm watches the whole function and stays OK.
    emulator.setInvocations({
      functionName: FUNCTION,
      alias: 'live',
      ratePerSecond: 200,
      defaults: healthy,
      versions: { '3': { errorRate: 0.3, durationMs: 80 } },
    })
    emulator.setAlarmState(ALARM, 'OK', 'Threshold not crossed: the alias error rate stays under the alarm threshold')
    console.log(`\n(demo) version 3 now fails 30% of its invocations; ${ALARM} stays OK throughout`)
    const broken = await runAction({ inputs: { ...inputs, version: '3', stages: '10%:60s, 100%' }, env })
    show('version 3, stages 10%:60s, 100% — a broken canary behind green alarms', broken)
    console.log(`\nAfter release 3: ${aliasLine(emulator)}`)
    console.log(`Why: ${broken.outputs['reason'] ?? '?'} (caught ${(broken.durationMs / 1000).toFixed(1)} s into a 60 s bake)`)

    emulator.stopInvocations(FUNCTION, 'live')
    emulator.setAlarmState(ALARM, 'OK', 'Threshold Crossed: no datapoints were breaching.')
    const codeDeploy = await codeDeployRelease(emulator)
    const ok =
      codeDeploy &&
      promote.exitCode === 0 &&
      rollback.exitCode === 1 &&
      rollback.outputs['result'] === 'rolled-back' &&
      broken.exitCode === 1 &&
      broken.outputs['result'] === 'rolled-back' &&
      (broken.outputs['reason'] ?? '').includes('failed')
    console.log(
      ok
        ? '\nDemo finished: one promote, one rollback on alarm, one rollback by the canary analysis, one CodeDeploy release.'
        : '\nDemo did not go as expected.',
    )
    process.exitCode = ok ? 0 : 1
  } finally {
    emulator.seedAlarm(ALARM, 'OK')
    await emulator.close()
  }
}

const WEB_ALARM = 'web-5xx'

/** Requests each group served between two moments, from the simulated stream's RequestCount. */
function served(emulator: Emulator, loadBalancer: string, groups: Record<string, string>, fromMs: number, toMs: number): string {
  // Metrics are kept per second: count only the seconds wholly inside the window.
  const [from, to] = [Math.ceil(fromMs / 1000) * 1000, Math.floor(toMs / 1000) * 1000]
  return Object.entries(groups)
    .map(([name, arn]) => {
      const points = emulator.elbv2.traffic.datapoints(
        'RequestCount',
        { LoadBalancer: loadBalancer, TargetGroup: arn.split(':').at(-1) ?? '' },
        'Sum',
        from,
        to,
        1,
      )
      return `${name} ${points.reduce((sum, p) => sum + p.value, 0)}`
    })
    .join(', ')
}

/** A write's forward weights by group name, e.g. {"web-blue":9,"web-green":1}. */
function weightsOf(write: { actions: { Forward?: { TargetGroups: { TargetGroupArn: string; Weight: number }[] } }[] }): Record<string, number> {
  const groups = write.actions.find((a) => a.Forward)?.Forward?.TargetGroups ?? []
  return Object.fromEntries(groups.map((g) => [/targetgroup\/([^/]+)\//.exec(g.TargetGroupArn)?.[1] ?? g.TargetGroupArn, g.Weight]))
}

/** A server canary behind an ALB: internal users (header x-canary: internal) first, then 10%, then everyone. */
async function serverCanary(): Promise<boolean> {
  const emulator = await startEmulator()
  const alb = emulator.elbv2.seed({
    name: 'web',
    groups: [
      { name: 'web-blue', targets: 3 },
      { name: 'web-green', targets: 3 },
    ],
    weights: { 'web-blue': 1, 'web-green': 0 },
  })
  emulator.seedAlarm(WEB_ALARM, 'OK')
  // 200 requests/s; 5% of the clients are internal users who send the header.
  emulator.elbv2.startTraffic({ listenerArn: alb.listenerArn, rps: 200, users: { share: 0.05, headers: { 'x-canary': 'internal' } } })
  console.log(`\n\n━━━━━━━━ Server canary behind an Application Load Balancer ━━━━━━━━`)
  console.log(`Seeded ALB web: listener forwards to web-blue (weight 1), web-green attached at weight 0; 200 req/s, 5% internal users`)
  const env = { AWS_ENDPOINT_URL: emulator.url }
  const inputs = {
    listener: alb.listenerArn,
    alarms: WEB_ALARM,
    'poll-interval': '1s',
    'metrics-delay': '0s',
    stickiness: '1m',
    'canary-users': 'header x-canary=internal',
  }
  try {
    const started = Date.now()
    // As in the Lambda demo, seconds-long stages rely on the alarms and on the analysis finding nothing worse.
    const release = await runAction({
      inputs: { ...inputs, 'target-group': 'web-green', stages: 'users:3s, 10%:3s, 100%', 'min-invocations': '0' },
      env,
    })
    show('web-green, stages users:3s, 10%:3s, 100%', release)
    // Two more seconds of requests, so the last phase (everyone on web-green) shows in the counts.
    await new Promise((resolve) => setTimeout(resolve, 2_000))
    const writes = emulator.elbv2.history().filter((h) => h.at >= started && h.operation !== 'DeleteRule')
    console.log('\nWhat each write changed, and who got the requests until the next one:')
    writes.forEach((write, i) => {
      const next = writes[i + 1]?.at ?? Date.now()
      const what = write.operation === 'CreateRule' ? 'users rule created' : JSON.stringify(emulator.elbv2.forward(alb.listenerArn) && weightsOf(write))
      console.log(`  ${what.padEnd(34)} → ${served(emulator, alb.loadBalancer, alb.groups, write.at, next)}`)
    })
    console.log(`Listener now: ${JSON.stringify(emulator.elbv2.forward(alb.listenerArn))}, rules: ${emulator.elbv2.rules(alb.listenerArn).length}`)

    // The next release deploys into web-blue (weight 0 since the promote) and shifts back.
    const running = runAction({ inputs: { ...inputs, 'target-group': 'web-blue', stages: '10%:10s, 100%' }, env })
    while (emulator.elbv2.forward(alb.listenerArn).weights['web-blue'] === 0) await new Promise((resolve) => setTimeout(resolve, 20))
    await new Promise((resolve) => setTimeout(resolve, 1_500))
    const firedAt = Date.now()
    emulator.setAlarmState(WEB_ALARM, 'ALARM', 'Threshold Crossed: HTTPCode_Target_5XX_Count 12 >= 5')
    console.log(`\n(demo) set ${WEB_ALARM} to ALARM while web-blue takes 10%`)
    const rollback = await running
    show('web-blue, stages 10%:10s, 100% — the alarm fires mid-bake', rollback)
    const write = emulator.elbv2.history().find((h) => h.at >= firedAt && h.operation === 'ModifyListener')
    if (write) console.log(`\nAlarm to rollback write (ModifyListener): ${write.at - firedAt} ms (poll-interval 1s)`)
    console.log(`Listener now: ${JSON.stringify(emulator.elbv2.forward(alb.listenerArn))}`)

    // Release 3: a web-blue build whose servers crash under load. They reset 30% of their
    // connections, so the load balancer answers 502 itself: no target 5XX, and the alarm (on the
    // targets' 5XX) stays green. The canary analysis counts the requests web-blue never answered.
    emulator.setAlarmState(WEB_ALARM, 'OK', 'Threshold Crossed: back to normal')
    emulator.elbv2.stopTraffic()
    emulator.elbv2.startTraffic({ listenerArn: alb.listenerArn, rps: 300, failures: { 'web-blue': { reset: 0.3 } } })
    console.log('\n(demo) 300 req/s; web-blue now resets 30% of its connections (the load balancer answers 502); alarms stay OK')
    const crashing = await runAction({ inputs: { ...inputs, 'target-group': 'web-blue', stages: '10%:40s, 100%' }, env })
    show('web-blue, stages 10%:40s, 100% — its servers reset connections behind green alarms', crashing)
    const live = emulator.elbv2.history().filter((h) => h.operation === 'ModifyListener' && h.accessKeyId !== null)
    const [shift, back] = live.slice(-2)
    if (shift && back && crashing.outputs['result'] === 'rolled-back')
      console.log(`\nCanary live to rollback write: ${back.at - shift.at} ms (poll-interval 1s)`)
    console.log(`Listener now: ${JSON.stringify(emulator.elbv2.forward(alb.listenerArn))}`)
    return (
      release.outputs['result'] === 'promoted' &&
      rollback.outputs['result'] === 'rolled-back' &&
      crashing.outputs['result'] === 'rolled-back' &&
      crashing.outputs['alarm'] === ''
    )
  } finally {
    emulator.elbv2.stopTraffic()
    await emulator.close()
  }
}

/**
 * Amazon ECS's own canary (the service's ECS deployment controller moves the listener rules):
 * test users first, then 10%, then everyone; then a revision that fails 30% of its requests behind
 * green alarms, rolled back by the analysis. Prints the time from the crashing revision going live to
 * StopServiceDeployment and the API calls per poll.
 */
async function ecsRelease(): Promise<boolean> {
  // Half a second per ECS minute: a 10-minute canary lasts 5 s.
  const emulator = await startEmulator({ ecs: { timeScale: 500, scaleUpMinutes: 2, cleanUpMinutes: 1, rollbackMinutes: 1 } })
  const service = emulator.ecs.seed({ service: 'web', cluster: 'prod', revisions: 3 })
  emulator.seedAlarm(WEB_ALARM, 'OK')
  emulator.elbv2.startTraffic({ listenerArn: service.listenerArn, rps: 200, users: { share: 0.1, headers: { 'x-canary': 'true' } } })
  console.log('\n\n━━━━━━━━ Amazon ECS: the service moves its own traffic ━━━━━━━━')
  console.log('Seeded service prod/web running web:1 behind an ALB (blue/green target groups, a test rule for x-canary: true); 200 req/s, 10% test users')
  const env = { AWS_ENDPOINT_URL: emulator.url }
  const inputs = { service: 'web', cluster: 'prod', alarms: WEB_ALARM, 'poll-interval': '1s', 'metrics-delay': '0s' }
  try {
    const release = await runAction({ inputs: { ...inputs, 'task-definition': 'web:2', stages: 'users:3s, 10%:10m, 100%' }, env })
    show('ECS: web:2, stages users:3s, 10%:10m, 100% (test traffic, then CANARY 10% for 10 ECS minutes)', release)

    emulator.ecs.crash('web:3', 0.3)
    const running = runAction({ inputs: { ...inputs, 'task-definition': 'web:3', stages: '10%:30m, 100%' }, env })
    let liveAt: number | undefined
    while (liveAt === undefined) {
      const d = emulator.ecs.deployments().find((x) => x.targetTaskDefinition.endsWith('web:3'))
      if (d && d.productionPercent > 0) liveAt = Date.now()
      else await new Promise((resolve) => setTimeout(resolve, 10))
    }
    const rollback = await running
    show('ECS: web:3 fails 30% of its requests behind green alarms, stages 10%:30m, 100%', rollback)
    const stop = emulator.calls().find((c) => c.operation === 'StopServiceDeployment' && c.at >= (liveAt ?? 0))
    if (stop) console.log(`\nCrashing revision live (10% of production) → StopServiceDeployment: ${stop.at - liveAt} ms (poll-interval 1s)`)
    const perPoll = /API calls per poll: (\d+)/.exec(rollback.stdout)?.[1]
    if (perPoll) console.log(`API calls per poll: ${perPoll} (DescribeServiceDeployments, DescribeAlarms, GetMetricData)`)
    console.log(
      `Deployments: ${emulator.ecs
        .deployments()
        .map((d) => `${d.targetTaskDefinition.split('/').at(-1)} ${d.status}`)
        .join(', ')}`,
    )
    return release.outputs['result'] === 'promoted' && rollback.outputs['result'] === 'rolled-back'
  } finally {
    emulator.elbv2.stopTraffic()
    await emulator.close()
  }
}

const only = (flag: string): boolean => process.argv.includes(flag)
if (!only('--alb') && !only('--ecs')) await main()
const albOk = only('--ecs') ? true : await serverCanary()
if (!only('--ecs'))
  console.log(
    albOk
      ? '\nServer canary demo finished: users, 10%, everyone; then a rollback on alarm, and one by the canary analysis of a crashing group.'
      : '\nServer canary demo did not go as expected.',
  )
const ecsOk = only('--alb') ? true : await ecsRelease()
if (!only('--alb'))
  console.log(
    ecsOk ? '\nECS demo finished: test users, 10%, everyone; then a crashing revision rolled back by the analysis.' : '\nECS demo did not go as expected.',
  )
if (!albOk || !ecsOk) process.exitCode = 1
