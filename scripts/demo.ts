/**
 * npm run demo: two canary releases of a Lambda alias on the built-in AWS emulator, run from
 * the bundled dist/ exactly as the GitHub runner runs it. The first promotes; in the second an
 * alarm fires mid-bake and the action rolls back. Needs no AWS account and no Python.
 */
import { startEmulator, type Emulator } from '../emulator/server.js'
import { runAction, unescapeData, type ActionRun } from '../__tests__/e2e/runner.js'

const FUNCTION = 'orders-api'
const ALARM = 'orders-api-errors'

/** Renders the workflow commands in a log the way the Actions UI shows them. */
function render(stdout: string): string {
  return stdout
    .split('\n')
    .filter((line) => !line.startsWith('::save-state') && !line.startsWith('::endgroup::') && line !== '')
    .map((line) => {
      const command = /^::(group|error|warning|notice)(?: [^:]*)?::(.*)$/.exec(line)
      if (!command) return `    ${line}`
      const [, kind = '', message = ''] = command
      const text = unescapeData(message)
      if (kind === 'group') return `  ▸ ${text}`
      return `    ${kind.toUpperCase()}: ${text}`
    })
    .join('\n')
}

function show(title: string, run: ActionRun): void {
  console.log(`\n━━━ ${title} ━━━`)
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

async function main(): Promise<void> {
  const emulator = await startEmulator()
  console.log(`Built-in AWS emulator on ${emulator.url}`)
  emulator.seedFunction(FUNCTION, { versions: 3 })
  emulator.seedAlias(FUNCTION, 'live', '1')
  emulator.seedAlarm(ALARM, 'OK')
  console.log(`Seeded ${FUNCTION} with versions 1–3, ${aliasLine(emulator)}, alarm ${ALARM} OK`)

  const inputs = { 'function-name': FUNCTION, alias: 'live', alarms: ALARM, 'poll-interval': '1s' }
  const env = { AWS_ENDPOINT_URL: emulator.url }
  try {
    const promote = await runAction({ inputs: { ...inputs, version: '2', stages: '10%:3s, 50%:3s, 100%' }, env })
    show('Release 1: version 2, stages 10%:3s, 50%:3s, 100%', promote)
    console.log(`\nAfter release 1: ${aliasLine(emulator)}`)

    const running = runAction({ inputs: { ...inputs, version: '3', stages: '20%:10s, 100%' }, env })
    await waitForCanary(emulator, '3')
    await new Promise((resolve) => setTimeout(resolve, 2_000))
    const firedAt = Date.now()
    emulator.setAlarmState(ALARM, 'ALARM', 'Threshold Crossed: 1 datapoint [7.0] was greater than or equal to the threshold (1.0).')
    console.log(`\n(demo) set ${ALARM} to ALARM while version 3 takes 20%`)
    const rollback = await running
    show('Release 2: version 3, stages 20%:10s, 100% — the alarm fires mid-bake', rollback)

    const rollbackWrite = emulator.aliasHistory().find((entry) => entry.at >= firedAt && entry.function === FUNCTION && Object.keys(entry.weights).length === 0)
    console.log(`\nAfter release 2: ${aliasLine(emulator)}`)
    if (rollbackWrite) console.log(`Alarm to rollback write: ${rollbackWrite.at - firedAt} ms (poll-interval 1s)`)
    const ok = promote.exitCode === 0 && rollback.exitCode === 1 && rollback.outputs['result'] === 'rolled-back'
    console.log(ok ? '\nDemo finished: one promote, one rollback on alarm.' : '\nDemo did not go as expected.')
    process.exitCode = ok ? 0 : 1
  } finally {
    emulator.seedAlarm(ALARM, 'OK')
    await emulator.close()
  }
}

await main()
