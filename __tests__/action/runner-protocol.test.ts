// The edge's half of the runner protocol, read back the way the runner reads it (the e2e harness's
// parsers are the runner's stand-in): what a workflow sees in its outputs, log and summary.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import * as runner from '../../src/action/runner-protocol.js'
import { parseFileCommands, parseWorkflowCommands } from '../e2e/runner.js'

const VARIABLES = ['GITHUB_OUTPUT', 'GITHUB_STATE', 'GITHUB_STEP_SUMMARY', 'INPUT_FUNCTION-NAME', 'INPUT_MY_INPUT', 'STATE_rollout']
let dir: string
let stdout: string
let saved: Record<string, string | undefined>

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'runner-protocol-'))
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

describe('the runner protocol', () => {
  it('reads inputs by their action.yml names, trimmed, and an unset one as empty', () => {
    process.env['INPUT_FUNCTION-NAME'] = '  orders \n'
    process.env['INPUT_MY_INPUT'] = 'x'
    expect(runner.getInput('function-name')).toBe('orders')
    expect(runner.getInput('my input')).toBe('x')
    expect(runner.getInput('stages')).toBe('')
  })

  it('writes outputs and state the runner reads back whole, multi-line values and delimiter look-alikes included', () => {
    const reason = 'Rolled back orders:live\nEOF\nresult<<EOF'
    runner.setOutput('result', 'rolled-back')
    runner.setOutput('reason', reason)
    runner.saveState('rollout', '{"region":"us-east-1"}')
    expect(parseFileCommands(file('GITHUB_OUTPUT'))).toEqual({ result: 'rolled-back', reason })
    expect(parseFileCommands(file('GITHUB_STATE'))).toEqual({ rollout: '{"region":"us-east-1"}' })
    expect(stdout).toBe('')
  })

  it('reads back what main saved for the post step', () => {
    process.env['STATE_rollout'] = '{"region":"eu-west-1"}'
    expect(runner.getState('rollout')).toBe('{"region":"eu-west-1"}')
    expect(runner.getState('settled')).toBe('')
  })

  it('falls back to the stdout commands on a runner that predates GITHUB_OUTPUT and GITHUB_STATE', () => {
    delete process.env['GITHUB_OUTPUT']
    delete process.env['GITHUB_STATE']
    runner.setOutput('result', 'promoted')
    runner.saveState('settled', 'true')
    expect(parseWorkflowCommands(stdout)).toEqual([
      { command: 'set-output', properties: { name: 'result' }, message: 'promoted' },
      { command: 'save-state', properties: { name: 'settled' }, message: 'true' },
    ])
  })

  it('escapes messages, so a multi-line annotation stays one annotation and cannot start another command', () => {
    runner.error('Alarm orders-errors fired\n::add-mask::nothing 100%')
    runner.warning('slow: 50%\r\n')
    runner.notice('held at 10%')
    const commands = parseWorkflowCommands(stdout)
    expect(commands).toEqual([
      { command: 'error', properties: {}, message: 'Alarm orders-errors fired\n::add-mask::nothing 100%' },
      { command: 'warning', properties: {}, message: 'slow: 50%\r\n' },
      { command: 'notice', properties: {}, message: 'held at 10%' },
    ])
    expect(stdout.split('\n').filter(Boolean)).toHaveLength(3)
  })

  it('masks a secret with add-mask, groups the log, and writes plain lines as they are', () => {
    runner.setSecret('ghs_secret')
    runner.startGroup('Stage 1: 10%')
    runner.info('Shifted orders:live to 10% on version 2.')
    runner.endGroup()
    expect(parseWorkflowCommands(stdout)).toEqual([
      { command: 'add-mask', properties: {}, message: 'ghs_secret' },
      { command: 'group', properties: {}, message: 'Stage 1: 10%' },
      { command: 'endgroup', properties: {}, message: '' },
    ])
    expect(stdout.split('\n')[2]).toBe('Shifted orders:live to 10% on version 2.')
  })

  it('a failure is an error annotation and exit code 1', () => {
    runner.setFailed('Rolled back orders:live')
    expect(parseWorkflowCommands(stdout)).toEqual([{ command: 'error', properties: {}, message: 'Rolled back orders:live' }])
    expect(process.exitCode).toBe(1)
  })

  it('appends to the job summary, and rejects with the reason when the runner gives no summary file', async () => {
    await runner.appendSummary('## Canary\n')
    await runner.appendSummary('| stage |\n')
    expect(file('GITHUB_STEP_SUMMARY')).toBe('## Canary\n| stage |\n')
    delete process.env['GITHUB_STEP_SUMMARY']
    await expect(runner.appendSummary('## lost')).rejects.toThrow(/GITHUB_STEP_SUMMARY is not set/)
  })
})
