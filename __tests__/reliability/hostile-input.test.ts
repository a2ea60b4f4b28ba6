/**
 * Hostile input. In-process, thousands of fast-check cases against readConfig: it either returns
 * a sane config or throws an InputError that names the input and quotes the offending value on a
 * single line. End to end, a few dozen of the rejected cases through dist/: every rejection comes
 * before any AWS call, and nothing a user typed becomes a workflow command.
 */
import { readFileSync } from 'node:fs'
import fc from 'fast-check'
import { parse } from 'yaml'
import { afterAll, describe, expect, it } from 'vitest'
import { InputError } from '../../src/core/errors.js'
import { readConfig } from '../../src/core/inputs.js'
import { actionInputs, parseWorkflowCommands, type ActionRun } from '../e2e/runner.js'
import { brief, describeRun, Figures, pool, routing, runOn, seedFunction, waitUntil, withEmulator } from './helpers.js'

const figures = new Figures('hostile-input')
afterAll(() => figures.flush())

const SEED = 777
const VALID: Record<string, string> = {
  'function-name': 'orders',
  alias: 'live',
  version: '2',
  stages: '10%:1s, 100%',
  alarms: 'orders-errors',
  'poll-interval': '1s',
  'insufficient-data': 'alarm',
  mode: 'deploy',
  region: 'us-east-1',
}
const ENV = { AWS_REGION: 'us-east-1' }

/** Workflow commands and other payloads an attacker (a PR title, a branch name) could plant in an input. */
const PAYLOADS = [
  '::set-output name=result::promoted',
  '%0A::error::x',
  '\n::add-mask::hunter2',
  '\r\n::stop-commands::tok',
  '\n::set-env name=NODE_OPTIONS::--require=/tmp/x',
  '\n##[set-output name=result;]promoted',
  '::save-state name=settled::true',
  '%0D%0A::warning::w',
  '%25',
  '\u2028::error::ls',
  '\u0085::error::nel',
  '"',
  '\\',
  '${{ secrets.GITHUB_TOKEN }}',
  '$(id)',
  '<script>alert(1)</script>',
  '|',
  '\t',
]
/** Fragments of valid-looking values, so generated inputs get past the easy checks too. */
const FRAGMENTS = [
  '10%',
  '50%',
  '100%',
  ':',
  ':5m',
  ':1s',
  ':0s',
  ',',
  '\n',
  ' ',
  '0.5%',
  '0.0001%',
  '100.000%',
  '101%',
  '0%',
  '-5%',
  '1e2%',
  'orders',
  'orders:live',
  'arn:aws:lambda:us-east-1:123456789012:function:orders',
  '123456789012:function:orders',
  ':function:',
  ':1',
  '1',
  '0',
  '01',
  '$LATEST',
  '9999999999',
  '99999999999',
  '1.5h',
  '72h',
  '73h',
  '0.9995s',
  '999ms',
  '1m',
  '*',
  'Canary10Percent5Minutes',
  'CodeDeployDefault.Lambda',
  'AllAtOnce',
  'a'.repeat(64),
  'a'.repeat(65),
  'x'.repeat(256),
  'us-east-1',
  'eu-west-1',
  'deploy',
  'rollback',
]

const hostile = fc
  .array(
    fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...FRAGMENTS) },
      { weight: 2, arbitrary: fc.constantFrom(...PAYLOADS) },
      { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
      { weight: 1, arbitrary: fc.string({ unit: 'grapheme-ascii', maxLength: 20 }) },
    ),
    { maxLength: 8 },
  )
  .map((parts) => parts.join(''))

// Inputs the action declares; newer ones get fuzzed too when action.yml has them.
for (const [name, value] of Object.entries({ 'max-hold': '', 'github-status': 'none', 'github-environment': '' })) {
  if (actionInputs().has(name)) VALID[name] = value
}
const INPUT_NAMES = Object.keys(VALID).filter((name) => actionInputs().has(name))
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/

/** Messages that have no value to quote. */
const NOTHING_TO_QUOTE = /is required|is not set|no stages given|lists \d+ functions|gives \d+ versions/

/** JSON string literals in a message, decoded (a `…"`-truncated one decodes to its prefix). */
function quotedValues(message: string): string[] {
  const out: string[] = []
  for (const match of message.matchAll(/"(?:[^"\\]|\\.)*"/g)) {
    let literal = match[0]
    if (literal.endsWith('…"')) literal = `${literal.slice(0, -2).replace(/\\(u[0-9a-fA-F]{0,3})?$/, '')}"`
    try {
      out.push(JSON.parse(literal) as string)
    } catch {
      // not a JSON string (e.g. part of a preset hint)
    }
  }
  return out
}

