import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { InputError } from '../../src/core/errors.js'
import { readConfig } from '../../src/core/inputs.js'

/** The action.yml defaults, as the runner hands them over. */
const DEFAULTS: Record<string, string> = {
  alias: 'live',
  stages: 'Canary10Percent5Minutes',
  alarms: '',
  'poll-interval': '10s',
  'insufficient-data': 'alarm',
  mode: 'deploy',
  region: '',
}
const ENV = { AWS_REGION: 'eu-west-1' }

function configFrom(inputs: Record<string, string>, env: NodeJS.ProcessEnv = ENV) {
  const all = { ...DEFAULTS, ...inputs }
  return readConfig((name) => all[name] ?? '', env)
}

const minimal = { 'function-name': 'orders-api', version: '7' }

describe('readConfig', () => {
  it('fills defaults from action.yml', () => {
    const config = configFrom(minimal)
    expect(config).toMatchObject({
      mode: 'deploy',
      targets: [{ functionName: 'orders-api', alias: 'live', version: '7' }],
      alarms: { names: [], prefixes: [] },
      pollMs: 10_000,
      insufficientData: 'alarm',
      region: 'eu-west-1',
    })
    expect(config.stages).toEqual([
      { weight: 10, bakeMs: 300_000 },
      { weight: 100, bakeMs: 0 },
    ])
  })

  it('accepts function ARNs and partial ARNs', () => {
    const arn = 'arn:aws:lambda:eu-west-1:123456789012:function:orders-api'
    expect(configFrom({ ...minimal, 'function-name': arn }).targets).toEqual([{ functionName: arn, alias: 'live', version: '7' }])
    expect(configFrom({ ...minimal, 'function-name': `${arn}:prod` }).targets).toEqual([{ functionName: arn, alias: 'prod', version: '7' }])
    expect(configFrom({ ...minimal, 'function-name': '123456789012:function:orders-api' }).targets[0]?.functionName).toBe('123456789012:function:orders-api')
  })

  it('takes several functions, one per line, each optionally name:alias', () => {
    const config = configFrom({ 'function-name': 'orders\nbilling:prod\n\nemails', version: '4', alias: 'blue' })
    expect(config.targets).toEqual([
      { functionName: 'orders', alias: 'blue', version: '4' },
      { functionName: 'billing', alias: 'prod', version: '4' },
      { functionName: 'emails', alias: 'blue', version: '4' },
    ])
  })

  it('takes one version per function, in order', () => {
    const config = configFrom({ 'function-name': 'orders\nbilling', version: '4\n9' })
    expect(config.targets.map((t) => t.version)).toEqual(['4', '9'])
    expect(() => configFrom({ 'function-name': 'orders\nbilling\nemails', version: '4\n9' })).toThrow('Input version: gives 2 versions for 3 functions')
  })

  it('refuses a function listed twice', () => {
    expect(() => configFrom({ 'function-name': 'orders\norders:live', version: '1' })).toThrow('lists "orders:live" twice')
  })

  it('reads alarm prefixes written with a trailing *', () => {
    expect(configFrom({ ...minimal, alarms: 'orders-*, exact' }).alarms).toEqual({ names: ['exact'], prefixes: ['orders-'] })
  })

  it('splits alarms on commas and newlines and drops duplicates', () => {
    expect(configFrom({ ...minimal, alarms: 'a, b\nc\n\na' }).alarms.names).toEqual(['a', 'b', 'c'])
  })

  it('needs no version in rollback mode', () => {
    expect(configFrom({ 'function-name': 'orders-api', mode: 'rollback' }).targets[0]?.version).toBeUndefined()
  })

  it.each([
    ['function-name', { version: '7' }, 'Input function-name: is required'],
    ['function-name', { ...minimal, 'function-name': 'orders api' }, '"orders api" is not a Lambda function name'],
    ['function-name', { ...minimal, 'function-name': 'arn:aws:lambda:eu-west-1:123456789012:function:orders-api:7' }, '"7" is not an alias name'],
    ['version', { 'function-name': 'orders-api' }, 'Input version: is required in deploy mode'],
    ['version', { ...minimal, version: '$LATEST' }, '"$LATEST" is not a published version'],
    ['version', { ...minimal, version: '0' }, '"0" is not a published version'],
    ['alias', { ...minimal, alias: '123' }, '"123" is not an alias name'],
    ['stages', { ...minimal, stages: '50%:1m, 10%' }, 'Input stages: "10%": weights must strictly increase'],
    ['poll-interval', { ...minimal, 'poll-interval': '500ms' }, '"500ms" is not a duration'],
    ['poll-interval', { ...minimal, 'poll-interval': '0.5s' }, '"0.5s" is below the minimum of 1s'],
    ['insufficient-data', { ...minimal, 'insufficient-data': 'ignore' }, '"ignore" is not one of alarm, ok'],
    ['mode', { ...minimal, mode: 'yolo' }, '"yolo" is not one of deploy, rollback'],
    ['region', { ...minimal, region: 'moon-1' }, '"moon-1" is not an AWS region'],
    ['alarms', { ...minimal, alarms: 'x'.repeat(256) }, 'is not a CloudWatch alarm name'],
  ])('rejects a bad %s and names the value', (input, inputs, message) => {
    const attempt = () => configFrom(inputs)
    expect(attempt).toThrow(InputError)
    expect(attempt).toThrow(message)
    try {
      attempt()
    } catch (error) {
      expect((error as InputError).input).toBe(input)
    }
  })

  it('needs a region from the input or the environment', () => {
    expect(() => configFrom(minimal, {})).toThrow('Input region: is not set')
    expect(configFrom({ ...minimal, region: 'ap-southeast-2' }, {}).region).toBe('ap-southeast-2')
  })

  it('quotes hostile input so it can never start a workflow command (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('function-name', 'version', 'alias', 'stages', 'poll-interval', 'mode'),
        fc.oneof(fc.string(), fc.constantFrom('::set-output name=result::promoted', 'x%0A::error::pwned', 'a\n::warning::b', '\r\n::add-mask::x')),
        (input, value) => {
          try {
            configFrom({ ...minimal, [input]: value })
          } catch (error) {
            const message = (error as Error).message
            expect(message.startsWith('Input ')).toBe(true)
            // The value is JSON-quoted: no raw newline can smuggle a command onto its own line.
            expect(message).not.toMatch(/[\r\n]/)
          }
        },
      ),
      { numRuns: 2000 },
    )
  })
})
