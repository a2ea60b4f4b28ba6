import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startEmulator, type Emulator } from '../../emulator/server.js'
import { FakeGitHub } from '../../__fixtures__/fake-github.js'
import { describeRun, runAction } from './runner.js'

const TOKEN = 'ghs_e2eFakeToken0123456789abcdefABCDEF'

describe('GitHub statuses from the bundled action (loopback fake GitHub API)', () => {
  let emulator: Emulator
  let github: FakeGitHub
  beforeAll(async () => {
    emulator = await startEmulator()
    github = await FakeGitHub.start({ token: TOKEN })
  })
  afterAll(async () => {
    await emulator.close()
    await github.close()
  })

  const run = (fn: string, inputs: Record<string, string>) =>
    runAction({
      inputs: { 'function-name': fn, version: '2', stages: '10%:1s, 100%', 'poll-interval': '1s', 'metrics-delay': '0s', 'github-token': TOKEN, ...inputs },
      env: { AWS_ENDPOINT_URL: emulator.url, GITHUB_API_URL: github.url },
    })

  it('posts a commit status for each stage and the outcome', async () => {
    emulator.seedFunction('statuses', { versions: 2 })
    emulator.seedAlias('statuses', 'live', '1')
    const main = await run('statuses', { 'github-status': 'commit' })
    expect(main.failed, describeRun(main)).toBe(false)
    const mine = github.commitStatuses.filter((s) => s.context === 'canary/statuses:live')
    expect(mine.map((s) => [s.state, s.description])).toEqual([
      ['pending', 'canary of version 2 starting'],
      ['pending', 'stage 1/2: 10% on version 2'],
      ['pending', 'stage 2/2: 100% on version 2'],
      ['success', 'promoted version 2 to 100%'],
    ])
    expect(mine[0]?.target_url).toMatch(/\/actions\/runs\//)
    // The runner consumes ::add-mask:: lines; everything else it shows must not hold the token.
    const shown = main.stdout.split('\n').filter((line) => !line.startsWith('::add-mask::'))
    expect(main.masks).toContain(TOKEN)
    expect([...shown, main.stderr, main.summary].join('\n')).not.toContain(TOKEN.slice(8))
  })

  it('records a rollback as a failed deployment', async () => {
    emulator.seedFunction('deploys', { versions: 2 })
    emulator.seedAlias('deploys', 'live', '1')
    emulator.seedAlarm('deploys-errors', 'OK')
    const running = run('deploys', { 'github-status': 'deployment', stages: '10%:20s, 100%', alarms: 'deploys-errors' })
    while (!emulator.state.lambda.getFunction('deploys').aliases.get('live')?.weights['2']) await new Promise((r) => setTimeout(r, 50))
    emulator.setAlarmState('deploys-errors', 'ALARM', 'errors')
    const main = await running
    expect(main.outputs.result).toBe('rolled-back')
    const deployment = github.deployments.at(-1)
    expect(deployment?.environment).toBe('deploys:live')
    expect(deployment?.statuses.at(-1)).toMatchObject({ state: 'failure', description: 'rolled back: alarm deploys-errors' })
  })

  it('warns once and still promotes when the token lacks permission', async () => {
    emulator.seedFunction('forbidden', { versions: 2 })
    emulator.seedAlias('forbidden', 'live', '1')
    const main = await run('forbidden', { 'github-status': 'commit', 'github-token': 'ghs_wrongToken' })
    expect(main.outputs.result).toBe('promoted')
    expect(main.warnings.filter((w) => w.includes('statuses: write'))).toHaveLength(1)
  })
})