interface Verdict {
  readonly ok: boolean
  readonly input?: string
  readonly message?: string
}

function judge(inputs: Record<string, string>): Verdict {
  try {
    const config = readConfig((name) => inputs[name] ?? '', ENV) as unknown as LooseConfig
    checkConfig(config)
    return { ok: true }
  } catch (error) {
    if (!(error instanceof InputError)) throw error
    return { ok: false, input: error.input, message: error.message }
  }
}

interface LooseConfig {
  stages: { weight: number; bakeMs: number }[]
  pollMs: number
  region: string
  targets?: { functionName: string; alias: string; version?: string }[]
}

/** An accepted config is a sane one. */
function checkConfig(config: LooseConfig): void {
  expect(config.stages.length).toBeGreaterThan(0)
  config.stages.forEach((stage, i) => {
    expect(stage.weight).toBeGreaterThan(0)
    expect(stage.weight).toBeLessThanOrEqual(100)
    expect(Math.round(stage.weight * 1000) / 1000).toBe(stage.weight)
    expect(Number.isFinite(stage.bakeMs) && stage.bakeMs >= 0 && stage.bakeMs <= 72 * 3_600_000).toBe(true)
    if (i > 0) expect(stage.weight).toBeGreaterThan(config.stages[i - 1]?.weight ?? 0)
  })
  expect(config.pollMs).toBeGreaterThanOrEqual(1_000)
  expect(Number.isFinite(config.pollMs)).toBe(true)
  expect(config.region).toMatch(/^[a-z]{2}(-[a-z]+)+-\d+$/)
  for (const target of config.targets ?? []) {
    expect(target.functionName).toMatch(/^[\w:-]+$/)
    expect(target.alias).toMatch(/^[\w-]{1,128}$/)
    if (target.version !== undefined) expect(target.version).toMatch(/^[1-9]\d*$/)
  }
}

/** A rejection names a real input, fits on one line, and quotes (part of) the bad value. */
function checkRejection(verdict: Verdict, name: string | undefined, value: string | undefined): void {
  const message = verdict.message ?? ''
  expect(actionInputs().has(verdict.input ?? ''), message).toBe(true)
  expect(message.startsWith(`Input ${verdict.input}: `), message).toBe(true)
  // C0 controls (\n, \r, ...) would let a value start a new log line; see the separate test for C1/U+2028.
  expect(message, 'no raw C0 control characters (line breaks) in the message').not.toMatch(/[\u0000-\u001f]/)
  if (name === undefined || value === undefined) return
  expect(verdict.input, message).toBe(name)
  if (value.trim() === '' || NOTHING_TO_QUOTE.test(message)) return
  const quoted = quotedValues(message).filter((q) => q !== '')
  expect(
    quoted.some((q) => value.includes(q)),
    `message does not quote the ${name} input ${JSON.stringify(value)}: ${message}`,
  ).toBe(true)
}

const counts = { accepted: 0, rejected: 0 }

