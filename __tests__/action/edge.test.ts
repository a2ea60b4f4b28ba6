// The edge through @actions/core: what the step tells the runner, with the toolkit faked (__fixtures__/core.ts).
import { beforeEach, describe, expect, it, vi } from 'vitest'
import * as core from '../../__fixtures__/core.js'

vi.mock('@actions/core', () => import('../../__fixtures__/core.js'))

const { applyResult } = await import('../../src/action/apply.js')
const { run: runMain } = await import('../../src/action/main.js')
const { run: runPost } = await import('../../src/action/post.js')
// Loaded up front here: the calls made before it loads are src/action/toolkit.ts's business (toolkit.test.ts).
await (await import('../../src/action/toolkit.js')).loadToolkit()

/** Inputs by name, as the runner passes them (every unset input reads as ''). */
function inputs(values: Record<string, string>): void {
  core.getInput.mockImplementation((name) => values[name] ?? '')
}

beforeEach(() => core.resetCore())

describe('applyResult', () => {
  it('writes outputs, the summary and the closing line; a settled step tells the post step', async () => {
    await applyResult({ outputs: { result: 'promoted', weight: '100' }, summary: '## ok', conclusion: 'Promoted version 2.', settled: true })
    expect(core.setOutput.mock.calls).toEqual([
      ['result', 'promoted'],
      ['weight', '100'],
    ])
    expect(core.summary.written).toEqual(['## ok'])
    expect(core.saveState).toHaveBeenCalledWith('settled', 'true')
    expect(core.info).toHaveBeenCalledWith('Promoted version 2.')
    expect(core.setFailed).not.toHaveBeenCalled()
  })

  it('a missing job summary file (GITHUB_STEP_SUMMARY unset) is a warning, never a failed promotion', async () => {
    core.summary.write.mockRejectedValueOnce(new Error('Unable to find environment variable for $GITHUB_STEP_SUMMARY.'))
    await applyResult({ outputs: { result: 'promoted' }, summary: '## ok', conclusion: 'Promoted version 2.', settled: true })
    expect(core.setFailed).not.toHaveBeenCalled()
    expect(core.warning).toHaveBeenCalledWith(expect.stringContaining('Could not write the job summary'))
    expect(core.setOutput).toHaveBeenCalledWith('result', 'promoted')
  })

  it('a missing job summary file does not hide the real failure', async () => {
    core.summary.write.mockRejectedValueOnce(new Error('no summary file'))
    await applyResult({ outputs: { result: 'rolled-back' }, summary: '## rolled back', failure: 'Rolled back orders:live' })
    expect(core.setFailed).toHaveBeenCalledWith('Rolled back orders:live')
  })

  it('a hold is a notice annotation', async () => {
    await applyResult({ outputs: { result: 'held' }, notice: 'Traffic is split: 10% on version 2.' })
    expect(core.notice).toHaveBeenCalledWith('Traffic is split: 10% on version 2.')
  })
})

describe('main step', () => {
  it('an invalid input sets result: refused and reason, with one error: the failure itself', async () => {
    inputs({ 'function-name': 'orders', version: '2', stages: '10%:5m 50%:10m 100%', region: 'us-east-1' })
    await runMain()
    expect(core.setOutput).toHaveBeenCalledWith('result', 'refused')
    const reason = core.setOutput.mock.calls.find(([name]) => name === 'reason')?.[1]
    expect(reason).toMatch(/^Input stages: /)
    expect(core.setFailed).toHaveBeenCalledTimes(1)
    expect(core.setFailed).toHaveBeenCalledWith(reason)
    expect(core.error).not.toHaveBeenCalled()
  })

  it('masks the GitHub token before anything else', async () => {
    inputs({ 'github-token': 'ghs_secret', version: '' })
    await runMain()
    expect(core.setSecret).toHaveBeenCalledWith('ghs_secret')
    expect(core.setSecret.mock.invocationCallOrder[0]).toBeLessThan(core.setFailed.mock.invocationCallOrder[0] ?? 0)
  })
})

describe('post step', () => {
  it('does nothing when main saved no rollout', async () => {
    await runPost()
    expect(core.info).toHaveBeenCalledWith('Nothing to clean up.')
    expect(core.setFailed).not.toHaveBeenCalled()
  })

  it('does nothing when main settled its rollout', async () => {
    const saved = { region: 'us-east-1', aliases: [{ functionName: 'orders', alias: 'live', stable: '1', target: '2' }] }
    core.getState.mockImplementation((name) => (name === 'rollout' ? JSON.stringify(saved) : name === 'settled' ? 'true' : ''))
    await runPost()
    expect(core.info).toHaveBeenCalledWith('Nothing to clean up.')
  })
})
