// The edge's protocol, spoken by the real @actions/core and read back the way the runner reads it
// (the e2e harness's parsers are the runner's stand-in): what a workflow sees in its outputs, log and summary.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as core from '@actions/core'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { parseFileCommands, parseWorkflowCommands } from '../e2e/runner.js'

const VARIABLES = ['GITHUB_OUTPUT', 'GITHUB_STATE', 'GITHUB_STEP_SUMMARY', 'INPUT_FUNCTION-NAME', 'INPUT_MY_INPUT', 'INPUT_GITHUB-TOKEN', 'STATE_rollout']
let dir: string
let stdout: string
let saved: Record<string, string | undefined>

/** A fresh edge: the toolkit not yet loaded, as at the start of a step. */
async function freshEdge(): Promise<typeof import('../../src/action/toolkit.js')> {
  vi.resetModules()
  return import('../../src/action/toolkit.js')
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'toolkit-'))
  saved = Object.fromEntries(VARIABLES.map((name) => [name, process.env[name]]))
  for (const name of ['GITHUB_OUTPUT', 'GITHUB_STATE', 'GITHUB_STEP_SUMMARY']) {
    const file = join(dir, name)
    writeFileSync(file, '')
    process.env[name] = file
  }
  stdout = ''
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk)
    return true
  })
})

afterEach(() => {
  vi.restoreAllMocks()
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name]
    else process.env[name] = value
  }
  process.exitCode = undefined
})

const file = (name: string): string => readFileSync(join(dir, name), 'utf8')

describe('the edge through @actions/core', () => {
  // Before any summary is written: the toolkit keeps the summary file's path once it has written to it.
  it('a runner without a job summary file (GITHUB_STEP_SUMMARY unset) gets a warning, never a failed step', async () => {
    delete process.env['GITHUB_STEP_SUMMARY']
    const edge = await freshEdge()
    await expect(edge.appendSummary('## lost')).rejects.toThrow(/GITHUB_STEP_SUMMARY/)
    const { applyResult } = await import('../../src/action/apply.js')
    await applyResult({ outputs: { result: 'promoted' }, summary: '## lost again', conclusion: 'Promoted version 2.' })
    expect(parseWorkflowCommands(stdout).map((c) => c.command)).toEqual(['warning'])
    expect(stdout).toContain('Promoted version 2.')
    expect(process.exitCode).toBeUndefined()
    expect(parseFileCommands(file('GITHUB_OUTPUT'))).toEqual({ result: 'promoted' })
  })

  it('appends to the job summary', async () => {
    await freshEdge()
    const { applyResult } = await import('../../src/action/apply.js')
    await applyResult({ outputs: { result: 'promoted' }, summary: '## Canary\n', settled: true })
    await applyResult({ outputs: {}, summary: '| stage |\n' })
    expect(file('GITHUB_STEP_SUMMARY')).toBe('## Canary\n| stage |\n')
  })

  it('reads inputs before the toolkit loads exactly as the toolkit does: by action.yml name, trimmed, unset as empty', async () => {
    process.env['INPUT_FUNCTION-NAME'] = '  orders \n'
    process.env['INPUT_MY_INPUT'] = 'x'
    const edge = await freshEdge()
    const names = ['function-name', 'my input', 'stages']
    const early = names.map((name) => edge.getInput(name))
    await edge.loadToolkit()
    expect(early).toEqual(names.map((name) => core.getInput(name)))
    expect(early).toEqual(['orders', 'x', ''])
    expect(names.map((name) => edge.getInput(name))).toEqual(early)
  })

  it('holds calls made before the toolkit loads, then writes them in order: the mask first', async () => {
    const edge = await freshEdge()
    edge.runner.setSecret('ghs_secret')
    edge.runner.saveState('isPost', 'true')
    edge.runner.startGroup('Stage 1: 10%')
    edge.runner.info('Shifted orders:live to 10% on version 2.')
    edge.runner.endGroup()
    expect(stdout).toBe('')
    await edge.loadToolkit()
    expect(parseWorkflowCommands(stdout)).toEqual([
      { command: 'add-mask', properties: {}, message: 'ghs_secret' },
      { command: 'group', properties: {}, message: 'Stage 1: 10%' },
      { command: 'endgroup', properties: {}, message: '' },
    ])
    expect(stdout.split('\n')[2]).toBe('Shifted orders:live to 10% on version 2.')
    expect(parseFileCommands(file('GITHUB_STATE'))).toEqual({ isPost: 'true' })
  })

  it('writes outputs and state the runner reads back whole, multi-line values and delimiter look-alikes included', async () => {
    const edge = await freshEdge()
    await edge.loadToolkit()
    const reason = 'Rolled back orders:live\nEOF\nresult<<EOF'
    edge.runner.setOutput('result', 'rolled-back')
    edge.runner.setOutput('reason', reason)
    edge.runner.saveState('rollout', '{"region":"us-east-1"}')
    expect(parseFileCommands(file('GITHUB_OUTPUT'))).toEqual({ result: 'rolled-back', reason })
    expect(parseFileCommands(file('GITHUB_STATE'))).toEqual({ rollout: '{"region":"us-east-1"}' })
    expect(stdout).toBe('')
  })

  it('reads back what main saved for the post step', async () => {
    process.env['STATE_rollout'] = '{"region":"eu-west-1"}'
    const edge = await freshEdge()
    expect(await edge.getState('rollout')).toBe('{"region":"eu-west-1"}')
    expect(await edge.getState('settled')).toBe('')
  })

  it('escapes messages, so a multi-line annotation stays one annotation and cannot start another command', async () => {
    const edge = await freshEdge()
    edge.runner.error('Alarm orders-errors fired\n::add-mask::nothing 100%')
    edge.runner.warning('slow: 50%\r\n')
    edge.runner.notice('held at 10%')
    await edge.loadToolkit()
    expect(parseWorkflowCommands(stdout)).toEqual([
      { command: 'error', properties: {}, message: 'Alarm orders-errors fired\n::add-mask::nothing 100%' },
      { command: 'warning', properties: {}, message: 'slow: 50%\r\n' },
      { command: 'notice', properties: {}, message: 'held at 10%' },
    ])
    expect(stdout.split('\n').filter(Boolean)).toHaveLength(3)
  })

  it('a failure is an error annotation and exit code 1', async () => {
    const edge = await freshEdge()
    edge.runner.setFailed('Rolled back orders:live')
    await edge.loadToolkit()
    expect(parseWorkflowCommands(stdout)).toEqual([{ command: 'error', properties: {}, message: 'Rolled back orders:live' }])
    expect(process.exitCode).toBe(1)
  })
})