describe('hostile input, in process (readConfig)', () => {
  it.each(INPUT_NAMES)('%s: 1,500 hostile values are accepted sanely or rejected naming and quoting the value', (name) => {
    fc.assert(
      fc.property(hostile, (value) => {
        const verdict = judge({ ...VALID, [name]: value })
        if (verdict.ok) counts.accepted += 1
        else {
          counts.rejected += 1
          checkRejection(verdict, name, value)
        }
      }),
      { seed: SEED, numRuns: 1_500 },
    )
  })

  it('5,000 configs with every input hostile at once: never anything but a config or an InputError', () => {
    const everything = fc.record(Object.fromEntries(INPUT_NAMES.map((n) => [n, fc.oneof(hostile, fc.constant(VALID[n] ?? ''))])))
    fc.assert(
      fc.property(everything, (inputs) => {
        const started = performance.now()
        const verdict = judge(inputs as Record<string, string>)
        // A catastrophic regex takes seconds; 250 ms leaves room for a loaded 2-core machine.
        expect(performance.now() - started, 'readConfig must be fast (no catastrophic regex)').toBeLessThan(250)
        if (!verdict.ok) checkRejection(verdict, undefined, undefined)
      }),
      { seed: SEED + 1, numRuns: 5_000 },
    )
    figures.set('inProcess', { seed: SEED, cases: 5_000 + INPUT_NAMES.length * 1_500, singleInput: counts })
  })

  // quote() promises to escape control characters; JSON.stringify escapes only U+0000-U+001F.
  // NEL (U+0085, a C1 control the alarm-name check itself rejects) and U+2028/U+2029 go out raw,
  // and log viewers and editors render them as line breaks: a quoted value can still appear
  // to start a line of its own.
  it('the quoted value in an error has no raw C1 controls, DEL or Unicode line separators', () => {
    const offenders: string[] = []
    for (const ch of ['\u0085', '\u2028', '\u2029', '\u007f', '\u009b']) {
      for (const name of ['function-name', 'stages', 'alarms', 'poll-interval', 'mode']) {
        const verdict = judge({ ...VALID, [name]: `x${ch}::error::spoofed` })
        if (verdict.ok) continue
        if (/[\p{Cc}\u2028\u2029]/u.test(verdict.message ?? '')) offenders.push(`${name} with U+${ch.codePointAt(0)?.toString(16).padStart(4, '0')}`)
      }
    }
    figures.set('rawSeparatorsInMessages', offenders)
    expect(offenders).toEqual([])
  })

  it('long adversarial strings do not make validation slow', () => {
    const long = [
      `arn:aws:lambda:us${'-a'.repeat(20_000)}:123456789012:function:x!`,
      `${'1'.repeat(50_000)}%:${'9'.repeat(50_000)}x`,
      '10%:1s,'.repeat(20_000),
      `${' '.repeat(100_000)}x`,
      'a'.repeat(100_000),
    ]
    for (const value of long) {
      for (const name of INPUT_NAMES) {
        const started = performance.now()
        judge({ ...VALID, [name]: value })
        expect(performance.now() - started, `${name} = ${value.slice(0, 30)}…`).toBeLessThan(200)
      }
    }
  })
})

/** The only workflow commands the action itself writes to stdout (outputs and state go to files). */
const OWN_COMMANDS = new Set(['error', 'warning', 'notice', 'group', 'endgroup', 'debug'])
/** Every output action.yml declares, and nothing else. */
const OWN_OUTPUTS = new Set(Object.keys((parse(readFileSync(new URL('../../action.yml', import.meta.url), 'utf8')) as { outputs: object }).outputs))
const OWN_STATE = new Set(['isPost', 'rollout', 'settled'])

function checkNoInjection(run: ActionRun): void {
  const dump = describeRun(run)
  const commands = parseWorkflowCommands(run.stdout).map((c) => c.command)
  expect(
    commands.filter((c) => !OWN_COMMANDS.has(c) && c !== 'add-mask'),
    dump,
  ).toEqual([])
  expect(
    run.stdout.split('\n').filter((line) => line.trimStart().startsWith('##[')),
    dump,
  ).toEqual([])
  // The action masks its GitHub token input, and nothing else.
  const token = run.env['INPUT_GITHUB-TOKEN']
  expect(
    run.masks.filter((m) => m !== token),
    dump,
  ).toEqual([])
  expect(
    Object.keys(run.outputs).filter((k) => !OWN_OUTPUTS.has(k)),
    dump,
  ).toEqual([])
  expect(
    Object.keys(run.state).filter((k) => !OWN_STATE.has(k)),
    dump,
  ).toEqual([])
  expect(run.exportedEnv, dump).toEqual({})
  expect(run.addedPath, dump).toEqual([])
}

describe('hostile input, end to end (dist/index.js)', () => {
  it('36 rejected hostile inputs: refused before any AWS call, quoting the value, injecting nothing', async () => {
    // Pick hostile values readConfig rejects, spread over every input.
    const cases: { name: string; value: string; expected: string }[] = []
    const perInput = Math.ceil(36 / INPUT_NAMES.length)
    for (const [i, name] of INPUT_NAMES.entries()) {
      let found = 0
      for (const value of fc.sample(hostile, { seed: SEED + 10 + i, numRuns: 400 })) {
        if (found >= perInput || cases.length >= 36) break
        // NUL cannot go through an environment variable, and lone surrogates do not survive it either.
        if (value.includes('\0') || LONE_SURROGATE.test(value)) continue
        // Raw U+0085/U+2028/U+2029 in messages are the subject of their own test above (the harness's
        // command parser, a JS regex, also stops at U+2028 where the runner would not).
        if (/[\u0085\u2028\u2029]/.test(value)) continue
        const trimmed = value.trim()
        const verdict = judge({ ...VALID, [name]: trimmed })
        if (verdict.ok || trimmed === '' || NOTHING_TO_QUOTE.test(verdict.message ?? '')) continue
        cases.push({ name, value, expected: verdict.message ?? '' })
        found += 1
      }
    }
    expect(cases.length).toBeGreaterThanOrEqual(30)
    const results = await pool(
      6,
      cases.map(
        (c, index) => () =>
          withEmulator(900 + index, async (emulator) => {
            seedFunction(emulator, 'orders')
            emulator.seedAlarm('orders-errors', 'OK')
            const run = await runOn(emulator, { ...VALID, [c.name]: c.value })
            const dump = `${c.name} = ${JSON.stringify(c.value)}\n${describeRun(run)}`
            expect(run.exitCode, dump).not.toBe(0)
            expect(emulator.calls(), `AWS was called before the rejection\n${dump}`).toEqual([])
            expect(run.errors, dump).toHaveLength(1)
            const message = run.errors[0] ?? ''
            checkRejection({ ok: false, input: c.name, message }, c.name, c.value.trim())
            // Not compared verbatim with c.expected: dist/ may lag src/ by a rebuild (__tests__/dist.test.ts checks that).
            checkNoInjection(run)
            return { input: c.name, ms: run.durationMs }
          }),
      ),
    )
    figures.set('endToEndRejections', {
      cases: results.length,
      byInput: results.reduce<Record<string, number>>((a, r) => ({ ...a, [r.input]: (a[r.input] ?? 0) + 1 }), {}),
    })
  })

  // Printable alarm names are valid input: they reach the log, the summary and the outputs.
  const HOSTILE_ALARMS = [
    '::set-output name=result::promoted',
    '%0A::error::x',
    '::add-mask::hunter2',
    '##[set-output name=result;]promoted',
    '::stop-commands::tok',
    '::save-state name=settled::true',
  ]

  it('hostile alarm names that exist: the promote and the rollback log them without injecting a command', async () => {
    const [promoted, rolledBack, missing] = await Promise.all([
      withEmulator(950, async (emulator) => {
        seedFunction(emulator, 'orders')
        for (const name of HOSTILE_ALARMS) emulator.seedAlarm(name, 'OK')
        const run = await runOn(emulator, { ...VALID, alarms: HOSTILE_ALARMS.join('\n') })
        expect(run.outputs, describeRun(run)).toEqual({
          result: 'promoted',
          reason: '',
          weight: '100',
          'stable-version': '1',
          'target-version': '2',
          alarm: '',
        })
        expect(routing(emulator, 'orders')).toEqual({ version: '2', weights: {} })
        checkNoInjection(run)
        return brief(run)
      }),
      withEmulator(951, async (emulator) => {
        seedFunction(emulator, 'orders')
        for (const name of HOSTILE_ALARMS) emulator.seedAlarm(name, 'OK')
        const running = runOn(emulator, { ...VALID, stages: '10%:20s, 100%', alarms: HOSTILE_ALARMS.join(',') })
        await waitUntil(() => emulator.aliasHistory().some((e) => e.accessKeyId !== null), 15_000, 'first shift')
        emulator.setAlarmState(HOSTILE_ALARMS[1] ?? '', 'ALARM', '\n::set-output name=result::promoted\n::add-mask::x %0A::error::reason')
        const run = await running
        expect(run.outputs, describeRun(run)).toEqual({
          result: 'rolled-back',
          reason: `alarm ${JSON.stringify(HOSTILE_ALARMS[1])} is ALARM`,
          weight: '0',
          'stable-version': '1',
          'target-version': '2',
          alarm: HOSTILE_ALARMS[1],
        })
        checkNoInjection(run)
        return brief(run)
      }),
      withEmulator(952, async (emulator) => {
        seedFunction(emulator, 'orders')
        const run = await runOn(emulator, { ...VALID, alarms: HOSTILE_ALARMS.join('\n') })
        expect(run.outputs['result'], describeRun(run)).toBe('refused')
        expect(run.errors.join('\n')).toContain(JSON.stringify(HOSTILE_ALARMS[0]))
        expect(emulator.state.lambda.history.filter((e) => e.accessKeyId !== null)).toEqual([])
        checkNoInjection(run)
        return brief(run)
      }),
    ])
    figures.set('hostileAlarmNames', { promoted, rolledBack, missing })
  })
})
